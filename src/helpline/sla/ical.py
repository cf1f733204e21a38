"""A small iCalendar (RFC 5545) reader for holiday calendars: all-day VEVENTs, optionally yearly.

Supported: ``DTSTART;VALUE=DATE`` with ``DTEND`` (exclusive) or ``DURATION`` in days/weeks, or
neither (one day); ``RRULE:FREQ=YEARLY`` with optional ``COUNT``, ``UNTIL``, ``INTERVAL=1`` and a
``BYMONTH``/``BYMONTHDAY`` that repeat the start date. Anything else (timed events, weekday rules such
as "last Monday of May", other frequencies) is skipped and reported, never half-imported.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

MAX_BYTES = 2 * 1024 * 1024
MAX_EVENTS = 5000
MAX_DAYS = 31
_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_DURATION = re.compile(r"^P(?:(\d+)W|(\d+)D)$")


class ICalError(ValueError):
    """The text is not an iCalendar file."""


@dataclass(frozen=True)
class ParsedHoliday:
    name: str
    start: dt.date
    end: dt.date  # exclusive
    yearly: bool = False
    last_year: int | None = None
    uid: str = ""


@dataclass
class ImportResult:
    holidays: list[ParsedHoliday] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def _unfold(text: str) -> list[str]:
    lines: list[str] = []
    for raw in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        if raw[:1] in (" ", "\t") and lines:
            lines[-1] += raw[1:]
        elif raw.strip():
            lines.append(raw)
    return lines


def _split(line: str) -> tuple[str, dict[str, str], str]:
    """``NAME;PARAM=V:value`` → (NAME, {PARAM: V}, value); a colon inside quotes is not the split."""
    in_quotes = False
    for i, ch in enumerate(line):
        if ch == '"':
            in_quotes = not in_quotes
        elif ch == ":" and not in_quotes:
            head, value = line[:i], line[i + 1 :]
            break
    else:
        return line.strip().upper(), {}, ""
    name, *params = head.split(";")
    parsed = {}
    for p in params:
        key, _, val = p.partition("=")
        parsed[key.strip().upper()] = val.strip().strip('"').upper()
    return name.strip().upper(), parsed, value


def _text(value: str) -> str:
    out, i = [], 0
    while i < len(value):
        ch = value[i]
        if ch == "\\" and i + 1 < len(value):
            nxt = value[i + 1]
            out.append("\n" if nxt in "nN" else nxt)
            i += 2
            continue
        out.append(ch)
        i += 1
    return "".join(out).strip()


def _date(value: str) -> dt.date | None:
    m = _DATE.match(value.strip())
    if not m:
        return None
    try:
        return dt.date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        return None


def parse_ical(text: str) -> ImportResult:
    if len(text.encode("utf-8", "replace")) > MAX_BYTES:
        raise ICalError(f"the calendar is larger than {MAX_BYTES // 1024 // 1024} MB")
    lines = _unfold(text.lstrip("\ufeff"))
    if not lines or _split(lines[0])[0] != "BEGIN" or _split(lines[0])[2].strip().upper() != "VCALENDAR":
        raise ICalError("not an iCalendar file: it must start with BEGIN:VCALENDAR")
    result = ImportResult()
    event: dict[str, tuple[dict[str, str], str]] | None = None
    depth = 0  # nested components inside a VEVENT (VALARM) are ignored
    for line in lines[1:]:
        name, params, value = _split(line)
        upper = value.strip().upper()
        if name == "BEGIN" and upper == "VEVENT" and event is None:
            event = {}
        elif name == "BEGIN" and event is not None:
            depth += 1
        elif name == "END" and event is not None and depth:
            depth -= 1
        elif name == "END" and upper == "VEVENT" and event is not None:
            _add(result, event)
            event = None
            if len(result.holidays) > MAX_EVENTS:
                raise ICalError(f"more than {MAX_EVENTS} events in one calendar")
        elif event is not None and not depth and name not in event:
            event[name] = (params, value)
    return result


def _add(result: ImportResult, event: dict[str, tuple[dict[str, str], str]]) -> None:
    summary = _text(event.get("SUMMARY", ({}, ""))[1]) or "Holiday"
    label = f"{summary!r}"
    if "DTSTART" not in event:
        result.skipped.append(f"{label}: no DTSTART")
        return
    params, raw = event["DTSTART"]
    start = _date(raw)
    if start is None or params.get("VALUE", "DATE") != "DATE":
        result.skipped.append(f"{label}: not an all-day event (DTSTART {raw.strip()})")
        return
    end = start + dt.timedelta(days=1)
    if "DTEND" in event:
        parsed_end = _date(event["DTEND"][1])
        if parsed_end is None:
            result.skipped.append(f"{label}: not an all-day event (DTEND {event['DTEND'][1].strip()})")
            return
        end = parsed_end
    elif "DURATION" in event:
        m = _DURATION.match(event["DURATION"][1].strip().upper())
        if not m:
            result.skipped.append(f"{label}: duration {event['DURATION'][1].strip()} is not whole days")
            return
        end = start + dt.timedelta(weeks=int(m[1] or 0), days=int(m[2] or 0))
    if end <= start:
        end = start + dt.timedelta(days=1)
    if (end - start).days > MAX_DAYS:
        result.skipped.append(f"{label}: lasts more than {MAX_DAYS} days")
        return
    uid = _text(event.get("UID", ({}, ""))[1])[:255]
    if "RRULE" not in event:
        result.holidays.append(ParsedHoliday(summary[:200], start, end, uid=uid))
        return
    rule = _rule(event["RRULE"][1])
    problem = _check_rule(rule, start)
    if problem:
        result.skipped.append(f"{label}: {problem}")
        return
    last_year = _last_year(rule, start)
    if last_year is not None and last_year < start.year:
        result.skipped.append(f"{label}: its UNTIL comes before its first occurrence")
        return
    result.holidays.append(ParsedHoliday(summary[:200], start, end, True, last_year, uid))


def _rule(value: str) -> dict[str, str]:
    parts = {}
    for part in value.strip().split(";"):
        key, _, val = part.partition("=")
        if key:
            parts[key.strip().upper()] = val.strip().upper()
    return parts


def _check_rule(rule: dict[str, str], start: dt.date) -> str | None:
    if rule.get("FREQ") != "YEARLY":
        return f"only RRULE:FREQ=YEARLY is supported, not FREQ={rule.get('FREQ', '?')}"
    if rule.get("INTERVAL", "1") != "1":
        return "only yearly rules with INTERVAL=1 are supported"
    allowed = {"FREQ", "INTERVAL", "COUNT", "UNTIL", "BYMONTH", "BYMONTHDAY", "WKST"}
    extra = sorted(set(rule) - allowed)
    if extra:
        return f"rule part {extra[0]} is not supported (only a fixed month and day every year)"
    if rule.get("BYMONTH", str(start.month)) != str(start.month):
        return "BYMONTH differs from the start date"
    if rule.get("BYMONTHDAY", str(start.day)) != str(start.day):
        return "BYMONTHDAY differs from the start date"
    if "COUNT" in rule and not rule["COUNT"].isdigit():
        return f"COUNT={rule['COUNT']} is not a number"
    if "UNTIL" in rule and _date(rule["UNTIL"][:8]) is None:
        return f"UNTIL={rule['UNTIL']} is not a date"
    return None


def _last_year(rule: dict[str, str], start: dt.date) -> int | None:
    if "COUNT" in rule:
        return start.year + max(int(rule["COUNT"]), 1) - 1
    if "UNTIL" in rule:
        until = _date(rule["UNTIL"][:8])
        assert until is not None
        year = until.year
        if (start.month, start.day) > (until.month, until.day):
            year -= 1
        return year
    return None
