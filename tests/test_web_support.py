"""Helpers shared by the web UI tests (no tests here): an app with the web UI, browsers, sign-in."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx2 as httpx
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import event, update

from helpline.accounts.models import User
from helpline.accounts.security import hash_password
from helpline.core.actor import SYSTEM
from helpline.core.db import Database
from helpline.customers.service import find_by_identity
from helpline.tickets.service import NewMessage, create_ticket
from helpline.web import install
from tests.conftest import World

PASSWORD = "correct horse battery staple"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Web:
    app: FastAPI
    db: Database
    world: World

    def browser(self) -> TestClient:
        """A fresh browser: its own cookie jar, no redirects followed automatically."""
        return TestClient(self.app, raise_server_exceptions=False, follow_redirects=False)

    def agent(self, email: str = "sam@helpline.test") -> TestClient:
        client = self.browser()
        response = sign_in(client, email)
        assert response.status_code == 303, response.text
        return client


def setup_web(app: FastAPI, db: Database, world: World) -> Web:
    install(app)
    ids = [world.admin.id, world.agent.id, world.other_agent.id]
    with db.transaction() as s:
        # One argon2 hash per test process (hashing is deliberately slow); sign-in still verifies it.
        s.execute(update(User).where(User.id.in_(ids)).values(password_hash=password_hash()))
    return Web(app, db, world)


@functools.cache
def password_hash() -> str:
    return hash_password(PASSWORD)


def csrf_of(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "no CSRF token in the page"
    return match.group(1)


def sign_in(client: TestClient, email: str, password: str = PASSWORD, **extra: Any) -> httpx.Response:
    token = csrf_of(client.get("/agent/login").text)
    return client.post(
        "/agent/login", data={"email": email, "password": password, "csrf_token": token, **extra}
    )


def form_post(client: TestClient, page: str, url: str, data: dict[str, str], **kw: Any) -> httpx.Response:
    """Submit a form the way a browser does: with the CSRF token of the page it came from."""
    token = csrf_of(client.get(page).text)
    return client.post(url, data={"csrf_token": token, **data}, **kw)


def make_ticket(
    db: Database,
    subject: str,
    text: str = "Something is wrong with my order.",
    *,
    email: str = "carla@example.com",
    **fields: Any,
) -> int:
    """A ticket created through the service layer (quicker than the API when many are needed)."""
    with db.transaction() as s:
        customer = find_by_identity(s, "email", email)
        assert customer is not None
        ticket = create_ticket(
            s, SYSTEM, subject=subject, requester=customer, message=NewMessage(text=text), **fields
        )
        return ticket.id


@contextmanager
def count_queries(db: Database) -> Iterator[list[str]]:
    statements: list[str] = []

    def record(*args: Any) -> None:
        statements.append(str(args[2]))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
