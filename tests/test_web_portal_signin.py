"""Portal sign-in by email: a single-use, expiring link, sent through the outbox to a real SMTP sink."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from helpline.audit.models import AuditEntry
from helpline.core.db import Database, utcnow
from helpline.core.settings import Settings
from helpline.email import outbound
from helpline.outbox.runner import OutboxRunner
from helpline.portal.models import PortalSignInLink
from helpline.web.portal_signin import SignInLinkLimits
from tests.conftest import World
from tests.email_helpers import Sink, start_sink
from tests.test_web_support import Web, csrf_of, make_ticket, setup_web

SIGNIN = "/portal/signin"
LINK = re.compile(r"http://help\.shop\.test(/portal/signin/[A-Za-z0-9_-]+)")


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        env="test",
        database_url=database_url,
        data_dir=tmp_path,
        embedded_worker=False,
        base_url="http://help.shop.test",
    )


@pytest.fixture
def sink() -> Iterator[Sink]:
    box, controller = start_sink()
    outbound.configure(box.url, "support@shop.test")
    yield box
    outbound.configure("")
    controller.stop()


@pytest.fixture
def web(app: FastAPI, db: Database, world: World) -> Web:
    return setup_web(app, db, world)


def ask(browser: TestClient, address: str) -> str:
    token = csrf_of(browser.get(SIGNIN).text)
    response = browser.post(SIGNIN, data={"address": address, "csrf_token": token})
    assert response.status_code == 200, response.text
    return response.text


def link_from(sink: Sink, db: Database, to: str) -> str:
    OutboxRunner(db, name="test").drain()
    mail = [m for m in sink.messages if m["To"] == to][-1]
    assert mail["Subject"] == "Your sign-in link" and mail["Auto-Submitted"] == "auto-generated"
    found = LINK.search(mail.get_content())
    assert found, mail.get_content()
    return found.group(1)


def test_a_customer_signs_in_once_with_a_link_sent_by_email(web: Web, sink: Sink) -> None:
    make_ticket(web.db, "Kettle not delivered")
    browser = web.browser()
    assert "Email me a sign-in link" in browser.get(SIGNIN).text
    known = ask(browser, "Carla@Example.com")
    unknown = ask(browser, "nobody@example.com")
    # The same answer whether the address is a customer's or not.
    assert "we have sent a sign-in link to it. It works once, for 30 minutes." in known
    assert known.replace("Carla@Example.com", "X") == unknown.replace("nobody@example.com", "X")
    link = link_from(sink, web.db, "carla@example.com")
    assert [m["To"] for m in sink.messages] == ["carla@example.com"]  # nothing to the unknown address
    # Opening the link does not use it up (mail scanners open links); the button does.
    confirm = browser.get(link)
    assert confirm.status_code == 200 and confirm.headers["referrer-policy"] == "no-referrer"
    assert browser.get("/portal/").status_code == 401
    signed_in = browser.post(link, data={"csrf_token": csrf_of(confirm.text)})
    assert signed_in.status_code == 303 and signed_in.headers["location"] == "/portal/"
    assert "Kettle not delivered" in browser.get("/portal/").text
    assert browser.get(SIGNIN).headers["location"] == "/portal/"  # already signed in
    # Used once: a second click, in this browser or another, signs nobody in.
    stranger = web.browser()
    again = stranger.get(link)
    assert again.status_code == 401 and "This link is not valid or has expired." in again.text
    replay = stranger.post(link, data={"csrf_token": csrf_of(again.text)})
    assert replay.status_code == 401 and stranger.get("/portal/").status_code == 401
    with web.db.read_sessions() as s:
        actions = list(
            s.scalars(
                select(AuditEntry.action).where(AuditEntry.entity_type == "customer").order_by(AuditEntry.id)
            )
        )
    assert actions[-2:] == ["portal.signin_link.send", "portal.signin"], actions


def test_an_expired_link_signs_nobody_in(web: Web, sink: Sink) -> None:
    browser = web.browser()
    ask(browser, "carla@example.com")
    link = link_from(sink, web.db, "carla@example.com")
    confirm = browser.get(link)
    with web.db.transaction() as s:
        s.execute(update(PortalSignInLink).values(expires_at=utcnow() - dt.timedelta(seconds=1)))
    late = browser.post(link, data={"csrf_token": csrf_of(confirm.text)})
    assert late.status_code == 401 and "not valid or has expired" in late.text
    assert browser.get("/portal/").status_code == 401
    # The expired page offers a new link.
    assert 'href="/portal/signin"' in browser.get("/portal/login/forged.token").text


def test_asking_is_limited_per_address_and_per_client_alike_for_unknown_addresses(
    web: Web, sink: Sink
) -> None:
    browser = web.browser()
    for _ in range(3):
        ask(browser, "nobody@example.com")
    token = csrf_of(browser.get(SIGNIN).text)
    busy = browser.post(SIGNIN, data={"address": "Nobody@example.com", "csrf_token": token})
    assert busy.status_code == 429 and int(busy.headers["retry-after"]) > 0
    assert "Too many sign-in links were asked for." in busy.text and 'value="Nobody@example.com"' in busy.text
    web.app.state.portal_signin_limits = SignInLinkLimits(per_client=2)
    ask(browser, "a@example.com")
    ask(browser, "b@example.com")
    blocked = browser.post(SIGNIN, data={"address": "carla@example.com", "csrf_token": token})
    assert blocked.status_code == 429
    OutboxRunner(web.db, name="test").drain()
    assert sink.messages == []


def test_bad_input_is_explained_and_kept(web: Web, sink: Sink) -> None:
    browser = web.browser()
    forged = browser.post(SIGNIN, data={"address": "carla@example.com", "csrf_token": "forged"})
    assert forged.status_code == 403 and 'value="carla@example.com"' in forged.text
    assert "This form has expired. Please try again." in forged.text
    token = csrf_of(browser.get(SIGNIN).text)
    wrong = browser.post(SIGNIN, data={"address": "carla at example", "csrf_token": token})
    assert wrong.status_code == 422 and "Enter the email address you write to us from." in wrong.text
    assert 'value="carla at example"' in wrong.text and 'aria-invalid="true"' in wrong.text
    with web.db.read_sessions() as s:
        assert s.scalar(select(PortalSignInLink)) is None
