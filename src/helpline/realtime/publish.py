"""Publish live events only after the transaction that caused them commits.

Service code calls ``queue_event(session, channel, kind, data)`` inside its transaction; the events
wait in ``session.info`` and go to the broker from the session's ``after_commit`` hook, or are dropped
on rollback, so a client never hears about a change that did not happen. Any flush that touches a
ticket, a message or a ticket's tags also queues one ``inbox`` event (the live inbox refreshes).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction, UOWTransaction

from helpline.core.db import Database
from helpline.realtime.broker import LocalBroker
from helpline.tickets.models import Message, Ticket, TicketTag

log = logging.getLogger(__name__)

PENDING = "helpline_realtime_pending"
INBOX = "inbox"
_WATCHED = (Ticket, Message, TicketTag)


def queue_event(session: Session, channel: str, kind: str, data: dict[str, Any] | None = None) -> None:
    """Publish ``kind`` on ``channel`` once this session's transaction commits."""
    pending: list[tuple[str, str, dict[str, Any]]] = session.info.setdefault(PENDING, [])
    item = (channel, kind, data or {})
    if item not in pending:
        pending.append(item)


def attach(db: Database, broker: LocalBroker) -> Callable[[], None]:
    """Publish the events of ``db``'s write sessions through ``broker``; returns a detach function."""

    def after_flush(session: Session, _flush: UOWTransaction) -> None:
        touched = (*session.new, *session.dirty, *session.deleted)
        if any(isinstance(obj, _WATCHED) for obj in touched):
            queue_event(session, INBOX, "changed")

    def after_commit(session: Session) -> None:
        # Read, don't pop: several brokers may be attached to one database (an app and a test, say);
        # the list is cleared once the transaction has ended, after every broker has had it.
        for channel, kind, data in session.info.get(PENDING, ()):
            try:
                broker.publish(channel, kind, data)
            except Exception:  # the change is committed; clients catch up on their next heartbeat
                log.exception("realtime: could not publish %s on %s", kind, channel)

    def after_soft_rollback(session: Session, previous: SessionTransaction) -> None:
        if previous.parent is None:
            session.info.pop(PENDING, None)

    def after_transaction_end(session: Session, transaction: SessionTransaction) -> None:
        if transaction.parent is None:
            session.info.pop(PENDING, None)

    hooks: list[tuple[str, Any]] = [
        ("after_flush", after_flush),
        ("after_commit", after_commit),
        ("after_soft_rollback", after_soft_rollback),
        ("after_transaction_end", after_transaction_end),
    ]
    for name, fn in hooks:
        event.listen(db.sessions, name, fn)

    def detach() -> None:
        for name, fn in hooks:
            if event.contains(db.sessions, name, fn):
                event.remove(db.sessions, name, fn)

    return detach
