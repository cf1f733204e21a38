"""HTTP door for email: raw RFC 822 intake (relays, tests), the raw original, and mailboxes."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Request, Response, status
from pydantic import Field, StringConstraints
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from helpline.core.deps import (
    AdminActor,
    AppSettings,
    DbSession,
    DetachedAdminActor,
    StaffActor,
    get_db,
)
from helpline.core.errors import Invalid, NotFound
from helpline.core.schemas import Email, Out, Strict, sent_fields
from helpline.email import mailboxes
from helpline.email.imap import poll_mailbox
from helpline.email.models import InboundEmail, Mailbox
from helpline.email.service import receive_email
from helpline.email.smtp import MAX_MESSAGE_BYTES
from helpline.tickets.access import get_visible_ticket

router = APIRouter(tags=["email"])


class InboundAccepted(Out):
    id: int
    duplicate: bool


class MailboxIn(Strict):
    address: Email
    name: Annotated[str, StringConstraints(strip_whitespace=True, max_length=120)] = ""
    team_id: int | None = None
    auto_acknowledge: bool = True
    bot_enabled: bool = Field(
        default=False,
        description="The answer bot replies to new requests it can answer from the help center.",
    )
    imap_host: Annotated[str, StringConstraints(strip_whitespace=True, max_length=253)] | None = None
    imap_port: Annotated[int, Field(ge=1, le=65535)] | None = None
    imap_security: Literal["ssl", "starttls", "plain"] = "ssl"
    imap_username: Annotated[str, StringConstraints(max_length=254)] | None = None
    imap_password: Annotated[str, StringConstraints(max_length=300)] | None = None
    imap_folder: Annotated[str, StringConstraints(min_length=1, max_length=200)] = "INBOX"


class MailboxOut(Out):
    id: int
    address: str
    name: str
    team_id: int | None
    auto_acknowledge: bool
    bot_enabled: bool
    active: bool
    created_at: dt.datetime
    imap_host: str | None
    imap_port: int | None
    imap_security: str
    imap_username: str | None
    imap_folder: str
    imap_last_uid: int
    imap_polled_at: dt.datetime | None
    imap_last_error: str | None


class MailboxPatch(Strict):
    address: Email | None = None
    name: Annotated[str, StringConstraints(strip_whitespace=True, max_length=120)] | None = None
    team_id: int | None = None
    auto_acknowledge: bool | None = None
    bot_enabled: bool | None = None
    active: bool | None = None
    imap_host: Annotated[str, StringConstraints(strip_whitespace=True, max_length=253)] | None = Field(
        default=None, description="An empty string or null stops IMAP polling and forgets the credentials."
    )
    imap_port: Annotated[int, Field(ge=1, le=65535)] | None = None
    imap_security: Literal["ssl", "starttls", "plain"] | None = None
    imap_username: Annotated[str, StringConstraints(max_length=254)] | None = None
    imap_password: Annotated[str, StringConstraints(max_length=300)] | None = Field(
        default=None, description="Omit to keep the saved password."
    )
    imap_folder: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = None


class PollOut(Out):
    fetched: int
    new: int
    error: str | None


@router.post(
    "/email/inbound",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=InboundAccepted,
    summary="Hand over one raw RFC 822 message (Content-Type: message/rfc822)",
)
async def post_inbound(request: Request, _actor: DetachedAdminActor) -> InboundAccepted:
    raw = await request.body()
    if not raw.strip():
        raise Invalid.field("body", "send the raw message as the request body")
    if len(raw) > MAX_MESSAGE_BYTES:
        raise Invalid.field("body", f"the message is {len(raw)} bytes; the limit is {MAX_MESSAGE_BYTES}")
    db = get_db(request)
    inbound_id, created = await run_in_threadpool(receive_email, db, raw, source="http")
    return InboundAccepted(id=inbound_id, duplicate=not created)


@router.get(
    "/email/inbound/{inbound_id}/raw",
    response_class=Response,
    summary="The raw original of a received email (as an .eml download)",
)
def get_raw(inbound_id: int, session: DbSession, actor: StaffActor) -> Response:
    row = session.get(InboundEmail, inbound_id)
    if row is None or (row.ticket_id is None and not actor.is_admin):
        raise NotFound(f"inbound email {inbound_id} does not exist")
    if row.ticket_id is not None:
        get_visible_ticket(session, actor, row.ticket_id)
    return Response(
        row.raw,
        media_type="message/rfc822",
        headers={
            "Content-Disposition": f'attachment; filename="email-{row.id}.eml"',
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.get("/mailboxes", response_model=list[MailboxOut])
def list_mailboxes(session: DbSession, _actor: AdminActor) -> list[MailboxOut]:
    return [MailboxOut.model_validate(m) for m in session.scalars(select(Mailbox).order_by(Mailbox.id))]


@router.post("/mailboxes", status_code=status.HTTP_201_CREATED, response_model=MailboxOut)
def create_mailbox(
    body: MailboxIn, session: DbSession, actor: AdminActor, settings: AppSettings
) -> MailboxOut:
    mailbox = mailboxes.create_mailbox(
        session,
        actor,
        address=body.address,
        name=body.name,
        team_id=body.team_id,
        auto_acknowledge=body.auto_acknowledge,
        bot_enabled=body.bot_enabled,
        imap_host=body.imap_host,
        imap_port=body.imap_port,
        imap_security=body.imap_security,
        imap_username=body.imap_username,
        imap_password=body.imap_password,
        imap_folder=body.imap_folder,
        secret_key=settings.secret_key,
    )
    return MailboxOut.model_validate(mailbox)


@router.patch("/mailboxes/{mailbox_id}", response_model=MailboxOut)
def update_mailbox(
    mailbox_id: int, body: MailboxPatch, session: DbSession, actor: AdminActor, settings: AppSettings
) -> MailboxOut:
    """Change the fields given; ``team_id: null`` detaches the mailbox from its team and
    ``imap_host: ""`` stops IMAP polling."""
    not_null = {"address", "name", "auto_acknowledge", "bot_enabled", "active"}
    not_null |= {"imap_security", "imap_folder"}
    given = sent_fields(body, not_null=not_null)
    mailbox = mailboxes.update_mailbox(session, actor, mailbox_id, secret_key=settings.secret_key, **given)
    return MailboxOut.model_validate(mailbox)


@router.post("/mailboxes/{mailbox_id}/poll", response_model=PollOut, summary="Fetch new IMAP mail now")
def poll_now(mailbox_id: int, request: Request, _actor: DetachedAdminActor, settings: AppSettings) -> PollOut:
    db = get_db(request)
    with db.read_sessions() as session:
        box = session.get(Mailbox, mailbox_id)
        if box is None:
            raise NotFound(f"mailbox {mailbox_id} does not exist")
        if not box.imap_host:
            raise Invalid.field("imap_host", "this mailbox has no IMAP server configured")
    result = poll_mailbox(db, mailbox_id, settings.secret_key)
    return PollOut(fetched=result.fetched, new=result.new, error=result.error)
