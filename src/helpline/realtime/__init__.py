"""The real-time layer: live events for chat, the inbox, ticket views and dashboards.

``install(app)`` gives the app a broker (``app.state.broker``: Redis pub/sub when
``HELPLINE_REDIS_URL`` is set, else in-process) and publishes the committed events of the app's
database through it. Start and stop it in the app's lifespan (``await broker.start()`` /
``await broker.stop()``); a subscription also starts it on first use.
"""

from __future__ import annotations

from fastapi import FastAPI

from helpline.core.db import Database
from helpline.core.settings import Settings
from helpline.realtime.broker import RESYNC, Event, LocalBroker, RedisBroker, Subscription, make_broker
from helpline.realtime.publish import INBOX, attach, queue_event

__all__ = [
    "INBOX",
    "RESYNC",
    "Event",
    "LocalBroker",
    "RedisBroker",
    "Subscription",
    "attach",
    "broker_of",
    "install",
    "make_broker",
    "queue_event",
]


def install(app: FastAPI, broker: LocalBroker | None = None) -> LocalBroker:
    """Give the app its broker and publish its database's committed events (idempotent)."""
    existing: LocalBroker | None = getattr(app.state, "broker", None)
    if existing is not None:
        return existing
    settings: Settings = app.state.settings
    db: Database = app.state.db
    broker = broker or make_broker(settings.redis_url)
    app.state.broker = broker
    app.state.broker_detach = attach(db, broker)
    return broker


def broker_of(app: FastAPI) -> LocalBroker:
    found: LocalBroker | None = getattr(app.state, "broker", None)
    return found if found is not None else install(app)
