"""Queue order (urgent first, then frustrated customers, then oldest) and return to queue when an
agent does not accept a routed ticket in time (with the clock set by the test)."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import select

from helpline.assist import enrich
from helpline.core.db import Database, utcnow
from helpline.core.settings import Settings
from helpline.outbox.models import OutboxItem
from helpline.routing.acceptance import check_offer, expired_offers
from tests.assist_helpers import HashEncoder, assist_app
from tests.assist_helpers import assist_hooks as assist_hooks
from tests.conftest import World
from tests.test_routing import _agents, _mode, _set, _ticket, _who

API = "/api/v1"
ANGRY = "This is RIDICULOUS. I have waited three weeks and nobody answers. I am really angry!!"
CALM = "Hello, could you tell me when my parcel will arrive? Thank you."


@pytest.fixture
def app(settings: Settings, db: Database, assist_hooks: None) -> FastAPI:
    application = assist_app(settings, db)  # (creating the app points enrichment at its data dir)
    enrich.configure(data_dir=settings.data_dir, encoder=HashEncoder(), sentiment_model=False)
    return application


def _events(world: World, ticket_id: int, *kinds: str) -> list[dict[str, Any]]:
    events = world.admin.get(f"{API}/tickets/{ticket_id}/events").json()
    return [e for e in events if e["kind"] in kinds]


def _assignee(world: World, ticket_id: int) -> int | None:
    return _who(world.admin.get(f"{API}/tickets/{ticket_id}").json())


def test_frustrated_customers_go_first_within_their_priority(world: World, app: FastAPI) -> None:
    (only,) = _agents(world, 1)
    _set(world, only, capacity=1)
    _mode(world, "least_loaded")
    first = _ticket(world)
    assert _who(first) == only
    calm = _ticket(world, message={"text": CALM})
    angry = _ticket(world, message={"text": ANGRY})
    high = _ticket(world, priority="high", message={"text": CALM})
    app.state.outbox.drain()  # the assist layer reads every first message
    assert [_assignee(world, t["id"]) for t in (calm, angry, high)] == [None, None, None]

    def solve_and_drain(ticket_id: int) -> None:
        assert world.admin.patch(f"{API}/tickets/{ticket_id}", json={"status": "solved"}).status_code == 200
        app.state.outbox.drain()

    solve_and_drain(first["id"])
    assert _assignee(world, high["id"]) == only  # priority decides first
    solve_and_drain(high["id"])
    assert _assignee(world, angry["id"]) == only  # then the frustrated customer, though newer
    assert _assignee(world, calm["id"]) is None
    (routed,) = _events(world, angry["id"], "routed")
    queue = routed["data"]["queue"]
    assert queue["frustrated"] is True and "the customer is frustrated" in queue["because"]
    assert queue["order"] == "urgent first, then frustrated customers, then the longest waiting"
    (queued,) = _events(world, calm["id"], "routing_queued")  # once, not again on each try
    assert queued["data"]["queue"] == {
        "priority": "normal",
        "frustrated": False,
        "order": "urgent first, then frustrated customers, then the longest waiting",
        "because": ["normal priority"],
    }


def _check_all(db: Database, now: dt.datetime) -> None:
    """What the periodic sweep does: check every overdue offer, one transaction each."""
    with db.transaction() as s:
        overdue = expired_offers(s, now)
    for ticket_id in overdue:
        with db.transaction() as s:
            check_offer(s, ticket_id, now)


def test_unaccepted_tickets_return_to_the_queue_after_the_team_timeout(world: World, db: Database) -> None:
    sam, bea = _agents(world, 2)
    _mode(world, "round_robin")
    bad = world.admin.patch(f"{API}/routing/teams/{world.support_team_id}", json={"accept_minutes": 0})
    assert bad.status_code == 422
    r = world.admin.patch(f"{API}/routing/teams/{world.support_team_id}", json={"accept_minutes": 10})
    assert r.status_code == 200 and r.json()["accept_minutes"] == 10 and r.json()["mode"] == "round_robin"
    t1, t2, t3 = (_ticket(world) for _ in range(3))
    assert [_who(t) for t in (t1, t2, t3)] == [sam, bea, sam]
    with db.transaction() as s:  # the timer: a job due when the acceptance time is up
        timers = s.scalars(select(OutboxItem).where(OutboxItem.kind == "routing.accept_check")).all()
        due = {t.payload["ticket_id"]: t.available_at for t in timers}
    assert set(due) == {t1["id"], t2["id"], t3["id"]}
    assert all(dt.timedelta(minutes=9) < d - utcnow() <= dt.timedelta(minutes=10) for d in due.values())

    r = world.agent.post(f"{API}/tickets/{t3['id']}/messages", json={"text": "Looking", "internal": True})
    assert r.status_code == 201, r.text  # Sam acts on t3: that accepts it
    now = utcnow()
    _check_all(db, now + dt.timedelta(minutes=5))  # not yet
    assert [_assignee(world, t["id"]) for t in (t1, t2, t3)] == [sam, bea, sam]

    _check_all(db, now + dt.timedelta(minutes=11))
    assert _assignee(world, t1["id"]) == bea  # back to the queue, and to someone else
    assert _assignee(world, t2["id"]) == sam
    assert _assignee(world, t3["id"]) == sam  # acted on: stays
    returned = _events(world, t1["id"], "routing_returned", "routed")
    assert [e["kind"] for e in returned] == ["routed", "routing_returned", "routed"]
    assert returned[1]["data"]["reason"] == "the agent did not accept or act on it within 10 minutes"
    assert returned[1]["data"]["previous_assignee_id"] == sam
    skipped = {c["user_id"]: c["skipped"] for c in returned[2]["data"]["considered"]}
    assert skipped[sam] == "did not accept this ticket in time"

    # Accepting explicitly: only the assignee can, and then the ticket stays past the timeout.
    assert world.admin.post(f"{API}/tickets/{t2['id']}/accept").status_code == 409
    r = world.agent.post(f"{API}/tickets/{t2['id']}/accept")
    assert r.status_code == 200 and r.json()["assignee_id"] == sam
    assert [e["kind"] for e in _events(world, t2["id"], "accepted")] == ["accepted"]
    _check_all(db, utcnow() + dt.timedelta(minutes=30))
    assert _assignee(world, t2["id"]) == sam
    # t1 went to Bea, who did nothing either; Sam is not excluded this time around.
    assert _assignee(world, t1["id"]) == sam


def test_checkers_running_at_once_return_a_ticket_once(world: World, db: Database) -> None:
    sam, bea = _agents(world, 2)
    _set(world, bea, presence="offline")
    _mode(world, "least_loaded")
    world.admin.patch(f"{API}/routing/teams/{world.support_team_id}", json={"accept_minutes": 5})
    ticket = _ticket(world)
    assert _who(ticket) == sam
    later = utcnow() + dt.timedelta(minutes=6)
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def check() -> None:
        try:
            barrier.wait()
            with db.transaction() as s:
                check_offer(s, ticket["id"], later)
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    workers = [threading.Thread(target=check) for _ in range(4)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert errors == []
    kinds = [e["kind"] for e in _events(world, ticket["id"], "routing_returned", "routing_queued")]
    assert kinds == ["routing_returned", "routing_queued"]  # once; Bea is offline, so it waits
    assert _assignee(world, ticket["id"]) is None
    assert world.admin.get(f"{API}/routing/teams/{world.support_team_id}").json()["waiting"] == 1
