"""The access model, persona by persona: what each one can read and change."""

from __future__ import annotations

from sqlalchemy import select

from helpline.audit.models import AuditEntry
from helpline.core.db import Database
from tests.conftest import World, new_ticket


def _support_ticket(world: World) -> dict:
    return new_ticket(world.agent, team_id=world.support_team_id)


def test_customer_cannot_read_another_customers_ticket(world: World) -> None:
    ticket = _support_ticket(world)  # requested by carla (customer)
    assert world.customer.get(f"/api/v1/tickets/{ticket['id']}").status_code == 200
    for url in (
        f"/api/v1/tickets/{ticket['id']}",
        f"/api/v1/tickets/{ticket['id']}/messages",
        f"/api/v1/tickets/{ticket['id']}/events",
    ):
        response = world.other_customer.get(url)
        assert response.status_code == 404, url
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["detail"] == f"ticket {ticket['id']} does not exist"
    missing = world.other_customer.get("/api/v1/tickets/999999")
    assert missing.json()["detail"] == "ticket 999999 does not exist"  # same answer: no oracle
    reply = world.other_customer.post(f"/api/v1/tickets/{ticket['id']}/messages", json={"text": "hi"})
    assert reply.status_code == 404
    assert world.other_customer.get("/api/v1/tickets").json()["items"] == []
    assert world.other_customer.get(f"/api/v1/customers/{world.customer.id}").status_code == 404


def test_internal_notes_never_reach_a_customer(world: World) -> None:
    ticket = _support_ticket(world)
    secret = "refund approved by finance zebracode"
    note = world.agent.post(
        f"/api/v1/tickets/{ticket['id']}/messages", json={"text": secret, "internal": True}
    )
    assert note.status_code == 201 and note.json()["internal"] is True
    world.agent.post(f"/api/v1/tickets/{ticket['id']}/messages", json={"text": "We are on it."})

    messages = world.customer.get(f"/api/v1/tickets/{ticket['id']}/messages").json()["items"]
    assert [m["text"] for m in messages][-1] == "We are on it."
    everything = [
        world.customer.get(f"/api/v1/tickets/{ticket['id']}/messages").text,
        world.customer.get(f"/api/v1/tickets/{ticket['id']}").text,
        world.customer.get(f"/api/v1/tickets/{ticket['id']}/events").text,
        world.customer.get(f"/api/v1/customers/{world.customer.id}").text,
        world.customer.get(f"/api/v1/customers/{world.customer.id}/timeline").text,
        world.customer.get("/api/v1/tickets").text,
    ]
    assert not any("zebracode" in body for body in everything)
    # Searching for words only in the note finds nothing for the customer, the ticket for the agent.
    assert world.customer.get("/api/v1/tickets", params={"q": "zebracode"}).json()["items"] == []
    assert [
        t["id"] for t in world.agent.get("/api/v1/tickets", params={"q": "zebracode"}).json()["items"]
    ] == [ticket["id"]]
    # Attachments of a note are as invisible as the note.
    att = world.agent.post(
        f"/api/v1/tickets/{ticket['id']}/messages",
        json={
            "text": "scan",
            "internal": True,
            "attachments": [{"filename": "id.txt", "content_base64": "c2VjcmV0"}],
        },
    ).json()["attachments"][0]
    assert world.customer.get(att["url"]).status_code == 404
    assert world.agent.get(att["url"]).content == b"secret"


def test_customer_cannot_write_internal_notes_or_change_fields(world: World) -> None:
    ticket = _support_ticket(world)
    note = world.customer.post(
        f"/api/v1/tickets/{ticket['id']}/messages", json={"text": "x", "internal": True}
    )
    assert note.status_code == 403
    change = world.customer.patch(f"/api/v1/tickets/{ticket['id']}", json={"priority": "urgent"})
    assert change.status_code == 403
    assert world.agent.get(f"/api/v1/tickets/{ticket['id']}").json()["priority"] == "normal"


def test_agent_outside_the_team_cannot_see_or_change_its_tickets(world: World) -> None:
    ticket = _support_ticket(world)
    url = f"/api/v1/tickets/{ticket['id']}"
    assert world.other_agent.get(url).status_code == 404
    assert world.other_agent.patch(url, json={"status": "solved"}).status_code == 404
    assert world.other_agent.post(f"{url}/messages", json={"text": "hi"}).status_code == 404
    assert world.agent.get(url).json()["status"] == "new"
    assert ticket["id"] not in [t["id"] for t in world.other_agent.get("/api/v1/tickets").json()["items"]]
    # The team's own agent and an admin can.
    assert world.agent.patch(url, json={"status": "pending"}).json()["status"] == "pending"
    assert world.admin.patch(url, json={"priority": "high"}).json()["priority"] == "high"


def test_unassigned_team_tickets_are_visible_to_every_team_agent(world: World) -> None:
    ticket = new_ticket(world.admin)  # no team yet: a shared queue
    assert world.other_agent.get(f"/api/v1/tickets/{ticket['id']}").status_code == 200


def test_every_change_leaves_an_audit_row(world: World, db: Database) -> None:
    ticket = _support_ticket(world)
    tid = ticket["id"]
    world.agent.patch(f"/api/v1/tickets/{tid}", json={"status": "open", "tags": ["vip"]})
    world.agent.post(f"/api/v1/tickets/{tid}/messages", json={"text": "checking", "internal": True})
    world.agent.post(f"/api/v1/tickets/{tid}/messages", json={"text": "Found it!", "status": "solved"})
    world.customer.post(f"/api/v1/tickets/{tid}/messages", json={"text": "Not fixed yet"})
    with db.read_sessions() as s:
        rows = s.scalars(
            select(AuditEntry)
            .where(AuditEntry.entity_type == "ticket", AuditEntry.entity_id == tid)
            .order_by(AuditEntry.id)
        ).all()
    actions = [r.action for r in rows]
    assert actions == [
        "ticket.create",
        "ticket.update",
        "ticket.note",
        "ticket.reply",
        "ticket.update",
        "ticket.reopen",
        "ticket.reply",
    ]
    update = rows[1]
    assert update.actor_kind == "user" and update.actor_id == world.agent.id
    assert update.before == {"status": "new", "tags": []}
    assert update.after == {"status": "open", "tags": ["vip"]}
    assert rows[5].actor_kind == "customer" and rows[5].after == {"status": "open"}
    # Admins read the log through the API; agents may not.
    log = world.admin.get("/api/v1/audit", params={"entity_type": "ticket", "entity_id": tid}).json()
    assert [e["action"] for e in log["items"]] == list(reversed(actions))
    assert world.agent.get("/api/v1/audit").status_code == 403


def test_unknown_and_missing_tokens_are_refused(world: World) -> None:
    client = world.agent.client
    assert client.get("/api/v1/tickets").status_code == 401
    bad = client.get("/api/v1/tickets", headers={"Authorization": "Bearer hl_nope"})
    assert bad.status_code == 401
    assert bad.headers["www-authenticate"] == "Bearer"
    assert bad.json()["title"] == "Unauthorized"
