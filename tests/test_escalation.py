"""Escalation paths as the personas see them: tiers, agents escalating with a note, customers asking
(API and email keyword) and a lead answering, and automatic escalation on an SLA breach."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import select

from helpline.app import create_app
from helpline.audit.models import AuditEntry
from helpline.core.db import Database
from helpline.core.settings import Settings
from helpline.email.service import receive_email
from helpline.escalation.hooks import detect_escalation_request
from helpline.escalation.routes import router as escalation_router
from helpline.outbox.models import OutboxItem
from helpline.routing.routes import router as routing_router
from helpline.sla.checks import check_due
from helpline.sla.routes import router as sla_router
from helpline.tickets.models import Ticket
from tests.conftest import World, new_ticket
from tests.email_helpers import make_email

API = "/api/v1"


@pytest.fixture
def app(settings: Settings, db: Database) -> FastAPI:
    application = create_app(settings, db, run_worker=False)
    paths = {getattr(r, "path", "") for r in application.routes}
    for probe, router in (
        ("/escalation/tiers", escalation_router),
        ("/sla/policies", sla_router),
        ("/routing/agents", routing_router),
    ):
        if f"{API}{probe}" not in paths:  # until create_app wires them
            application.include_router(router, prefix=API)
    return application


def _tiers(world: World, *, on_breach: list[str] | None = None) -> tuple[int, int]:
    r1 = world.admin.post(
        f"{API}/escalation/tiers",
        json={
            "name": "Tier 1",
            "level": 1,
            "team_id": world.support_team_id,
            "escalate_on_breach": on_breach or [],
        },
    )
    assert r1.status_code == 201, r1.text
    r2 = world.admin.post(
        f"{API}/escalation/tiers",
        json={"name": "Specialists", "level": 2, "team_id": world.billing_team_id},
    )
    assert r2.status_code == 201, r2.text
    return r1.json()["id"], r2.json()["id"]


def _put(persona: Any, url: str, json: Any = None) -> Any:
    return persona.client.put(url, json=json, headers={"Authorization": f"Bearer {persona.token}"})


def _events(world: World, ticket_id: int, *kinds: str) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = world.admin.get(f"{API}/tickets/{ticket_id}/events").json()
    return [e for e in events if e["kind"] in kinds]


def _emitted(db: Database, name: str) -> list[dict[str, Any]]:
    with db.read_sessions() as s:
        rows = s.scalars(select(OutboxItem).where(OutboxItem.kind == "event")).all()
        return [r.payload["data"] for r in rows if r.payload["event"] == name]


def test_agents_escalate_up_the_tiers_with_a_note(world: World, db: Database) -> None:
    r = world.agent.post(f"{API}/escalation/tiers", json={"name": "X", "level": 9, "team_id": 1})
    assert r.status_code == 403
    tier1, tier2 = _tiers(world)
    dup = world.admin.post(
        f"{API}/escalation/tiers", json={"name": "Other", "level": 1, "team_id": world.support_team_id}
    )
    assert dup.status_code == 409
    ticket = new_ticket(world.agent, team_id=world.support_team_id, assignee_id=world.agent.id)
    tid = ticket["id"]
    view = world.agent.get(f"{API}/tickets/{tid}/escalation").json()
    assert view["tier"]["id"] == tier1 and view["next_tier"]["id"] == tier2

    assert world.agent.post(f"{API}/tickets/{tid}/escalate", json={"note": "  "}).status_code == 422
    assert world.agent.post(f"{API}/tickets/{tid}/escalate", json={}).status_code == 422
    assert world.customer.post(f"{API}/tickets/{tid}/escalate", json={"note": "now"}).status_code == 403
    down = world.agent.post(f"{API}/tickets/{tid}/escalate", json={"note": "x", "tier_id": tier1})
    assert down.status_code == 422

    r = world.agent.post(f"{API}/tickets/{tid}/escalate", json={"note": "Needs a refund decision"})
    assert r.status_code == 201, r.text
    esc = r.json()
    assert esc["reason"] == "agent" and esc["from_tier_id"] == tier1 and esc["to_tier_id"] == tier2
    assert esc["actor_id"] == world.agent.id

    moved = world.admin.get(f"{API}/tickets/{tid}").json()
    assert moved["team"]["id"] == world.billing_team_id and moved["assignee"] is None
    (event,) = _events(world, tid, "escalated")
    assert event["actor_id"] == world.agent.id and event["data"]["note"] == "Needs a refund decision"
    notes = world.admin.get(f"{API}/tickets/{tid}/messages").json()["items"]
    assert any(m["internal"] and "Escalated from Tier 1 to Specialists" in m["text"] for m in notes)
    customer_view = world.customer.get(f"{API}/tickets/{tid}/messages").json()["items"]
    assert not any("Escalated" in m["text"] for m in customer_view)
    assert _emitted(db, "ticket.escalated")[0]["to_tier_id"] == tier2
    with db.read_sessions() as s:
        assert s.scalar(select(AuditEntry).where(AuditEntry.action == "ticket.escalate")) is not None

    # Now at the top; Sam (Support) no longer sees the Billing ticket, the admin gets a clear 409.
    assert world.agent.post(f"{API}/tickets/{tid}/escalate", json={"note": "again"}).status_code == 404
    top = world.admin.post(f"{API}/tickets/{tid}/escalate", json={"note": "again"})
    assert top.status_code == 409 and "highest tier" in top.json()["detail"]
    view = world.admin.get(f"{API}/tickets/{tid}/escalation").json()
    assert view["tier"]["id"] == tier2 and view["next_tier"] is None and len(view["escalations"]) == 1


def test_customer_asks_and_a_lead_answers(world: World, db: Database) -> None:
    _tier1, tier2 = _tiers(world)
    tid = new_ticket(world.customer, team_id=None)["id"]
    assert (
        world.admin.patch(f"{API}/tickets/{tid}", json={"team_id": world.support_team_id}).status_code == 200
    )

    r = world.customer.post(f"{API}/tickets/{tid}/escalation-requests", json={"reason": "Third time asking"})
    assert r.status_code == 201, r.text
    first = r.json()
    assert first["status"] == "open" and first["source"] == "portal"
    again = world.customer.post(f"{API}/tickets/{tid}/escalation-requests", json={})
    assert again.status_code == 200 and again.json()["id"] == first["id"]
    assert world.other_customer.post(f"{API}/tickets/{tid}/escalation-requests", json={}).status_code == 404
    assert _emitted(db, "escalation.requested")[0]["request_id"] == first["id"]

    # Sam is no lead: he can neither list nor answer; Bo becomes lead of Support and can.
    decide = f"{API}/escalation/requests/{first['id']}/decision"
    assert world.agent.get(f"{API}/escalation/requests").status_code == 403
    assert world.agent.post(decide, json={"decision": "accept", "note": "ok"}).status_code == 403
    assert world.other_agent.get(f"{API}/escalation/requests").status_code == 403
    r = _put(world.admin, f"{API}/escalation/teams/{world.support_team_id}/leads/{world.other_agent.id}")
    assert r.status_code == 200 and [u["id"] for u in r.json()] == [world.other_agent.id]
    listed = world.other_agent.get(f"{API}/escalation/requests").json()
    assert [x["id"] for x in listed] == [first["id"]]
    assert world.other_agent.post(decide, json={"decision": "decline", "note": ""}).status_code == 422

    r = world.other_agent.post(decide, json={"decision": "decline", "note": "Tier 1 has the fix"})
    assert r.status_code == 200 and r.json()["status"] == "declined"
    assert world.other_agent.post(decide, json={"decision": "accept", "note": "x"}).status_code == 409
    mine = world.customer.get(f"{API}/tickets/{tid}/escalation").json()
    assert mine["requests"][0]["status"] == "declined" and mine["requests"][0]["decision_note"] is None
    assert mine["escalations"] == [] and mine["tier"] is None
    assert world.admin.get(f"{API}/tickets/{tid}").json()["team"]["id"] == world.support_team_id

    # Asked again, this time accepted: the ticket goes up, the request points at the escalation.
    second = world.customer.post(f"{API}/tickets/{tid}/escalation-requests", json={"reason": "Still"}).json()
    assert second["id"] != first["id"]
    r = world.other_agent.post(
        f"{API}/escalation/requests/{second['id']}/decision",
        json={"decision": "accept", "note": "Specialists take it"},
    )
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "accepted" and r.json()["escalation_id"] is not None
    view = world.admin.get(f"{API}/tickets/{tid}/escalation").json()
    (esc,) = view["escalations"]
    assert esc["reason"] == "customer_request" and esc["request_id"] == second["id"]
    assert esc["actor_id"] == world.other_agent.id and view["tier"]["id"] == tier2
    assert world.admin.get(f"{API}/tickets/{tid}").json()["team"]["id"] == world.billing_team_id
    assert [e["data"]["status"] for e in _events(world, tid, "escalation_request_answered")] == [
        "declined",
        "accepted",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Please escalate this, it's the third time.", True),
        ("I want to speak to a manager.", True),
        ("Can I talk with your supervisor?", True),
        ("Ich möchte eine Beschwerde einreichen.", True),
        ("Bitte leiten Sie das an Ihren Vorgesetzten weiter.", True),
        ("Je voudrais parler à un responsable.", True),
        ("Quiero hablar con un supervisor.", True),
        ("I'd like to file a complaint about the delivery.", True),
        ("No need to escalate, thanks for the quick fix!", False),
        ("Das ist keine Beschwerde, nur eine Frage.", False),
        ("Where is my parcel? The tracking shows nothing.", False),
        ("Our managers loved the product.", False),
        ("", False),
    ],
)
def test_detect_escalation_request(text: str, expected: bool) -> None:
    assert detect_escalation_request(text) is expected


def test_escalation_keywords_in_messages_and_email(world: World, db: Database, app: FastAPI) -> None:
    quiet = new_ticket(world.customer)
    assert world.customer.get(f"{API}/tickets/{quiet['id']}/escalation").json()["requests"] == []
    r = world.customer.post(
        f"{API}/tickets/{quiet['id']}/messages",
        json={"text": "This is useless. I want to speak to a manager."},
    )
    assert r.status_code == 201
    (req,) = world.customer.get(f"{API}/tickets/{quiet['id']}/escalation").json()["requests"]
    assert req["status"] == "open" and "speak to a manager" in req["reason"]
    # Agents' messages never count, and a second ask does not open a second request.
    world.agent.post(f"{API}/tickets/{quiet['id']}/messages", json={"text": "Shall I escalate?"})
    world.customer.post(f"{API}/tickets/{quiet['id']}/messages", json={"text": "Yes, escalate it."})
    assert len(world.customer.get(f"{API}/tickets/{quiet['id']}/escalation").json()["requests"]) == 1

    # By email: the first mail opens a ticket (no request); a reply with "Beschwerde" in its new
    # text asks for escalation, while "escalate" only in the quoted part would not.
    raw, mid = make_email(body="Hello, my parcel has not arrived.")
    receive_email(db, raw, source="test")
    app.state.outbox.drain()
    with db.read_sessions() as s:
        ticket = s.scalars(select(Ticket).order_by(Ticket.id.desc())).first()
        assert ticket is not None and ticket.channel == "email"
        tid = ticket.id
    quoted, _ = make_email(
        subject=f"Re: Parcel missing [#{tid}]",
        body="Thanks, I will wait.\n\nOn Monday you wrote:\n> we may escalate this later",
        in_reply_to=mid,
    )
    receive_email(db, quoted, source="test")
    app.state.outbox.drain()
    assert world.admin.get(f"{API}/tickets/{tid}/escalation").json()["requests"] == []
    angry, _ = make_email(
        subject=f"Re: Parcel missing [#{tid}]",
        body="Das dauert zu lange. Ich möchte mich beschweren.",
        in_reply_to=mid,
    )
    receive_email(db, angry, source="test")
    app.state.outbox.drain()
    (req,) = world.admin.get(f"{API}/tickets/{tid}/escalation").json()["requests"]
    assert req["source"] == "email" and req["message_id"] is not None

    # A new ticket whose first message asks for a manager gets a request straight away.
    loud = new_ticket(world.customer, message={"text": "Escalate this to your supervisor now, please."})
    assert len(world.admin.get(f"{API}/tickets/{loud['id']}/escalation").json()["requests"]) == 1


def test_sla_breach_escalates_automatically_once(world: World, db: Database, app: FastAPI) -> None:
    _tier1, tier2 = _tiers(world, on_breach=["first_response"])
    r = world.admin.post(
        f"{API}/sla/policies", json={"name": "Standard", "first_response_minutes": 60, "warn_percent": None}
    )
    assert r.status_code == 201, r.text
    late = new_ticket(world.agent, team_id=world.support_team_id)
    answered = new_ticket(world.agent, team_id=world.support_team_id)
    # Answered in time: its first response is met, so nothing breaches or escalates.
    world.agent.post(f"{API}/tickets/{answered['id']}/messages", json={"text": "On it."})
    elsewhere = new_ticket(world.agent, team_id=None)  # no tier: never escalated automatically
    later = dt.datetime.fromisoformat(late["created_at"].replace("Z", "+00:00")) + dt.timedelta(hours=2)
    with db.transaction() as s:
        assert check_due(s, later) == 2  # late and elsewhere
    app.state.outbox.drain()
    view = world.admin.get(f"{API}/tickets/{late['id']}/escalation").json()
    (esc,) = view["escalations"]
    assert esc["reason"] == "sla_breach" and esc["actor_kind"] == "system" and esc["to_tier_id"] == tier2
    assert "first response target was breached" in esc["note"]
    assert world.admin.get(f"{API}/tickets/{late['id']}").json()["team"]["id"] == world.billing_team_id
    for other in (answered, elsewhere):
        assert world.admin.get(f"{API}/tickets/{other['id']}/escalation").json()["escalations"] == []
    with db.transaction() as s:
        assert check_due(s, later + dt.timedelta(hours=5)) == 0
    app.state.outbox.drain()
    assert len(world.admin.get(f"{API}/tickets/{late['id']}/escalation").json()["escalations"]) == 1
