"""The business-time clock with frozen times: schedules, holidays, midnight, DST, pause and resume.

Every expected value is computed by hand in the comment next to it.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from helpline.core.actor import SYSTEM
from helpline.core.db import Database
from helpline.customers.service import create_customer
from helpline.sla.calendars import calendar_of, holiday_days
from helpline.sla.clock import (
    ALWAYS,
    Calendar,
    CalendarError,
    YearlyHoliday,
    add_business_minutes,
    business_minutes_between,
    next_business_moment,
    parse_week,
    zone,
)
from helpline.sla.ical import ICalError, parse_ical
from helpline.sla.models import BusinessHours, Holiday, HolidayCalendar, SlaPolicy, SlaTarget
from helpline.sla.service import refresh_ticket_sla
from helpline.tickets.service import NewMessage, create_ticket

UTC = dt.UTC
BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
OFFICE = {d: [["09:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}


def at(tz: ZoneInfo, year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=tz)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=UTC)


def office(tz: ZoneInfo = BERLIN, holidays: frozenset[dt.date] = frozenset()) -> Calendar:
    return Calendar(tz, parse_week(OFFICE), holidays)


# -- business hours and weekends -----------------------------------------------------------------


def test_due_time_rolls_over_the_weekend() -> None:
    # Fri 20 Nov 2026 16:00 CET: 60 min left on Friday, 60 more from Monday 09:00 -> Mon 10:00 CET.
    due = add_business_minutes(at(BERLIN, 2026, 11, 20, 16, 0), 120, office())
    assert due == utc(2026, 11, 23, 9, 0)
    assert business_minutes_between(at(BERLIN, 2026, 11, 20, 16, 0), due, office()) == 120


def test_start_outside_hours_waits_for_the_opening() -> None:
    # Sat 21 Nov 11:00 -> Mon 09:00 + 30 min.
    assert add_business_minutes(at(BERLIN, 2026, 11, 21, 11, 0), 30, office()) == utc(2026, 11, 23, 8, 30)
    assert next_business_moment(at(BERLIN, 2026, 11, 21, 11, 0), office()) == utc(2026, 11, 23, 8, 0)
    # No business time between Friday 17:00 and Monday 09:00.
    assert business_minutes_between(at(BERLIN, 2026, 11, 20, 17), at(BERLIN, 2026, 11, 23, 9), office()) == 0


def test_several_intervals_a_day() -> None:
    cal = Calendar(BERLIN, parse_week({"mon": [["13:00", "17:00"], ["09:00", "12:00"]]}))
    # Mon 23 Nov 11:30 + 60: 30 before lunch, 30 after -> 13:30 CET = 12:30 UTC.
    assert add_business_minutes(at(BERLIN, 2026, 11, 23, 11, 30), 60, cal) == utc(2026, 11, 23, 12, 30)
    # A whole Monday is 7 hours; the next Monday 09:00 follows Monday 17:00.
    assert add_business_minutes(at(BERLIN, 2026, 11, 23, 9), 7 * 60 + 1, cal) == utc(2026, 11, 30, 8, 1)


def test_night_shift_across_midnight() -> None:
    # 22:00-24:00 Mon-Fri joins 00:00-06:00 Tue-Sat into one stretch.
    nights = {d: [["22:00", "24:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}
    for d in ("tue", "wed", "thu", "fri", "sat"):
        nights[d] = [["00:00", "06:00"]]
    cal = Calendar(BERLIN, parse_week(nights))
    # Mon 23 Nov 23:30 CET + 60 -> Tue 00:30 CET = Mon 23:30 UTC.
    assert add_business_minutes(at(BERLIN, 2026, 11, 23, 23, 30), 60, cal) == utc(2026, 11, 23, 23, 30)
    # Mon 21:00 -> Tue 07:00: 120 + 360 minutes.
    assert business_minutes_between(at(BERLIN, 2026, 11, 23, 21), at(BERLIN, 2026, 11, 24, 7), cal) == 480


def test_utc_24_7_is_plain_time() -> None:
    start = utc(2026, 11, 20, 23, 59)
    assert add_business_minutes(start, 2, ALWAYS) == utc(2026, 11, 21, 0, 1)
    assert business_minutes_between(start, utc(2026, 11, 21, 0, 1)) == 2
    assert business_minutes_between(utc(2026, 11, 21, 0, 1), start) == -2


# -- holidays ------------------------------------------------------------------------------------


def test_holidays_are_skipped() -> None:
    cal = office(holidays=frozenset({dt.date(2026, 12, 25)}))
    # Thu 24 Dec 16:30 + 60: 30 on Thursday, Friday is a holiday, 30 on Mon 28 -> 09:30 CET.
    assert add_business_minutes(at(BERLIN, 2026, 12, 24, 16, 30), 60, cal) == utc(2026, 12, 28, 8, 30)


def test_ical_import_yearly_and_multi_day() -> None:
    ics = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n"
        "BEGIN:VEVENT\r\nUID:xmas@test\r\nSUMMARY:Christmas\\, Boxing Day\r\n"
        "DTSTART;VALUE=DATE:20201225\r\nDTEND;VALUE=DATE:20201227\r\nRRULE:FREQ=YEARLY\r\n"
        "BEGIN:VALARM\r\nACTION:DISPLAY\r\nDTSTART:20201224T090000Z\r\nEND:VALARM\r\nEND:VEVENT\r\n"
        "BEGIN:VEVENT\r\nSUMMARY:Company\r\n  day\r\nDTSTART;VALUE=DATE:20261123\r\nEND:VEVENT\r\n"
        "BEGIN:VEVENT\r\nSUMMARY:Old rule\r\nDTSTART;VALUE=DATE:20200501\r\n"
        "RRULE:FREQ=YEARLY;COUNT=3\r\nEND:VEVENT\r\n"
        "BEGIN:VEVENT\r\nSUMMARY:Meeting\r\nDTSTART:20261124T100000Z\r\nEND:VEVENT\r\n"
        "BEGIN:VEVENT\r\nSUMMARY:Memorial Day\r\nDTSTART;VALUE=DATE:20260525\r\n"
        "RRULE:FREQ=YEARLY;BYMONTH=5;BYDAY=-1MO\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    result = parse_ical(ics)
    names = [h.name for h in result.holidays]
    assert names == ["Christmas, Boxing Day", "Company day", "Old rule"]
    xmas, company, old = result.holidays
    assert (xmas.start, xmas.end, xmas.yearly, xmas.last_year) == (
        dt.date(2020, 12, 25),
        dt.date(2020, 12, 27),
        True,
        None,
    )
    assert company.end == dt.date(2026, 11, 24) and not company.yearly
    assert old.last_year == 2022
    assert len(result.skipped) == 2
    assert "not an all-day event" in result.skipped[0] and "BYDAY" in result.skipped[1]

    rows = [
        Holiday(name=h.name, start_date=h.start, end_date=h.end, yearly=h.yearly, last_year=h.last_year)
        for h in result.holidays
    ]
    dates, yearly = holiday_days(rows)
    cal = Calendar(BERLIN, parse_week(OFFICE), dates, yearly)
    assert cal.is_holiday(dt.date(2031, 12, 26)) and cal.is_holiday(dt.date(2026, 11, 23))
    assert cal.is_holiday(dt.date(2021, 5, 1)) and not cal.is_holiday(dt.date(2023, 5, 1))
    # Mon 23 Nov 2026 is the company day: Fri 20 Nov 16:00 + 120 -> Tue 24 Nov 10:00 CET.
    assert add_business_minutes(at(BERLIN, 2026, 11, 20, 16), 120, cal) == utc(2026, 11, 24, 9, 0)


def test_ical_rejects_what_is_not_a_calendar() -> None:
    with pytest.raises(ICalError):
        parse_ical("hello")
    with pytest.raises(CalendarError):
        zone("Mars/Olympus")
    with pytest.raises(CalendarError):
        Calendar(BERLIN, parse_week({"mon": [["17:00", "09:00"]]}))
    with pytest.raises(CalendarError):
        Calendar(BERLIN, parse_week({}))
    with pytest.raises(CalendarError):
        parse_week({"monday": [["09:00", "17:00"]]})


# -- daylight saving time ------------------------------------------------------------------------


def test_berlin_spring_forward_keeps_wall_clock_hours() -> None:
    # Clocks jump 02:00 -> 03:00 on Sun 29 Mar 2026. Fri 27 Mar 16:00 CET + 120 -> Mon 30 Mar 10:00 CEST.
    assert add_business_minutes(at(BERLIN, 2026, 3, 27, 16), 120, office()) == utc(2026, 3, 30, 8, 0)
    # 24/7 in Berlin counts real time: Sat 23:00 CET + 180 min -> 03:00 CEST on Sunday (01:00 UTC).
    always_berlin = Calendar(BERLIN)
    assert add_business_minutes(at(BERLIN, 2026, 3, 28, 23), 180, always_berlin) == utc(2026, 3, 29, 1, 0)
    # A schedule through the gap: Sunday 01:00-04:00 is only two real hours that night.
    sunday = Calendar(BERLIN, parse_week({"sun": [["01:00", "04:00"]]}))
    assert business_minutes_between(at(BERLIN, 2026, 3, 28), at(BERLIN, 2026, 3, 30), sunday) == 120
    # 00:00 + 90: opens 01:00 CET (00:00 UTC), 60 min reach the jump, 30 more -> 03:30 CEST (01:30 UTC).
    assert add_business_minutes(at(BERLIN, 2026, 3, 29, 0), 90, sunday) == utc(2026, 3, 29, 1, 30)
    # A boundary inside the gap (02:30 never happens) is the instant of the jump.
    gap = Calendar(BERLIN, parse_week({"sun": [["02:30", "05:00"]]}))
    assert next_business_moment(at(BERLIN, 2026, 3, 29, 0), gap) == utc(2026, 3, 29, 1, 0)
    assert business_minutes_between(at(BERLIN, 2026, 3, 29, 0), at(BERLIN, 2026, 3, 30, 0), gap) == 120


def test_berlin_fall_back_counts_the_repeated_hour() -> None:
    # Clocks go back 03:00 -> 02:00 on Sun 25 Oct 2026: 01:00-04:00 that night lasts four real hours.
    sunday = Calendar(BERLIN, parse_week({"sun": [["01:00", "04:00"]]}))
    assert business_minutes_between(at(BERLIN, 2026, 10, 24), at(BERLIN, 2026, 10, 26), sunday) == 240
    # Fri 23 Oct 16:00 CEST + 120 -> Mon 26 Oct 10:00 CET = 09:00 UTC.
    assert add_business_minutes(at(BERLIN, 2026, 10, 23, 16), 120, office()) == utc(2026, 10, 26, 9, 0)


def test_new_york_spring_forward_and_fall_back() -> None:
    ny = office(NEW_YORK)
    # Sun 8 Mar 2026 springs forward: Fri 6 Mar 16:00 EST + 120 -> Mon 9 Mar 10:00 EDT = 14:00 UTC.
    assert add_business_minutes(at(NEW_YORK, 2026, 3, 6, 16), 120, ny) == utc(2026, 3, 9, 14, 0)
    # Sun 1 Nov 2026 falls back: Fri 30 Oct 16:00 EDT + 120 -> Mon 2 Nov 10:00 EST = 15:00 UTC.
    assert add_business_minutes(at(NEW_YORK, 2026, 10, 30, 16), 120, ny) == utc(2026, 11, 2, 15, 0)
    # 24/7 with a holiday (so the interval path runs): 1 Nov has 25 hours, 8 Mar has 23.
    always = Calendar(NEW_YORK, dates=frozenset({dt.date(2026, 12, 25)}))
    assert business_minutes_between(at(NEW_YORK, 2026, 11, 1), at(NEW_YORK, 2026, 11, 2), always) == 1500
    assert business_minutes_between(at(NEW_YORK, 2026, 3, 8), at(NEW_YORK, 2026, 3, 9), always) == 1380
    # 23:00 EDT on 31 Oct + 180 real minutes -> 01:00 EST on 1 Nov (after the repeated hour) = 06:00 UTC.
    assert add_business_minutes(at(NEW_YORK, 2026, 10, 31, 23), 180, always) == utc(2026, 11, 1, 6, 0)


def test_naive_times_are_refused() -> None:
    with pytest.raises(CalendarError):
        add_business_minutes(dt.datetime(2026, 11, 20, 9), 10, office())  # noqa: DTZ001


# -- pause and resume with frozen times ----------------------------------------------------------


def test_ticket_clocks_pause_and_resume_in_business_time(db: Database) -> None:
    with db.transaction() as s:
        customer = create_customer(s, SYSTEM, name="Frozen", identities=[("email", "frozen@example.com")])
        ticket = create_ticket(
            s, SYSTEM, subject="Clock", requester=customer, message=NewMessage(text="Hi"), priority="high"
        )
        hours = BusinessHours(name="Berlin office", timezone="Europe/Berlin", schedule=OFFICE)
        holidays = HolidayCalendar(name="Berlin")
        s.add_all([hours, holidays])
        s.flush()
        s.add(
            Holiday(
                calendar_id=holidays.id,
                name="Christmas",
                start_date=dt.date(2020, 12, 25),
                end_date=dt.date(2020, 12, 26),
                yearly=True,
            )
        )
        hours.holiday_calendar_id = holidays.id
        s.add(
            SlaPolicy(
                name="High",
                conditions={"priority": ["high"]},
                first_response_minutes=240,
                resolution_minutes=16 * 60,
                business_hours_id=hours.id,
            )
        )
        s.flush()
        assert calendar_of(hours).tz == BERLIN
        # Created Wed 23 Dec 2026 14:00 CET; Christmas (Fri) is a holiday, weekends are closed.
        t0 = at(BERLIN, 2026, 12, 23, 14)
        ticket.created_at = t0
        refresh_ticket_sla(s, ticket, t0)
        targets = {t.kind: t for t in s.scalars(select(SlaTarget).where(SlaTarget.ticket_id == ticket.id))}
        # First response: 3 h Wednesday, 1 h Thursday -> Thu 24 Dec 10:00 CET.
        assert targets["first_response"].due_at == utc(2026, 12, 24, 9, 0)
        # Resolution 16 h: 3 Wed + 8 Thu + 5 on Mon 28 -> 14:00 CET.
        assert targets["resolution"].due_at == utc(2026, 12, 28, 13, 0)

        # Pending from Wed 16:00 (2 h used) to Mon 28 Dec 11:00: the clocks stand still.
        ticket.status = "pending"
        refresh_ticket_sla(s, ticket, at(BERLIN, 2026, 12, 23, 16))
        assert targets["first_response"].due_at is None and targets["first_response"].elapsed_seconds == 7200
        ticket.status = "open"
        refresh_ticket_sla(s, ticket, at(BERLIN, 2026, 12, 28, 11))
        # 2 h of first response left from Mon 11:00 -> 13:00 CET; resolution 14 h left -> Tue 29 at 17:00.
        assert targets["first_response"].due_at == utc(2026, 12, 28, 12, 0)
        assert targets["resolution"].due_at == utc(2026, 12, 29, 16, 0)


def test_long_spans_and_calendars_with_no_time_left() -> None:
    # Five years of Berlin office hours: counted, not refused.
    years = business_minutes_between(at(BERLIN, 2026, 1, 1), at(BERLIN, 2031, 1, 1), office())
    assert 5 * 50 * 40 * 60 < years < 5 * 53 * 40 * 60
    every_day = Calendar(
        ZoneInfo("UTC"),
        parse_week({"mon": [["09:00", "10:00"]]}),
        yearly=tuple(YearlyHoliday(m, d) for m in range(1, 13) for d in range(1, 32) if _real(m, d)),
    )
    with pytest.raises(CalendarError):
        add_business_minutes(utc(2026, 1, 1), 1, every_day)
    assert business_minutes_between(utc(2026, 1, 1), utc(2027, 1, 1), every_day) == 0


def _real(month: int, day: int) -> bool:
    try:
        dt.date(2024, month, day)
    except ValueError:
        return False
    return True
