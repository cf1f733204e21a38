"""Fixtures: a fresh database per test (SQLite file or PostgreSQL), the app, and named personas.

Personas encode the access model: ``agent`` works in Support, ``other_agent`` works in Billing,
``admin`` sees everything, ``customer`` and ``other_customer`` see only their own tickets.
Set HELPLINE_TEST_DATABASE_URL=postgresql+psycopg://user@host/db to run on PostgreSQL.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from helpline.accounts.service import actor_for_user, add_team_member, create_team, create_token, create_user
from helpline.app import create_app
from helpline.core.actor import SYSTEM, Actor
from helpline.core.db import Database
from helpline.core.migrate import upgrade
from helpline.core.settings import Settings
from helpline.customers.service import create_customer

PG_URL = os.environ.get("HELPLINE_TEST_DATABASE_URL", "")


@pytest.fixture(scope="session")
def database_template(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Iterator[str]:
    """Migrate once per test worker: a template SQLite file, or a PostgreSQL database (named by
    worker and process, so two test runs against one server never share a database)."""
    if not PG_URL:
        path = tmp_path_factory.mktemp("template") / "template.db"
        upgrade(f"sqlite:///{path}")
        yield str(path)
        return
    name = f"helpline_test_{worker_id}_{os.getpid()}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    upgrade(url)
    yield url
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def database_url(database_template: str, tmp_path: Path) -> str:
    if not PG_URL:
        target = tmp_path / "helpline.db"
        shutil.copyfile(database_template, target)
        return f"sqlite:///{target}"
    engine = create_engine(database_template)
    tables = [t for t in inspect(engine).get_table_names() if t != "alembic_version"]
    with engine.begin() as conn:
        conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
    engine.dispose()
    return database_template


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(env="test", database_url=database_url, data_dir=tmp_path, embedded_worker=False)


@pytest.fixture
def db(settings: Settings) -> Iterator[Database]:
    database = Database(settings.effective_database_url)
    yield database
    database.dispose()


@pytest.fixture
def app(settings: Settings, db: Database) -> FastAPI:
    return create_app(settings, db, run_worker=False)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


@dataclass
class Persona:
    """Someone calling the API with their own token."""

    name: str
    id: int
    token: str
    client: TestClient
    actor: Actor | None = None

    def _h(self, kw: dict[str, Any]) -> dict[str, str]:
        return {**kw.pop("headers", {}), "Authorization": f"Bearer {self.token}"}

    def get(self, url: str, **kw: Any) -> httpx.Response:
        return self.client.get(url, headers=self._h(kw), **kw)

    def post(self, url: str, json: Any = None, **kw: Any) -> httpx.Response:
        return self.client.post(url, json=json, headers=self._h(kw), **kw)

    def patch(self, url: str, json: Any = None, **kw: Any) -> httpx.Response:
        return self.client.patch(url, json=json, headers=self._h(kw), **kw)

    def delete(self, url: str, **kw: Any) -> httpx.Response:
        return self.client.delete(url, headers=self._h(kw), **kw)


@dataclass
class World:
    admin: Persona
    agent: Persona
    other_agent: Persona
    customer: Persona
    other_customer: Persona
    support_team_id: int
    billing_team_id: int


@pytest.fixture
def world(db: Database, client: TestClient) -> World:
    with db.transaction() as s:
        support = create_team(s, SYSTEM, name="Support")
        billing = create_team(s, SYSTEM, name="Billing")
        admin = create_user(s, SYSTEM, email="ada@helpline.test", name="Ada Admin", role="admin")
        agent = create_user(s, SYSTEM, email="sam@helpline.test", name="Sam Support")
        other = create_user(s, SYSTEM, email="bo@helpline.test", name="Bo Billing")
        add_team_member(s, SYSTEM, support.id, agent.id)
        add_team_member(s, SYSTEM, billing.id, other.id)
        cust = create_customer(s, SYSTEM, name="Carla Customer", identities=[("email", "carla@example.com")])
        other_cust = create_customer(s, SYSTEM, name="Omar Other", identities=[("email", "omar@example.com")])
        people = []
        for label, user_id, cust_id in (
            ("admin", admin.id, None),
            ("agent", agent.id, None),
            ("other_agent", other.id, None),
            ("customer", None, cust.id),
            ("other_customer", None, other_cust.id),
        ):
            issued = create_token(s, SYSTEM, name=label, user_id=user_id, customer_id=cust_id)
            actor = (
                actor_for_user(s, admin if label == "admin" else agent if label == "agent" else other)
                if user_id
                else None
            )
            people.append(Persona(label, user_id or cust_id or 0, issued.secret, client, actor))
        ids = (support.id, billing.id)
    return World(*people, support_team_id=ids[0], billing_team_id=ids[1])


def new_ticket(persona: Persona, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "subject": "My order has not arrived",
        "customer": {"email": "carla@example.com", "name": "Carla Customer"},
        "message": {"text": "Hello, I ordered a kettle two weeks ago and it has not arrived."},
    }
    body.update(overrides)
    response = persona.post("/api/v1/tickets", json=body)
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()
    return data
