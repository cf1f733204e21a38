"""Holiday calendars on the business settings page: create one (optionally from an iCalendar file),
import a file into it, add or remove a single holiday, delete it. Each form calls one action of
``helpline.sla.admin``; a refused form comes back next to itself with the reason.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, File, Form, Request, Response, UploadFile
from sqlalchemy.orm import Session

from helpline.core.deps import DbSession
from helpline.core.errors import DomainError, Invalid
from helpline.sla import admin as sla
from helpline.web.admin_channels import require_admin
from helpline.web.admin_settings import DONE, PAGE, business_failed, business_page
from helpline.web.deps import Agent, AgentContext, check_csrf
from helpline.web.render import WebRoute, redirect

router = APIRouter(prefix="/agent/admin", route_class=WebRoute, include_in_schema=False)
MAX_ICS_BYTES = 1024 * 1024


def _ics_text(upload: UploadFile | None) -> str:
    if upload is None or not upload.filename:
        return ""
    raw = upload.file.read(MAX_ICS_BYTES + 1)
    if len(raw) > MAX_ICS_BYTES:
        raise Invalid.field("ics", "The calendar file is larger than 1 MB.")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Invalid.field("ics", "The calendar file is not UTF-8 text (an .ics file).") from None


def _import(session: Session, ctx: AgentContext, calendar_id: int, ics: str, replace: bool) -> list[str]:
    if not ics:
        return []
    _rows, result = sla.import_holidays(session, ctx.actor, calendar_id, ics, replace=replace)
    return list(result.skipped)


def _calendar_done(
    request: Request, session: Session, ctx: AgentContext, calendar_id: int, skipped: list[str]
) -> Response:
    if not skipped:
        return redirect(f"{PAGE}?done=calendar#calendar-{calendar_id}")
    # Show the skipped events on this response (they are not stored anywhere).
    return business_page(request, session, ctx, flash=DONE["calendar"], skipped=skipped)


@router.post("/holiday-calendars")
def create_holiday_calendar(
    request: Request,
    session: DbSession,
    ctx: Agent,
    name: Annotated[str, Form(max_length=120)] = "",
    ics: Annotated[UploadFile | None, File()] = None,
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    require_admin(ctx)
    check_csrf(request, ctx.web, csrf_token)
    try:
        if not name.strip():
            raise Invalid.field("name", "Give the holiday calendar a name.")
        text = _ics_text(ics)
        cal = sla.create_holiday_calendar(session, ctx.actor, name=name.strip())
        skipped = _import(session, ctx, cal.id, text, replace=False)
    except DomainError as exc:
        return business_failed(request, session, ctx, exc, "calendar", {"calendar_name": name})
    return _calendar_done(request, session, ctx, cal.id, skipped)


@router.post("/holiday-calendars/{calendar_id}/import")
def import_holidays(
    request: Request,
    session: DbSession,
    ctx: Agent,
    calendar_id: int,
    ics: Annotated[UploadFile | None, File()] = None,
    replace: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    require_admin(ctx)
    check_csrf(request, ctx.web, csrf_token)
    try:
        text = _ics_text(ics)
        if not text:
            raise Invalid.field("ics", "Choose an iCalendar (.ics) file to import.")
        skipped = _import(session, ctx, calendar_id, text, replace=replace == "1")
    except DomainError as exc:
        return business_failed(request, session, ctx, exc, f"import-{calendar_id}", {"replace": replace})
    return _calendar_done(request, session, ctx, calendar_id, skipped)


@router.post("/holiday-calendars/{calendar_id}/delete")
def delete_holiday_calendar(
    request: Request,
    session: DbSession,
    ctx: Agent,
    calendar_id: int,
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    require_admin(ctx)
    check_csrf(request, ctx.web, csrf_token)
    sla.delete_holiday_calendar(session, ctx.actor, calendar_id)
    return redirect(f"{PAGE}?done=calendar_deleted")


def _date(raw: str, field: str) -> dt.date:
    try:
        return dt.date.fromisoformat(raw.strip())
    except ValueError:
        raise Invalid.field(field, "Give the date like 2026-12-24.") from None


@router.post("/holiday-calendars/{calendar_id}/holidays")
def add_holiday(
    request: Request,
    session: DbSession,
    ctx: Agent,
    calendar_id: int,
    name: Annotated[str, Form(max_length=200)] = "",
    first_day: Annotated[str, Form(max_length=20)] = "",
    last_day: Annotated[str, Form(max_length=20)] = "",
    yearly: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """One holiday from its first to its last day (both included; the service's end is exclusive)."""
    require_admin(ctx)
    check_csrf(request, ctx.web, csrf_token)
    kept = {"holiday_name": name, "first_day": first_day, "last_day": last_day, "yearly": yearly}
    try:
        if not name.strip():
            raise Invalid.field("holiday_name", "Give the holiday a name.")
        start = _date(first_day, "first_day")
        last = _date(last_day, "last_day") if last_day.strip() else start
        if last < start:
            raise Invalid.field("last_day", "The last day cannot come before the first day.")
        sla.add_holiday(
            session,
            ctx.actor,
            calendar_id,
            name=name.strip(),
            start_date=start,
            end_date=last + dt.timedelta(days=1),
            yearly=yearly == "1",
        )
    except DomainError as exc:
        return business_failed(request, session, ctx, exc, f"holiday-{calendar_id}", kept)
    return redirect(f"{PAGE}?done=holiday#calendar-{calendar_id}")


@router.post("/holiday-calendars/{calendar_id}/holidays/{holiday_id}/delete")
def delete_holiday(
    request: Request,
    session: DbSession,
    ctx: Agent,
    calendar_id: int,
    holiday_id: int,
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    require_admin(ctx)
    check_csrf(request, ctx.web, csrf_token)
    sla.delete_holiday(session, ctx.actor, calendar_id, holiday_id)
    return redirect(f"{PAGE}?done=holiday_deleted#calendar-{calendar_id}")
