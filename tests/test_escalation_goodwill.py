"""Empowerment: goodwill within authority limits, approval by a lead above them, all on the record."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import select

from helpline.app import create_app
from helpline.audit.models import AuditEntry
from helpline.core.db import Database
from helpline.core.settings import Settings
from helpline.escalation.routes import router as escalation_router
from tests.conftest import Persona, World, new_ticket

API = "/api/v1"


@pytest.fixture
def app(settings: Settings, db: Database) -> FastAPI:
    application = create_app(settings, db, run_worker=False)
    if not any(getattr(r, "path", "") == f"{API}/authority/limits" for r in application.routes):
        application.include_router(escalation_router, prefix=API)  # until create_app wires it
    return application


def _put(persona: Persona, url: str, json: Any = None) -> Any:
    return persona.client.put(url, json=json, headers={"Authorization": f"Bearer {persona.token}"})


def _limit(world: World, **body: Any) -> dict[str, Any]:
    r = _put(world.admin, f"{API}/authority/limits", json=body)
    assert r.status_code == 200, r.text
    data: dict[str, Any] = r.json()
    return data


def _grant(persona: Persona, ticket_id: int, amount: str, kind: str = "refund") -> dict[str, Any]:
    r = persona.post(
        f"{API}/tickets/{ticket_id}/goodwill",
        json={"kind": kind, "amount": amount, "note": "Parcel lost twice"},
    )
    assert r.status_code == 201, r.text
    data: dict[str, Any] = r.json()
    return data


def test_grants_within_authority_and_approval_above_it(world: World, db: Database) -> None:
    assert (
        _put(world.agent, f"{API}/authority/limits", json={"kind": "refund", "role": "agent"}).status_code
        == 403
    )
    limit = _limit(world, kind="refund", role="agent", max_amount="50.00", max_per_month=2)
    assert limit["max_amount"] == "50.00" and limit["currency"] == "EUR"
    bad = _put(world.admin, f"{API}/authority/limits", json={"kind": "refund"})
    assert bad.status_code == 422  # neither role nor user
    tid = new_ticket(world.agent, team_id=world.support_team_id)["id"]

    assert _grant(world.agent, tid, "20.00")["status"] == "granted"
    above = _grant(world.agent, tid, "60.00")
    assert above["status"] == "pending" and "above your limit of 50.00 EUR" in above["approval_reason"]
    assert _grant(world.agent, tid, "10")["status"] == "granted"
    over_count = _grant(world.agent, tid, "5.00")
    assert over_count["status"] == "pending" and "2 grants this month" in over_count["approval_reason"]
    # Kinds without a limit always need approval; customers and bad amounts are refused.
    assert _grant(world.agent, tid, "1.00", kind="voucher")["status"] == "pending"
    r = world.agent.post(f"{API}/tickets/{tid}/goodwill", json={"kind": "refund", "amount": "0", "note": "x"})
    assert r.status_code == 422
    r = world.agent.post(
        f"{API}/tickets/{tid}/goodwill", json={"kind": "refund", "amount": "1.005", "note": "x"}
    )
    assert r.status_code == 422
    r = world.customer.post(
        f"{API}/tickets/{tid}/goodwill", json={"kind": "refund", "amount": "1", "note": "x"}
    )
    assert r.status_code == 403
    me = world.agent.get(f"{API}/authority/me?kind=refund").json()
    assert me["source"] == "agent" and me["used_this_month"] == 2 and me["max_amount"] == "50.00"

    # Sam cannot approve; the admin approves one and denies one, each with a note, once.
    decide = f"{API}/authority/approvals/{above['id']}/decision"
    assert world.agent.get(f"{API}/authority/approvals").status_code == 403
    assert world.agent.post(decide, json={"decision": "approve", "note": "mine"}).status_code == 403
    pending = world.admin.get(f"{API}/authority/approvals").json()
    assert [p["id"] for p in pending][:2] == [above["id"], over_count["id"]]
    assert world.admin.post(decide, json={"decision": "approve", "note": ""}).status_code == 422
    r = world.admin.post(decide, json={"decision": "approve", "note": "Loyal customer"})
    assert r.status_code == 200 and r.json()["status"] == "approved"
    assert r.json()["decided_by_id"] == world.admin.id and r.json()["decision_note"] == "Loyal customer"
    assert world.admin.post(decide, json={"decision": "deny", "note": "x"}).status_code == 409
    r = world.admin.post(
        f"{API}/authority/approvals/{over_count['id']}/decision", json={"decision": "deny", "note": "Enough"}
    )
    assert r.json()["status"] == "denied"

    history = world.agent.get(f"{API}/tickets/{tid}/goodwill").json()
    assert [g["status"] for g in history] == ["granted", "approved", "granted", "denied", "pending"]
    events = world.admin.get(f"{API}/tickets/{tid}/events").json()
    kinds = [e["kind"] for e in events if e["kind"].startswith("goodwill")]
    assert (
        kinds.count("goodwill_granted") == 2 and "goodwill_approved" in kinds and "goodwill_denied" in kinds
    )
    with db.read_sessions() as s:
        actions = set(s.scalars(select(AuditEntry.action).where(AuditEntry.entity_id == tid)))
    assert {"ticket.goodwill", "goodwill.approve", "goodwill.deny"} <= actions

    # A personal limit wins over the role's.
    _limit(world, kind="refund", user_id=world.agent.id, max_amount="100.00")
    assert _grant(world.agent, tid, "60.00")["status"] == "granted"


def test_team_leads_decide_but_never_their_own(world: World) -> None:
    _limit(world, kind="credit", role="agent", max_amount="10.00")
    tid = new_ticket(world.agent, team_id=world.support_team_id)["id"]
    ask = _grant(world.agent, tid, "25.00", kind="credit")
    assert ask["status"] == "pending"
    # Bo leads Billing only: not his ticket. As lead of Support he may decide.
    assert (
        _put(
            world.admin, f"{API}/escalation/teams/{world.billing_team_id}/leads/{world.other_agent.id}"
        ).status_code
        == 200
    )
    decide = f"{API}/authority/approvals/{ask['id']}/decision"
    assert world.other_agent.get(f"{API}/authority/approvals").json() == []
    assert world.other_agent.post(decide, json={"decision": "approve", "note": "ok"}).status_code == 403
    _put(world.admin, f"{API}/escalation/teams/{world.support_team_id}/leads/{world.other_agent.id}")
    assert [p["id"] for p in world.other_agent.get(f"{API}/authority/approvals").json()] == [ask["id"]]

    # Sam becomes lead too (with a lead limit), yet cannot approve his own request.
    _put(world.admin, f"{API}/escalation/teams/{world.support_team_id}/leads/{world.agent.id}")
    _limit(world, kind="credit", role="lead", max_amount="30.00")
    assert world.agent.get(f"{API}/authority/me?kind=credit").json()["source"] == "lead"
    assert world.agent.post(decide, json={"decision": "approve", "note": "ok"}).status_code == 403
    assert _grant(world.agent, tid, "25.00", kind="credit")["status"] == "granted"
    r = world.other_agent.post(decide, json={"decision": "approve", "note": "Fine by me"})
    assert r.status_code == 200 and r.json()["decided_by_id"] == world.other_agent.id
