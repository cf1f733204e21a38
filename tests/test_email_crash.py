"""kill -9 in the middle of an inbound stream: nothing accepted is lost, nothing is stored twice."""

from __future__ import annotations

import os
import signal
import smtplib
import subprocess
import sys
import time
from pathlib import Path

import httpx2 as httpx
import pytest
from sqlalchemy import select

from helpline.core.db import Database
from helpline.email.models import InboundEmail
from helpline.tickets.models import Message
from tests.email_helpers import free_port, make_email

pytestmark = pytest.mark.slow


def _start(env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "helpline", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise AssertionError("helpline serve did not come up")


def _send(smtp_port: int, raw: bytes) -> bool:
    try:
        with smtplib.SMTP("127.0.0.1", smtp_port, timeout=5) as client:
            return client.sendmail("carla@example.com", ["support@shop.test"], raw) == {}
    except (OSError, smtplib.SMTPException):
        return False


def test_kill_9_mid_ingest_loses_and_duplicates_nothing(tmp_path: Path, database_url: str) -> None:
    http_port, smtp_port = free_port(), free_port()
    env = {
        **os.environ,
        "HELPLINE_DATA_DIR": str(tmp_path),
        "HELPLINE_DATABASE_URL": database_url,
        "HELPLINE_SMTP_LISTEN": f"127.0.0.1:{smtp_port}",
        "HELPLINE_SMTP_RELAY_URL": "",
    }
    mails = [
        make_email(subject=f"Order {i} question", sender=f"c{i}@example.com", body=f"Message number {i}")
        for i in range(40)
    ]
    server = _start(env, http_port)
    accepted: set[str] = set()
    try:
        for i, (raw, mid) in enumerate(mails):
            if i == 20:
                server.send_signal(signal.SIGKILL)  # no goodbye, no flush
                server.wait(10)
            if _send(smtp_port, raw):
                accepted.add(mid)
        assert 0 < len(accepted) < len(mails)
        server = _start(env, http_port)
        # A real MTA retries what was not accepted; resend everything, accepted ones included.
        for raw, mid in mails:
            assert _send(smtp_port, raw), mid
        db = Database(database_url)
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                with db.read_sessions() as s:
                    pending = s.scalars(select(InboundEmail.id).where(InboundEmail.status == "stored")).all()
                if not pending:
                    break
                time.sleep(0.2)
            with db.read_sessions() as s:
                stored = s.scalars(select(InboundEmail.message_id)).all()
                ids = [m.get("message_id") for m in s.scalars(select(Message.meta)) if m]
        finally:
            db.dispose()
        assert sorted(stored) == sorted(mid for _, mid in mails)
        assert sorted(i for i in ids if i) == sorted(mid for _, mid in mails)  # each exactly once
        assert accepted <= set(stored)
    finally:
        server.kill()
        server.wait(10)
