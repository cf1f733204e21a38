"""Collision detection: who else has a ticket open or is typing on it, and replies that overtook you.

Presence comes from a heartbeat every few seconds from each open ticket page. It is kept in the web
process by default; with ``HELPLINE_REDIS_URL`` set it is kept in Redis (a hash per ticket), so agents
connected to different web processes see each other. The "someone replied meanwhile" check is a
database query and holds across processes.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from helpline.accounts.models import User
from helpline.customers.models import Customer
from helpline.tickets.conversation import conversation_ids
from helpline.tickets.models import Message

PRESENCE_SECONDS = 25.0
log = logging.getLogger(__name__)


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


class SharedPresence(Presence):
    """Presence in Redis, shared by every web process; falls back to this process if Redis fails."""

    def __init__(self, url: str, ttl: float = PRESENCE_SECONDS, prefix: str = "helpline:presence") -> None:
        import redis

        super().__init__(ttl)
        self.client: Any = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self.prefix = prefix

    def beat(self, ticket_id: int, user_id: int, name: str, typing: bool) -> list[Viewer]:
        key, now = f"{self.prefix}:{ticket_id}", time.time()
        mine = json.dumps({"name": name, "seen_at": now, "typing": typing})
        try:
            pipe = self.client.pipeline()
            pipe.hset(key, str(user_id), mine)
            pipe.expire(key, int(self.ttl * 2))
            pipe.hgetall(key)
            _, _, everyone = pipe.execute()
        except Exception:
            log.warning("presence store unreachable; showing this process's viewers", exc_info=True)
            return super().beat(ticket_id, user_id, name, typing)
        others, stale = [], []
        for raw_id, raw in everyone.items():
            other, seen = int(raw_id), json.loads(raw)
            if now - float(seen["seen_at"]) > self.ttl:
                stale.append(raw_id)
            elif other != user_id:
                others.append(Viewer(other, str(seen["name"]), float(seen["seen_at"]), bool(seen["typing"])))
        if stale:
            try:
                self.client.hdel(key, *stale)
            except Exception:  # stale entries expire with the key anyway
                log.warning("presence store unreachable while tidying", exc_info=True)
        return sorted(others, key=lambda v: v.name)

    def leave(self, ticket_id: int, user_id: int) -> None:
        try:
            self.client.hdel(f"{self.prefix}:{ticket_id}", str(user_id))
        except Exception:
            super().leave(ticket_id, user_id)


def make_presence(redis_url: str = "") -> Presence:
    return SharedPresence(redis_url) if redis_url else Presence()


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
