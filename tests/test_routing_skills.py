"""Skill-based routing (languages and topics with levels) and urgent-first at arrival."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from tests.conftest import World
from tests.test_routing import _agents, _mode, _routing_events, _set, _ticket, _who

API = "/api/v1"


def _skills(world: World, user_id: int, skills: dict[str, int]) -> dict[str, Any]:
    r = world.admin.client.put(
        f"{API}/routing/agents/{user_id}/skills",
        json={"skills": skills},
        headers={"Authorization": f"Bearer {world.admin.token}"},
    )
    assert r.status_code == 200, r.text
    data: dict[str, Any] = r.json()
    return data


def test_skills_match_language_and_topic_and_explain(world: World) -> None:
    german, billing, generalist = _agents(world, 3)
    r = world.agent.client.put(
        f"{API}/routing/agents/{german}/skills",
        json={"skills": {"lang:de": 5}},
        headers={"Authorization": f"Bearer {world.agent.token}"},
    )
    assert r.status_code == 403
    assert _skills(world, german, {"lang:de": 5, "Returns": 2})["skills"] == {"lang:de": 5, "returns": 2}
    _skills(world, billing, {"billing": 4, "lang:en": 3})
    bad = world.admin.client.put(
        f"{API}/routing/agents/{billing}/skills",
        json={"skills": {"billing": 9}},
        headers={"Authorization": f"Bearer {world.admin.token}"},
    )
    assert bad.status_code == 422
    assert world.agent.get(f"{API}/routing/agents/{billing}/skills").json()["skills"] == {
        "billing": 4,
        "lang:en": 3,
    }
    _mode(world, "skills")

    de = _ticket(world, tags=["lang:de"])
    assert _who(de) == german
    (routed,) = _routing_events(world, de["id"])
    assert "matched lang:de 5" in routed["data"]["reason"]
    assert _who(_ticket(world, tags=["billing"])) == billing
    assert _who(_ticket(world)) == generalist  # nothing needed: the least loaded

    # The requester's language counts when no lang: tag is given.
    customer = world.admin.post(
        f"{API}/customers", json={"name": "Dora", "email": "dora@example.de", "language": "de"}
    )
    assert customer.status_code == 201, customer.text
    dora = _ticket(world, customer={"email": "dora@example.de"})
    assert _who(dora) == german

    # The German speaker is full: the ticket still goes out, and the event says why.
    _set(world, german, capacity=2)
    other = _ticket(world, tags=["lang:de"])
    assert _who(other) in (billing, generalist)
    (routed,) = _routing_events(world, other["id"])
    assert "nobody available speaks de" in routed["data"]["reason"]


def test_urgent_waiting_tickets_go_before_a_new_arrival(world: World, app: FastAPI) -> None:
    (only,) = _agents(world, 1)
    _set(world, only, capacity=1)
    _mode(world, "least_loaded")
    first = _ticket(world)
    assert _who(first) == only
    normal = _ticket(world)
    urgent = _ticket(world, priority="urgent")
    assert _who(normal) is None and _who(urgent) is None

    # Room frees up; before the drain job runs, a new ticket arrives: the urgent one goes first.
    r = world.admin.patch(f"{API}/tickets/{first['id']}", json={"status": "solved"})
    assert r.status_code == 200
    late = _ticket(world)
    assert _who(late) is None
    assert _who(world.admin.get(f"{API}/tickets/{urgent['id']}").json()) == only
    assert _who(world.admin.get(f"{API}/tickets/{normal['id']}").json()) is None

    # Then the older normal ticket goes before the newer one.
    world.admin.patch(f"{API}/tickets/{urgent['id']}", json={"status": "solved"})
    app.state.outbox.drain()
    assert _who(world.admin.get(f"{API}/tickets/{normal['id']}").json()) == only
    assert _who(world.admin.get(f"{API}/tickets/{late['id']}").json()) is None
