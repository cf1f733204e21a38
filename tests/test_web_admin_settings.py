"""Admin page for business settings: business hours, team hours, holiday calendars, SLA policies."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from sqlalchemy import select

from helpline.audit.models import AuditEntry
from helpline.core.db import Database
from helpline.sla.models import BusinessHours, Holiday, HolidayCalendar, SlaPolicy, TeamBusinessHours
from tests.conftest import World
from tests.test_web_support import Web, csrf_of, form_post, setup_web

PAGE = "/agent/admin/business"
ADMIN = "/agent/admin"
ICS = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:ny@de\r\nSUMMARY:Neujahr\r\n"
    "DTSTART;VALUE=DATE:20200101\r\nRRULE:FREQ=YEARLY\r\nEND:VEVENT\r\n"
    "BEGIN:VEVENT\r\nUID:fire@de\r\nSUMMARY:Betriebsausflug\r\nDTSTART;VALUE=DATE:20261204\r\n"
    "END:VEVENT\r\n"
    "BEGIN:VEVENT\r\nSUMMARY:Standup\r\nDTSTART:20261124T090000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
)
WEEKDAYS = {f"day_{d}": "09:00-12:00, 13:00-17:00" for d in ("mon", "tue", "wed", "thu", "fri")}


@pytest.fixture
def web(app: FastAPI, db: Database, world: World) -> Web:
    return setup_web(app, db, world)


def test_agents_are_refused_the_business_settings(web: Web) -> None:
    sam = web.agent()
    assert sam.get(PAGE).status_code == 403
    refused = form_post(
        sam, "/agent/", f"{ADMIN}/sla-policies", {"name": "Sneaky", "resolution_minutes": "5"}
    )
    assert refused.status_code == 403
    with web.db.read_sessions() as s:
        assert s.scalar(select(SlaPolicy)) is None
    ada = web.agent("ada@helpline.test")
    assert ada.get(PAGE).status_code == 200 and f'href="{PAGE}"' in ada.get(f"{ADMIN}/").text


def test_admin_imports_holidays_and_sets_business_hours_for_a_team(web: Web) -> None:
    w = web.world
    ada = web.agent("ada@helpline.test")
    token = csrf_of(ada.get(PAGE).text)
    made = ada.post(
        f"{ADMIN}/holiday-calendars",
        data={"name": "Germany", "csrf_token": token},
        files={"ics": ("de.ics", ICS.encode(), "text/calendar")},
    )
    # The timed event is not imported, and the page says so by name.
    assert made.status_code == 200 and "Holiday calendar saved." in made.text
    assert "Standup" in made.text and "not an all-day event" in made.text
    with web.db.read_sessions() as s:
        cal = s.scalars(select(HolidayCalendar)).one()
        assert sorted(h.name for h in s.scalars(select(Holiday))) == ["Betriebsausflug", "Neujahr"]
    junk = ada.post(
        f"{ADMIN}/holiday-calendars/{cal.id}/import",
        data={"csrf_token": token},
        files={"ics": ("x.ics", b"\xff\xfe not text", "text/calendar")},
    )
    assert junk.status_code == 422 and "is not UTF-8 text" in junk.text
    bad_tz = form_post(
        ada,
        PAGE,
        f"{ADMIN}/business-hours",
        {
            "name": "Berlin office",
            "timezone": "Europe/Berlinn",
            **WEEKDAYS,
            "holiday_calendar_id": str(cal.id),
        },
    )
    assert bad_tz.status_code == 422 and "Europe/Berlinn" in bad_tz.text
    assert 'value="Berlin office"' in bad_tz.text and 'value="09:00-12:00, 13:00-17:00"' in bad_tz.text
    assert f'<option value="{cal.id}" selected>' in bad_tz.text
    bad_day = form_post(
        ada,
        PAGE,
        f"{ADMIN}/business-hours",
        {"name": "Berlin office", "timezone": "Europe/Berlin", "day_sat": "9 to 5"},
    )
    assert bad_day.status_code == 422 and "Saturday: write hours like 09:00-17:00" in bad_day.text
    assert 'aria-invalid="true" aria-describedby="hours-error"' in bad_day.text
    saved = form_post(
        ada,
        PAGE,
        f"{ADMIN}/business-hours",
        {
            "name": "Berlin office",
            "timezone": "Europe/Berlin",
            **WEEKDAYS,
            "holiday_calendar_id": str(cal.id),
        },
    )
    assert saved.status_code == 303 and "Business hours saved." in ada.get(saved.headers["location"]).text
    with web.db.read_sessions() as s:
        hours = s.scalars(select(BusinessHours)).one()
    assert hours.schedule["mon"] == [["09:00", "12:00"], ["13:00", "17:00"]] and "sat" not in hours.schedule
    edited = form_post(
        ada,
        f"{PAGE}?hours={hours.id}",
        f"{ADMIN}/business-hours/{hours.id}",
        {"name": "Berlin office", "timezone": "Europe/Berlin", **WEEKDAYS, "day_sat": "10:00-14:00"},
    )
    assert edited.status_code == 303
    team = form_post(
        ada,
        PAGE,
        f"{ADMIN}/team-hours",
        {"team_id": str(w.support_team_id), "business_hours_id": str(hours.id)},
    )
    assert team.status_code == 303
    with web.db.read_sessions() as s:
        again = s.get(BusinessHours, hours.id)
        assert again is not None and again.schedule["sat"] == [["10:00", "14:00"]]
        assert again.holiday_calendar_id is None  # the edit form left the calendar empty
        row = s.get(TeamBusinessHours, w.support_team_id)
        assert row is not None and row.business_hours_id == hours.id
        actions = set(s.scalars(select(AuditEntry.action)))
    assert {
        "sla.holiday_calendar.create",
        "sla.holiday_calendar.import",
        "sla.business_hours.create",
        "sla.business_hours.update",
        "sla.team_hours.set",
    } <= actions


def test_admin_adds_and_removes_a_single_holiday(web: Web) -> None:
    ada = web.agent("ada@helpline.test")
    assert form_post(ada, PAGE, f"{ADMIN}/holiday-calendars", {"name": "Office"}).status_code == 303
    with web.db.read_sessions() as s:
        cal_id = s.scalars(select(HolidayCalendar.id)).one()
    url = f"{ADMIN}/holiday-calendars/{cal_id}/holidays"
    backwards = form_post(
        ada, PAGE, url, {"name": "Winter break", "first_day": "2026-12-24", "last_day": "2026-12-20"}
    )
    assert backwards.status_code == 422 and "The last day cannot come before the first day." in backwards.text
    assert 'value="Winter break"' in backwards.text and 'value="2026-12-20"' in backwards.text
    assert 'id="holiday-last-' in backwards.text and 'aria-describedby="holiday-error-' in backwards.text
    added = form_post(
        ada,
        PAGE,
        url,
        {"name": "Winter break", "first_day": "2026-12-24", "last_day": "2026-12-26", "yearly": "1"},
    )
    assert added.status_code == 303 and "Holiday added." in ada.get(added.headers["location"]).text
    with web.db.read_sessions() as s:
        holiday = s.scalars(select(Holiday)).one()
    # The last day is included: the stored end is the day after it.
    assert (holiday.start_date.isoformat(), holiday.end_date.isoformat(), holiday.yearly) == (
        "2026-12-24",
        "2026-12-27",
        True,
    )
    assert "2026-12-24 \u2013 2026-12-26: Winter break (every year)" in ada.get(PAGE).text
    removed = form_post(ada, PAGE, f"{url}/{holiday.id}/delete", {})
    assert removed.status_code == 303 and "Holiday removed." in ada.get(removed.headers["location"]).text
    with web.db.read_sessions() as s:
        assert s.scalar(select(Holiday)) is None


def test_admin_creates_edits_and_deletes_an_sla_policy(web: Web) -> None:
    w = web.world
    ada = web.agent("ada@helpline.test")
    no_target = form_post(
        ada,
        PAGE,
        f"{ADMIN}/sla-policies",
        {"name": "VIP", "priority": "urgent", "tags": "vip gold", "active": "1"},
    )
    assert no_target.status_code == 422 and "give at least one target in minutes" in no_target.text
    assert 'value="VIP"' in no_target.text and 'value="vip gold"' in no_target.text
    assert 'id="policy-priority-urgent" name="priority" value="urgent" checked' in no_target.text
    words = form_post(ada, PAGE, f"{ADMIN}/sla-policies", {"name": "VIP", "first_response_minutes": "soon"})
    assert words.status_code == 422 and "Give a whole number from 1 to 100000." in words.text
    token = csrf_of(ada.get(PAGE).text)
    made = ada.post(
        f"{ADMIN}/sla-policies",
        data={
            "csrf_token": token,
            "name": "VIP",
            "active": "1",
            "position": "1",
            "priority": ["urgent", "high"],
            "team": [str(w.support_team_id)],
            "tags": "vip, gold",
            "first_response_minutes": "60",
            "resolution_minutes": "480",
            "warn_percent": "75",
        },
    )
    assert made.status_code == 303
    with web.db.read_sessions() as s:
        policy = s.scalars(select(SlaPolicy)).one()
    assert policy.conditions == {
        "priority": ["high", "urgent"],
        "team_id": [w.support_team_id],
        "tags": ["gold", "vip"],
    }
    assert (policy.first_response_minutes, policy.resolution_minutes, policy.warn_percent) == (60, 480, 75)
    listed = ada.get(PAGE).text
    assert "First response within (minutes): 60" in listed and "Support" in listed
    form = ada.get(f"{PAGE}?policy={policy.id}").text
    assert "Edit VIP" in form and 'value="gold vip"' in form and 'value="480"' in form
    edited = ada.post(
        f"{ADMIN}/sla-policies/{policy.id}",
        data={"csrf_token": token, "name": "VIP", "position": "1", "resolution_minutes": "240"},
    )
    assert edited.status_code == 303
    with web.db.read_sessions() as s:
        policy = s.scalars(select(SlaPolicy)).one()
    assert (policy.active, policy.conditions, policy.first_response_minutes, policy.resolution_minutes) == (
        False,
        {},
        None,
        240,
    )
    deleted = ada.post(f"{ADMIN}/sla-policies/{policy.id}/delete", data={"csrf_token": token})
    assert deleted.status_code == 303 and "SLA policy deleted." in ada.get(deleted.headers["location"]).text
    with web.db.read_sessions() as s:
        assert s.scalar(select(SlaPolicy)) is None
        actions = list(s.scalars(select(AuditEntry.action).where(AuditEntry.entity_type == "sla_policy")))
    assert actions == ["sla.policy.create", "sla.policy.update", "sla.policy.delete"]


def test_messages_handed_to_the_new_templates_have_german_translations() -> None:
    from helpline.web import admin_channels, admin_settings, macros, portal_signin
    from helpline.web.i18n import CATALOGS

    messages = [
        *admin_channels.DONE.values(),
        *admin_channels.PRECHAT_LABELS.values(),
        *admin_settings.DONE.values(),
        *admin_settings.DAY_LABELS.values(),
        *(label for _key, label in admin_settings.TARGETS),
        *portal_signin.SIGNIN_ERRORS.values(),
        portal_signin.SENT,
        *macros.DONE.values(),
    ]
    assert [m for m in messages if m not in CATALOGS["de"]] == []
