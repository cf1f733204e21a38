"""The outbox: nothing leaves before commit, nothing is lost after it, webhooks are signed."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select, update

from helpline.core.actor import SYSTEM
from helpline.core.db import Database, utcnow
from helpline.customers.service import identify_or_create
from helpline.outbox.handlers import subscribe
from helpline.outbox.models import OutboxItem
from helpline.outbox.runner import OutboxRunner
from helpline.tickets.service import NewMessage, create_ticket
from tests.conftest import World, new_ticket


@dataclass
class Receiver:
    """A real HTTP endpoint on loopback that records what it is sent."""

    url: str
    status: list[int] = field(default_factory=lambda: [204])
    received: list[tuple[dict[str, str], bytes]] = field(default_factory=list)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    box = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            box.received.append((dict(self.headers), body))
            self.send_response(box.status[0] if len(box.status) == 1 else box.status.pop(0))
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    box.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield box
    server.shutdown()
    server.server_close()


def _runner(db: Database, **kw: int) -> OutboxRunner:
    return OutboxRunner(db, name="test-runner", **kw)


def _items(db: Database) -> list[OutboxItem]:
    with db.read_sessions() as s:
        return list(s.scalars(select(OutboxItem).order_by(OutboxItem.id)))


def test_a_rolled_back_change_sends_nothing(world: World, db: Database) -> None:
    before = len(_items(db))
    seen: list[str] = []
    unsubscribe = subscribe(lambda name, data: seen.append(name))
    try:
        with pytest.raises(RuntimeError), db.transaction() as s:
            customer = identify_or_create(s, SYSTEM, "email", "ghost@example.com")
            create_ticket(s, SYSTEM, subject="Never", requester=customer, message=NewMessage(text="x"))
            raise RuntimeError("the request failed after the change")
        assert len(_items(db)) == before
        _runner(db).drain()
        assert "ticket.created" not in seen
    finally:
        unsubscribe()


def test_a_crash_before_delivery_loses_nothing(world: World, db: Database, receiver: Receiver) -> None:
    world.admin.post("/api/v1/webhooks", json={"url": receiver.url, "events": ["ticket.created"]})
    ticket = new_ticket(world.agent)
    # A worker claims the event and dies before delivering it: its lease is left behind.
    dead = _runner(db, lease_seconds=5)
    assert {j.payload["event"] for j in dead.claim() if j.kind == "event"} == {
        "customer.created",
        "ticket.created",
        "message.created",
    }
    assert receiver.received == []
    # Another worker does not steal a live lease …
    alive = OutboxRunner(db, name="second")
    assert alive.drain() == 0
    # … but once the lease has expired, the work is delivered, the webhook included.
    with db.transaction() as s:
        s.execute(update(OutboxItem).values(locked_until=utcnow() - dt.timedelta(seconds=1)))
    alive.drain()
    assert len(receiver.received) == 1
    body = json.loads(receiver.received[0][1])
    assert body["event"] == "ticket.created" and body["data"]["ticket_id"] == ticket["id"]
    assert {i.status for i in _items(db)} == {"done"}


def test_webhooks_are_signed_and_delivered_once(world: World, db: Database, receiver: Receiver) -> None:
    created = world.admin.post("/api/v1/webhooks", json={"url": receiver.url}).json()
    tid = new_ticket(world.agent)["id"]
    world.agent.patch(f"/api/v1/tickets/{tid}", json={"priority": "urgent"})
    runner = _runner(db)
    runner.drain()
    runner.drain()
    events = [json.loads(body)["event"] for _, body in receiver.received]
    assert events.count("ticket.created") == 1 and events.count("ticket.updated") == 1
    headers, body = next((h, b) for h, b in receiver.received if json.loads(b)["event"] == "ticket.updated")
    expected = "sha256=" + hmac.new(created["secret"].encode(), body, hashlib.sha256).hexdigest()
    assert headers["X-Helpline-Signature"] == expected
    assert json.loads(body)["data"]["changes"] == {"priority": "urgent"}


def test_failed_deliveries_retry_with_backoff_then_give_up(
    world: World, db: Database, receiver: Receiver
) -> None:
    receiver.status[:] = [503]
    world.admin.post("/api/v1/webhooks", json={"url": receiver.url, "events": ["ticket.created"]})
    new_ticket(world.agent)
    runner = _runner(db, max_attempts=2)
    runner.drain()
    hook = next(i for i in _items(db) if i.kind == "webhook")
    assert hook.status == "pending" and hook.attempts == 1 and "503" in (hook.last_error or "")
    assert hook.available_at > utcnow()  # backed off, not retried in a hot loop
    with db.transaction() as s:
        s.execute(update(OutboxItem).where(OutboxItem.id == hook.id).values(available_at=utcnow()))
    runner.drain()
    hook = next(i for i in _items(db) if i.kind == "webhook")
    assert hook.status == "failed" and hook.last_error.startswith("gave up")
    assert len(receiver.received) == 2


def test_a_4xx_answer_is_a_permanent_failure(world: World, db: Database, receiver: Receiver) -> None:
    receiver.status[:] = [410]
    world.admin.post("/api/v1/webhooks", json={"url": receiver.url, "events": ["ticket.created"]})
    new_ticket(world.agent)
    _runner(db).drain()
    hook = next(i for i in _items(db) if i.kind == "webhook")
    assert hook.status == "failed" and hook.attempts == 1 and "410" in (hook.last_error or "")


def test_the_embedded_worker_delivers_after_commit(world: World, db: Database) -> None:
    seen = threading.Event()
    unsubscribe = subscribe(lambda name, data: seen.set() if name == "ticket.created" else None)
    runner = OutboxRunner(db, name="embedded")
    runner.start_thread()
    try:
        new_ticket(world.agent)
        assert seen.wait(10), "the committed event was not delivered"
    finally:
        runner.stop()
        unsubscribe()


def test_webhook_input_is_validated(world: World) -> None:
    bad = world.admin.post("/api/v1/webhooks", json={"url": "ftp://example.com/x"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "url"
    unknown = world.admin.post(
        "/api/v1/webhooks", json={"url": "https://example.com/x", "events": ["ticket.eaten"]}
    )
    assert unknown.status_code == 422 and "ticket.eaten" in unknown.json()["detail"]
    assert world.agent.post("/api/v1/webhooks", json={"url": "https://example.com/x"}).status_code == 403


def test_background_jobs_wait_for_a_quiet_moment_but_not_for_ever(db: Database) -> None:
    from helpline.outbox import runner as runner_module
    from helpline.outbox.service import enqueue

    runner_module.handler("test.background", background=True)(lambda _db, _job: None)
    runner_module.handler("test.ordinary")(lambda _db, _job: None)
    try:
        with db.transaction() as s:
            enqueue(s, "test.background", {"name": "enrich"})
            enqueue(s, "test.ordinary", {"name": "intake 1"})
            enqueue(s, "test.ordinary", {"name": "intake 2"})
        runner = _runner(db)
        # the older background job goes after the ordinary ones while they keep the runner busy
        assert [j.payload["name"] for j in runner.claim(limit=2)] == ["intake 1", "intake 2"]
        assert [j.payload["name"] for j in runner.claim(limit=2)] == ["enrich"]

        with db.transaction() as s:
            waited = enqueue(s, "test.background", {"name": "enrich, waited"})
            enqueue(s, "test.ordinary", {"name": "intake 3"})
            s.flush()
            waited.available_at = utcnow() - runner_module.BACKGROUND_GRACE - dt.timedelta(seconds=1)
        # once it has waited long enough it takes its turn by age
        assert [j.payload["name"] for j in runner.claim(limit=1)] == ["enrich, waited"]
    finally:
        for kind in ("test.background", "test.ordinary"):
            runner_module.HANDLERS.pop(kind, None)
            runner_module.BACKGROUND.discard(kind)
