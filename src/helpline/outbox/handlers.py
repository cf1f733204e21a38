"""Delivery of domain events: in-process subscribers, then one webhook delivery per subscriber."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from helpline.core.db import Database
from helpline.outbox.runner import Job, handler
from helpline.outbox.service import EVENT

log = logging.getLogger(__name__)

Listener = Callable[[str, dict[str, Any]], None]
LISTENERS: list[Listener] = []


def subscribe(listener: Listener) -> Callable[[], None]:
    """Listen to committed domain events in this process; returns an unsubscribe function."""
    LISTENERS.append(listener)
    return lambda: LISTENERS.remove(listener)


@handler(EVENT)
def publish_event(db: Database, job: Job) -> None:
    from helpline.webhooks.service import fan_out

    name, data = job.payload["event"], job.payload["data"]
    for listener in LISTENERS:
        try:
            listener(name, data)
        except Exception:
            log.exception("event listener failed for %s", name)
    fan_out(db, job.id, name, job.payload)
