"""HTTP adapters for SLAs: admin CRUD under /sla/… and each ticket's targets at /tickets/{id}/sla.

Importing this module also connects the SLA clocks to the ticket lifecycle and registers the
``sla.check`` timer job, so wiring the router is all an application needs.
"""

from __future__ import annotations

from fastapi import APIRouter, Response, status
from sqlalchemy import select

from helpline.core.deps import AdminActor, CurrentActor, DbSession, StaffActor
from helpline.sla import admin, hooks  # noqa: F401  (hooks: connects the clocks to tickets)
from helpline.sla import checks as _checks  # noqa: F401  (registers the sla.check job)
from helpline.sla.models import BusinessHours, HolidayCalendar
from helpline.sla.queries import ticket_sla
from helpline.sla.schemas import (
    BusinessHoursIn,
    BusinessHoursOut,
    BusinessHoursPatch,
    HolidayCalendarIn,
    HolidayCalendarOut,
    HolidayIn,
    HolidayOut,
    ImportIn,
    ImportOut,
    PolicyIn,
    PolicyOut,
    PolicyPatch,
    TeamHoursIn,
    TicketSlaOut,
)

router = APIRouter(tags=["sla"])


# -- business hours ------------------------------------------------------------------------------


@router.get("/sla/business-hours", response_model=list[BusinessHoursOut])
def list_business_hours(session: DbSession, _actor: StaffActor) -> list[BusinessHoursOut]:
    rows = session.scalars(select(BusinessHours).order_by(BusinessHours.name))
    return [BusinessHoursOut.of(h) for h in rows]


@router.post("/sla/business-hours", status_code=status.HTTP_201_CREATED, response_model=BusinessHoursOut)
def create_business_hours(body: BusinessHoursIn, session: DbSession, actor: AdminActor) -> BusinessHoursOut:
    hours = admin.create_business_hours(
        session,
        actor,
        name=body.name,
        timezone=body.timezone,
        schedule=body.model_dump()["schedule"],
        holiday_calendar_id=body.holiday_calendar_id,
    )
    return BusinessHoursOut.of(hours)


@router.get("/sla/business-hours/{hours_id}", response_model=BusinessHoursOut)
def get_business_hours(hours_id: int, session: DbSession, _actor: StaffActor) -> BusinessHoursOut:
    return BusinessHoursOut.of(admin.get_business_hours(session, hours_id))


@router.patch("/sla/business-hours/{hours_id}", response_model=BusinessHoursOut)
def patch_business_hours(
    hours_id: int, body: BusinessHoursPatch, session: DbSession, actor: AdminActor
) -> BusinessHoursOut:
    hours = admin.update_business_hours(session, actor, hours_id, **body.changes())
    return BusinessHoursOut.of(hours)


@router.delete(
    "/sla/business-hours/{hours_id}", status_code=status.HTTP_204_NO_CONTENT, response_class=Response
)
def delete_business_hours(hours_id: int, session: DbSession, actor: AdminActor) -> Response:
    admin.delete_business_hours(session, actor, hours_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.put(
    "/sla/teams/{team_id}/business-hours", status_code=status.HTTP_204_NO_CONTENT, response_class=Response
)
def set_team_business_hours(
    team_id: int, body: TeamHoursIn, session: DbSession, actor: AdminActor
) -> Response:
    admin.set_team_business_hours(session, actor, team_id, body.business_hours_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# -- holiday calendars ---------------------------------------------------------------------------


@router.get("/sla/holiday-calendars", response_model=list[HolidayCalendarOut])
def list_holiday_calendars(session: DbSession, _actor: StaffActor) -> list[HolidayCalendarOut]:
    rows = session.scalars(select(HolidayCalendar).order_by(HolidayCalendar.name))
    return [HolidayCalendarOut.of(c) for c in rows]


@router.post("/sla/holiday-calendars", status_code=status.HTTP_201_CREATED, response_model=HolidayCalendarOut)
def create_holiday_calendar(
    body: HolidayCalendarIn, session: DbSession, actor: AdminActor
) -> HolidayCalendarOut:
    cal = admin.create_holiday_calendar(session, actor, name=body.name)
    session.refresh(cal, ["holidays"])
    return HolidayCalendarOut.of(cal)


@router.get("/sla/holiday-calendars/{calendar_id}", response_model=HolidayCalendarOut)
def get_holiday_calendar(calendar_id: int, session: DbSession, _actor: StaffActor) -> HolidayCalendarOut:
    return HolidayCalendarOut.of(admin.get_holiday_calendar(session, calendar_id))


@router.delete(
    "/sla/holiday-calendars/{calendar_id}", status_code=status.HTTP_204_NO_CONTENT, response_class=Response
)
def delete_holiday_calendar(calendar_id: int, session: DbSession, actor: AdminActor) -> Response:
    admin.delete_holiday_calendar(session, actor, calendar_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/sla/holiday-calendars/{calendar_id}/holidays",
    status_code=status.HTTP_201_CREATED,
    response_model=HolidayOut,
)
def add_holiday(calendar_id: int, body: HolidayIn, session: DbSession, actor: AdminActor) -> HolidayOut:
    holiday = admin.add_holiday(session, actor, calendar_id, **body.model_dump())
    return HolidayOut.of(holiday)


@router.delete(
    "/sla/holiday-calendars/{calendar_id}/holidays/{holiday_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
)
def delete_holiday(calendar_id: int, holiday_id: int, session: DbSession, actor: AdminActor) -> Response:
    admin.delete_holiday(session, actor, calendar_id, holiday_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/sla/holiday-calendars/{calendar_id}/import",
    response_model=ImportOut,
    summary="Import all-day events (and yearly ones) from an iCalendar file",
)
def import_holidays(calendar_id: int, body: ImportIn, session: DbSession, actor: AdminActor) -> ImportOut:
    rows, result = admin.import_holidays(session, actor, calendar_id, body.ics, replace=body.replace)
    return ImportOut(imported=[HolidayOut.of(h) for h in rows], skipped=result.skipped)


# -- policies ------------------------------------------------------------------------------------


@router.get("/sla/policies", response_model=list[PolicyOut], summary="Policies in the order they are tried")
def list_policies(session: DbSession, _actor: StaffActor) -> list[PolicyOut]:
    return [PolicyOut.of(p) for p in admin.list_policies(session)]


@router.post("/sla/policies", status_code=status.HTTP_201_CREATED, response_model=PolicyOut)
def create_policy(body: PolicyIn, session: DbSession, actor: AdminActor) -> PolicyOut:
    return PolicyOut.of(admin.create_policy(session, actor, name=body.name, **body.fields()))


@router.get("/sla/policies/{policy_id}", response_model=PolicyOut)
def get_policy(policy_id: int, session: DbSession, _actor: StaffActor) -> PolicyOut:
    return PolicyOut.of(admin.get_policy(session, policy_id))


@router.patch("/sla/policies/{policy_id}", response_model=PolicyOut)
def patch_policy(policy_id: int, body: PolicyPatch, session: DbSession, actor: AdminActor) -> PolicyOut:
    return PolicyOut.of(admin.update_policy(session, actor, policy_id, **body.changes()))


@router.delete("/sla/policies/{policy_id}", status_code=status.HTTP_204_NO_CONTENT, response_class=Response)
def delete_policy(policy_id: int, session: DbSession, actor: AdminActor) -> Response:
    admin.delete_policy(session, actor, policy_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# -- a ticket's SLA ------------------------------------------------------------------------------


@router.get(
    "/tickets/{ticket_id}/sla",
    response_model=TicketSlaOut,
    summary="The ticket's SLA targets and due times (customers: the expected first response)",
)
def get_ticket_sla(ticket_id: int, session: DbSession, actor: CurrentActor) -> TicketSlaOut:
    return TicketSlaOut.of(ticket_sla(session, actor, ticket_id))
