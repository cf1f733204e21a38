"""Admin page for business settings: business hours (time zone, weekly schedule) and which team keeps
them, and SLA policies (conditions and targets); holiday calendars are in ``admin_holidays``.

Every form calls one action of ``helpline.sla.admin`` (which checks the actor and writes the audit
row); a refused form comes back next to itself with what was typed and the reason.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request, Response
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from helpline.core.deps import DbSession
from helpline.core.errors import DomainError, Invalid
from helpline.sla import admin as sla
from helpline.sla.clock import DAYS
from helpline.sla.models import BusinessHours, HolidayCalendar, TeamBusinessHours
from helpline.tickets.models import CHANNELS, PRIORITIES
from helpline.web.admin_channels import problem, require_admin, team_choice, teams_of
from helpline.web.deps import Agent, AgentContext, check_csrf
from helpline.web.render import WebRoute, redirect, render

router = APIRouter(prefix="/agent/admin", route_class=WebRoute, include_in_schema=False)
PAGE = "/agent/admin/business"

DONE = {
    "hours": "Business hours saved.",
    "hours_deleted": "Business hours deleted.",
    "team_hours": "The team's business hours are set.",
    "calendar": "Holiday calendar saved.",
    "calendar_deleted": "Holiday calendar deleted.",
    "holiday": "Holiday added.",
    "holiday_deleted": "Holiday removed.",
    "policy": "SLA policy saved.",
    "policy_deleted": "SLA policy deleted.",
}
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
DAY_LABELS = dict(zip(DAYS, WEEKDAYS, strict=True))
TARGETS = (
    ("first_response_minutes", "First response within (minutes)"),
    ("next_response_minutes", "Next response within (minutes)"),
    ("resolution_minutes", "Resolution within (minutes)"),
)


def business_page(
    request: Request, session: Session, ctx: AgentContext, status: int = 200, **extra: Any
) -> Response:
    require_admin(ctx)
    teams = teams_of(session)
    hours = list(session.scalars(select(BusinessHours).order_by(BusinessHours.name)))
    calendars = list(
        session.scalars(
            select(HolidayCalendar)
            .order_by(HolidayCalendar.name)
            .options(selectinload(HolidayCalendar.holidays))
        )
    )
    context = {
        "ctx": ctx,
        "area": "agent",
        "teams": teams,
        "team_names": {t.id: t.name for t in teams},
        "hours": hours,
        "hours_names": {h.id: h.name for h in hours},
        "team_hours": {r.team_id: r.business_hours_id for r in session.scalars(select(TeamBusinessHours))},
        "calendars": calendars,
        "calendar_names": {c.id: c.name for c in calendars},
        "policies": sla.list_policies(session),
        "days": DAY_LABELS,
        "priorities": PRIORITIES,
        "channels": CHANNELS,
        "targets": TARGETS,
        "editing_hours": None,
        "editing_policy": None,
        "error": "",
        "error_form": "",
        "error_field": "",
        "form": {},
        "flash": "",
        "skipped": [],
        "one_day": dt.timedelta(days=1),
        **extra,
    }
    return render(request, "admin_business.html", context, status=status)


def business_failed(
    request: Request,
    session: Session,
    ctx: AgentContext,
    exc: DomainError,
    form_name: str,
    kept: dict[str, Any],
    **extra: Any,
) -> Response:
    if exc.status == 404:
        raise exc
    session.rollback()
    error, field = problem(exc)
    return business_page(
        request, session, ctx, 422, error=error, error_field=field, error_form=form_name, form=kept, **extra
    )


@router.get("/business")
def business_settings(
    request: Request, session: DbSession, ctx: Agent, hours: int = 0, policy: int = 0, done: str = ""
) -> Response:
    require_admin(ctx)
    extra: dict[str, Any] = {"flash": DONE.get(done, "")}
    if hours:
        h = sla.get_business_hours(session, hours)
        extra.update(editing_hours=h, error_form="hours", form=_hours_form(h))
    elif policy:
        p = sla.get_policy(session, policy)
        extra.update(editing_policy=p, error_form="policy", form=_policy_form(p))
    return business_page(request, session, ctx, **extra)


# -- business hours -------------------------------------------------------------------------------


def _hours_form(h: BusinessHours) -> dict[str, Any]:
    form: dict[str, Any] = {
        "name": h.name,
        "timezone": h.timezone,
        "holiday_calendar_id": str(h.holiday_calendar_id or ""),
    }
    for day in DAYS:
        form[f"day_{day}"] = ", ".join(f"{a}-{b}" for a, b in (h.schedule or {}).get(day, []))
    return form


def _schedule(form: dict[str, Any]) -> dict[str, list[list[str]]]:
    """``"09:00-12:00, 13:00-17:00"`` per day → the schedule the service takes; empty is closed."""
    schedule: dict[str, list[list[str]]] = {}
    for day in DAYS:
        text = str(form.get(f"day_{day}", "")).strip()
        ranges = []
        for part in filter(None, (p.strip() for p in text.replace(";", ",").split(","))):
            start, sep, end = part.replace("\u2013", "-").partition("-")
            if not sep:
                raise Invalid.field(
                    f"day_{day}", f"{DAY_LABELS[day]}: write hours like 09:00-17:00, separated by commas."
                )
            ranges.append([start.strip(), end.strip()])
        if ranges:
            schedule[day] = ranges
    return schedule


def _calendar_choice(raw: str) -> int | None:
    if not raw:
        return None
    if not raw.isdigit():
        raise Invalid.field("holiday_calendar_id", "Choose one of the listed holiday calendars.")
    return int(raw)


def _save_hours(
    request: Request, session: Session, ctx: AgentContext, hours_id: int | None, form: dict[str, Any]
) -> Response:
    require_admin(ctx)
    check_csrf(request, ctx.web, form.pop("csrf_token", ""))
    try:
        if not form["name"].strip():
            raise Invalid.field("name", "Give the business hours a name.")
        if not form["timezone"].strip():
            raise Invalid.field("timezone", "Give a time zone like Europe/Berlin.")
        values = {
            "name": form["name"].strip(),
            "timezone": form["timezone"].strip(),
            "schedule": _schedule(form),
            "holiday_calendar_id": _calendar_choice(form["holiday_calendar_id"]),
        }
        if hours_id is None:
            sla.create_business_hours(session, ctx.actor, **values)
        else:
            sla.update_business_hours(session, ctx.actor, hours_id, **values)
    except DomainError as exc:
        editing = sla.get_business_hours(session, hours_id) if hours_id else None
        return business_failed(request, session, ctx, exc, "hours", form, editing_hours=editing)
    return redirect(f"{PAGE}?done=hours")


def hours_form(
    name: Annotated[str, Form(max_length=120)] = "",
    timezone: Annotated[str, Form(max_length=64)] = "",
    holiday_calendar_id: Annotated[str, Form()] = "",
    day_mon: Annotated[str, Form(max_length=200)] = "",
    day_tue: Annotated[str, Form(max_length=200)] = "",
    day_wed: Annotated[str, Form(max_length=200)] = "",
    day_thu: Annotated[str, Form(max_length=200)] = "",
    day_fri: Annotated[str, Form(max_length=200)] = "",
    day_sat: Annotated[str, Form(max_length=200)] = "",
    day_sun: Annotated[str, Form(max_length=200)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> dict[str, str]:
    """The business hours form's fields, as typed (shared by creating and editing)."""
    form = {
        "name": name,
        "timezone": timezone,
        "holiday_calendar_id": holiday_calendar_id,
        "day_mon": day_mon,
        "day_tue": day_tue,
        "day_wed": day_wed,
        "day_thu": day_thu,
        "day_fri": day_fri,
        "day_sat": day_sat,
        "day_sun": day_sun,
        "csrf_token": csrf_token,
    }
    return form


HoursForm = Annotated[dict[str, str], Depends(hours_form)]


@router.post("/business-hours")
def create_business_hours(request: Request, session: DbSession, ctx: Agent, form: HoursForm) -> Response:
    return _save_hours(request, session, ctx, None, form)


@router.post("/business-hours/{hours_id}")
def update_business_hours(
    request: Request, session: DbSession, ctx: Agent, hours_id: int, form: HoursForm
) -> Response:
    return _save_hours(request, session, ctx, hours_id, form)


@router.post("/business-hours/{hours_id}/delete")
def delete_business_hours(
    request: Request, session: DbSession, ctx: Agent, hours_id: int, csrf_token: Annotated[str, Form()] = ""
) -> Response:
    require_admin(ctx)
    check_csrf(request, ctx.web, csrf_token)
    sla.delete_business_hours(session, ctx.actor, hours_id)
    return redirect(f"{PAGE}?done=hours_deleted")


@router.post("/team-hours")
def set_team_hours(
    request: Request,
    session: DbSession,
    ctx: Agent,
    team_id: Annotated[str, Form()] = "",
    business_hours_id: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    require_admin(ctx)
    check_csrf(request, ctx.web, csrf_token)
    kept = {"team_id": team_id, "business_hours_id": business_hours_id}
    try:
        team = team_choice(session, team_id)
        if team is None:
            raise Invalid.field("team_id", "Choose one of the listed teams.")
        if business_hours_id and not business_hours_id.isdigit():
            raise Invalid.field("business_hours_id", "Choose one of the listed business hours.")
        sla.set_team_business_hours(
            session, ctx.actor, team, int(business_hours_id) if business_hours_id else None
        )
    except DomainError as exc:
        return business_failed(request, session, ctx, exc, f"team-{team_id}", kept)
    return redirect(f"{PAGE}?done=team_hours")


# -- SLA policies ---------------------------------------------------------------------------------


def _policy_form(p: Any) -> dict[str, Any]:
    cond = p.conditions or {}
    form: dict[str, Any] = {
        "name": p.name,
        "position": str(p.position),
        "active": "1" if p.active else "",
        "priority": list(cond.get("priority", [])),
        "channel": list(cond.get("channel", [])),
        "team": [str(t) for t in cond.get("team_id", [])],
        "tags": " ".join(cond.get("tags", [])),
        "tier": " ".join(cond.get("tier", [])),
        "warn_percent": "" if p.warn_percent is None else str(p.warn_percent),
        "warn_minutes_before": "" if p.warn_minutes_before is None else str(p.warn_minutes_before),
        "business_hours_id": str(p.business_hours_id or ""),
    }
    for key, _label in TARGETS:
        value = getattr(p, key)
        form[key] = "" if value is None else str(value)
    return form


def _number(form: dict[str, Any], key: str, low: int, high: int) -> int | None:
    raw = str(form.get(key, "")).strip()
    if not raw:
        return None
    if not raw.lstrip("-").isdigit() or not low <= int(raw) <= high:
        raise Invalid.field(key, f"Give a whole number from {low} to {high}.")
    return int(raw)


def _policy_fields(session: Session, form: dict[str, Any]) -> dict[str, Any]:
    if not form["name"].strip():
        raise Invalid.field("name", "Give the policy a name.")
    conditions: dict[str, Any] = {
        "priority": form["priority"],
        "channel": form["channel"],
        "team_id": [team_choice(session, t, "team") for t in form["team"]],
        "tags": form["tags"].replace(",", " ").split(),
        "tier": form["tier"].replace(",", " ").split(),
    }
    hours = form["business_hours_id"]
    if hours and not hours.isdigit():
        raise Invalid.field("business_hours_id", "Choose one of the listed business hours.")
    fields: dict[str, Any] = {
        "name": form["name"].strip(),
        "position": _number(form, "position", -1000, 1000) or 0,
        "active": form["active"] == "1",
        "conditions": {k: v for k, v in conditions.items() if v},
        "warn_percent": _number(form, "warn_percent", 1, 99),
        "warn_minutes_before": _number(form, "warn_minutes_before", 1, 100_000),
        "business_hours_id": int(hours) if hours else None,
    }
    for key, _label in TARGETS:
        fields[key] = _number(form, key, 1, 100_000)
    return fields


def _save_policy(
    request: Request, session: Session, ctx: AgentContext, policy_id: int | None, form: dict[str, Any]
) -> Response:
    require_admin(ctx)
    check_csrf(request, ctx.web, form.pop("csrf_token", ""))
    try:
        fields = _policy_fields(session, form)
        if policy_id is None:
            sla.create_policy(session, ctx.actor, **fields)
        else:
            sla.update_policy(session, ctx.actor, policy_id, **fields)
    except DomainError as exc:
        editing = sla.get_policy(session, policy_id) if policy_id else None
        return business_failed(request, session, ctx, exc, "policy", form, editing_policy=editing)
    return redirect(f"{PAGE}?done=policy")


def policy_form(
    name: Annotated[str, Form(max_length=120)] = "",
    position: Annotated[str, Form(max_length=10)] = "0",
    active: Annotated[str, Form()] = "",
    priority: Annotated[list[str] | None, Form()] = None,
    channel: Annotated[list[str] | None, Form()] = None,
    team: Annotated[list[str] | None, Form()] = None,
    tags: Annotated[str, Form(max_length=2000)] = "",
    tier: Annotated[str, Form(max_length=2000)] = "",
    first_response_minutes: Annotated[str, Form(max_length=10)] = "",
    next_response_minutes: Annotated[str, Form(max_length=10)] = "",
    resolution_minutes: Annotated[str, Form(max_length=10)] = "",
    warn_percent: Annotated[str, Form(max_length=10)] = "",
    warn_minutes_before: Annotated[str, Form(max_length=10)] = "",
    business_hours_id: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> dict[str, Any]:
    """The SLA policy form's fields, as typed (shared by creating and editing)."""
    form: dict[str, Any] = {
        "name": name,
        "position": position,
        "active": active,
        "priority": (priority or [])[:20],
        "channel": (channel or [])[:20],
        "team": (team or [])[:50],
        "tags": tags,
        "tier": tier,
        "first_response_minutes": first_response_minutes,
        "next_response_minutes": next_response_minutes,
        "resolution_minutes": resolution_minutes,
        "warn_percent": warn_percent,
        "warn_minutes_before": warn_minutes_before,
        "business_hours_id": business_hours_id,
        "csrf_token": csrf_token,
    }
    return form


PolicyForm = Annotated[dict[str, Any], Depends(policy_form)]


@router.post("/sla-policies")
def create_policy(request: Request, session: DbSession, ctx: Agent, form: PolicyForm) -> Response:
    return _save_policy(request, session, ctx, None, form)


@router.post("/sla-policies/{policy_id}")
def update_policy(
    request: Request, session: DbSession, ctx: Agent, policy_id: int, form: PolicyForm
) -> Response:
    return _save_policy(request, session, ctx, policy_id, form)


@router.post("/sla-policies/{policy_id}/delete")
def delete_policy(
    request: Request, session: DbSession, ctx: Agent, policy_id: int, csrf_token: Annotated[str, Form()] = ""
) -> Response:
    require_admin(ctx)
    check_csrf(request, ctx.web, csrf_token)
    sla.delete_policy(session, ctx.actor, policy_id)
    return redirect(f"{PAGE}?done=policy_deleted")
