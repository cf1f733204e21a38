"""The customer sees in the portal when to expect the team's answer, from the ticket's SLA."""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo

import pytest
from fastapi import FastAPI

from helpline.core.db import Database
from helpline.web.i18n import gettext
from tests.conftest import World
from tests.test_sla_policies import _policy, _sla, _when
from tests.test_web_portal import open_portal
from tests.test_web_support import Web, make_ticket, setup_web

API = "/api/v1"
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@pytest.fixture
def web(app: FastAPI, db: Database, world: World) -> Web:
    return setup_web(app, db, world)


def _berlin_hours(world: World) -> None:
    hours = world.admin.post(
        f"{API}/sla/business-hours",
        json={
            "name": "Berlin office",
            "timezone": "Europe/Berlin",
            "schedule": {d: [["09:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")},
        },
    )
    assert hours.status_code == 201, hours.text
    put = world.admin.client.put(
        f"{API}/sla/teams/{world.support_team_id}/business-hours",
        json={"business_hours_id": hours.json()["id"]},
        headers={"Authorization": f"Bearer {world.admin.token}"},
    )
    assert put.status_code == 204, put.text


def test_the_portal_promises_the_first_response_due_time_in_business_terms(web: Web) -> None:
    w = web.world
    _berlin_hours(w)
    _policy(w, name="Everyone", position=0, first_response_minutes=240, next_response_minutes=120)
    tid = make_ticket(web.db, "Kettle not delivered", team_id=w.support_team_id)
    due = _when(_sla(w.customer, tid)["targets"][0]["due_at"])
    local = due.astimezone(ZoneInfo("Europe/Berlin"))
    assert 9 <= local.hour < 17 or (local.hour, local.minute) == (17, 0)  # inside business hours

    page = open_portal(web, w.customer.id).get(f"/portal/tickets/{tid}")
    assert page.status_code == 200
    (promise,) = re.findall(r'<dd id="reply-by">(.*?)</dd>', page.text, re.S)
    assert promise.startswith("Our team will reply by <time")
    assert f'datetime="{due.isoformat()}"' in promise
    assert 'data-local-time="{when} (your time)"' in promise
    text = re.sub(r"<[^>]+>", "", promise)
    month = local.strftime("%B")
    assert f"{WEEKDAYS[local.weekday()]} {local.day} {month}, {local:%H:%M} (Europe/Berlin)" in text

    # Once the team has answered, and while it waits on the customer, there is no promise to show.
    w.agent.post(f"{API}/tickets/{tid}/messages", json={"text": "We are on it."})
    w.agent.patch(f"{API}/tickets/{tid}", json={"status": "pending"})
    page = open_portal(web, w.customer.id).get(f"/portal/tickets/{tid}")
    assert 'id="reply-by"' not in page.text
    assert "We are waiting for your answer" in page.text


def test_without_a_policy_the_portal_keeps_the_plain_promise(web: Web) -> None:
    w = web.world
    tid = make_ticket(web.db, "Kettle not delivered", team_id=w.support_team_id, priority="high")
    page = open_portal(web, w.customer.id).get(f"/portal/tickets/{tid}")
    assert 'id="reply-by"' not in page.text
    assert "Our team will reply within 4 hours." in page.text


def test_the_promise_is_translated() -> None:
    from helpline.web.i18n import set_language

    set_language("de")
    try:
        assert gettext("Our team will reply by") == "Unser Team antwortet bis"
        assert gettext("{when} (your time)") == "{when} (Ihre Zeit)"
    finally:
        set_language("en")
