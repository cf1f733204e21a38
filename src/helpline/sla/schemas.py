from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints

from helpline.core.schemas import Out, Strict, sent_fields
from helpline.sla.models import BusinessHours, Holiday, HolidayCalendar, SlaPolicy
from helpline.sla.queries import TicketSlaView

Label = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
Minutes = Annotated[int, Field(ge=1, le=100_000)]  # about ten weeks around the clock
Range = Annotated[list[str], Field(min_length=2, max_length=2)]
Schedule = dict[Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"], list[Range]]
Priority = Literal["low", "normal", "high", "urgent"]
Channel = Literal["email", "chat", "web", "api", "phone", "sms", "social"]


class BusinessHoursIn(Strict):
    name: Label
    timezone: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
    schedule: Schedule
    holiday_calendar_id: int | None = None


class BusinessHoursPatch(Strict):
    name: Label | None = None
    timezone: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)] | None = (
        None
    )
    schedule: Schedule | None = None
    holiday_calendar_id: int | None = None

    def changes(self) -> dict[str, Any]:
        return sent_fields(self, not_null=("name", "timezone", "schedule"))


class BusinessHoursOut(Out):
    id: int
    name: str
    timezone: str
    schedule: dict[str, list[list[str]]]
    holiday_calendar_id: int | None
    created_at: dt.datetime
    updated_at: dt.datetime

    @classmethod
    def of(cls, h: BusinessHours) -> BusinessHoursOut:
        return cls.model_validate(h)


class TeamHoursIn(Strict):
    business_hours_id: int | None


class HolidayCalendarIn(Strict):
    name: Label


class HolidayIn(Strict):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    start_date: dt.date
    end_date: dt.date | None = Field(default=None, description="exclusive; one day when left out")
    yearly: bool = False
    last_year: int | None = None


class HolidayOut(Out):
    id: int
    name: str
    start_date: dt.date
    end_date: dt.date
    yearly: bool
    last_year: int | None
    uid: str

    @classmethod
    def of(cls, h: Holiday) -> HolidayOut:
        return cls.model_validate(h)


class HolidayCalendarOut(Out):
    id: int
    name: str
    created_at: dt.datetime
    holidays: list[HolidayOut]

    @classmethod
    def of(cls, c: HolidayCalendar) -> HolidayCalendarOut:
        return cls.model_validate(c)


class ImportIn(Strict):
    ics: Annotated[str, StringConstraints(max_length=2 * 1024 * 1024)] = Field(
        description="the text of an iCalendar (.ics) file"
    )
    replace: bool = False


class ImportOut(Strict):
    imported: list[HolidayOut]
    skipped: list[str]


class Conditions(Strict):
    priority: list[Priority] | None = None
    channel: list[Channel] | None = None
    team_id: list[int] | None = None
    tags: list[Annotated[str, StringConstraints(max_length=64)]] | None = None
    tier: list[Annotated[str, StringConstraints(max_length=40)]] | None = None
    organization_id: list[int] | None = None
    intent: list[Annotated[str, StringConstraints(max_length=120)]] | None = None
    mood: list[Literal["frustrated", "negative", "neutral", "positive"]] | None = None


class PolicyIn(Strict):
    name: Label
    position: int = 0
    active: bool = True
    conditions: Conditions = Conditions()
    first_response_minutes: Minutes | None = None
    next_response_minutes: Minutes | None = None
    resolution_minutes: Minutes | None = None
    warn_percent: Annotated[int, Field(ge=1, le=99)] | None = 80
    warn_minutes_before: Minutes | None = None
    business_hours_id: int | None = None

    def fields(self) -> dict[str, Any]:
        data = self.model_dump(exclude={"name"})
        data["conditions"] = self.conditions.model_dump(exclude_none=True)
        return data


class PolicyPatch(Strict):
    name: Label | None = None
    position: int | None = None
    active: bool | None = None
    conditions: Conditions | None = None
    first_response_minutes: Minutes | None = None
    next_response_minutes: Minutes | None = None
    resolution_minutes: Minutes | None = None
    warn_percent: Annotated[int, Field(ge=1, le=99)] | None = None
    warn_minutes_before: Minutes | None = None
    business_hours_id: int | None = None

    def changes(self) -> dict[str, Any]:
        data = sent_fields(self, not_null=("name", "position", "active", "conditions"))
        if self.conditions is not None:
            data["conditions"] = self.conditions.model_dump(exclude_none=True)
        return data


class PolicyOut(Out):
    id: int
    name: str
    position: int
    active: bool
    conditions: dict[str, Any]
    first_response_minutes: int | None
    next_response_minutes: int | None
    resolution_minutes: int | None
    warn_percent: int | None
    warn_minutes_before: int | None
    business_hours_id: int | None
    created_at: dt.datetime
    updated_at: dt.datetime

    @classmethod
    def of(cls, p: SlaPolicy) -> PolicyOut:
        return cls.model_validate(p)


class TargetOut(Out):
    kind: str
    target_minutes: int
    status: str
    started_at: dt.datetime
    due_at: dt.datetime | None
    remaining_minutes: float | None
    met_at: dt.datetime | None
    warned_at: dt.datetime | None
    breached_at: dt.datetime | None


class TicketSlaOut(Out):
    ticket_id: int
    policy_id: int | None
    policy_name: str | None
    business_hours_id: int | None
    timezone: str
    paused: bool
    paused_since: dt.datetime | None
    first_response_due_at: dt.datetime | None
    next_response_due_at: dt.datetime | None
    resolution_due_at: dt.datetime | None
    targets: list[TargetOut]

    @classmethod
    def of(cls, v: TicketSlaView) -> TicketSlaOut:
        return cls.model_validate(v)
