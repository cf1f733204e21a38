from __future__ import annotations

import base64
import binascii
import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints, field_validator

from helpline.core.schemas import Email, Name, Out, Strict, sent_fields
from helpline.tickets.models import Attachment, Message, Ticket, TicketEvent

Status = Literal["new", "open", "pending", "on-hold", "solved", "closed"]
Priority = Literal["low", "normal", "high", "urgent"]
Channel = Literal["email", "chat", "web", "api", "phone", "sms", "social"]
Subject = Annotated[str, StringConstraints(strip_whitespace=True, max_length=250)]
Tag = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
Body = Annotated[str, StringConstraints(max_length=200_000)]


class AttachmentIn(Strict):
    filename: Annotated[str, StringConstraints(min_length=1, max_length=255)]
    content_type: Annotated[str, StringConstraints(max_length=255)] = ""
    content_base64: str

    @field_validator("content_base64")
    @classmethod
    def _b64(cls, value: str) -> str:
        try:
            base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            raise ValueError("is not valid base64") from None
        return value

    def decoded(self) -> bytes:
        return base64.b64decode(self.content_base64)


class MessageIn(Strict):
    text: Body
    full_text: Body | None = None
    internal: bool = False
    attachments: list[AttachmentIn] = Field(default_factory=list, max_length=20)


class CustomerRef(Strict):
    email: Email
    name: Name = ""


class TicketCreate(Strict):
    subject: Subject
    customer: CustomerRef | None = None
    message: MessageIn
    channel: Channel = "api"
    priority: Priority = "normal"
    tags: list[Tag] = Field(default_factory=list, max_length=20)
    team_id: int | None = None
    assignee_id: int | None = None


class TicketUpdate(Strict):
    subject: Subject | None = None
    status: Status | None = None
    priority: Priority | None = None
    assignee_id: int | None = None
    team_id: int | None = None
    tags: list[Tag] | None = Field(default=None, max_length=20)

    def changes(self) -> dict[str, Any]:
        """Only the fields the client sent; ``null`` is meaningful for assignee and team."""
        return sent_fields(self, not_null=("subject", "status", "priority", "tags"))


class ReplyIn(MessageIn):
    status: Status | None = None


class MergeIn(Strict):
    source_id: int = Field(description="The ticket that is closed into this one")


class PersonOut(Out):
    id: int
    name: str
    email: str | None = None


class AttachmentOut(Out):
    id: int
    filename: str
    content_type: str
    size: int
    url: str

    @classmethod
    def of(cls, a: Attachment) -> AttachmentOut:
        return cls(
            id=a.id,
            filename=a.filename,
            content_type=a.content_type,
            size=a.size,
            url=f"/api/v1/attachments/{a.id}",
        )


class MessageOut(Out):
    id: int
    ticket_id: int
    author_kind: str
    author: PersonOut | None
    internal: bool
    channel: str
    text: str
    full_text: str
    metadata: dict[str, Any]
    message_id: str | None = None
    attachments: list[AttachmentOut]
    created_at: dt.datetime

    @classmethod
    def of(cls, m: Message) -> MessageOut:
        author: PersonOut | None = None
        if m.author_user is not None:
            author = PersonOut(id=m.author_user.id, name=m.author_user.name, email=None)
        elif m.author_customer is not None:
            author = PersonOut(id=m.author_customer.id, name=m.author_customer.name)
        return cls(
            id=m.id,
            ticket_id=m.ticket_id,
            author_kind=m.author_kind,
            author=author,
            internal=m.internal,
            channel=m.channel,
            text=m.text,
            full_text=m.full_text,
            metadata=m.meta or {},
            message_id=(m.meta or {}).get("message_id"),
            attachments=[AttachmentOut.of(a) for a in m.attachments],
            created_at=m.created_at,
        )


class TicketOut(Out):
    id: int
    subject: str
    status: str
    priority: str
    channel: str
    requester: PersonOut
    assignee: PersonOut | None
    team: PersonOut | None
    tags: list[str]
    merged_into_id: int | None
    follow_up_of_id: int | None
    created_at: dt.datetime
    updated_at: dt.datetime
    solved_at: dt.datetime | None

    @classmethod
    def of(cls, t: Ticket) -> TicketOut:
        r = t.requester
        return cls(
            id=t.id,
            subject=t.subject,
            status=t.status,
            priority=t.priority,
            channel=t.channel,
            requester=PersonOut(id=r.id, name=r.name, email=r.primary_email),
            assignee=PersonOut(id=t.assignee.id, name=t.assignee.name) if t.assignee else None,
            team=PersonOut(id=t.team.id, name=t.team.name) if t.team else None,
            tags=t.tags,
            merged_into_id=t.merged_into_id,
            follow_up_of_id=t.follow_up_of_id,
            created_at=t.created_at,
            updated_at=t.updated_at,
            solved_at=t.solved_at,
        )


class TicketPage(Out):
    items: list[TicketOut]
    next_cursor: str | None


class MessagePage(Out):
    items: list[MessageOut]
    next_cursor: str | None


class EventOut(Out):
    id: int
    kind: str
    actor_kind: str
    actor_id: int | None
    data: dict[str, Any]
    created_at: dt.datetime

    @classmethod
    def of(cls, e: TicketEvent) -> EventOut:
        return cls.model_validate(e)
