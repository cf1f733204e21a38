"""Service actions on canned replies and macros; applying a macro to a ticket.

Admins manage both (global, or scoped to a team); agents use the global ones and those of their
teams. Applying a macro posts its reply or note and changes the ticket's fields through the ticket
service (``add_message``, ``update_ticket``) inside the caller's transaction: all of it or nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, false, or_, select, true
from sqlalchemy.orm import Session

from helpline.accounts.models import Team, User
from helpline.audit.service import changes, record
from helpline.core.actor import Actor
from helpline.core.db import utcnow
from helpline.core.errors import Conflict, Forbidden, Invalid, NotFound
from helpline.customers.models import Customer
from helpline.macros.models import CannedReply, Macro
from helpline.macros.placeholders import Filled, fill, unknown_in, values_for
from helpline.tickets.access import get_visible_ticket
from helpline.tickets.conversation import add_message
from helpline.tickets.models import PRIORITIES, STATUSES, Message, Ticket
from helpline.tickets.service import UNSET, NewMessage, normalize_tags, update_ticket

MAX_TITLE = 120
MAX_BODY = 20_000
ACTION_KEYS = ("status", "priority", "assignee", "team_id", "add_tags", "remove_tags")


def _scope(actor: Actor, team_column: Any) -> ColumnElement[bool]:
    """Admins see every canned reply and macro; agents the global ones and their teams'."""
    if actor.is_admin:
        return true()
    if not actor.is_staff:
        return false()
    mine = team_column.in_(sorted(actor.team_ids)) if actor.team_ids else false()
    return or_(team_column.is_(None), mine)


def _require_admin(actor: Actor) -> None:
    if not actor.is_admin:
        raise Forbidden("only admins manage canned replies and macros")


def _check_team(session: Session, team_id: int | None) -> None:
    if team_id is not None and session.get(Team, team_id) is None:
        raise Invalid.field("team_id", f"team {team_id} does not exist")


def _title(value: str) -> str:
    title = value.strip()
    if not title:
        raise Invalid.field("title", "Give it a title.")
    if len(title) > MAX_TITLE:
        raise Invalid.field("title", f"Keep the title under {MAX_TITLE} characters.")
    return title


def _body(value: str, *, required: bool) -> str:
    if required and not value.strip():
        raise Invalid.field("body", "Write the text.")
    if len(value) > MAX_BODY:
        raise Invalid.field("body", f"Keep the text under {MAX_BODY} characters.")
    return value


def _fill_for(session: Session, actor: Actor, ticket: Ticket, body: str) -> Filled:
    customer = session.get(Customer, ticket.requester_id)
    agent = session.get(User, actor.id) if actor.is_staff and actor.id is not None else None
    return fill(body, values_for(ticket, customer, agent))


# -- canned replies -------------------------------------------------------------------------------
def list_canned_replies(session: Session, actor: Actor) -> list[CannedReply]:
    stmt = select(CannedReply).where(_scope(actor, CannedReply.team_id)).order_by(CannedReply.title)
    return list(session.scalars(stmt.order_by(CannedReply.id)))


def get_canned_reply(session: Session, actor: Actor, reply_id: int) -> CannedReply:
    stmt = select(CannedReply).where(CannedReply.id == reply_id, _scope(actor, CannedReply.team_id))
    reply = session.scalar(stmt)
    if reply is None:
        raise NotFound(f"canned reply {reply_id} does not exist")
    return reply


def _reply_dict(reply: CannedReply) -> dict[str, Any]:
    return {"title": reply.title, "body": reply.body, "team_id": reply.team_id}


def create_canned_reply(
    session: Session, actor: Actor, *, title: str, body: str, team_id: int | None = None
) -> CannedReply:
    _require_admin(actor)
    _check_team(session, team_id)
    now = utcnow()
    reply = CannedReply(
        title=_title(title), body=_body(body, required=True), team_id=team_id, created_at=now, updated_at=now
    )
    session.add(reply)
    session.flush()
    record(session, actor, "canned_reply.create", "canned_reply", reply.id, None, _reply_dict(reply))
    return reply


def update_canned_reply(
    session: Session,
    actor: Actor,
    reply_id: int,
    *,
    title: str = UNSET,
    body: str = UNSET,
    team_id: int | None = UNSET,
) -> CannedReply:
    _require_admin(actor)
    reply = get_canned_reply(session, actor, reply_id)
    before = _reply_dict(reply)
    if title is not UNSET:
        reply.title = _title(title)
    if body is not UNSET:
        reply.body = _body(body, required=True)
    if team_id is not UNSET:
        _check_team(session, team_id)
        reply.team_id = team_id
    old, new = changes(before, _reply_dict(reply))
    if new:
        reply.updated_at = utcnow()
        record(session, actor, "canned_reply.update", "canned_reply", reply.id, old, new)
    return reply


def delete_canned_reply(session: Session, actor: Actor, reply_id: int) -> None:
    _require_admin(actor)
    reply = get_canned_reply(session, actor, reply_id)
    record(session, actor, "canned_reply.delete", "canned_reply", reply.id, _reply_dict(reply), None)
    session.delete(reply)


def fill_canned_reply(session: Session, actor: Actor, reply_id: int, ticket_id: int) -> Filled:
    """The reply's text for one ticket, placeholders filled; unknown ones are left and listed."""
    if not actor.is_staff:
        raise Forbidden("canned replies are for agents")
    reply = get_canned_reply(session, actor, reply_id)
    ticket = get_visible_ticket(session, actor, ticket_id)
    return _fill_for(session, actor, ticket, reply.body)


# -- macros ---------------------------------------------------------------------------------------
def normalize_actions(session: Session, actions: dict[str, Any]) -> dict[str, Any]:
    """Check a macro's field changes and keep only the keys that change something."""
    bad = sorted(set(actions) - set(ACTION_KEYS))
    if bad:
        raise Invalid.field("actions", f"unknown action {bad[0]!r}; use {', '.join(ACTION_KEYS)}")
    clean: dict[str, Any] = {}
    for key, choices in (("status", STATUSES), ("priority", PRIORITIES)):
        value = actions.get(key)
        if value in (None, ""):
            continue
        if value not in choices:
            raise Invalid.field(key, f"{value!r} is not one of {', '.join(choices)}")
        clean[key] = value
    assignee = actions.get("assignee")
    if assignee not in (None, ""):
        if assignee not in ("me", "none"):
            if not isinstance(assignee, int) or isinstance(assignee, bool):
                raise Invalid.field("assignee", "use 'me', 'none' or a user id")
            user = session.get(User, assignee)
            if user is None or not user.is_active:
                raise Invalid.field("assignee", f"user {assignee} does not exist or is deactivated")
        clean["assignee"] = assignee
    if "team_id" in actions:
        team_id = actions["team_id"]
        if team_id is not None and (not isinstance(team_id, int) or isinstance(team_id, bool)):
            raise Invalid.field("team_id", "use a team id, or null for no team")
        _check_team(session, team_id)
        clean["team_id"] = team_id
    add = normalize_tags(list(actions.get("add_tags") or []))
    remove = normalize_tags(list(actions.get("remove_tags") or []))
    both = sorted(set(add) & set(remove))
    if both:
        raise Invalid.field("remove_tags", f"{both[0]!r} is both added and removed")
    if add:
        clean["add_tags"] = add
    if remove:
        clean["remove_tags"] = remove
    return clean


def list_macros(session: Session, actor: Actor) -> list[Macro]:
    stmt = select(Macro).where(_scope(actor, Macro.team_id)).order_by(Macro.title, Macro.id)
    return list(session.scalars(stmt))


def get_macro(session: Session, actor: Actor, macro_id: int) -> Macro:
    macro = session.scalar(select(Macro).where(Macro.id == macro_id, _scope(actor, Macro.team_id)))
    if macro is None:
        raise NotFound(f"macro {macro_id} does not exist")
    return macro


def _macro_dict(macro: Macro) -> dict[str, Any]:
    return {
        "title": macro.title,
        "body": macro.body,
        "internal": macro.internal,
        "actions": macro.actions,
        "team_id": macro.team_id,
    }


def _check_macro(macro: Macro) -> None:
    if not macro.body.strip() and not macro.actions:
        raise Invalid.field("body", "A macro needs a reply, a note or at least one field change.")
    unknown = unknown_in(macro.body)
    if unknown:
        # A macro sends without review, so every placeholder in it must be one we can fill.
        raise Invalid.field("body", f"Unknown placeholder {unknown[0]}; a macro can only use known ones.")


def create_macro(
    session: Session,
    actor: Actor,
    *,
    title: str,
    body: str = "",
    internal: bool = False,
    actions: dict[str, Any] | None = None,
    team_id: int | None = None,
) -> Macro:
    _require_admin(actor)
    _check_team(session, team_id)
    now = utcnow()
    macro = Macro(
        title=_title(title),
        body=_body(body, required=False),
        internal=internal,
        actions=normalize_actions(session, actions or {}),
        team_id=team_id,
        created_at=now,
        updated_at=now,
    )
    _check_macro(macro)
    session.add(macro)
    session.flush()
    record(session, actor, "macro.create", "macro", macro.id, None, _macro_dict(macro))
    return macro


def update_macro(
    session: Session,
    actor: Actor,
    macro_id: int,
    *,
    title: str = UNSET,
    body: str = UNSET,
    internal: bool = UNSET,
    actions: dict[str, Any] = UNSET,
    team_id: int | None = UNSET,
) -> Macro:
    _require_admin(actor)
    macro = get_macro(session, actor, macro_id)
    before = _macro_dict(macro)
    if title is not UNSET:
        macro.title = _title(title)
    if body is not UNSET:
        macro.body = _body(body, required=False)
    if internal is not UNSET:
        macro.internal = internal
    if actions is not UNSET:
        macro.actions = normalize_actions(session, actions)
    if team_id is not UNSET:
        _check_team(session, team_id)
        macro.team_id = team_id
    _check_macro(macro)
    old, new = changes(before, _macro_dict(macro))
    if new:
        macro.updated_at = utcnow()
        record(session, actor, "macro.update", "macro", macro.id, old, new)
    return macro


def delete_macro(session: Session, actor: Actor, macro_id: int) -> None:
    _require_admin(actor)
    macro = get_macro(session, actor, macro_id)
    record(session, actor, "macro.delete", "macro", macro.id, _macro_dict(macro), None)
    session.delete(macro)


@dataclass
class AppliedMacro:
    ticket: Ticket
    message: Message | None
    changed: dict[str, Any] = field(default_factory=dict)


def apply_macro(session: Session, actor: Actor, macro_id: int, ticket_id: int) -> AppliedMacro:
    """Post the macro's reply or note and make its field changes, in the caller's transaction.

    If any part is refused (a status the ticket cannot take, an assignee outside the team), the
    error propagates and the caller rolls back: nothing of the macro is kept.
    """
    if not actor.is_staff:
        raise Forbidden("macros are for agents")
    macro = get_macro(session, actor, macro_id)
    ticket = get_visible_ticket(session, actor, ticket_id, lock=True)
    if ticket.merged_into_id is not None:
        raise Conflict(f"ticket {ticket_id} was merged into ticket {ticket.merged_into_id}")
    message = None
    if macro.body.strip():
        filled = _fill_for(session, actor, ticket, macro.body)
        if filled.unknown:
            raise Invalid.field("body", f"Unknown placeholder {filled.unknown[0]} in the macro.")
        message = add_message(
            session, actor, ticket.id, NewMessage(text=filled.text, internal=macro.internal)
        )
    fields = _field_changes(session, actor, ticket, macro.actions)
    before = {"status": ticket.status, "priority": ticket.priority, "tags": sorted(ticket.tags)}
    if fields:
        update_ticket(session, actor, ticket.id, **fields)
    after = {"status": ticket.status, "priority": ticket.priority, "tags": sorted(ticket.tags)}
    _old, new = changes(before, after)
    applied = {"macro_id": macro.id, "title": macro.title, "message_id": message.id if message else None}
    record(session, actor, "macro.apply", "ticket", ticket.id, None, {**applied, "fields": sorted(fields)})
    return AppliedMacro(ticket, message, new)


def _field_changes(session: Session, actor: Actor, ticket: Ticket, actions: dict[str, Any]) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for key in ("status", "priority", "team_id"):
        if key in actions:
            fields[key] = actions[key]
    assignee = actions.get("assignee")
    if assignee == "me":
        if actor.id is None:
            raise Invalid.field("assignee", "this macro assigns to whoever applies it; apply it as an agent")
        fields["assignee_id"] = actor.id
    elif assignee == "none":
        fields["assignee_id"] = None
    elif assignee is not None:
        fields["assignee_id"] = assignee
    if actions.get("add_tags") or actions.get("remove_tags"):
        remove = set(actions.get("remove_tags") or [])
        tags = [t for t in ticket.tags if t not in remove]
        tags += [t for t in actions.get("add_tags") or [] if t not in tags]
        if sorted(tags) != sorted(ticket.tags):
            fields["tags"] = tags
    return fields
