"""Tickets through the API: creation, validation, lifecycle, merge, search, pagination."""

from __future__ import annotations

import base64

import pytest
from sqlalchemy import event

from helpline.core.db import Database
from tests.conftest import World, new_ticket


def test_create_ticket_with_only_the_required_fields(world: World) -> None:
    response = world.agent.post(
        "/api/v1/tickets",
        json={
            "subject": "Where is my invoice?",
            "customer": {"email": "New.Person@Example.com"},
            "message": {"text": "I need the invoice for March."},
        },
    )
    assert response.status_code == 201
    ticket = response.json()
    assert response.headers["location"] == f"/api/v1/tickets/{ticket['id']}"
    assert ticket["requester"]["email"] == "new.person@example.com"
    assert (ticket["status"], ticket["priority"], ticket["channel"]) == ("new", "normal", "api")
    first = world.agent.get(f"/api/v1/tickets/{ticket['id']}/messages").json()["items"][0]
    assert first["author_kind"] == "customer" and first["text"] == "I need the invoice for March."
    # The same email finds the same customer next time.
    again = new_ticket(world.agent, customer={"email": "new.person@example.com"})
    assert again["requester"]["id"] == ticket["requester"]["id"]


def test_customer_opens_their_own_ticket(world: World) -> None:
    response = world.customer.post(
        "/api/v1/tickets",
        json={
            "subject": "Broken lid",
            "message": {"text": "The lid of my kettle cracked."},
            "channel": "web",
        },
    )
    assert response.status_code == 201
    assert response.json()["requester"]["id"] == world.customer.id


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        (
            {"subject": "x", "customer": {"email": "not-an-email"}, "message": {"text": "hi"}},
            "customer.email",
            "email",
        ),
        (
            {
                "subject": "x",
                "customer": {"email": "a@example.com"},
                "message": {"text": "hi"},
                "priority": "asap",
            },
            "priority",
            "low",
        ),
        (
            {
                "subject": "x",
                "customer": {"email": "a@example.com"},
                "message": {"text": "hi"},
                "status": "open",
            },
            "status",
            "Extra inputs",
        ),
        (
            {"subject": "x" * 300, "customer": {"email": "a@example.com"}, "message": {"text": "hi"}},
            "subject",
            "250",
        ),
        ({"subject": "x", "customer": {"email": "a@example.com"}}, "message", "required"),
        (
            {"subject": "x", "customer": {"email": "a@example.com"}, "message": {"text": "  "}},
            "text",
            "empty",
        ),
        (
            {
                "subject": "x",
                "customer": {"email": "a@example.com"},
                "message": {"text": "hi"},
                "tags": ["no way!"],
            },
            "tags",
            "not a tag",
        ),
        (
            {
                "subject": "x",
                "customer": {"email": "a@example.com"},
                "message": {"text": "hi"},
                "team_id": 999,
            },
            "team_id",
            "does not exist",
        ),
    ],
)
def test_invalid_tickets_are_refused_with_field_details(
    world: World, body: dict, field: str, words: str
) -> None:
    response = world.agent.post("/api/v1/tickets", json=body)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == 422 and problem["title"] == "Validation failed"
    assert any(e["field"] == field and words in e["message"] for e in problem["errors"]), problem
    assert world.admin.get("/api/v1/tickets").json()["items"] == []  # nothing half-saved


def test_malformed_json_is_a_problem_not_a_crash(world: World) -> None:
    response = world.agent.post(
        "/api/v1/tickets", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json()["type"].endswith("/validation")


def test_lifecycle_events_are_typed(world: World) -> None:
    tid = new_ticket(world.agent, team_id=world.support_team_id)["id"]
    world.agent.patch(f"/api/v1/tickets/{tid}", json={"assignee_id": world.agent.id, "priority": "high"})
    world.agent.patch(f"/api/v1/tickets/{tid}", json={"status": "solved"})
    events = world.agent.get(f"/api/v1/tickets/{tid}/events").json()
    kinds = [e["kind"] for e in events]
    assert kinds == ["created", "status_changed", "assigned", "priority_changed", "status_changed"]
    assert events[2]["data"] == {"assignee_id": world.agent.id, "previous": None}
    assert events[-1]["data"] == {"old": "open", "new": "solved"}
    assert world.agent.get(f"/api/v1/tickets/{tid}").json()["solved_at"] is not None


def test_assignee_must_belong_to_the_team(world: World) -> None:
    tid = new_ticket(world.agent, team_id=world.support_team_id)["id"]
    response = world.agent.patch(f"/api/v1/tickets/{tid}", json={"assignee_id": world.other_agent.id})
    assert response.status_code == 422
    assert "Bo Billing is not a member of team" in response.json()["errors"][0]["message"]
    unassign = world.agent.patch(f"/api/v1/tickets/{tid}", json={"assignee_id": None})
    assert unassign.status_code == 200 and unassign.json()["assignee"] is None
    assert world.agent.patch(f"/api/v1/tickets/{tid}", json={"status": None}).status_code == 422


def test_customer_reply_reopens_a_solved_ticket(world: World) -> None:
    tid = new_ticket(world.agent, team_id=world.support_team_id)["id"]
    world.agent.post(f"/api/v1/tickets/{tid}/messages", json={"text": "Refund sent.", "status": "solved"})
    assert world.agent.get(f"/api/v1/tickets/{tid}").json()["status"] == "solved"
    world.customer.post(f"/api/v1/tickets/{tid}/messages", json={"text": "It has not arrived."})
    assert world.agent.get(f"/api/v1/tickets/{tid}").json()["status"] == "open"
    assert "reopened" in [e["kind"] for e in world.agent.get(f"/api/v1/tickets/{tid}/events").json()]


def test_customer_reply_to_a_closed_ticket_opens_a_follow_up(world: World) -> None:
    tid = new_ticket(world.agent, team_id=world.support_team_id, tags=["delivery"])["id"]
    world.agent.patch(f"/api/v1/tickets/{tid}", json={"status": "closed"})
    reply = world.customer.post(f"/api/v1/tickets/{tid}/messages", json={"text": "Same problem again"}).json()
    assert reply["ticket_id"] != tid
    follow = world.agent.get(f"/api/v1/tickets/{reply['ticket_id']}").json()
    assert follow["follow_up_of_id"] == tid and follow["status"] == "new" and follow["tags"] == ["delivery"]
    assert world.agent.get(f"/api/v1/tickets/{tid}").json()["status"] == "closed"


def test_agent_reply_opens_a_new_ticket(world: World) -> None:
    tid = new_ticket(world.agent)["id"]
    world.agent.post(f"/api/v1/tickets/{tid}/messages", json={"text": "Hi Carla, looking into it."})
    assert world.agent.get(f"/api/v1/tickets/{tid}").json()["status"] == "open"


def test_merge_tickets_brings_the_conversation_along(world: World) -> None:
    target = new_ticket(world.agent, team_id=world.support_team_id, tags=["a"])
    source = new_ticket(
        world.agent,
        team_id=world.support_team_id,
        subject="Duplicate",
        tags=["b"],
        message={"text": "Second mail about the kettle."},
    )
    merged = world.agent.post(f"/api/v1/tickets/{target['id']}/merge", json={"source_id": source["id"]})
    assert merged.status_code == 200 and merged.json()["tags"] == ["a", "b"]
    old = world.agent.get(f"/api/v1/tickets/{source['id']}").json()
    assert old["status"] == "closed" and old["merged_into_id"] == target["id"]
    texts = [m["text"] for m in world.agent.get(f"/api/v1/tickets/{target['id']}/messages").json()["items"]]
    assert "Second mail about the kettle." in texts
    assert any("was merged into this ticket" in t for t in texts)
    # A customer reply to the old ticket lands in the surviving one.
    world.customer.post(f"/api/v1/tickets/{source['id']}/messages", json={"text": "any news?"})
    texts = [
        m["text"] for m in world.customer.get(f"/api/v1/tickets/{target['id']}/messages").json()["items"]
    ]
    assert texts[-1] == "any news?" and not any("merged into this" in t for t in texts)
    again = world.agent.post(f"/api/v1/tickets/{target['id']}/merge", json={"source_id": source["id"]})
    assert again.status_code == 409
    self_merge = world.agent.post(f"/api/v1/tickets/{target['id']}/merge", json={"source_id": target["id"]})
    assert self_merge.status_code == 422
    listed = [t["id"] for t in world.agent.get("/api/v1/tickets").json()["items"]]
    assert source["id"] not in listed


def test_filters_and_cursor_pagination(world: World) -> None:
    ids = []
    for i in range(7):
        ids.append(
            new_ticket(
                world.agent,
                subject=f"Ticket {i}",
                team_id=world.support_team_id,
                tags=["even"] if i % 2 == 0 else [],
                priority="high" if i < 3 else "normal",
            )["id"]
        )
    world.agent.patch(f"/api/v1/tickets/{ids[1]}", json={"status": "pending"})
    world.agent.patch(f"/api/v1/tickets/{ids[2]}", json={"assignee_id": world.agent.id})
    get = world.agent.get
    seen, cursor = [], None
    while True:
        page = get("/api/v1/tickets", params={"limit": 3, **({"cursor": cursor} if cursor else {})}).json()
        seen += [t["id"] for t in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == sorted(ids, reverse=True)
    assert [
        t["id"] for t in get("/api/v1/tickets", params={"sort": "id", "limit": 2}).json()["items"]
    ] == ids[:2]
    assert [t["id"] for t in get("/api/v1/tickets", params={"status": "pending"}).json()["items"]] == [ids[1]]
    both = get("/api/v1/tickets", params={"status": "pending,open"}).json()["items"]
    assert {t["id"] for t in both} == {ids[1], ids[2]}
    assert len(get("/api/v1/tickets", params={"tag": "even"}).json()["items"]) == 4
    assert [
        t["id"] for t in get("/api/v1/tickets", params={"assignee_id": world.agent.id}).json()["items"]
    ] == [ids[2]]
    assert len(get("/api/v1/tickets", params={"unassigned": True}).json()["items"]) == 6
    assert len(get("/api/v1/tickets", params={"priority": "high"}).json()["items"]) == 3
    assert len(get("/api/v1/tickets", params={"requester_id": world.customer.id}).json()["items"]) == 7
    assert len(get("/api/v1/tickets", params={"team_id": world.billing_team_id}).json()["items"]) == 0
    by_update = get("/api/v1/tickets", params={"sort": "-updated_at", "limit": 2}).json()
    assert by_update["items"][0]["id"] == ids[2]
    rest = get("/api/v1/tickets", params={"sort": "-updated_at", "cursor": by_update["next_cursor"]}).json()
    assert len(rest["items"]) == 5 and not {t["id"] for t in rest["items"]} & {
        t["id"] for t in by_update["items"]
    }
    for params, field in (
        ({"status": "nope"}, "status"),
        ({"cursor": "garbage!"}, "cursor"),
        ({"sort": "name"}, "sort"),
        ({"limit": 0}, "limit"),
    ):
        bad = get("/api/v1/tickets", params=params)
        assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == field


def test_full_text_search(world: World) -> None:
    kettle = new_ticket(
        world.agent, subject="Kettle leaking", message={"text": "Water everywhere, two-factor no"}
    )
    new_ticket(world.agent, subject="Password reset", message={"text": "I cannot sign in"})
    found = world.agent.get("/api/v1/tickets", params={"q": "kettle"}).json()["items"]
    assert [t["id"] for t in found] == [kettle["id"]]
    assert (
        world.agent.get("/api/v1/tickets", params={"q": "WATER kettle"}).json()["items"][0]["id"]
        == kettle["id"]
    )
    assert (
        world.agent.get("/api/v1/tickets", params={"q": "two-factor"}).json()["items"][0]["id"]
        == kettle["id"]
    )
    assert world.agent.get("/api/v1/tickets", params={"q": 'kettle "OR 1=1'}).status_code == 200
    world.agent.post(f"/api/v1/tickets/{kettle['id']}/messages", json={"text": "Sent a replacement gasket"})
    assert len(world.agent.get("/api/v1/tickets", params={"q": "gasket"}).json()["items"]) == 1
    assert world.agent.get("/api/v1/tickets", params={"q": "***"}).status_code == 422


def test_ticket_list_does_not_issue_a_query_per_ticket(world: World, db: Database) -> None:
    def count_queries(limit: int) -> int:
        statements: list[str] = []

        def on_exec(*args: object) -> None:
            statements.append(str(args[2]))

        event.listen(db.engine, "before_cursor_execute", on_exec)
        try:
            page = world.agent.get("/api/v1/tickets", params={"limit": limit})
            assert page.status_code == 200 and len(page.json()["items"]) == limit
        finally:
            event.remove(db.engine, "before_cursor_execute", on_exec)
        return len(statements)

    for i in range(12):
        customer = {"email": f"person{i}@example.com", "name": f"Person {i}"}
        tid = new_ticket(world.agent, customer=customer, tags=["x", f"t{i}"], team_id=world.support_team_id)[
            "id"
        ]
        world.agent.patch(f"/api/v1/tickets/{tid}", json={"assignee_id": world.agent.id})
    assert count_queries(2) == count_queries(12)
    assert count_queries(12) <= 10


def test_attachments_are_stored_and_served_safely(world: World, app) -> None:
    tid = new_ticket(world.agent)["id"]
    payload = base64.b64encode(b"<script>alert(1)</script>").decode()
    msg = world.customer.post(
        f"/api/v1/tickets/{tid}/messages",
        json={
            "text": "see file",
            "attachments": [
                {
                    "filename": "../../etc/evil name.html",
                    "content_type": "text/html",
                    "content_base64": payload,
                }
            ],
        },
    ).json()
    att = msg["attachments"][0]
    assert att["filename"] == "evil name.html" and att["size"] == 25
    download = world.agent.get(att["url"])
    assert download.content == b"<script>alert(1)</script>"
    assert download.headers["content-disposition"] == 'attachment; filename="evil name.html"'
    assert download.headers["x-content-type-options"] == "nosniff"
    assert download.headers["content-type"] == "application/octet-stream"
    unicode = world.customer.post(
        f"/api/v1/tickets/{tid}/messages",
        json={"text": "photo", "attachments": [{"filename": "Grüße.png", "content_base64": payload}]},
    ).json()
    header = world.agent.get(unicode["attachments"][0]["url"]).headers["content-disposition"]
    assert header == "attachment; filename=\"Gr__e.png\"; filename*=UTF-8''Gr%C3%BC%C3%9Fe.png"
    app.state.settings.attachment_max_bytes = 10
    too_big = world.customer.post(
        f"/api/v1/tickets/{tid}/messages",
        json={"text": "big", "attachments": [{"filename": "a.bin", "content_base64": payload}]},
    )
    assert too_big.status_code == 422 and "limit is 10" in too_big.json()["detail"]
    bad = world.customer.post(
        f"/api/v1/tickets/{tid}/messages",
        json={"text": "x", "attachments": [{"filename": "a.bin", "content_base64": "%%%"}]},
    )
    assert bad.status_code == 422 and "base64" in bad.json()["detail"]


def test_message_metadata_is_exposed(world: World) -> None:
    tid = new_ticket(world.agent)["id"]
    msg = world.agent.get(f"/api/v1/tickets/{tid}/messages").json()["items"][0]
    assert {"text", "full_text", "metadata", "message_id", "channel", "author"} <= set(msg)
