"""Request and response bodies of the canned replies and macros API."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints

from helpline.core.errors import Invalid
from helpline.core.schemas import Out, Strict, sent_fields
from helpline.macros.models import CannedReply, Macro
from helpline.macros.placeholders import PLACEHOLDERS, unknown_in
from helpline.tickets.schemas import Priority, Status, Tag

Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
Body = Annotated[str, StringConstraints(max_length=20_000)]


class CannedReplyIn(Strict):
    title: Title
    body: Body = Field(
        description="Text with placeholders: " + ", ".join(f"{{{{{p}}}}}" for p in PLACEHOLDERS)
    )
    team_id: int | None = None


class CannedReplyPatch(Strict):
    title: Title | None = None
    body: Body | None = None
    team_id: int | None = None

    def changes(self) -> dict[str, Any]:
        return sent_fields(self, not_null=("title", "body"))


class CannedReplyOut(Out):
    id: int
    title: str
    body: str
    team_id: int | None
    unknown_placeholders: list[str]
    created_at: dt.datetime
    updated_at: dt.datetime

    @classmethod
    def of(cls, reply: CannedReply) -> CannedReplyOut:
        return cls(
            id=reply.id,
            title=reply.title,
            body=reply.body,
            team_id=reply.team_id,
            unknown_placeholders=unknown_in(reply.body),
            created_at=reply.created_at,
            updated_at=reply.updated_at,
        )


class TicketRef(Strict):
    ticket_id: int


class FilledOut(Out):
    text: str
    unknown_placeholders: list[str] = Field(description="left exactly as typed; edit them before sending")


class MacroActions(Strict):
    status: Status | None = None
    priority: Priority | None = None
    assignee: Literal["me", "none"] | int | None = Field(
        default=None, description="'me' (whoever applies it), 'none' (unassign) or a user id"
    )
    team_id: int | None = Field(default=None, description="send null to remove the team")
    add_tags: list[Tag] = Field(default_factory=list, max_length=20)
    remove_tags: list[Tag] = Field(default_factory=list, max_length=20)

    def as_dict(self) -> dict[str, Any]:
        return self.model_dump(include=self.model_fields_set)


class MacroIn(Strict):
    title: Title
    body: Body = ""
    internal: bool = Field(default=False, description="post the body as an internal note, not a reply")
    actions: MacroActions = Field(default_factory=MacroActions)
    team_id: int | None = None


class MacroPatch(Strict):
    title: Title | None = None
    body: Body | None = None
    internal: bool | None = None
    actions: MacroActions | None = None
    team_id: int | None = None

    def changes(self) -> dict[str, Any]:
        sent: dict[str, Any] = {}
        for key in self.model_fields_set:
            value = getattr(self, key)
            if value is None and key != "team_id":
                raise Invalid.field(key, f"{key} cannot be null")
            sent[key] = value.as_dict() if isinstance(value, MacroActions) else value
        return sent


class MacroOut(Out):
    id: int
    title: str
    body: str
    internal: bool
    actions: dict[str, Any]
    team_id: int | None
    created_at: dt.datetime
    updated_at: dt.datetime

    @classmethod
    def of(cls, macro: Macro) -> MacroOut:
        return cls.model_validate(macro)


class AppliedOut(Out):
    ticket_id: int
    message_id: int | None
    changes: dict[str, Any]
