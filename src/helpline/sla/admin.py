"""Admin actions on business hours, holiday calendars and SLA policies; each writes its audit row.

Policies and calendars apply to a ticket from its next change on (a reply, a status or priority
change); existing due times are not rewritten retroactively.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from helpline.accounts.models import Team
from helpline.audit.service import changes, record
from helpline.core.actor import Actor
from helpline.core.db import utcnow
from helpline.core.errors import Conflict, Forbidden, Invalid, NotFound
from helpline.sla.clock import Calendar, CalendarError, format_week, parse_week, zone
from helpline.sla.ical import ICalError, ImportResult, parse_ical
from helpline.sla.models import BusinessHours, Holiday, HolidayCalendar, SlaPolicy, TeamBusinessHours
from helpline.sla.service import CONDITION_KEYS
from helpline.tickets.models import CHANNELS, PRIORITIES

UNSET: Any = object()


def _admin(actor: Actor) -> None:
    if not actor.is_admin:
        raise Forbidden("only admins can change business hours, holidays and SLA policies")


def _unique(session: Session, model: type[BusinessHours | HolidayCalendar | SlaPolicy], row: Any) -> None:
    """Refuse a second row with the same name, then flush so the row has its id."""
    with session.no_autoflush:
        other = session.scalar(select(model.id).where(model.name == row.name, model.id != (row.id or 0)))
    if other is not None:
        what = {BusinessHours: "business hours", HolidayCalendar: "holiday calendars"}.get(
            model, "SLA policies"
        )
        raise Conflict(f"the name {row.name!r} is already taken by other {what}")
    session.flush()


# -- business hours ------------------------------------------------------------------------------


def _checked_schedule(timezone: str, schedule: dict[str, Any]) -> dict[str, Any]:
    try:
        week = parse_week(schedule)
        Calendar(zone(timezone), week)
    except CalendarError as error:
        raise Invalid.field("schedule", str(error)) from None
    return format_week(week)


def _check_calendar(session: Session, calendar_id: int | None) -> None:
    if calendar_id is not None and session.get(HolidayCalendar, calendar_id) is None:
        raise Invalid.field("holiday_calendar_id", f"holiday calendar {calendar_id} does not exist")


def _hours_snapshot(h: BusinessHours) -> dict[str, Any]:
    return {
        "name": h.name,
        "timezone": h.timezone,
        "schedule": h.schedule,
        "holiday_calendar_id": h.holiday_calendar_id,
    }


def create_business_hours(
    session: Session,
    actor: Actor,
    *,
    name: str,
    timezone: str,
    schedule: dict[str, Any],
    holiday_calendar_id: int | None = None,
) -> BusinessHours:
    _admin(actor)
    try:
        zone(timezone)
    except CalendarError as error:
        raise Invalid.field("timezone", str(error)) from None
    _check_calendar(session, holiday_calendar_id)
    hours = BusinessHours(
        name=name,
        timezone=timezone,
        schedule=_checked_schedule(timezone, schedule),
        holiday_calendar_id=holiday_calendar_id,
    )
    session.add(hours)
    _unique(session, BusinessHours, hours)
    record(
        session,
        actor,
        "sla.business_hours.create",
        "sla_business_hours",
        hours.id,
        None,
        _hours_snapshot(hours),
    )
    return hours


def get_business_hours(session: Session, hours_id: int) -> BusinessHours:
    hours = session.get(BusinessHours, hours_id)
    if hours is None:
        raise NotFound(f"business hours {hours_id} do not exist")
    return hours


def update_business_hours(
    session: Session,
    actor: Actor,
    hours_id: int,
    *,
    name: str = UNSET,
    timezone: str = UNSET,
    schedule: dict[str, Any] = UNSET,
    holiday_calendar_id: int | None = UNSET,
) -> BusinessHours:
    _admin(actor)
    hours = get_business_hours(session, hours_id)
    before = _hours_snapshot(hours)
    if timezone is not UNSET:
        try:
            zone(timezone)
        except CalendarError as error:
            raise Invalid.field("timezone", str(error)) from None
        hours.timezone = timezone
    if schedule is not UNSET or timezone is not UNSET:
        hours.schedule = _checked_schedule(hours.timezone, hours.schedule if schedule is UNSET else schedule)
    if holiday_calendar_id is not UNSET:
        _check_calendar(session, holiday_calendar_id)
        hours.holiday_calendar_id = holiday_calendar_id
    if name is not UNSET:
        hours.name = name
    old, new = changes(before, _hours_snapshot(hours))
    if new:
        hours.updated_at = utcnow()
        _unique(session, BusinessHours, hours)
        record(session, actor, "sla.business_hours.update", "sla_business_hours", hours.id, old, new)
    return hours


def delete_business_hours(session: Session, actor: Actor, hours_id: int) -> None:
    _admin(actor)
    hours = get_business_hours(session, hours_id)
    record(
        session, actor, "sla.business_hours.delete", "sla_business_hours", hours.id, _hours_snapshot(hours)
    )
    session.delete(hours)
    session.flush()


def set_team_business_hours(session: Session, actor: Actor, team_id: int, hours_id: int | None) -> None:
    """Give a team its business hours (``None``: back to 24/7)."""
    _admin(actor)
    if session.get(Team, team_id) is None:
        raise NotFound(f"team {team_id} does not exist")
    if hours_id is not None:
        get_business_hours(session, hours_id)
    row = session.get(TeamBusinessHours, team_id)
    before = {"business_hours_id": row.business_hours_id if row else None}
    if hours_id is None and row is not None:
        session.delete(row)
    elif hours_id is not None and row is None:
        session.add(TeamBusinessHours(team_id=team_id, business_hours_id=hours_id))
    elif row is not None and hours_id is not None:
        row.business_hours_id = hours_id
    session.flush()
    record(session, actor, "sla.team_hours.set", "team", team_id, before, {"business_hours_id": hours_id})


# -- holiday calendars ---------------------------------------------------------------------------


def create_holiday_calendar(session: Session, actor: Actor, *, name: str) -> HolidayCalendar:
    _admin(actor)
    cal = HolidayCalendar(name=name)
    session.add(cal)
    _unique(session, HolidayCalendar, cal)
    record(
        session, actor, "sla.holiday_calendar.create", "sla_holiday_calendar", cal.id, None, {"name": name}
    )
    return cal


def get_holiday_calendar(session: Session, calendar_id: int) -> HolidayCalendar:
    cal = session.get(HolidayCalendar, calendar_id)
    if cal is None:
        raise NotFound(f"holiday calendar {calendar_id} does not exist")
    return cal


def add_holiday(
    session: Session,
    actor: Actor,
    calendar_id: int,
    *,
    name: str,
    start_date: dt.date,
    end_date: dt.date | None = None,
    yearly: bool = False,
    last_year: int | None = None,
) -> Holiday:
    _admin(actor)
    get_holiday_calendar(session, calendar_id)
    end = end_date or start_date + dt.timedelta(days=1)
    if end <= start_date:
        raise Invalid.field("end_date", "must come after start_date (it is exclusive)")
    holiday = Holiday(
        calendar_id=calendar_id,
        name=name,
        start_date=start_date,
        end_date=end,
        yearly=yearly,
        last_year=last_year,
    )
    session.add(holiday)
    session.flush()
    record(
        session,
        actor,
        "sla.holiday.create",
        "sla_holiday_calendar",
        calendar_id,
        None,
        {"holiday_id": holiday.id, "name": name, "start_date": start_date.isoformat(), "yearly": yearly},
    )
    return holiday


def delete_holiday(session: Session, actor: Actor, calendar_id: int, holiday_id: int) -> None:
    _admin(actor)
    holiday = session.scalar(
        select(Holiday).where(Holiday.id == holiday_id, Holiday.calendar_id == calendar_id)
    )
    if holiday is None:
        raise NotFound(f"holiday {holiday_id} does not exist in calendar {calendar_id}")
    record(
        session, actor, "sla.holiday.delete", "sla_holiday_calendar", calendar_id, {"holiday_id": holiday_id}
    )
    session.delete(holiday)
    session.flush()


def import_holidays(
    session: Session, actor: Actor, calendar_id: int, ics: str, *, replace: bool = False
) -> tuple[list[Holiday], ImportResult]:
    """Import all-day events from an iCalendar file; an event with a known UID is updated, not doubled."""
    _admin(actor)
    get_holiday_calendar(session, calendar_id)
    try:
        parsed = parse_ical(ics)
    except ICalError as error:
        raise Invalid.field("ics", str(error)) from None
    if replace:
        session.execute(delete(Holiday).where(Holiday.calendar_id == calendar_id))
    existing = {
        h.uid: h
        for h in session.scalars(select(Holiday).where(Holiday.calendar_id == calendar_id, Holiday.uid != ""))
    }
    rows = []
    for p in parsed.holidays:
        row = existing.get(p.uid) if p.uid else None
        if row is None:
            row = Holiday(calendar_id=calendar_id, uid=p.uid)
            session.add(row)
            if p.uid:
                existing[p.uid] = row
        row.name, row.start_date, row.end_date = p.name, p.start, p.end
        row.yearly, row.last_year = p.yearly, p.last_year
        rows.append(row)
    session.flush()
    record(
        session,
        actor,
        "sla.holiday_calendar.import",
        "sla_holiday_calendar",
        calendar_id,
        None,
        {"imported": len(rows), "skipped": len(parsed.skipped), "replace": replace},
    )
    return rows, parsed


def delete_holiday_calendar(session: Session, actor: Actor, calendar_id: int) -> None:
    _admin(actor)
    cal = get_holiday_calendar(session, calendar_id)
    record(session, actor, "sla.holiday_calendar.delete", "sla_holiday_calendar", cal.id, {"name": cal.name})
    session.execute(delete(Holiday).where(Holiday.calendar_id == calendar_id))
    session.delete(cal)
    session.flush()


# -- policies ------------------------------------------------------------------------------------


def _checked_conditions(conditions: dict[str, Any]) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    for key, values in conditions.items():
        if key not in CONDITION_KEYS:
            raise Invalid.field("conditions", f"unknown condition {key!r}: use {', '.join(CONDITION_KEYS)}")
        if not isinstance(values, list):
            raise Invalid.field("conditions", f"{key}: give a list of values")
        if key == "priority":
            bad = [v for v in values if v not in PRIORITIES]
        elif key == "channel":
            bad = [v for v in values if v not in CHANNELS]
        elif key in ("team_id", "organization_id"):
            bad = [v for v in values if not isinstance(v, int) or isinstance(v, bool)]
        else:
            bad = [v for v in values if not isinstance(v, str)]
        if bad:
            raise Invalid.field("conditions", f"{key}: {bad[0]!r} is not a valid value")
        if values:
            clean[key] = sorted(set(values), key=str)
    return clean


def _policy_snapshot(p: SlaPolicy) -> dict[str, Any]:
    return {
        "name": p.name,
        "position": p.position,
        "active": p.active,
        "conditions": p.conditions,
        "first_response_minutes": p.first_response_minutes,
        "next_response_minutes": p.next_response_minutes,
        "resolution_minutes": p.resolution_minutes,
        "warn_percent": p.warn_percent,
        "warn_minutes_before": p.warn_minutes_before,
        "business_hours_id": p.business_hours_id,
    }


POLICY_FIELDS = tuple(k for k in _policy_snapshot(SlaPolicy()) if k != "name")


def _apply_policy_fields(session: Session, policy: SlaPolicy, fields: dict[str, Any]) -> None:
    for key, value in fields.items():
        if key not in POLICY_FIELDS and key != "name":
            raise Invalid.field(key, "is not a policy field")
        if key == "conditions":
            value = _checked_conditions(value or {})
        if key == "business_hours_id" and value is not None:
            get_business_hours(session, value)
        setattr(policy, key, value)
    if not any(policy.minutes_for(k) for k in ("first_response", "next_response", "resolution")):
        raise Invalid.field("first_response_minutes", "give at least one target in minutes")


def create_policy(session: Session, actor: Actor, *, name: str, **fields: Any) -> SlaPolicy:
    _admin(actor)
    policy = SlaPolicy(name=name, position=0, active=True, conditions={}, warn_percent=80)
    _apply_policy_fields(session, policy, fields)
    session.add(policy)
    _unique(session, SlaPolicy, policy)
    record(session, actor, "sla.policy.create", "sla_policy", policy.id, None, _policy_snapshot(policy))
    return policy


def get_policy(session: Session, policy_id: int) -> SlaPolicy:
    policy = session.get(SlaPolicy, policy_id)
    if policy is None:
        raise NotFound(f"SLA policy {policy_id} does not exist")
    return policy


def update_policy(session: Session, actor: Actor, policy_id: int, **fields: Any) -> SlaPolicy:
    _admin(actor)
    policy = get_policy(session, policy_id)
    before = _policy_snapshot(policy)
    _apply_policy_fields(session, policy, fields)
    old, new = changes(before, _policy_snapshot(policy))
    if new:
        policy.updated_at = utcnow()
        _unique(session, SlaPolicy, policy)
        record(session, actor, "sla.policy.update", "sla_policy", policy.id, old, new)
    return policy


def delete_policy(session: Session, actor: Actor, policy_id: int) -> None:
    _admin(actor)
    policy = get_policy(session, policy_id)
    record(session, actor, "sla.policy.delete", "sla_policy", policy.id, _policy_snapshot(policy))
    session.delete(policy)
    session.flush()


def list_policies(session: Session) -> list[SlaPolicy]:
    return list(session.scalars(select(SlaPolicy).order_by(SlaPolicy.position, SlaPolicy.id)))
