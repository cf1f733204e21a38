"""Service actions on tickets: create, update (assign, status, priority, team, tags), merge."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from helpline.accounts.models import Team, TeamMember, User
from helpline.audit.service import changes, record
from helpline.core.actor import SYSTEM, Actor
from helpline.core.db import utcnow
from helpline.core.errors import Conflict, Forbidden, Invalid
from helpline.customers.models import Customer
from helpline.outbox.service import emit
from helpline.tickets.access import get_visible_ticket
from helpline.tickets.hooks import run_ticket_changed_hooks, run_ticket_created_hooks
from helpline.tickets.models import CHANNELS, PRIORITIES, STATUSES, Message, Ticket, TicketEvent, TicketTag
from helpline.tickets.search import index_ticket

_TAG = re.compile(r"^[a-z0-9][a-z0-9_.:-]{0,63}$")
MAX_TAGS = 20
UNSET: Any = object()


@dataclass
class NewAttachment:
    filename: str
    content_type: str
    data: bytes


@dataclass
class NewMessage:
    text: str
    full_text: str | None = None
    internal: bool = False
    channel: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    attachments: list[NewAttachment] = field(default_factory=list)


def normalize_tags(tags: list[str]) -> list[str]:
    clean: list[str] = []
    for raw in tags:
        tag = raw.strip().lower().replace(" ", "-")
        if not _TAG.match(tag):
            raise Invalid.field(
                "tags", f"{raw!r} is not a tag: use letters, digits, '-', '_', ':' or '.', up to 64"
            )
        if tag not in clean:
            clean.append(tag)
    if len(clean) > MAX_TAGS:
        raise Invalid.field("tags", f"at most {MAX_TAGS} tags per ticket")
    return sorted(clean)


def _check_choice(name: str, value: str, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise Invalid.field(name, f"{value!r} is not one of {', '.join(choices)}")


def add_event(session: Session, ticket: Ticket, actor: Actor, kind: str, **data: Any) -> TicketEvent:
    ev = TicketEvent(
        ticket_id=ticket.id, kind=kind, actor_kind=actor.audit_kind, actor_id=actor.id, data=data
    )
    session.add(ev)
    return ev


def snapshot(ticket: Ticket) -> dict[str, Any]:
    return {
        "subject": ticket.subject,
        "status": ticket.status,
        "priority": ticket.priority,
        "assignee_id": ticket.assignee_id,
        "team_id": ticket.team_id,
        "tags": ticket.tags,
    }


def _check_team(session: Session, team_id: int | None) -> None:
    if team_id is not None and session.get(Team, team_id) is None:
        raise Invalid.field("team_id", f"team {team_id} does not exist")


def _check_assignee(session: Session, assignee_id: int | None, team_id: int | None) -> None:
    if assignee_id is None:
        return
    user = session.get(User, assignee_id)
    if user is None or not user.is_active:
        raise Invalid.field("assignee_id", f"user {assignee_id} does not exist or is deactivated")
    if team_id is not None and user.role != "admin":
        member = session.get(TeamMember, (team_id, assignee_id))
        if member is None:
            raise Invalid.field("assignee_id", f"{user.name} is not a member of team {team_id}")


def create_ticket(
    session: Session,
    actor: Actor,
    *,
    subject: str,
    requester: Customer,
    message: NewMessage,
    channel: str = "api",
    priority: str = "normal",
    tags: list[str] | None = None,
    team_id: int | None = None,
    assignee_id: int | None = None,
) -> Ticket:
    return open_ticket(
        session,
        actor,
        subject=subject,
        requester=requester,
        message=message,
        channel=channel,
        priority=priority,
        tags=tags,
        team_id=team_id,
        assignee_id=assignee_id,
    )[0]


def open_ticket(
    session: Session,
    actor: Actor,
    *,
    subject: str,
    requester: Customer,
    message: NewMessage,
    channel: str = "api",
    priority: str = "normal",
    tags: list[str] | None = None,
    team_id: int | None = None,
    assignee_id: int | None = None,
) -> tuple[Ticket, Message]:
    """``create_ticket``, also returning the first message (so a channel need not look it up)."""
    from helpline.tickets.conversation import append_message

    _check_choice("channel", channel, CHANNELS)
    _check_choice("priority", priority, PRIORITIES)
    if actor.is_customer:
        if requester.id != actor.id:
            raise Forbidden("customers can open tickets only for themselves")
        if team_id is not None or assignee_id is not None or message.internal:
            raise Forbidden("customers cannot set team, assignee or internal notes")
    subject = subject.strip()
    if not subject and message.text.strip():
        subject = message.text.strip().splitlines()[0][:120]
    if not subject:
        raise Invalid.field("subject", "must not be empty")
    _check_team(session, team_id)
    _check_assignee(session, assignee_id, team_id)
    now = utcnow()
    ticket = Ticket(
        subject=subject[:250],
        channel=channel,
        priority=priority,
        requester_id=requester.id,
        team_id=team_id,
        assignee_id=assignee_id,
        status="open" if assignee_id else "new",
        created_at=now,
        updated_at=now,
        # as the first message will set it (written with the row: no UPDATE right after the INSERT)
        last_customer_message_at=now if actor.is_customer or not message.internal else None,
    )
    ticket.tag_rows = [TicketTag(tag=t) for t in normalize_tags(tags or [])]
    session.add(ticket)
    session.flush()
    add_event(session, ticket, actor, "created", channel=channel)
    if assignee_id is not None:
        add_event(session, ticket, actor, "assigned", assignee_id=assignee_id, previous=None)
    if message.channel is None:
        message.channel = channel
    first = append_message(session, actor, ticket, message, on_behalf_of=requester, at=now)
    record(session, actor, "ticket.create", "ticket", ticket.id, None, snapshot(ticket))
    emit(session, "ticket.created", {"ticket_id": ticket.id, "requester_id": requester.id})
    run_ticket_created_hooks(session, ticket)
    index_ticket(session, ticket.id, ticket.subject)
    return ticket, first


def update_ticket(
    session: Session,
    actor: Actor,
    ticket_id: int,
    *,
    subject: str = UNSET,
    status: str = UNSET,
    priority: str = UNSET,
    assignee_id: int | None = UNSET,
    team_id: int | None = UNSET,
    tags: list[str] = UNSET,
) -> Ticket:
    if not actor.is_staff:
        raise Forbidden("customers cannot change ticket fields; reply or ask to close instead")
    ticket = get_visible_ticket(session, actor, ticket_id, lock=True)
    if ticket.merged_into_id is not None:
        raise Conflict(f"ticket {ticket_id} was merged into ticket {ticket.merged_into_id}")
    before = snapshot(ticket)
    if subject is not UNSET:
        if not subject.strip():
            raise Invalid.field("subject", "must not be empty")
        ticket.subject = subject.strip()[:250]
    if priority is not UNSET:
        _check_choice("priority", priority, PRIORITIES)
        ticket.priority = priority
    if team_id is not UNSET:
        _check_team(session, team_id)
        ticket.team_id = team_id
    if assignee_id is not UNSET:
        _check_assignee(session, assignee_id, ticket.team_id)
        ticket.assignee_id = assignee_id
        if assignee_id is not None and ticket.status == "new" and status is UNSET:
            ticket.status = "open"
    elif team_id is not UNSET and ticket.assignee_id is not None:
        _check_assignee(session, ticket.assignee_id, ticket.team_id)
    if status is not UNSET:
        _check_choice("status", status, STATUSES)
        ticket.status = status
    if tags is not UNSET:
        wanted = normalize_tags(tags)
        ticket.tag_rows = [r for r in ticket.tag_rows if r.tag in wanted] + [
            TicketTag(tag=t) for t in wanted if t not in ticket.tags
        ]
    after = snapshot(ticket)
    old, new = changes(before, after)
    if not new:
        return ticket
    now = utcnow()
    ticket.updated_at = now
    if "status" in new:
        add_event(session, ticket, actor, "status_changed", old=old["status"], new=new["status"])
        if new["status"] == "solved":
            ticket.solved_at = now
    if "assignee_id" in new:
        kind = "assigned" if new["assignee_id"] is not None else "unassigned"
        add_event(session, ticket, actor, kind, assignee_id=new["assignee_id"], previous=old["assignee_id"])
    for key, kind in (
        ("team_id", "team_changed"),
        ("priority", "priority_changed"),
        ("subject", "subject_changed"),
        ("tags", "tags_changed"),
    ):
        if key in new:
            add_event(session, ticket, actor, kind, old=old[key], new=new[key])
    record(session, actor, "ticket.update", "ticket", ticket.id, old, new)
    emit(session, "ticket.updated", {"ticket_id": ticket.id, "changes": new})
    run_ticket_changed_hooks(session, ticket, old, new)
    if "subject" in new:
        index_ticket(session, ticket.id)
    return ticket


def merge_tickets(session: Session, actor: Actor, source_id: int, target_id: int) -> Ticket:
    """Close ``source`` into ``target``; its conversation shows up in the target's from now on."""
    from helpline.tickets.conversation import append_message

    if not actor.is_staff:
        raise Forbidden("only staff can merge tickets")
    if source_id == target_id:
        raise Invalid.field("source_id", "cannot merge a ticket into itself")
    source = get_visible_ticket(session, actor, source_id, lock=True)
    target = get_visible_ticket(session, actor, target_id, lock=True)
    for t in (source, target):
        if t.merged_into_id is not None:
            raise Conflict(f"ticket {t.id} was already merged into ticket {t.merged_into_id}")
    before = snapshot(source)
    now = utcnow()
    session.execute(update(Ticket).where(Ticket.merged_into_id == source.id).values(merged_into_id=target.id))
    source.merged_into_id = target.id
    source.status = "closed"
    source.updated_at = target.updated_at = now
    target.tag_rows += [TicketTag(tag=t) for t in source.tags if t not in target.tags]
    add_event(session, source, actor, "merged_into", target_id=target.id)
    add_event(session, target, actor, "merged", source_id=source.id)
    note = f"Ticket #{source.id} ({source.subject}) was merged into this ticket."
    append_message(session, SYSTEM, target, NewMessage(text=note, internal=True, channel="api"))
    record(
        session,
        actor,
        "ticket.merge",
        "ticket",
        source.id,
        before,
        {"status": "closed", "merged_into_id": target.id},
    )
    record(session, actor, "ticket.merge_target", "ticket", target.id, None, {"merged_ticket_id": source.id})
    emit(session, "ticket.merged", {"ticket_id": target.id, "merged_ticket_id": source.id})
    run_ticket_changed_hooks(session, source, {"status": before["status"]}, {"status": "closed"})
    session.flush()
    index_ticket(session, target.id)
    return target
