"""Delivery of domain events: in-process subscribers, then one webhook delivery per subscriber."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

from helpline.core.db import Database
from helpline.outbox.runner import Job, batch_handler, handler
from helpline.outbox.service import EVENT

log = logging.getLogger(__name__)

Listener = Callable[[str, dict[str, Any]], None]
LISTENERS: list[Listener] = []


def subscribe(listener: Listener) -> Callable[[], None]:
    """Listen to committed domain events in this process; returns an unsubscribe function."""
    LISTENERS.append(listener)
    return lambda: LISTENERS.remove(listener)


def _tell_listeners(name: str, data: dict[str, Any]) -> None:
    for listener in LISTENERS:
        try:
            listener(name, data)
        except Exception:
            log.exception("event listener failed for %s", name)


@handler(EVENT)
def publish_event(db: Database, job: Job) -> None:
    from helpline.webhooks.service import fan_out

    name, data = job.payload["event"], job.payload["data"]
    _tell_listeners(name, data)
    fan_out(db, job.id, name, job.payload)


@batch_handler(EVENT)
def publish_events(db: Database, jobs: Sequence[Job]) -> list[BaseException | None]:
    """Many events: listeners for each in order, then one transaction queues their webhooks."""
    from helpline.webhooks.service import fan_out_many

    for job in jobs:
        _tell_listeners(job.payload["event"], job.payload["data"])
    fan_out_many(db, [(job.id, job.payload["event"], job.payload) for job in jobs])
    return [None] * len(jobs)
