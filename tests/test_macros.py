"""Canned replies (safe placeholders) and macros (a reply plus field changes, all or nothing)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import select

from helpline.audit.models import AuditEntry
from helpline.core.db import Database
from helpline.macros.placeholders import fill, unknown_in
from helpline.macros.routes import router as macros_router
from helpline.tickets.models import Message, Ticket
from tests.conftest import World, new_ticket


@pytest.fixture
def api(app: FastAPI, world: World) -> World:
    # Until app.py lists the macros router among the API routers, include it here (once).
    if not any(getattr(r, "path", "").startswith("/api/v1/macros") for r in app.routes):
        app.include_router(macros_router, prefix="/api/v1")
    return world


def test_placeholders_are_plain_substitution_of_a_whitelist() -> None:
    values = {"customer.first_name": "Carla", "ticket.id": "7"}
    filled = fill(
        "Hi {{ customer.first_name }}, #{{ticket.id}} {{order.id}} {{ __class__ }} {{order.id}}", values
    )
    assert filled.text == "Hi Carla, #7 {{order.id}} {{ __class__ }} {{order.id}}"
    assert filled.unknown == ["{{order.id}}", "{{ __class__ }}"]
    # Template syntax is text, never executed.
    assert (
        fill("{% for x in y %}{{ 7*7 }}{% endfor %}", values).text == "{% for x in y %}{{ 7*7 }}{% endfor %}"
    )
    assert unknown_in("{{customer.name}} {{agent.first_name}} {{ticket.subject}}") == []


def test_admin_manages_canned_replies_and_agents_fill_them(api: World) -> None:
    created = api.admin.post(
        "/api/v1/canned-replies",
        json={
            "title": "Thanks",
            "body": "Hi {{customer.first_name}}, this is {{agent.first_name}} on #{{ticket.id}} "
            "({{ticket.subject}}). {{order.id}}",
        },
    )
    assert created.status_code == 201, created.text
    reply = created.json()
    assert reply["unknown_placeholders"] == ["{{order.id}}"]
    assert api.agent.post("/api/v1/canned-replies", json={"title": "x", "body": "y"}).status_code == 403
    team_only = api.admin.post(
        "/api/v1/canned-replies", json={"title": "Billing", "body": "Invoice", "team_id": api.billing_team_id}
    ).json()
    titles = [r["title"] for r in api.agent.get("/api/v1/canned-replies").json()]
    assert titles == ["Thanks"]  # Sam is in Support, not Billing
    assert api.agent.get(f"/api/v1/canned-replies/{team_only['id']}").status_code == 404
    ticket = new_ticket(api.agent)
    filled = api.agent.post(f"/api/v1/canned-replies/{reply['id']}/fill", json={"ticket_id": ticket["id"]})
    assert filled.status_code == 200, filled.text
    assert filled.json() == {
        "text": f"Hi Carla, this is Sam on #{ticket['id']} (My order has not arrived). {{{{order.id}}}}",
        "unknown_placeholders": ["{{order.id}}"],
    }
    assert (
        api.customer.post(
            f"/api/v1/canned-replies/{reply['id']}/fill", json={"ticket_id": ticket["id"]}
        ).status_code
        == 403
    )
    patched = api.admin.patch(
        f"/api/v1/canned-replies/{reply['id']}", json={"body": "Hello {{customer.name}}"}
    )
    assert patched.json()["unknown_placeholders"] == []
    assert api.admin.delete(f"/api/v1/canned-replies/{reply['id']}").status_code == 204
    assert api.admin.get(f"/api/v1/canned-replies/{reply['id']}").status_code == 404


def _macro(api: World, **body: Any) -> dict[str, Any]:
    response = api.admin.post("/api/v1/macros", json={"title": "Waiting on courier", **body})
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()
    return data


def test_applying_a_macro_replies_and_changes_fields_in_one_step(api: World, db: Database) -> None:
    ticket = new_ticket(api.agent, tags=["vip", "shipping"], team_id=api.support_team_id)
    macro = _macro(
        api,
        body="Hi {{customer.first_name}}, we chased the courier.",
        actions={
            "status": "pending",
            "priority": "high",
            "assignee": "me",
            "add_tags": ["courier"],
            "remove_tags": ["vip"],
        },
    )
    assert macro["actions"] == {
        "status": "pending",
        "priority": "high",
        "assignee": "me",
        "add_tags": ["courier"],
        "remove_tags": ["vip"],
    }
    applied = api.agent.post(f"/api/v1/macros/{macro['id']}/apply", json={"ticket_id": ticket["id"]})
    assert applied.status_code == 200, applied.text
    out = applied.json()
    assert out["changes"]["status"] == "pending" and out["changes"]["tags"] == ["courier", "shipping"]
    after = api.agent.get(f"/api/v1/tickets/{ticket['id']}").json()
    assert after["status"] == "pending" and after["priority"] == "high"
    assert after["assignee"]["id"] == api.agent.id and after["tags"] == ["courier", "shipping"]
    with db.read_sessions() as s:
        message = s.get(Message, out["message_id"])
        assert (
            message is not None
            and message.text == "Hi Carla, we chased the courier."
            and not message.internal
        )
        actions = [
            a.action for a in s.scalars(select(AuditEntry).where(AuditEntry.entity_id == ticket["id"]))
        ]
    assert "macro.apply" in actions and "ticket.reply" in actions and "ticket.update" in actions


def test_a_refused_field_change_keeps_nothing_of_the_macro(api: World, db: Database) -> None:
    ticket = new_ticket(api.agent, team_id=api.support_team_id)
    # Bo is not in Support: the assignment is refused, so the note must not be kept either.
    macro = _macro(
        api, body="Handing over", internal=True, actions={"assignee": api.other_agent.id, "status": "open"}
    )
    refused = api.admin.post(f"/api/v1/macros/{macro['id']}/apply", json={"ticket_id": ticket["id"]})
    assert refused.status_code == 422, refused.text
    with db.read_sessions() as s:
        texts = list(s.scalars(select(Message.text).where(Message.ticket_id == ticket["id"])))
        row = s.get(Ticket, ticket["id"])
        assert row is not None and row.status == "new"
    assert texts == ["Hello, I ordered a kettle two weeks ago and it has not arrived."]


def test_macro_rules(api: World) -> None:
    bad = api.admin.post("/api/v1/macros", json={"title": "x", "body": "Hi {{order.id}}"})
    assert bad.status_code == 422 and "Unknown placeholder" in bad.text
    assert api.admin.post("/api/v1/macros", json={"title": "Empty"}).status_code == 422
    both = {"add_tags": ["a"], "remove_tags": ["a"]}
    assert api.admin.post("/api/v1/macros", json={"title": "x", "actions": both}).status_code == 422
    assert (
        api.admin.post("/api/v1/macros", json={"title": "x", "actions": {"status": "gone"}}).status_code
        == 422
    )
    assert (
        api.agent.post("/api/v1/macros", json={"title": "x", "actions": {"status": "open"}}).status_code
        == 403
    )
    billing = _macro(api, actions={"status": "solved"}, team_id=api.billing_team_id)
    ticket = new_ticket(api.agent)
    assert (
        api.agent.post(f"/api/v1/macros/{billing['id']}/apply", json={"ticket_id": ticket["id"]}).status_code
        == 404
    )
    assert [m["title"] for m in api.agent.get("/api/v1/macros").json()] == []
    patched = api.admin.patch(
        f"/api/v1/macros/{billing['id']}", json={"team_id": None, "actions": {"priority": "low"}}
    )
    assert patched.status_code == 200 and patched.json()["actions"] == {"priority": "low"}
    assert (
        api.agent.post(f"/api/v1/macros/{billing['id']}/apply", json={"ticket_id": ticket["id"]}).status_code
        == 200
    )
    assert (
        api.customer.post(
            f"/api/v1/macros/{billing['id']}/apply", json={"ticket_id": ticket["id"]}
        ).status_code
        == 403
    )
    assert api.admin.delete(f"/api/v1/macros/{billing['id']}").status_code == 204
