"""Webhook subscriptions and their signed deliveries."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from helpline import __version__
from helpline.audit.service import record
from helpline.core.actor import Actor
from helpline.core.db import Database
from helpline.core.errors import Forbidden, Invalid, NotFound
from helpline.outbox.models import OutboxItem
from helpline.outbox.runner import Job, PermanentError, handler
from helpline.outbox.service import enqueue
from helpline.webhooks.models import Webhook

DELIVERY = "webhook"
KNOWN_EVENTS = (
    "ticket.created",
    "ticket.updated",
    "ticket.merged",
    "message.created",
    "customer.created",
    "customer.updated",
    "customer.merged",
)


def _require_admin(actor: Actor) -> None:
    if not actor.is_admin:
        raise Forbidden("only admins manage webhooks")


def create_webhook(
    session: Session, actor: Actor, url: str, events: list[str], description: str = ""
) -> Webhook:
    _require_admin(actor)
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise Invalid.field("url", "must be an absolute http:// or https:// URL")
    unknown = sorted(set(events) - set(KNOWN_EVENTS) - {"*"})
    if unknown:
        raise Invalid.field("events", f"unknown events {unknown}; known: {list(KNOWN_EVENTS)}")
    hook = Webhook(url=url, events=events or ["*"], description=description, secret=secrets.token_hex(32))
    session.add(hook)
    session.flush()
    record(session, actor, "webhook.create", "webhook", hook.id, None, {"url": url, "events": hook.events})
    return hook


def delete_webhook(session: Session, actor: Actor, webhook_id: int) -> None:
    _require_admin(actor)
    hook = session.get(Webhook, webhook_id)
    if hook is None:
        raise NotFound(f"webhook {webhook_id} does not exist")
    record(session, actor, "webhook.delete", "webhook", hook.id, {"url": hook.url}, None)
    session.delete(hook)


def list_webhooks(session: Session, actor: Actor) -> list[Webhook]:
    _require_admin(actor)
    return list(session.scalars(select(Webhook).order_by(Webhook.id)))


def fan_out(db: Database, event_id: int, name: str, envelope: dict[str, Any]) -> None:
    """Queue one delivery per subscribed webhook; safe to repeat (dedupe key per event+hook)."""
    fan_out_many(db, [(event_id, name, envelope)])


def fan_out_many(db: Database, events: Sequence[tuple[int, str, dict[str, Any]]]) -> None:
    """``fan_out`` for many events in one transaction (the outbox runner's batches)."""
    with db.transaction() as session:
        hooks = session.scalars(select(Webhook).where(Webhook.active.is_(True))).all()
        if not hooks:
            return
        wanted = [
            (hook, event_id, envelope)
            for event_id, name, envelope in events
            for hook in hooks
            if "*" in hook.events or name in hook.events
        ]
        keys = [f"webhook:{hook.id}:{event_id}" for hook, event_id, _ in wanted]
        queued = set(session.scalars(select(OutboxItem.dedupe_key).where(OutboxItem.dedupe_key.in_(keys))))
        for (hook, event_id, envelope), key in zip(wanted, keys, strict=True):
            if key in queued:
                continue
            enqueue(
                session,
                DELIVERY,
                {"webhook_id": hook.id, "event_id": event_id, "body": envelope},
                dedupe_key=key,
            )


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@handler(DELIVERY)
def deliver_webhook(db: Database, job: Job) -> None:
    with db.read_sessions() as session:
        hook = session.get(Webhook, job.payload["webhook_id"])
        if hook is None or not hook.active:
            return
        url, secret = hook.url, hook.secret
    body = json.dumps(job.payload["body"], separators=(",", ":"), default=str).encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": f"Helpline/{__version__}",
        "X-Helpline-Event": str(job.payload["body"].get("event", "")),
        "X-Helpline-Delivery": str(job.payload["event_id"]),
        "X-Helpline-Signature": sign(secret, body),
    }
    try:
        response = httpx.post(url, content=body, headers=headers, timeout=10.0)
    except httpx.HTTPError as error:
        raise RuntimeError(f"could not reach {url}: {error}") from error
    if response.status_code < 300:
        return
    message = f"{url} answered {response.status_code}"
    if 400 <= response.status_code < 500 and response.status_code not in (408, 429):
        raise PermanentError(message)
    raise RuntimeError(message)
