"""Routing: round-robin order, least-loaded, presence, capacity (also under concurrent arrivals)."""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from fastapi import FastAPI

from helpline.app import create_app
from helpline.core.db import Database
from helpline.core.settings import Settings
from helpline.routing.routes import router as routing_router
from helpline.sla.routes import router as sla_router
from tests.conftest import World, new_ticket

API = "/api/v1"


@pytest.fixture
def app(settings: Settings, db: Database) -> FastAPI:
    application = create_app(settings, db, run_worker=False)
    paths = {getattr(r, "path", "") for r in application.routes}
    if f"{API}/routing/agents" not in paths:  # until create_app wires them
        application.include_router(routing_router, prefix=API)
    if f"{API}/sla/policies" not in paths:
        application.include_router(sla_router, prefix=API)
    return application


def _agents(world: World, n: int) -> list[int]:
    """``n`` Support agents (Sam from the world first), all online; ids in ascending order."""
    ids = [world.agent.id]
    for i in range(n - 1):
        r = world.admin.post(
            f"{API}/users",
            json={
                "email": f"agent{i}@helpline.test",
                "name": f"Agent {i}",
                "team_ids": [world.support_team_id],
            },
        )
        assert r.status_code == 201, r.text
        ids.append(r.json()["id"])
    for uid in ids:
        _set(world, uid, presence="online")
    return ids


def _set(world: World, user_id: int, **body: Any) -> dict[str, Any]:
    r = world.admin.patch(f"{API}/routing/agents/{user_id}", json=body)
    assert r.status_code == 200, r.text
    data: dict[str, Any] = r.json()
    return data


def _mode(world: World, mode: str) -> None:
    r = world.admin.patch(f"{API}/routing/teams/{world.support_team_id}", json={"mode": mode})
    assert r.status_code == 200, r.text


def _ticket(world: World, **kw: Any) -> dict[str, Any]:
    return new_ticket(world.agent, team_id=world.support_team_id, **kw)


def _who(ticket: dict[str, Any]) -> int | None:
    return ticket["assignee"]["id"] if ticket["assignee"] else None


def _routing_events(world: World, ticket_id: int) -> list[dict[str, Any]]:
    events = world.admin.get(f"{API}/tickets/{ticket_id}/events").json()
    return [e for e in events if e["kind"] in ("routed", "routing_queued")]


def test_round_robin_takes_turns_and_explains_itself(world: World) -> None:
    ids = _agents(world, 3)
    _mode(world, "round_robin")
    tickets = [_ticket(world) for _ in range(6)]
    assert [_who(t) for t in tickets] == ids + ids
    assert all(t["status"] == "open" for t in tickets)
    (routed,) = _routing_events(world, tickets[1]["id"])
    assert routed["kind"] == "routed" and routed["data"]["assignee_id"] == ids[1]
    assert "round robin" in routed["data"]["reason"]
    assert [c["user_id"] for c in routed["data"]["considered"]] == ids


def test_only_online_agents_under_capacity_and_the_queue_drains(world: World, app: FastAPI) -> None:
    a, b = _agents(world, 2)
    _set(world, a, capacity=1)
    _set(world, b, presence="away")
    _mode(world, "least_loaded")
    first = _ticket(world)
    assert _who(first) == a
    second = _ticket(world)
    assert _who(second) is None
    (queued,) = _routing_events(world, second["id"])
    assert queued["kind"] == "routing_queued"
    skipped = {c["user_id"]: c["skipped"] for c in queued["data"]["considered"]}
    assert skipped == {a: "at capacity (1/1)", b: "away"}
    assert world.agent.get(f"{API}/routing/teams/{world.support_team_id}").json()["waiting"] == 1

    # Chats count separately from other tickets.
    chat = _ticket(world, channel="chat")
    assert _who(chat) == a

    # B comes online: the waiting ticket goes out through the drain job.
    r = world.agent.patch(f"{API}/routing/agents/{b}", json={"presence": "online"})
    assert r.status_code == 403  # Sam may set only his own presence
    _set(world, b, presence="online")
    app.state.outbox.drain()
    assert _who(world.agent.get(f"{API}/tickets/{second['id']}").json()) == b

    # B goes offline before answering: the ticket returns to the queue (A is full, so it waits).
    _set(world, b, presence="offline")
    app.state.outbox.drain()
    assert _who(world.agent.get(f"{API}/tickets/{second['id']}").json()) is None
    third = _ticket(world)
    assert _who(third) is None
    # Solving frees A's capacity for the longest-waiting ticket.
    world.agent.patch(f"{API}/tickets/{first['id']}", json={"status": "solved"})
    app.state.outbox.drain()
    assert _who(world.agent.get(f"{API}/tickets/{second['id']}").json()) == a
    assert _who(world.agent.get(f"{API}/tickets/{third['id']}").json()) is None
    loads = {
        x["user_id"]: x
        for x in world.agent.get(f"{API}/routing/agents?team_id={world.support_team_id}").json()
    }
    assert loads[a]["load"] == 1 and loads[a]["chat_load"] == 1 and loads[b]["presence"] == "offline"


def test_least_loaded_prefers_the_quietest_agent(world: World) -> None:
    a, b, c = _agents(world, 3)
    for _ in range(2):
        _ticket(world, assignee_id=a)
    _ticket(world, assignee_id=b)
    _mode(world, "least_loaded")
    # Ties go to whoever has waited longest for a ticket (B was never routed one).
    assert [_who(_ticket(world)) for _ in range(3)] == [c, b, c]
    routed = _routing_events(world, _ticket(world)["id"])[0]
    assert "least loaded" in routed["data"]["reason"]


def test_urgent_tickets_leave_the_queue_first(world: World, app: FastAPI) -> None:
    (a,) = _agents(world, 1)
    _set(world, a, presence="offline", capacity=1)
    _mode(world, "round_robin")
    normal = _ticket(world)
    urgent = _ticket(world, priority="urgent")
    _set(world, a, presence="online")
    app.state.outbox.drain()
    assert _who(world.agent.get(f"{API}/tickets/{urgent['id']}").json()) == a
    assert _who(world.agent.get(f"{API}/tickets/{normal['id']}").json()) is None


def test_an_agent_going_offline_hands_back_unanswered_tickets(world: World, app: FastAPI) -> None:
    a, b = _agents(world, 2)
    _mode(world, "round_robin")
    first, second, third = (_ticket(world) for _ in range(3))
    assert [_who(t) for t in (first, second, third)] == [a, b, a]
    world.agent.post(f"{API}/tickets/{third['id']}/messages", json={"text": "On it."})  # Sam is a
    _set(world, a, presence="offline")
    app.state.outbox.drain()
    assert _who(world.agent.get(f"{API}/tickets/{first['id']}").json()) == b
    assert _who(world.agent.get(f"{API}/tickets/{third['id']}").json()) == a  # answered: stays
    kinds = [e["kind"] for e in world.admin.get(f"{API}/tickets/{first['id']}/events").json()]
    assert kinds[-4:] == ["unassigned", "routing_returned", "assigned", "routed"]


def test_capacity_is_never_exceeded_under_concurrent_arrivals(world: World) -> None:
    ids = _agents(world, 3)
    for uid, cap in zip(ids, (2, 2, 1), strict=True):
        _set(world, uid, capacity=cap)
    _mode(world, "least_loaded")

    def arrive(i: int) -> dict[str, Any]:
        return _ticket(world, subject=f"Parallel {i}")

    with ThreadPoolExecutor(max_workers=8) as pool:
        tickets = list(pool.map(arrive, range(16)))
    assigned = Counter(_who(t) for t in tickets if _who(t) is not None)
    assert assigned == {ids[0]: 2, ids[1]: 2, ids[2]: 1}
    queued = [t for t in tickets if _who(t) is None]
    assert len(queued) == 11
    assert world.admin.get(f"{API}/routing/teams/{world.support_team_id}").json()["waiting"] == 11


def test_settings_are_for_admins(world: World) -> None:
    r = world.agent.patch(f"{API}/routing/teams/{world.support_team_id}", json={"mode": "round_robin"})
    assert r.status_code == 403
    assert world.admin.patch(f"{API}/routing/teams/999", json={"mode": "round_robin"}).status_code == 404
    bad = world.admin.patch(f"{API}/routing/teams/{world.support_team_id}", json={"mode": "random"})
    assert bad.status_code == 422
    assert (
        world.agent.patch(f"{API}/routing/agents/{world.agent.id}", json={"capacity": 50}).status_code == 403
    )
    assert (
        world.agent.patch(f"{API}/routing/agents/{world.agent.id}", json={"presence": "away"}).status_code
        == 200
    )
