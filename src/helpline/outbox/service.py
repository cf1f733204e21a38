"""Record side effects in the caller's transaction; the runner delivers them after commit."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from helpline.core.db import utcnow
from helpline.outbox.models import OutboxItem

EVENT = "event"


def enqueue(
    session: Session,
    kind: str,
    payload: dict[str, Any],
    *,
    delay: dt.timedelta | None = None,
    dedupe_key: str | None = None,
) -> OutboxItem:
    item = OutboxItem(
        kind=kind,
        payload=payload,
        available_at=utcnow() + (delay or dt.timedelta()),
        dedupe_key=dedupe_key,
    )
    session.add(item)
    session.info["outbox_dirty"] = True
    return item


def emit(session: Session, name: str, data: dict[str, Any]) -> OutboxItem:
    """Publish a domain event (``ticket.created`` …) once the transaction commits."""
    return enqueue(session, EVENT, {"event": name, "data": data, "at": utcnow().isoformat()})


def extend_lease(session: Session, item_id: int, lease: dt.timedelta) -> None:
    """A long job (a model training) keeps its claim for ``lease`` from now, so no other runner
    takes it over while it is still working."""
    session.execute(
        update(OutboxItem)
        .where(OutboxItem.id == item_id, OutboxItem.status == "processing")
        .values(locked_until=utcnow() + lease)
        .execution_options(synchronize_session=False)
    )
