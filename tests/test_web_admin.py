"""Admin pages: people, teams and API tokens; agents cannot get in."""

from __future__ import annotations

import re

import pytest
from fastapi import FastAPI
from sqlalchemy import select

from helpline.accounts.models import ApiToken, Team, User
from helpline.core.db import Database
from tests.conftest import World
from tests.test_web_support import Web, form_post, setup_web, sign_in


@pytest.fixture
def web(app: FastAPI, db: Database, world: World) -> Web:
    return setup_web(app, db, world)


ADMIN = "/agent/admin/"


def test_agents_cannot_open_or_use_the_admin_pages(web: Web) -> None:
    sam = web.agent()
    assert sam.get(ADMIN).status_code == 403
    assert 'href="/agent/admin/"' not in sam.get("/agent/").text
    refused = form_post(sam, "/agent/", "/agent/admin/teams", {"name": "Sneaky"})
    assert refused.status_code == 403
    with web.db.read_sessions() as s:
        assert s.scalar(select(Team).where(Team.name == "Sneaky")) is None


def test_admin_adds_an_agent_who_can_then_sign_in(web: Web) -> None:
    ada = web.agent("ada@helpline.test")
    page = ada.get(ADMIN)
    assert page.status_code == 200 and "Sam Support" in page.text
    bad = form_post(
        ada, ADMIN, f"{ADMIN}users", {"name": "Nia New", "email": "not-an-email", "password": "x"}
    )
    assert (
        bad.status_code == 422
        and "This email address cannot be used: is not a valid email address" in bad.text
    )
    assert 'value="Nia New"' in bad.text and 'value="not-an-email"' in bad.text
    short = form_post(
        ada, ADMIN, f"{ADMIN}users", {"name": "Nia New", "email": "nia@helpline.test", "password": "x"}
    )
    assert short.status_code == 422 and "at least 10 characters" in short.text
    made = form_post(
        ada,
        ADMIN,
        f"{ADMIN}users",
        {"name": "Nia New", "email": "Nia@Helpline.test", "password": "a long enough password"},
    )
    assert made.status_code == 303 and "Account created." in ada.get(made.headers["location"]).text
    assert sign_in(web.browser(), "nia@helpline.test", "a long enough password").status_code == 303
    duplicate = form_post(ada, ADMIN, f"{ADMIN}users", {"name": "Nia Again", "email": "nia@helpline.test"})
    assert duplicate.status_code == 422 and "already exists" in duplicate.text


def test_admin_deactivates_an_agent_and_manages_teams(web: Web) -> None:
    w = web.world
    ada = web.agent("ada@helpline.test")
    sam_session = web.agent()
    assert form_post(ada, ADMIN, f"{ADMIN}users/{w.agent.id}", {"active": ""}).status_code == 303
    assert sam_session.get("/agent/").status_code == 303  # signed out at once
    assert form_post(ada, ADMIN, f"{ADMIN}users/{w.agent.id}", {"active": "1"}).status_code == 303
    own = form_post(ada, ADMIN, f"{ADMIN}users/{w.admin.id}", {"active": ""})
    assert own.status_code == 422 and "You cannot deactivate your own account." in own.text
    assert form_post(ada, ADMIN, f"{ADMIN}teams", {"name": "Returns"}).status_code == 303
    with web.db.read_sessions() as s:
        team_id = s.scalar(select(Team.id).where(Team.name == "Returns"))
    dup = form_post(ada, ADMIN, f"{ADMIN}teams", {"name": "Returns", "description": "again"})
    assert "already exists" in dup.text and 'value="again"' in dup.text
    added = form_post(ada, ADMIN, f"{ADMIN}teams/{team_id}/members", {"user_id": str(w.agent.id)})
    assert added.status_code == 303
    assert "Remove Sam Support from Returns" in ada.get(ADMIN).text
    removed = form_post(
        ada, ADMIN, f"{ADMIN}teams/{team_id}/members", {"user_id": str(w.agent.id), "action": "remove"}
    )
    assert removed.status_code == 303 and "Remove Sam Support from Returns" not in ada.get(ADMIN).text


def test_admin_creates_a_token_shown_once_and_revokes_it(web: Web) -> None:
    ada = web.agent("ada@helpline.test")
    made = form_post(ada, ADMIN, f"{ADMIN}tokens", {"name": "laptop"})
    assert made.status_code == 200
    secret = re.search(r'id="new-token" value="([^"]+)"', made.text)
    assert secret is not None
    api = web.browser().get("/api/v1/users/me", headers={"Authorization": f"Bearer {secret.group(1)}"})
    assert api.status_code == 200 and api.json()["email"] == "ada@helpline.test"
    assert secret.group(1) not in ada.get(ADMIN).text
    with web.db.read_sessions() as s:
        token_id = s.scalar(select(ApiToken.id).where(ApiToken.name == "laptop"))
        assert s.scalar(select(User.name).where(User.id == web.world.admin.id)) == "Ada Admin"
    assert form_post(ada, ADMIN, f"{ADMIN}tokens/{token_id}/revoke", {}).status_code == 303
    again = web.browser().get("/api/v1/users/me", headers={"Authorization": f"Bearer {secret.group(1)}"})
    assert again.status_code == 401
