"""Business time: pure functions over a team's weekly schedule, time zone and holidays.

A :class:`Calendar` says which wall-clock minutes of which local days are business time. An interval
``(540, 1020)`` on Monday covers every instant whose local wall time on a Monday lies in
09:00-17:00, so a DST change moves it in UTC but never shrinks or stretches it in wall time. A day
with a schedule up to 24:00 (``1440``) that runs into the next day's 00:00 makes one continuous
stretch, and a 24/7 calendar counts real elapsed time (a fall-back day has 25 hours).

Edge cases, decided once here:

- a boundary inside a spring-forward gap (02:30 on the night clocks jump from 02:00 to 03:00) is the
  instant of the jump;
- a boundary inside a fall-back overlap is its first occurrence for a start and its second for an
  end, so 01:00-04:00 on that night lasts four real hours.

All instants given and returned are timezone-aware; results are in UTC.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_MINUTES = 1440
MAX_SEARCH_DAYS = 10 * 366  # give up (holidays cover everything) after this many days
UTC = dt.UTC

Interval = tuple[int, int]
Week = tuple[tuple[Interval, ...], ...]
FULL_WEEK: Week = tuple(((0, DAY_MINUTES),) for _ in DAYS)


class CalendarError(ValueError):
    """A schedule, time zone or holiday that cannot be used."""


@dataclass(frozen=True)
class YearlyHoliday:
    """A holiday on the same month and day every year, from ``first_year`` to ``last_year``."""

    month: int
    day: int
    first_year: int = 1
    last_year: int | None = None

    def covers(self, day: dt.date) -> bool:
        if (day.month, day.day) != (self.month, self.day) or day.year < self.first_year:
            return False
        return self.last_year is None or day.year <= self.last_year


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise CalendarError(
            f"{name!r} is not a known time zone (use an IANA name like Europe/Berlin)"
        ) from None


@dataclass(frozen=True)
class Calendar:
    """Business hours in one time zone: a weekly schedule (Monday first) and holidays."""

    tz: ZoneInfo = field(default_factory=lambda: ZoneInfo("UTC"))
    week: Week = FULL_WEEK
    dates: frozenset[dt.date] = frozenset()
    yearly: tuple[YearlyHoliday, ...] = ()

    def __post_init__(self) -> None:
        if len(self.week) != 7:
            raise CalendarError("a weekly schedule has seven days, Monday first")
        for name, intervals in zip(DAYS, self.week, strict=True):
            previous_end = -1
            for start, end in intervals:
                if not 0 <= start < end <= DAY_MINUTES:
                    raise CalendarError(f"{name}: {_hhmm(start)}-{_hhmm(end)} is not a time range in a day")
                if start < previous_end:
                    raise CalendarError(f"{name}: time ranges overlap or are out of order")
                previous_end = end
        if not any(self.week):
            raise CalendarError("a schedule needs at least one business interval in the week")

    @property
    def always_open(self) -> bool:
        """24/7 with no holidays: business time is plain elapsed time."""
        return self.week == FULL_WEEK and not self.dates and not self.yearly

    def is_holiday(self, day: dt.date) -> bool:
        return day in self.dates or any(h.covers(day) for h in self.yearly)

    def intervals_on(self, day: dt.date) -> list[tuple[dt.datetime, dt.datetime]]:
        """The business intervals of one local date, as UTC instants."""
        if self.is_holiday(day):
            return []
        out = []
        for start, end in self.week[day.weekday()]:
            a = _instant(day, start, self.tz, end=False)
            b = _instant(day, end, self.tz, end=True)
            if b > a:
                out.append((a, b))
        return out

    def intervals_from(
        self, moment: dt.datetime, until: dt.datetime | None = None
    ) -> Iterator[tuple[dt.datetime, dt.datetime]]:
        """Business intervals that end after ``moment``, in order; up to ``until`` if given, else for
        at most :data:`MAX_SEARCH_DAYS` days before giving up."""
        day = moment.astimezone(self.tz).date() - dt.timedelta(days=1)
        last = until.astimezone(self.tz).date() + dt.timedelta(days=1) if until is not None else None
        searched = 0
        while last is None or day <= last:
            for a, b in self.intervals_on(day):
                if b > moment:
                    yield a, b
            day += dt.timedelta(days=1)
            searched += 1
            if last is None and searched > MAX_SEARCH_DAYS:
                raise CalendarError(f"no business time within {MAX_SEARCH_DAYS} days (all holidays?)")


ALWAYS = Calendar()


def _hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def _instant(day: dt.date, minute: int, tz: ZoneInfo, *, end: bool) -> dt.datetime:
    """The UTC instant where wall time ``minute`` of local ``day`` begins (or ends, for ``end``)."""
    if minute >= DAY_MINUTES:
        day, minute, end = day + dt.timedelta(days=1), minute - DAY_MINUTES, False
    wall = dt.datetime.combine(day, dt.time(minute // 60, minute % 60))
    early = wall.replace(tzinfo=tz, fold=0).astimezone(UTC)
    late = wall.replace(tzinfo=tz, fold=1).astimezone(UTC)
    if early == late:
        return early
    if early < late:  # the wall time happens twice (fall back)
        return late if end else early
    return _transition(late, early, tz)  # the wall time never happens (spring forward)


def _transition(lo: dt.datetime, hi: dt.datetime, tz: ZoneInfo) -> dt.datetime:
    """The first instant in (lo, hi] whose UTC offset is that of ``hi``: the moment clocks jumped."""
    target = hi.astimezone(tz).utcoffset()
    while hi - lo > dt.timedelta(seconds=1):
        mid = lo + (hi - lo) / 2
        mid = mid.replace(microsecond=0)
        if mid <= lo:
            break
        if mid.astimezone(tz).utcoffset() == target:
            hi = mid
        else:
            lo = mid
    return hi


def _aware(moment: dt.datetime, name: str) -> dt.datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise CalendarError(f"{name} must be timezone-aware")
    return moment.astimezone(UTC)


def add_business_seconds(start: dt.datetime, seconds: float, calendar: Calendar = ALWAYS) -> dt.datetime:
    """The instant at which ``seconds`` of business time have passed since ``start``."""
    start = _aware(start, "start")
    if seconds < 0:
        raise CalendarError("cannot add a negative amount of business time")
    if seconds == 0:
        return start
    remaining = dt.timedelta(seconds=seconds)
    if calendar.always_open:
        return start + remaining
    for a, b in calendar.intervals_from(start):
        begin = max(a, start)
        available = b - begin
        if remaining <= available:
            return begin + remaining
        remaining -= available
    raise AssertionError("unreachable: intervals_from raises when it runs out")  # pragma: no cover


def add_business_minutes(start: dt.datetime, minutes: float, calendar: Calendar = ALWAYS) -> dt.datetime:
    """The due time ``minutes`` of business time after ``start`` (in UTC)."""
    return add_business_seconds(start, minutes * 60, calendar)


def business_seconds_between(a: dt.datetime, b: dt.datetime, calendar: Calendar = ALWAYS) -> float:
    """Business seconds from ``a`` to ``b``; negative when ``b`` comes first."""
    a, b = _aware(a, "a"), _aware(b, "b")
    if b < a:
        return -business_seconds_between(b, a, calendar)
    if calendar.always_open:
        return (b - a).total_seconds()
    total = dt.timedelta()
    for start, end in calendar.intervals_from(a, until=b):
        if start >= b:
            break
        total += min(end, b) - max(start, a)
    return total.total_seconds()


def business_minutes_between(a: dt.datetime, b: dt.datetime, calendar: Calendar = ALWAYS) -> float:
    return business_seconds_between(a, b, calendar) / 60


def next_business_moment(moment: dt.datetime, calendar: Calendar = ALWAYS) -> dt.datetime:
    """``moment`` itself during business hours, otherwise the next opening."""
    moment = _aware(moment, "moment")
    for a, _b in calendar.intervals_from(moment):
        return max(a, moment)
    raise AssertionError("unreachable")  # pragma: no cover


# -- schedules as people write them ---------------------------------------------------------------


def parse_hhmm(text: str) -> int:
    hours, sep, minutes = text.strip().partition(":")
    if not sep or not hours.isdigit() or not minutes.isdigit() or len(minutes) != 2:
        raise CalendarError(f"{text!r} is not a time of day like 09:00 (24:00 ends a day)")
    value = int(hours) * 60 + int(minutes)
    if int(minutes) > 59 or value > DAY_MINUTES:
        raise CalendarError(f"{text!r} is not a time of day like 09:00 (24:00 ends a day)")
    return value


def parse_week(schedule: dict[str, list[list[str]]]) -> Week:
    """``{"mon": [["09:00", "12:00"], ["13:00", "17:00"]], ...}`` → a :data:`Week`; missing days are
    closed."""
    unknown = set(schedule) - set(DAYS)
    if unknown:
        raise CalendarError(f"unknown day {sorted(unknown)[0]!r}: use {', '.join(DAYS)}")
    week = []
    for name in DAYS:
        intervals = []
        for pair in schedule.get(name, []):
            if len(pair) != 2:
                raise CalendarError(f"{name}: each range is [start, end], like ['09:00', '17:00']")
            intervals.append((parse_hhmm(pair[0]), parse_hhmm(pair[1])))
        week.append(tuple(sorted(intervals)))
    return tuple(week)


def format_week(week: Week) -> dict[str, list[list[str]]]:
    return {
        name: [[_hhmm(a), _hhmm(b)] for a, b in intervals]
        for name, intervals in zip(DAYS, week, strict=True)
        if intervals
    }
