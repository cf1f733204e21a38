"""Collision detection: who else has a ticket open or is typing on it, and replies that overtook you.

Presence is kept in the web process (a heartbeat every few seconds from each open ticket page); with
several web processes each one sees the agents connected to it, until presence moves to Redis pub/sub
with the rest of the realtime fan-out. The "someone replied meanwhile" check is a database query and
holds across processes.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from helpline.accounts.models import User
from helpline.customers.models import Customer
from helpline.tickets.conversation import conversation_ids
from helpline.tickets.models import Message

PRESENCE_SECONDS = 25.0


@dataclass
class Viewer:
    user_id: int
    name: str
    seen_at: float
    typing: bool


class Presence:
    def __init__(self, ttl: float = PRESENCE_SECONDS) -> None:
        self.ttl = ttl
        self._tickets: dict[int, dict[int, Viewer]] = {}
        self._lock = threading.Lock()

    def beat(self, ticket_id: int, user_id: int, name: str, typing: bool) -> list[Viewer]:
        """Record this agent on the ticket; answer the *other* agents there now."""
        now = time.monotonic()
        with self._lock:
            viewers = self._tickets.setdefault(ticket_id, {})
            viewers[user_id] = Viewer(user_id, name, now, typing)
            for key in [k for k, v in viewers.items() if now - v.seen_at > self.ttl]:
                del viewers[key]
            return sorted((v for v in viewers.values() if v.user_id != user_id), key=lambda v: v.name)

    def leave(self, ticket_id: int, user_id: int) -> None:
        with self._lock:
            self._tickets.get(ticket_id, {}).pop(user_id, None)


def last_message_id(session: Session, ticket_id: int) -> int:
    found = session.scalar(
        select(func.max(Message.id)).where(Message.ticket_id.in_(conversation_ids(ticket_id)))
    )
    return int(found or 0)


def written_since(session: Session, ticket_id: int, seen: int, user_id: int) -> list[str]:
    """Names of whoever else wrote on the ticket after message ``seen`` (oldest first, no repeats)."""
    rows = session.execute(
        select(Message.id, User.name, Customer.name)
        .outerjoin(User, User.id == Message.author_user_id)
        .outerjoin(Customer, Customer.id == Message.author_customer_id)
        .where(
            Message.ticket_id.in_(conversation_ids(ticket_id)),
            Message.id > seen,
            or_(Message.author_user_id.is_(None), Message.author_user_id != user_id),
        )
        .order_by(Message.id)
    ).all()
    names: list[str] = []
    for _id, agent, customer in rows:
        name = agent or customer or "Helpline"
        if name not in names:
            names.append(name)
    return names
