"""SLA policies through the API, as the personas see them: selection, due times, pauses, breaches."""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import select, update

from helpline.app import create_app
from helpline.audit.models import AuditEntry
from helpline.core.db import Database, utcnow
from helpline.core.settings import Settings
from helpline.outbox.models import OutboxItem
from helpline.sla.calendars import load_calendar
from helpline.sla.checks import CHECK_JOB, check_due
from helpline.sla.clock import add_business_minutes
from helpline.sla.models import SlaTarget
from helpline.sla.routes import router as sla_router
from tests.conftest import World, new_ticket

API = "/api/v1"


@pytest.fixture
def app(settings: Settings, db: Database) -> FastAPI:
    application = create_app(settings, db, run_worker=False)
    if not any(getattr(r, "path", "") == f"{API}/sla/policies" for r in application.routes):
        application.include_router(sla_router, prefix=API)  # until create_app wires it
    return application


def _when(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


def _policy(world: World, **body: Any) -> dict[str, Any]:
    response = world.admin.post(f"{API}/sla/policies", json=body)
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()
    return data


def _sla(persona: Any, ticket_id: int) -> dict[str, Any]:
    response = persona.get(f"{API}/tickets/{ticket_id}/sla")
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data


def _targets(sla: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {t["kind"]: t for t in sla["targets"]}


def _events(persona: Any, ticket_id: int) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = persona.get(f"{API}/tickets/{ticket_id}/events").json()
    return events


@pytest.fixture
def policies(world: World) -> dict[str, dict[str, Any]]:
    return {
        "urgent": _policy(
            world,
            name="Urgent",
            position=0,
            conditions={"priority": ["urgent"]},
            first_response_minutes=30,
            resolution_minutes=240,
        ),
        "vip": _policy(
            world,
            name="VIP by email",
            position=1,
            conditions={"tier": ["vip"], "channel": ["email", "api"]},
            first_response_minutes=60,
            next_response_minutes=60,
        ),
        "default": _policy(
            world,
            name="Everyone",
            position=100,
            first_response_minutes=480,
            next_response_minutes=240,
            resolution_minutes=2880,
        ),
    }


def test_the_first_matching_policy_applies_and_due_times_show(
    world: World, policies: dict[str, dict[str, Any]]
) -> None:
    urgent = new_ticket(world.agent, priority="urgent")
    sla = _sla(world.agent, urgent["id"])
    assert sla["policy_name"] == "Urgent" and sla["timezone"] == "UTC" and not sla["paused"]
    created = _when(urgent["created_at"])
    # No business hours anywhere: 24/7 in UTC.
    assert _when(sla["first_response_due_at"]) == created + dt.timedelta(minutes=30)
    assert _when(sla["resolution_due_at"]) == created + dt.timedelta(minutes=240)
    assert sla["next_response_due_at"] is None
    assert [t["kind"] for t in sla["targets"]] == ["first_response", "resolution"]

    normal = new_ticket(world.agent)
    assert _sla(world.agent, normal["id"])["policy_name"] == "Everyone"

    # The customer sees when to expect the first answer, and nothing of another's ticket.
    mine = _sla(world.customer, urgent["id"])
    assert mine["first_response_due_at"] == sla["first_response_due_at"]
    assert mine["policy_name"] is None and mine["resolution_due_at"] is None
    assert [t["kind"] for t in mine["targets"]] == ["first_response"]
    assert world.other_customer.get(f"{API}/tickets/{urgent['id']}/sla").status_code == 404
    assert world.other_agent.get(f"{API}/tickets/{urgent['id']}/sla").status_code == 200  # no team yet

    # A VIP customer's tickets get the VIP policy, chosen by tier and channel.
    world.agent.patch(f"{API}/customers/{world.customer.id}", json={"tier": "vip"})
    vip = new_ticket(world.agent)
    assert _sla(world.agent, vip["id"])["policy_name"] == "VIP by email"
    assert _sla(world.agent, new_ticket(world.agent, channel="phone")["id"])["policy_name"] == "Everyone"


def test_the_policy_is_chosen_again_when_the_ticket_changes(
    world: World, policies: dict[str, dict[str, Any]]
) -> None:
    ticket = new_ticket(world.agent)
    created = _when(ticket["created_at"])
    assert _sla(world.agent, ticket["id"])["policy_name"] == "Everyone"
    world.agent.patch(f"{API}/tickets/{ticket['id']}", json={"priority": "urgent"})
    sla = _sla(world.agent, ticket["id"])
    assert sla["policy_name"] == "Urgent"
    # The clock started when the ticket was created, whichever policy applies now.
    assert abs(_when(sla["first_response_due_at"]) - (created + dt.timedelta(minutes=30))) < dt.timedelta(
        seconds=1
    )
    kinds = [e["kind"] for e in _events(world.agent, ticket["id"])]
    assert kinds.count("sla_policy_applied") == 2


def test_business_hours_and_holidays_of_the_team(world: World, policies: dict[str, dict[str, Any]]) -> None:
    cal = world.admin.post(f"{API}/sla/holiday-calendars", json={"name": "Germany"}).json()
    ics = (
        "BEGIN:VCALENDAR\nVERSION:2.0\nBEGIN:VEVENT\nUID:ny@de\nSUMMARY:Neujahr\n"
        "DTSTART;VALUE=DATE:20200101\nRRULE:FREQ=YEARLY\nEND:VEVENT\n"
        "BEGIN:VEVENT\nSUMMARY:Standup\nDTSTART:20261124T090000Z\nEND:VEVENT\nEND:VCALENDAR\n"
    )
    imported = world.admin.post(f"{API}/sla/holiday-calendars/{cal['id']}/import", json={"ics": ics})
    assert imported.status_code == 200, imported.text
    assert [h["name"] for h in imported.json()["imported"]] == ["Neujahr"]
    assert len(imported.json()["skipped"]) == 1
    # Importing again updates by UID instead of doubling.
    world.admin.post(f"{API}/sla/holiday-calendars/{cal['id']}/import", json={"ics": ics})
    assert len(world.admin.get(f"{API}/sla/holiday-calendars/{cal['id']}").json()["holidays"]) == 1

    hours = world.admin.post(
        f"{API}/sla/business-hours",
        json={
            "name": "Berlin office",
            "timezone": "Europe/Berlin",
            "schedule": {
                d: [["09:00", "12:00"], ["13:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")
            },
            "holiday_calendar_id": cal["id"],
        },
    )
    assert hours.status_code == 201, hours.text
    hours_id = hours.json()["id"]
    put = world.admin.client.put(
        f"{API}/sla/teams/{world.support_team_id}/business-hours",
        json={"business_hours_id": hours_id},
        headers={"Authorization": f"Bearer {world.admin.token}"},
    )
    assert put.status_code == 204, put.text

    ticket = new_ticket(world.agent, team_id=world.support_team_id)
    sla = _sla(world.agent, ticket["id"])
    assert sla["timezone"] == "Europe/Berlin" and sla["business_hours_id"] == hours_id
    created = _when(ticket["created_at"])
    calendar = _calendar(world, hours_id)
    assert _when(sla["first_response_due_at"]) == add_business_minutes(created, 480, calendar)


def _calendar(world: World, hours_id: int) -> Any:
    app = world.admin.client.app
    db: Database = app.state.db  # type: ignore[attr-defined]
    with db.read_sessions() as s:
        return load_calendar(s, hours_id)


def test_clocks_pause_while_pending_and_the_customer_starts_the_next_response(
    world: World, policies: dict[str, dict[str, Any]], db: Database
) -> None:
    ticket = new_ticket(world.agent)
    tid = ticket["id"]
    reply = world.agent.post(f"{API}/tickets/{tid}/messages", json={"text": "Checking.", "status": "pending"})
    assert reply.status_code == 201, reply.text
    sla = _sla(world.agent, tid)
    targets = _targets(sla)
    assert targets["first_response"]["status"] == "met"
    assert sla["paused"] and sla["resolution_due_at"] is None
    assert targets["resolution"]["status"] == "paused" and targets["resolution"]["due_at"] is None
    left = targets["resolution"]["remaining_minutes"]
    assert 2879 < left <= 2880

    answer = world.customer.post(f"{API}/tickets/{tid}/messages", json={"text": "Still nothing arrived."})
    assert answer.status_code == 201
    after = _sla(world.agent, tid)
    targets = _targets(after)
    assert not after["paused"]
    said = _when(answer.json()["created_at"])
    assert targets["next_response"]["status"] == "running"
    assert abs(_when(after["next_response_due_at"]) - (said + dt.timedelta(minutes=240))) < dt.timedelta(
        seconds=1
    )
    # The resolution clock resumes with what was left, not from the start.
    due = _when(after["resolution_due_at"])
    assert abs(due - (said + dt.timedelta(minutes=left))) < dt.timedelta(seconds=5)

    world.agent.post(f"{API}/tickets/{tid}/messages", json={"text": "A new kettle is on its way."})
    assert _targets(_sla(world.agent, tid))["next_response"]["status"] == "met"
    world.agent.patch(f"{API}/tickets/{tid}", json={"status": "solved"})
    solved = _sla(world.agent, tid)
    assert _targets(solved)["resolution"]["status"] == "met" and solved["resolution_due_at"] is None


def test_warnings_and_breaches_are_events_audited_and_emitted(
    world: World, policies: dict[str, dict[str, Any]], db: Database
) -> None:
    ticket = new_ticket(world.agent, priority="urgent")
    tid = ticket["id"]
    created = _when(ticket["created_at"])
    with db.read_sessions() as s:
        timers = list(s.scalars(select(OutboxItem).where(OutboxItem.kind == CHECK_JOB)))
    # A timer waits for the warning at 80% of 30 minutes.
    assert any(
        abs(t.available_at - (created + dt.timedelta(minutes=24))) < dt.timedelta(seconds=1) for t in timers
    )

    with db.transaction() as s:
        assert check_due(s, created + dt.timedelta(minutes=10)) == 0
    with db.transaction() as s:
        assert check_due(s, created + dt.timedelta(minutes=25)) == 1
    with db.transaction() as s:
        assert check_due(s, created + dt.timedelta(minutes=31)) == 1
    with db.transaction() as s:
        assert check_due(s, created + dt.timedelta(minutes=32)) == 0  # once only

    kinds = [e["kind"] for e in _events(world.agent, tid)]
    assert kinds.count("sla_warning") == 1 and kinds.count("sla_breached") == 1
    breach = next(e for e in _events(world.agent, tid) if e["kind"] == "sla_breached")
    assert breach["data"]["target"] == "first_response"
    with db.read_sessions() as s:
        events = [i.payload for i in s.scalars(select(OutboxItem).where(OutboxItem.kind == "event"))]
        actions = list(s.scalars(select(AuditEntry.action).where(AuditEntry.entity_id == tid)))
    names = [e["event"] for e in events]
    assert names.count("sla.warning") == 1 and names.count("sla.breached") == 1
    breached = next(e for e in events if e["event"] == "sla.breached")
    assert breached["data"]["ticket_id"] == tid and breached["data"]["target"] == "first_response"
    assert _when(breached["data"]["due_at"]) == created + dt.timedelta(minutes=30)
    assert "sla.breach" in actions and "sla.warning" in actions
    sla = _sla(world.agent, tid)
    assert _targets(sla)["first_response"]["status"] == "breached"

    # The late reply meets the target, marked late.
    world.agent.post(f"{API}/tickets/{tid}/messages", json={"text": "Sorry for the wait."})
    assert _targets(_sla(world.agent, tid))["first_response"]["status"] == "met_late"


def test_a_late_reply_records_the_breach_even_before_any_check(
    world: World, policies: dict[str, dict[str, Any]], db: Database
) -> None:
    tid = new_ticket(world.agent, priority="urgent")["id"]
    with db.transaction() as s:
        target = s.scalars(
            select(SlaTarget).where(SlaTarget.ticket_id == tid, SlaTarget.kind == "first_response")
        ).one()
        assert target.due_at is not None
        target.due_at -= dt.timedelta(hours=1)
        target.warn_at = None
    world.agent.post(f"{API}/tickets/{tid}/messages", json={"text": "Here I am."})
    assert _targets(_sla(world.agent, tid))["first_response"]["status"] == "met_late"
    assert [e["kind"] for e in _events(world.agent, tid)].count("sla_breached") == 1


def test_only_admins_change_policies_and_bad_input_is_explained(world: World) -> None:
    body = {"name": "X", "first_response_minutes": 10}
    assert world.agent.post(f"{API}/sla/policies", json=body).status_code == 403
    assert world.customer.get(f"{API}/sla/policies").status_code == 403
    assert world.admin.post(f"{API}/sla/policies", json=body).status_code == 201
    assert world.admin.post(f"{API}/sla/policies", json=body).status_code == 409
    no_target = world.admin.post(f"{API}/sla/policies", json={"name": "Y"})
    assert no_target.status_code == 422 and no_target.headers["content-type"].startswith(
        "application/problem"
    )
    unknown = world.admin.post(
        f"{API}/sla/policies", json={**body, "name": "Z", "conditions": {"mood": ["x"]}}
    )
    assert unknown.status_code == 422
    bad_zone = world.admin.post(
        f"{API}/sla/business-hours",
        json={"name": "Mars", "timezone": "Mars/Base", "schedule": {"mon": [["09:00", "17:00"]]}},
    )
    assert bad_zone.status_code == 422 and "time zone" in bad_zone.text
    bad_range = world.admin.post(
        f"{API}/sla/business-hours",
        json={"name": "Odd", "timezone": "UTC", "schedule": {"mon": [["17:00", "09:00"]]}},
    )
    assert bad_range.status_code == 422
    cal = world.admin.post(f"{API}/sla/holiday-calendars", json={"name": "Empty"}).json()
    not_ics = world.admin.post(f"{API}/sla/holiday-calendars/{cal['id']}/import", json={"ics": "hello"})
    assert not_ics.status_code == 422 and "VCALENDAR" in not_ics.text
    policy_id = world.admin.get(f"{API}/sla/policies").json()[0]["id"]
    patched = world.admin.patch(f"{API}/sla/policies/{policy_id}", json={"warn_minutes_before": 5})
    assert patched.status_code == 200 and patched.json()["warn_minutes_before"] == 5
    assert world.admin.delete(f"{API}/sla/policies/{policy_id}").status_code == 204
    assert world.admin.get(f"{API}/sla/policies/{policy_id}").status_code == 404

    # Deleting what others point at leaves them on 24/7 rather than broken.
    holiday = world.admin.post(
        f"{API}/sla/holiday-calendars/{cal['id']}/holidays",
        json={"name": "Founders", "start_date": "2026-06-01"},
    )
    assert holiday.status_code == 201 and holiday.json()["end_date"] == "2026-06-02"
    hours = world.admin.post(
        f"{API}/sla/business-hours",
        json={
            "name": "Weekdays",
            "timezone": "UTC",
            "schedule": {"mon": [["09:00", "17:00"]]},
            "holiday_calendar_id": cal["id"],
        },
    ).json()
    assert world.admin.delete(f"{API}/sla/holiday-calendars/{cal['id']}").status_code == 204
    assert world.admin.get(f"{API}/sla/business-hours/{hours['id']}").json()["holiday_calendar_id"] is None
    renamed = world.admin.patch(f"{API}/sla/business-hours/{hours['id']}", json={"name": "Mondays"})
    assert renamed.status_code == 200 and renamed.json()["name"] == "Mondays"
    assert world.admin.delete(f"{API}/sla/business-hours/{hours['id']}").status_code == 204


def test_the_timer_job_fires_the_warning_through_the_outbox(
    world: World, policies: dict[str, dict[str, Any]], db: Database, app: FastAPI
) -> None:
    tid = new_ticket(world.agent, priority="urgent")["id"]
    past = utcnow() - dt.timedelta(seconds=1)
    with db.transaction() as s:
        target = s.scalars(
            select(SlaTarget).where(SlaTarget.ticket_id == tid, SlaTarget.kind == "first_response")
        ).one()
        target.warn_at = past
        s.execute(update(OutboxItem).where(OutboxItem.kind == CHECK_JOB).values(available_at=past))
    app.state.outbox.drain()
    assert [e["kind"] for e in _events(world.agent, tid)].count("sla_warning") == 1
    with db.read_sessions() as s:
        timers = list(s.scalars(select(OutboxItem).where(OutboxItem.kind == CHECK_JOB)))
        due = s.scalars(select(SlaTarget.due_at).where(SlaTarget.id == target.id)).one()
    # The fired timer is done; the next one waits for the due time.
    assert {t.status for t in timers if t.available_at <= past} == {"done"}
    assert [t.available_at for t in timers if t.status == "pending"] == [due]


def test_merging_stops_the_clocks_of_the_merged_ticket(
    world: World, policies: dict[str, dict[str, Any]]
) -> None:
    source = new_ticket(world.agent)["id"]
    target = new_ticket(world.agent)["id"]
    merged = world.agent.post(f"{API}/tickets/{target}/merge", json={"source_id": source})
    assert merged.status_code == 200, merged.text
    gone = _sla(world.agent, source)
    assert gone["policy_id"] is None and gone["targets"] == [] and gone["first_response_due_at"] is None
    assert "sla_policy_removed" in [e["kind"] for e in _events(world.agent, source)]
    assert _sla(world.agent, target)["policy_name"] == "Everyone"


def test_sweepers_running_at_once_fire_each_breach_once(
    world: World, policies: dict[str, dict[str, Any]], db: Database
) -> None:
    tickets = [new_ticket(world.agent, priority="urgent") for _ in range(6)]
    later = max(_when(t["created_at"]) for t in tickets) + dt.timedelta(minutes=31)

    def sweep(_: int) -> int:
        with db.transaction() as s:
            return check_due(s, later)

    with ThreadPoolExecutor(max_workers=3) as pool:
        fired = sum(pool.map(sweep, range(3)))
    assert fired == 6
    with db.read_sessions() as s:
        names = [i.payload["event"] for i in s.scalars(select(OutboxItem).where(OutboxItem.kind == "event"))]
    assert names.count("sla.breached") == 6 and names.count("sla.warning") == 0
