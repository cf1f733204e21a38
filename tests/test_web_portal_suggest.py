"""The portal's new-request form suggests public help articles while the customer writes."""

from __future__ import annotations

import pytest
from fastapi import FastAPI

from helpline.core.db import Database
from tests.conftest import World
from tests.test_web_portal import open_portal
from tests.test_web_support import Web, setup_web

PASSWORD = {
    "title": "Resetting your password",
    "body": "Open the sign-in page and click **Forgot password**. We email you a link valid for one hour.",
}
RUNBOOK = {
    "title": "Escalating a refund above 500 dollars",
    "body": "Agents: refunds above 500 dollars need a team lead's approval in the billing console.",
    "visibility": "internal",
}


@pytest.fixture
def web(app: FastAPI, db: Database, world: World) -> Web:
    return setup_web(app, db, world)


def _publish(world: World, body: dict[str, str]) -> dict[str, str]:
    made = world.agent.post("/api/v1/kb/articles", json=body)
    assert made.status_code == 201, made.text
    done = world.agent.post(f"/api/v1/kb/articles/{made.json()['id']}/publish")
    assert done.status_code == 200, done.text
    article: dict[str, str] = done.json()
    return article


def test_new_request_form_suggests_public_articles_only(web: Web) -> None:
    password = _publish(web.world, PASSWORD)
    _publish(web.world, RUNBOOK)
    carla = open_portal(web, web.world.customer.id)

    form = carla.get("/portal/new").text
    assert 'hx-get="/portal/new/suggest"' in form and 'aria-live="polite"' in form

    found = carla.get(
        "/portal/new/suggest",
        params={"subject": "Can't sign in", "text": "I forgot my password and need to get back in"},
    )
    assert found.status_code == 200
    assert "These articles may answer your question" in found.text
    assert "Resetting your password" in found.text
    assert f'href="/help/{password["locale"]}/{password["slug"]}"' in found.text
    assert "Forgot password" in found.text

    # An internal runbook is never offered to a customer, even for its own words.
    internal = carla.get(
        "/portal/new/suggest", params={"subject": "refund above 500 dollars", "text": "who approves it?"}
    )
    assert internal.status_code == 200 and "Escalating a refund" not in internal.text

    # Too little to go on, or nothing close enough: no suggestions at all, not noise.
    assert "<section" not in carla.get("/portal/new/suggest", params={"subject": "hi"}).text
    off = carla.get("/portal/new/suggest", params={"text": "What is the capital of Mongolia?"})
    assert off.status_code == 200 and "<section" not in off.text


def test_suggestions_need_a_portal_session(web: Web) -> None:
    _publish(web.world, PASSWORD)
    stranger = web.browser()
    r = stranger.get("/portal/new/suggest", params={"text": "I forgot my password"}, follow_redirects=False)
    assert r.status_code in (303, 401, 403)
    assert "Resetting your password" not in r.text
