"""From stored business hours and holidays to a :class:`~helpline.sla.clock.Calendar`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from helpline.sla.clock import ALWAYS, Calendar, YearlyHoliday, parse_week, zone
from helpline.sla.models import BusinessHours, Holiday, TeamBusinessHours


def holiday_days(holidays: Iterable[Holiday]) -> tuple[frozenset[dt.date], tuple[YearlyHoliday, ...]]:
    dates: set[dt.date] = set()
    yearly: list[YearlyHoliday] = []
    for h in holidays:
        span = max((h.end_date - h.start_date).days, 1)
        for offset in range(span):
            day = h.start_date + dt.timedelta(days=offset)
            if not h.yearly:
                dates.add(day)
                continue
            shift = day.year - h.start_date.year  # a yearly holiday may run past New Year's Eve
            last = None if h.last_year is None else h.last_year + shift
            yearly.append(YearlyHoliday(day.month, day.day, day.year, last))
    return frozenset(dates), tuple(yearly)


def calendar_of(hours: BusinessHours, holidays: Iterable[Holiday] = ()) -> Calendar:
    dates, yearly = holiday_days(holidays)
    return Calendar(zone(hours.timezone), parse_week(hours.schedule), dates, yearly)


def load_calendar(session: Session, business_hours_id: int | None) -> Calendar:
    """The calendar of stored business hours; 24/7 in UTC when there are none."""
    if business_hours_id is None:
        return ALWAYS
    hours = session.get(BusinessHours, business_hours_id)
    if hours is None:
        return ALWAYS
    holidays: list[Holiday] = []
    if hours.holiday_calendar_id is not None:
        holidays = list(
            session.scalars(select(Holiday).where(Holiday.calendar_id == hours.holiday_calendar_id))
        )
    return calendar_of(hours, holidays)


def team_hours_id(session: Session, team_id: int | None) -> int | None:
    if team_id is None:
        return None
    row = session.get(TeamBusinessHours, team_id)
    return row.business_hours_id if row else None
