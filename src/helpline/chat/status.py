"""What the widget tells a visitor before they write: is anyone there, and how long replies take.

Honest by construction: the number of agents online comes from presence, the typical wait is the
median time to the first agent reply over the widget's recent chats (none are made up when there is
no history), and when nobody is online or the team is closed the widget says the answer comes by
email.
"""

from __future__ import annotations

import datetime as dt
import statistics
import threading
import time
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from helpline.accounts.models import TeamMember, User
from helpline.chat.models import ChatConversation, ChatVisitor, ChatWidget
from helpline.core.db import utcnow
from helpline.routing.models import AgentRouting
from helpline.sla.calendars import load_calendar, team_hours_id
from helpline.tickets.models import Message

RECENT_CHATS = 50  # the typical wait is the median over this many latest answered chats…
RECENT_DAYS = 30  # …started within this many days


def is_open(session: Session, team_id: int | None, now: dt.datetime | None = None) -> bool:
    now = now or utcnow()
    calendar = load_calendar(session, team_hours_id(session, team_id))
    if calendar.always_open:
        return True
    local = now.astimezone(calendar.tz).date()
    return any(a <= now < b for a, b in calendar.intervals_on(local))


def agents_online(session: Session, team_id: int | None) -> int:
    stmt = (
        select(func.count())
        .select_from(AgentRouting)
        .join(User, User.id == AgentRouting.user_id)
        .where(AgentRouting.presence == "online", User.is_active.is_(True))
    )
    if team_id is not None:
        stmt = stmt.join(TeamMember, TeamMember.user_id == User.id).where(TeamMember.team_id == team_id)
    return int(session.scalar(stmt) or 0)


def typical_wait(session: Session, widget_id: int, now: dt.datetime | None = None) -> float | None:
    """Median seconds from a chat's start to the first public agent reply, over the widget's recent
    answered chats; ``None`` without any."""
    since = (now or utcnow()) - dt.timedelta(days=RECENT_DAYS)
    first_reply = (
        select(Message.ticket_id, func.min(Message.created_at).label("replied_at"))
        .where(Message.author_kind == "agent", Message.internal.is_(False))
        .group_by(Message.ticket_id)
        .subquery()
    )
    rows = session.execute(
        select(ChatConversation.created_at, first_reply.c.replied_at)
        .join(ChatVisitor, ChatVisitor.id == ChatConversation.visitor_id)
        .join(first_reply, first_reply.c.ticket_id == ChatConversation.ticket_id)
        .where(ChatVisitor.widget_id == widget_id, ChatConversation.created_at >= since)
        .order_by(ChatConversation.id.desc())
        .limit(RECENT_CHATS)
    ).all()
    waits = []
    for started, replied in rows:
        if started.tzinfo is None:
            started = started.replace(tzinfo=dt.UTC)
        if replied.tzinfo is None:
            replied = replied.replace(tzinfo=dt.UTC)
        waits.append(max((replied - started).total_seconds(), 0.0))
    return statistics.median(waits) if waits else None


def describe_wait(seconds: float) -> str:
    minutes = seconds / 60
    if minutes < 1.5:
        return "about a minute"
    if minutes < 90:
        return f"about {round(minutes)} minutes"
    hours = minutes / 60
    return f"about {round(hours)} hour{'s' if round(hours) != 1 else ''}"


def status(session: Session, widget: ChatWidget) -> dict[str, Any]:
    """Honest status for the widget: who is there and how long it takes, or that email takes over."""
    online = agents_online(session, widget.team_id)
    open_now = is_open(session, widget.team_id)
    wait = typical_wait(session, widget.id) if open_now and online else None
    if not open_now:
        text = "We're closed right now. Leave a message and your email, and we'll reply by email."
    elif not online:
        text = "No agent is online right now. Leave a message and your email, and we'll reply by email."
    else:
        text = f"{online} agent{'s' if online != 1 else ''} online."
        if wait is not None:
            text += f" Typical wait: {describe_wait(wait)}."
    return {
        "agents_online": online,
        "open": open_now,
        "by_email": not (open_now and online),
        "typical_wait_seconds": round(wait) if wait is not None else None,
        "text": text,
    }


class StatusCache:
    """Each widget's status for a few seconds, so a thousand sockets do not ask the database each."""

    def __init__(self, ttl: float = 15.0) -> None:
        self.ttl = ttl
        self._items: dict[int, tuple[float, dict[str, Any]]] = {}
        self._lock = threading.Lock()

    def get(self, session: Session, widget: ChatWidget) -> dict[str, Any]:
        now = time.monotonic()
        with self._lock:
            hit = self._items.get(widget.id)
        if hit is not None and now - hit[0] < self.ttl:
            return hit[1]
        value = status(session, widget)
        with self._lock:
            self._items[widget.id] = (now, value)
        return value
