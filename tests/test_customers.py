"""Customers: identities on every channel, lookup, update, merge and the timeline."""

from __future__ import annotations

import threading
import time

from sqlalchemy import func, select

from helpline.core.actor import SYSTEM
from helpline.core.db import Database
from helpline.customers.models import CustomerIdentity
from helpline.customers.service import find_by_identity, identify_or_create
from tests.conftest import World, new_ticket


def _create(world: World, **body: object) -> dict:
    response = world.agent.post("/api/v1/customers", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def test_customer_with_several_identities_is_found_by_any(world: World) -> None:
    c = _create(
        world,
        name="Dana Diaz",
        email="Dana@Example.org",
        organization="Acme GmbH",
        tier="premium",
        language="de",
        attributes={"plan": "pro", "orders": 12},
        identities=[
            {"kind": "phone", "value": "+49 (30) 1234-567"},
            {"kind": "social", "value": "Twitter:@dana"},
            {"kind": "chat", "value": "visitor-77"},
        ],
    )
    assert c["email"] == "dana@example.org" and c["organization"] == "Acme GmbH"
    assert {(i["kind"], i["value"]) for i in c["identities"]} == {
        ("email", "dana@example.org"),
        ("phone", "+49301234567"),
        ("social", "twitter:@dana"),
        ("chat", "visitor-77"),
    }
    for kind, value in (("phone", "+49 30 1234567"), ("email", "DANA@example.org"), ("chat", "visitor-77")):
        found = world.agent.get("/api/v1/customers/lookup", params={"kind": kind, "value": value})
        assert found.status_code == 200 and found.json()["id"] == c["id"]
    assert (
        world.agent.get("/api/v1/customers/lookup", params={"kind": "email", "value": "x@y.z"}).status_code
        == 404
    )
    assert [x["id"] for x in world.agent.get("/api/v1/customers", params={"q": "dana"}).json()["items"]] == [
        c["id"]
    ]


def test_duplicate_and_invalid_customers_are_refused(world: World) -> None:
    dup = world.agent.post("/api/v1/customers", json={"email": "carla@example.com"})
    assert dup.status_code == 409 and "already exists" in dup.json()["detail"]
    for body, field in (
        ({"email": "nope"}, "email"),
        ({"name": "x"}, "identities"),
        ({"email": "a@b.co", "tier": "gold"}, "tier"),
        ({"email": "a@b.co", "language": "English!"}, "language"),
        ({"identities": [{"kind": "phone", "value": "call me"}]}, "value"),
        ({"identities": [{"kind": "fax", "value": "1"}]}, "identities.0.kind"),
    ):
        bad = world.agent.post("/api/v1/customers", json=body)
        assert bad.status_code == 422, body
        assert bad.json()["errors"][0]["field"] == field, bad.json()
    assert world.customer.post("/api/v1/customers", json={"email": "z@z.co"}).status_code == 403


def test_update_customer_is_audited_and_scoped(world: World) -> None:
    url = f"/api/v1/customers/{world.customer.id}"
    updated = world.agent.patch(
        url,
        json={
            "tier": "vip",
            "attributes": {"plan": "max"},
            "add_identities": [{"kind": "phone", "value": "+1 555 0100"}],
        },
    )
    assert updated.status_code == 200
    assert updated.json()["tier"] == "vip" and len(updated.json()["identities"]) == 2
    log = world.admin.get("/api/v1/audit", params={"entity_type": "customer", "entity_id": world.customer.id})
    last = log.json()["items"][0]
    assert last["action"] == "customer.update" and last["before"]["tier"] == "standard"
    assert last["after"]["identities_added"] == [["phone", "+15550100"]]
    # Customers may fix their own name and language, nothing else, and nobody else's.
    assert world.customer.patch(url, json={"language": "fr"}).json()["language"] == "fr"
    assert world.customer.patch(url, json={"tier": "free"}).status_code == 403
    assert world.other_customer.patch(url, json={"name": "Hacked"}).status_code == 404
    taken = world.agent.patch(url, json={"add_identities": [{"kind": "email", "value": "omar@example.com"}]})
    assert taken.status_code == 409 and "merge" in taken.json()["detail"]


def test_merge_customers_history_follows(world: World) -> None:
    omar_ticket = new_ticket(world.agent, customer={"email": "omar@example.com"})
    carla_ticket = new_ticket(world.agent)
    merged = world.agent.post(
        f"/api/v1/customers/{world.customer.id}/merge", json={"source_id": world.other_customer.id}
    )
    assert merged.status_code == 200
    assert {i["value"] for i in merged.json()["identities"]} == {"carla@example.com", "omar@example.com"}
    omar = world.agent.get(f"/api/v1/tickets/{omar_ticket['id']}").json()
    assert omar["requester"]["id"] == world.customer.id
    # Mail from the old address now reaches the surviving customer.
    again = new_ticket(world.agent, customer={"email": "omar@example.com"})
    assert again["requester"]["id"] == world.customer.id
    # The merged customer's own token now acts as the survivor and sees the whole history.
    mine = {t["id"] for t in world.other_customer.get("/api/v1/tickets").json()["items"]}
    assert {omar_ticket["id"], carla_ticket["id"]} <= mine
    gone = world.agent.get(f"/api/v1/customers/{world.other_customer.id}").json()
    assert gone["merged_into_id"] == world.customer.id
    twice = world.agent.post(
        f"/api/v1/customers/{world.customer.id}/merge", json={"source_id": world.other_customer.id}
    )
    assert twice.status_code == 409


def test_timeline_spans_tickets_and_channels(world: World) -> None:
    first = new_ticket(world.agent, channel="email", subject="Email one")
    second = new_ticket(world.agent, channel="chat", subject="Chat two", team_id=world.support_team_id)
    world.agent.post(f"/api/v1/tickets/{second['id']}/messages", json={"text": "note!", "internal": True})
    world.agent.post(f"/api/v1/tickets/{first['id']}/messages", json={"text": "Reply on email"})
    detail = world.agent.get(f"/api/v1/customers/{world.customer.id}").json()
    entries = detail["timeline"]
    assert entries[0]["type"] == "event" and entries[0]["data"] == {
        "kind": "status_changed",
        "old": "new",
        "new": "open",
    }
    assert next(e for e in entries if e["type"] == "message")["data"]["text"] == "Reply on email"
    assert {e["data"].get("channel") for e in entries if e["type"] == "message"} == {"email", "chat"}
    assert {e["ticket_id"] for e in entries} == {first["id"], second["id"]}
    # Walk the whole timeline page by page: no gaps, no repeats.
    seen, cursor = [], None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = world.agent.get(f"/api/v1/customers/{world.customer.id}/timeline", params=params).json()
        seen += [(e["type"], e["id"]) for e in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    full = world.agent.get(f"/api/v1/customers/{world.customer.id}/timeline", params={"limit": 200}).json()
    assert seen == [(e["type"], e["id"]) for e in full["items"]] and len(seen) == len(set(seen))
    mine = world.customer.get(f"/api/v1/customers/{world.customer.id}/timeline").json()["items"]
    assert not any(e["data"].get("internal") for e in mine)
    assert world.customer.get(f"/api/v1/customers/{world.customer.id}").json()["notes"] is None


def test_two_first_messages_from_one_new_address_make_one_customer(db: Database) -> None:
    """Two servers filing the first two mails of a new address at once: the second waits on the
    first's unique identity and then joins that customer instead of failing (a 500 before)."""
    created = threading.Event()
    go = threading.Event()
    results: dict[str, int] = {}
    errors: list[BaseException] = []

    def first() -> None:
        try:
            with db.transaction() as session:
                results["first"] = identify_or_create(session, SYSTEM, "email", "New@Example.com").id
                created.set()
                go.wait(10)
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)
            created.set()

    def second() -> None:
        try:
            with db.transaction() as session:
                results["second"] = identify_or_create(session, SYSTEM, "email", "new@example.com", "Ann").id
        except BaseException as error:
            errors.append(error)

    a = threading.Thread(target=first)
    a.start()
    assert created.wait(10)
    b = threading.Thread(target=second)
    b.start()
    time.sleep(0.3)  # the second is now blocked on the first's row (PostgreSQL) or write turn (SQLite)
    go.set()
    a.join(10)
    b.join(10)
    assert not errors, errors
    assert results["first"] == results["second"]
    with db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(CustomerIdentity)) == 1
        customer = find_by_identity(session, "email", "new@example.com")
        assert customer is not None and customer.id == results["first"]
