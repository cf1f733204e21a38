"""IMAP polling against a real IMAP server (pymap) on loopback: no skips, no repeats."""

from __future__ import annotations

import imaplib
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from sqlalchemy import func, select, update

from helpline.audit.models import AuditEntry
from helpline.core.db import Database
from helpline.email.models import InboundEmail, Mailbox
from helpline.outbox.runner import OutboxRunner
from helpline.tickets.models import Ticket
from tests.conftest import World
from tests.email_helpers import free_port, make_email
from tests.test_web_support import form_post, setup_web

PYMAP = shutil.which("pymap") or str(Path(sys.executable).with_name("pymap"))


@pytest.fixture
def imap_server() -> Iterator[int]:
    if not Path(PYMAP).exists():
        pytest.skip("pymap (an IMAP server for tests) is not installed")
    port = free_port()
    proc = subprocess.Popen(
        [
            PYMAP,
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--no-service",
            "admin",
            "dict",
            "--demo-user",
            "support",
            "--demo-password",
            "imap-secret",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            imaplib.IMAP4("127.0.0.1", port, timeout=2).logout()
            break
        except OSError:
            time.sleep(0.1)
    yield port
    proc.terminate()
    proc.wait(10)


def append(port: int, raw: bytes) -> None:
    client = imaplib.IMAP4("127.0.0.1", port)
    client.login("support", "imap-secret")
    assert client.append("INBOX", None, None, raw)[0] == "OK"
    client.logout()


def count(db: Database, model: type) -> int:
    with db.read_sessions() as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


def test_polling_fetches_each_message_once(world: World, db: Database, imap_server: int) -> None:
    box = world.admin.post(
        "/api/v1/mailboxes",
        json={
            "address": "help@shop.test",
            "imap_host": "127.0.0.1",
            "imap_port": imap_server,
            "imap_security": "plain",
            "imap_username": "support",
            "imap_password": "imap-secret",
        },
    ).json()
    assert "imap_password" not in box
    with db.read_sessions() as s:
        sealed = s.scalar(select(Mailbox.imap_password).where(Mailbox.id == box["id"]))
    assert sealed and "imap-secret" not in sealed
    for i in range(3):
        append(imap_server, make_email(subject=f"Question {i}", sender=f"c{i}@example.com")[0])
    poll = world.admin.post(f"/api/v1/mailboxes/{box['id']}/poll").json()
    assert poll == {"fetched": 3, "new": 3, "error": None}
    assert world.admin.post(f"/api/v1/mailboxes/{box['id']}/poll").json()["fetched"] == 0
    append(imap_server, make_email(subject="Question 3", sender="c3@example.com")[0])
    assert world.admin.post(f"/api/v1/mailboxes/{box['id']}/poll").json() == {
        "fetched": 1,
        "new": 1,
        "error": None,
    }
    # A crash after storing but before moving the UID mark: everything is fetched again, nothing stored twice.
    with db.transaction() as s:
        s.execute(update(Mailbox).values(imap_last_uid=0))
    assert world.admin.post(f"/api/v1/mailboxes/{box['id']}/poll").json() == {
        "fetched": 4,
        "new": 0,
        "error": None,
    }
    OutboxRunner(db, name="test").drain()
    assert count(db, InboundEmail) == 4 and count(db, Ticket) == 4


def test_wrong_password_is_reported_not_raised(world: World, db: Database, imap_server: int) -> None:
    box = world.admin.post(
        "/api/v1/mailboxes",
        json={
            "address": "help@shop.test",
            "imap_host": "127.0.0.1",
            "imap_port": imap_server,
            "imap_security": "plain",
            "imap_username": "support",
            "imap_password": "wrong",
        },
    ).json()
    result = world.admin.post(f"/api/v1/mailboxes/{box['id']}/poll").json()
    assert result["fetched"] == 0 and "error" in result and result["error"]
    listed = world.admin.get("/api/v1/mailboxes").json()[0]
    assert listed["imap_last_error"] == result["error"]
    incomplete = world.admin.post(
        "/api/v1/mailboxes", json={"address": "x@shop.test", "imap_host": "imap.shop.test"}
    )
    assert incomplete.status_code == 422


def test_admin_sets_up_imap_on_the_mailbox_page(
    app: FastAPI, world: World, db: Database, imap_server: int
) -> None:
    web = setup_web(app, db, world)
    ada = web.agent("ada@helpline.test")
    page = "/agent/admin/mailboxes"
    fields = {
        "address": "help@shop.test",
        "auto_acknowledge": "1",
        "imap_host": "127.0.0.1",
        "imap_port": str(imap_server),
        "imap_security": "plain",
        "imap_username": "support",
        "imap_folder": "INBOX",
    }
    missing = form_post(ada, page, page, fields)
    assert missing.status_code == 422 and "needs a username and a password" in missing.text
    assert f'value="{imap_server}"' in missing.text  # what was typed is kept
    made = form_post(ada, page, page, fields | {"imap_password": "wrong-secret"})
    assert made.status_code == 303, made.text
    with db.read_sessions() as s:
        box = s.scalars(select(Mailbox)).one()
    assert box.imap_password and "wrong-secret" not in box.imap_password
    failed = world.admin.post(f"/api/v1/mailboxes/{box.id}/poll").json()
    assert failed["error"] and "Last fetch failed" in ada.get(page).text

    # Fix the password; the edit form never shows it, and leaving it empty later keeps it.
    edit = ada.get(f"{page}?edit={box.id}")
    assert "leave empty to keep it" in edit.text and "wrong-secret" not in edit.text
    fixed = form_post(ada, page, f"{page}/{box.id}", fields | {"imap_password": "imap-secret"})
    assert fixed.status_code == 303
    append(imap_server, make_email(subject="Where is my order?", sender="c1@example.com")[0])
    assert world.admin.post(f"/api/v1/mailboxes/{box.id}/poll").json() == {
        "fetched": 1,
        "new": 1,
        "error": None,
    }
    assert "Last fetched" in ada.get(page).text
    renamed = form_post(ada, page, f"{page}/{box.id}", fields | {"name": "Shop help"})
    assert renamed.status_code == 303
    append(imap_server, make_email(subject="And my invoice?", sender="c2@example.com")[0])
    assert world.admin.post(f"/api/v1/mailboxes/{box.id}/poll").json()["new"] == 1
    bad_port = form_post(ada, page, f"{page}/{box.id}", fields | {"imap_port": "ninety"})
    assert bad_port.status_code == 422 and "Give the port as a number" in bad_port.text

    # An empty server stops polling and forgets the credentials.
    stopped = form_post(ada, page, f"{page}/{box.id}", {"address": "help@shop.test", "imap_host": ""})
    assert stopped.status_code == 303
    with db.read_sessions() as s:
        again = s.get(Mailbox, box.id)
        assert again is not None and again.imap_host is None and again.imap_password is None
        changes = s.scalars(
            select(AuditEntry).where(AuditEntry.entity_type == "mailbox").order_by(AuditEntry.id)
        ).all()
    assert any((c.after or {}).get("imap_password") == "changed" for c in changes)
    assert not any("imap-secret" in str(c.after) or "imap-secret" in str(c.before) for c in changes)


def test_imap_settings_change_through_the_api(world: World, db: Database) -> None:
    box = world.admin.post("/api/v1/mailboxes", json={"address": "help@shop.test"}).json()
    url = f"/api/v1/mailboxes/{box['id']}"
    half = world.admin.patch(url, json={"imap_host": "imap.shop.test"})
    assert half.status_code == 422 and "username and a password" in half.text
    full = {"imap_host": "imap.shop.test", "imap_username": "support", "imap_password": "s3cret"}
    got = world.admin.patch(url, json=full).json()
    assert got["imap_host"] == "imap.shop.test" and got["imap_username"] == "support"
    assert "imap_password" not in got
    moved = world.admin.patch(url, json={"imap_folder": "Support"}).json()  # password kept
    assert moved["imap_folder"] == "Support" and moved["imap_last_uid"] == 0
    # The saved password goes only where it was given for: a new server or weaker security needs it again.
    elsewhere = world.admin.patch(url, json={"imap_host": "imap.evil.test"})
    assert elsewhere.status_code == 422 and "Enter the password again" in elsewhere.text
    weaker = world.admin.patch(url, json={"imap_security": "plain"})
    assert weaker.status_code == 422 and "Enter the password again" in weaker.text
    moved_on = world.admin.patch(url, json={"imap_host": "imap2.shop.test", "imap_password": "n3w"})
    assert moved_on.status_code == 200 and moved_on.json()["imap_host"] == "imap2.shop.test"
    assert world.agent.patch(url, json={"imap_host": ""}).status_code == 403
    assert world.admin.patch(url, json={"imap_host": None}).json()["imap_host"] is None
