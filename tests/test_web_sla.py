"""SLA clocks in the ticket view: what is due, what was met, what the agent sees while paused."""

from __future__ import annotations

import pytest
from fastapi import FastAPI

from helpline.core.db import Database
from tests.conftest import World
from tests.test_web_support import Web, form_post, make_ticket, setup_web


@pytest.fixture
def web(app: FastAPI, db: Database, world: World) -> Web:
    web = setup_web(app, db, world)
    body = {"name": "Urgent promise", "conditions": {"priority": ["urgent"]}}
    body |= {"first_response_minutes": 30, "resolution_minutes": 240}
    assert world.admin.post("/api/v1/sla/policies", json=body).status_code == 201
    return web


def test_the_ticket_view_shows_each_clock_and_marks_the_first_response_met(web: Web) -> None:
    tid = make_ticket(web.db, "Checkout is down", priority="urgent")
    sam = web.agent()
    page = f"/agent/tickets/{tid}"
    html = sam.get(page).text
    assert 'id="sla-title"' in html and "Urgent promise" in html
    assert "First response" in html and "Resolution" in html
    assert "due in 29 min" in html or "due in 30 min" in html
    assert "due in 3 h" in html or "due in 4 h" in html

    form_post(sam, page, f"{page}/messages", {"text": "We are on it.", "mode": "reply"})
    html = sam.get(page).text
    assert "Met" in html and "just now" in html  # the first response was kept
    assert "due in 3 h" in html or "due in 4 h" in html  # resolution still running

    form_post(
        sam, page, f"{page}/messages", {"text": "Waiting for logs", "mode": "note", "status": "pending"}
    )
    assert "Clocks paused while the ticket waits on the customer." in sam.get(page).text


def test_no_panel_when_no_policy_applies(web: Web) -> None:
    tid = make_ticket(web.db, "A question")
    assert 'id="sla-title"' not in web.agent().get(f"/agent/tickets/{tid}").text
