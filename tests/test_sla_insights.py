"""SLA policies chosen by what the customer wrote: the detected mood and intent."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI

from helpline.core.db import Database
from helpline.core.settings import Settings
from tests.assist_helpers import assist_app
from tests.assist_helpers import assist_hooks as assist_hooks
from tests.conftest import World, new_ticket

ANGRY = "This is RIDICULOUS. I have waited three weeks and nobody answers. I am furious and fed up!!"


@pytest.fixture
def app(settings: Settings, db: Database, assist_hooks: None) -> FastAPI:
    return assist_app(settings, db)


def _policy(world: World, **body: Any) -> None:
    response = world.admin.post("/api/v1/sla/policies", json=body)
    assert response.status_code == 201, response.text


def _sla(world: World, ticket_id: int) -> dict[str, Any]:
    data: dict[str, Any] = world.agent.get(f"/api/v1/tickets/{ticket_id}/sla").json()
    return data


def test_an_angry_message_moves_the_ticket_to_the_faster_promise(world: World, app: FastAPI) -> None:
    _policy(
        world,
        name="Upset customers",
        position=0,
        conditions={"mood": ["frustrated"]},
        first_response_minutes=30,
    )
    _policy(world, name="Everyone", position=100, first_response_minutes=480)
    angry = new_ticket(world.agent, message={"text": ANGRY})
    calm = new_ticket(
        world.agent, subject="Opening hours", message={"text": "Hi, when do you open on Sunday?"}
    )
    assert _sla(world, angry["id"])["policy_name"] == "Everyone"  # before enrichment has run
    app.state.outbox.drain()
    assert _sla(world, angry["id"])["policy_name"] == "Upset customers"
    assert _sla(world, calm["id"])["policy_name"] == "Everyone"


def test_bad_conditions_are_refused_naming_the_field(world: World) -> None:
    body: dict[str, Any] = {"name": "Odd", "first_response_minutes": 5}
    unknown = world.admin.post("/api/v1/sla/policies", json=body | {"conditions": {"weather": ["rain"]}})
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "conditions.weather"
    sleepy = world.admin.post("/api/v1/sla/policies", json=body | {"conditions": {"mood": ["sleepy"]}})
    assert sleepy.status_code == 422 and sleepy.json()["errors"][0]["field"].startswith("conditions.mood")
