"""Customers close their own request or ask to escalate it; agents merge tickets in bulk."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from sqlalchemy import select

from helpline.accounts.service import actor_for_customer
from helpline.audit.models import AuditEntry
from helpline.core.actor import Actor
from helpline.core.db import Database
from helpline.core.errors import Forbidden, NotFound
from helpline.customers.models import Customer
from helpline.tickets.customer_actions import ask_to_escalate, close_own_ticket
from helpline.tickets.models import Message, Ticket, TicketEvent
from tests.conftest import World
from tests.test_web_portal import open_portal
from tests.test_web_support import Web, csrf_of, form_post, make_ticket, setup_web


@pytest.fixture
def web(app: FastAPI, db: Database, world: World) -> Web:
    return setup_web(app, db, world)


def test_customer_closes_their_own_request(web: Web) -> None:
    tid = make_ticket(web.db, "Kettle")
    carla = open_portal(web, web.world.customer.id)
    page = f"/portal/tickets/{tid}"
    assert "Close this request" in carla.get(page).text
    closed = form_post(carla, page, f"{page}/close", {})
    assert closed.status_code == 303 and closed.headers["location"] == f"{page}?done=closed"
    after = carla.get(closed.headers["location"]).text
    assert (
        "Your request is closed. Thank you for letting us know." in after
        and "Close this request" not in after
    )
    with web.db.read_sessions() as s:
        ticket = s.get(Ticket, tid)
        assert ticket is not None and ticket.status == "solved" and ticket.solved_at is not None
        actions = list(s.scalars(select(AuditEntry.action).where(AuditEntry.entity_id == tid)))
    assert "ticket.close_by_customer" in actions
    # Not someone else's, and not for staff through this door.
    omar = open_portal(web, web.world.other_customer.id)
    assert form_post(omar, "/portal/", f"{page}/close", {}).status_code == 404
    with web.db.transaction() as s, pytest.raises(Forbidden):
        close_own_ticket(s, _agent(web), tid)


def test_customer_asks_to_escalate_once(web: Web) -> None:
    tid = make_ticket(web.db, "Kettle")
    carla = open_portal(web, web.world.customer.id)
    page = f"/portal/tickets/{tid}"
    asked = form_post(
        carla, page, f"{page}/escalate", {"reason": "Third week of waiting"}, headers={"hx-request": "true"}
    )
    assert asked.status_code == 200
    assert "Thank you. A team lead will look at your request." in asked.text
    assert "You asked to escalate this request." in asked.text and "Their reason" not in asked.text
    with web.db.read_sessions() as s:
        ticket = s.get(Ticket, tid)
        assert ticket is not None and ticket.tags == ["escalation-requested"]
        notes = list(s.scalars(select(Message).where(Message.ticket_id == tid, Message.internal.is_(True))))
        kinds = list(s.scalars(select(TicketEvent.kind).where(TicketEvent.ticket_id == tid)))
    assert len(notes) == 1 and "Their reason: Third week of waiting" in notes[0].text
    assert kinds.count("escalation_requested") == 1
    sam_view = web.agent().get(f"/agent/tickets/{tid}").text
    assert "The customer asked to escalate this request" in sam_view
    # It waits in the team leads' queue like any other escalation request, with the reason.
    queue = web.world.admin.get("/api/v1/escalation/requests?status=open").json()
    items = queue["items"] if isinstance(queue, dict) else queue
    assert [(r["ticket_id"], r["source"], r["reason"]) for r in items] == [
        (tid, "portal", "Third week of waiting")
    ]
    decided = web.world.admin.post(
        f"/api/v1/escalation/requests/{items[0]['id']}/decision",
        json={"decision": "decline", "note": "Support has the replacement in hand"},
    )
    assert decided.status_code == 200, decided.text
    after = carla.get(page).text
    assert "kept it with the current team" in after and "replacement in hand" not in after
    assert 'id="portal-escalate"' not in after
    with web.db.transaction() as s:
        assert ask_to_escalate(s, _customer(web), tid) is False
    with web.db.transaction() as s, pytest.raises(NotFound):
        ask_to_escalate(s, _customer(web, other=True), tid)


def _agent(web: Web) -> Actor:
    actor = web.world.agent.actor
    assert actor is not None
    return actor


def _customer(web: Web, other: bool = False) -> Actor:
    with web.db.read_sessions() as s:
        row = s.get(Customer, web.world.other_customer.id if other else web.world.customer.id)
        assert row is not None
        return actor_for_customer(row)


def test_bulk_merge_into_the_oldest_selected_ticket(web: Web) -> None:
    first = make_ticket(web.db, "Kettle 1")
    second = make_ticket(web.db, "Kettle 2")
    third = make_ticket(web.db, "Kettle 3")
    sam = web.agent()
    token = csrf_of(sam.get("/agent/?view=open").text)
    chosen = [str(third), str(first), str(second)]
    form = {"csrf_token": token, "action": "merge", "view": "open", "ids": chosen}
    merged = sam.post("/agent/bulk", data=form)
    assert merged.status_code == 303 and merged.headers["location"] == f"/agent/tickets/{first}?done=merged"
    assert "The selected tickets were merged into this one." in sam.get(merged.headers["location"]).text
    with web.db.read_sessions() as s:
        rows = {t.id: t for t in s.scalars(select(Ticket))}
    assert rows[second].merged_into_id == first and rows[third].merged_into_id == first
    alone = form_post(
        sam, "/agent/?view=open", "/agent/bulk", {"action": "merge", "view": "open", "ids": str(first)}
    )
    assert alone.status_code == 422 and "Select at least two tickets to merge." in alone.text
