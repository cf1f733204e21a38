"""The real-time layer: in-process and Redis fan-out, publishing only after commit, and two real
server processes sharing one Redis (an event committed on process A reaches clients on process B)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Coroutine, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from helpline.core.db import Database
from helpline.realtime import INBOX, Event, LocalBroker, RedisBroker, attach, queue_event
from helpline.realtime.broker import RESYNC
from tests.conftest import World
from tests.test_chat import Visitor, chat_ticket, free_port, messages, web_sign_in
from tests.test_web_support import make_ticket, setup_web

REDIS_URL = os.environ.get("HELPLINE_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def redis_reachable() -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except Exception:
        return False


def run(scenario: Callable[[], Coroutine[Any, Any, None]]) -> None:
    """Run an async scenario on its own loop in its own thread (Playwright may own this thread's)."""
    failure: list[BaseException] = []

    def target() -> None:
        try:
            asyncio.run(scenario())
        except BaseException as error:
            failure.append(error)

    thread = threading.Thread(target=target)
    thread.start()
    thread.join(60)
    assert not thread.is_alive(), "the scenario did not finish"
    if failure:
        raise failure[0]


needs_redis = pytest.mark.skipif(not redis_reachable(), reason=f"Redis is not reachable at {REDIS_URL}")


def test_local_broker_fans_out_from_any_thread() -> None:
    async def scenario() -> None:
        broker = LocalBroker(queue_size=4)
        async with await broker.subscribe("a") as one, await broker.subscribe("a", "b") as two:
            other = await broker.subscribe("c")
            threading.Thread(target=broker.publish, args=("a", "hello", {"n": 1})).start()
            assert await one.get(2) == Event("a", "hello", {"n": 1})
            assert await two.get(2) == Event("a", "hello", {"n": 1})
            assert await other.get(0.05) is None
            broker.publish("b", "only-two")
            assert (await two.get(1) or Event("", "")).kind == "only-two"
            for n in range(10):  # a slow subscriber is told to catch up instead of growing forever
                broker.publish("c", "burst", {"n": n})
            assert (await other.get(1) or Event("", "")).kind == RESYNC
            other.close()
            assert broker.subscribers == 2
        assert broker.subscribers == 0

    run(scenario)


def test_events_are_published_only_after_commit(db: Database, world: World) -> None:
    async def scenario() -> None:
        broker = LocalBroker()
        detach = attach(db, broker)
        try:
            async with await broker.subscribe("x", INBOX) as sub:
                with pytest.raises(RuntimeError), db.transaction() as session:
                    queue_event(session, "x", "never")
                    raise RuntimeError("rolled back")
                assert await sub.get(0.1) is None
                with db.transaction() as session:
                    queue_event(session, "x", "done", {"id": 7})
                    assert await sub.get(0.05) is None  # not before the commit
                assert await sub.get(1) == Event("x", "done", {"id": 7})
                await asyncio.to_thread(make_ticket, db, "A new ticket")
                assert await sub.get(1) == Event(INBOX, "changed", {})
        finally:
            detach()

    run(scenario)


@needs_redis
def test_redis_broker_delivers_across_brokers() -> None:
    prefix = f"helpline:test:{uuid.uuid4().hex}:"

    async def scenario() -> None:
        a, b = RedisBroker(REDIS_URL, prefix=prefix), RedisBroker(REDIS_URL, prefix=prefix)
        try:
            async with await b.subscribe("chat:v1") as sub:
                await asyncio.to_thread(a.publish, "chat:v1", "message", {"id": 3})
                assert await sub.get(3) == Event("chat:v1", "message", {"id": 3})
                await a.apublish("chat:v2", "message", {"id": 4})  # nobody listens there
                await b.apublish("chat:v1", "typing", {"on": True})
                assert await sub.get(3) == Event("chat:v1", "typing", {"on": True})
        finally:
            await a.stop()
            await b.stop()

    run(scenario)


SERVER = """
import sys
import uvicorn
from helpline import chat, realtime
from helpline.app import create_app
from helpline.core.settings import Settings
from helpline.realtime import RedisBroker
from helpline.web.live import StreamTiming

url, data_dir, redis_url, prefix, port = sys.argv[1:6]
settings = Settings(env="test", database_url=url, data_dir=data_dir, redis_url=redis_url,
                    embedded_worker=False)
app = create_app(settings, run_worker=False)
realtime.install(app, RedisBroker(redis_url, prefix=prefix))
chat.install(app)
app.state.web_stream_timing = StreamTiming(interval=0.1, lifetime=30, heartbeat=30)
uvicorn.run(app, host="127.0.0.1", port=int(port), log_level="warning")
"""


def start_server(database_url: str, data_dir: Path, prefix: str) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    cmd = [sys.executable, "-c", SERVER, database_url, str(data_dir), REDIS_URL, prefix, str(port)]
    proc = subprocess.Popen(cmd, cwd=Path(__file__).parent.parent)
    base = f"127.0.0.1:{port}"
    deadline = time.monotonic() + 90  # importing the whole app is slow on a busy 2-core machine
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://{base}/healthz", timeout=1).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("the server process did not start")


@pytest.fixture
def two_servers(database_url: str, tmp_path: Path, world: World) -> Iterator[tuple[str, str]]:
    prefix = f"helpline:test:{uuid.uuid4().hex}:"
    procs = [start_server(database_url, tmp_path / name, prefix) for name in ("a", "b")]
    try:
        yield procs[0][1], procs[1][1]
    finally:
        for proc, _ in procs:
            proc.terminate()
        for proc, _ in procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()


@needs_redis
def test_two_server_processes_share_events_through_redis(
    two_servers: tuple[str, str], world: World, db: Database, app: FastAPI
) -> None:
    a, b = two_servers
    auth = {"Authorization": f"Bearer {world.admin.token}"}
    widget = httpx.post(
        f"http://{a}/api/v1/chat/widgets",
        json={"name": "Shop", "allowed_origins": ["https://shop.example.com"]},
        headers=auth,
    )
    assert widget.status_code == 201, widget.text
    # A visitor on process B; the agent answers through process A.
    visitor = Visitor(f"ws://{b}", widget.json()["key"], origin="https://shop.example.com")
    visitor.say("Hello from B", "b1")
    ticket_id = chat_ticket(db)
    started = time.monotonic()
    reply = httpx.post(
        f"http://{a}/api/v1/tickets/{ticket_id}/messages", json={"text": "Hi from A"}, headers=auth
    )
    assert reply.status_code == 201, reply.text
    visitor.until(lambda f: f["type"] == "message" and f["text"] == "Hi from A")
    assert time.monotonic() - started < 3
    visitor.drain()
    assert [m["text"] for m in messages(visitor.log)] == ["Hello from B", "Hi from A"]
    visitor.close()

    # An agent's live inbox on process B hears about a ticket created through process A.
    setup_web(app, db, world)  # sets the agents' passwords in the shared database
    with httpx.Client(base_url=f"http://{b}") as browser:
        web_sign_in(browser)
        with browser.stream("GET", "/agent/events", timeout=10) as stream:
            lines = stream.iter_lines()
            assert next(line for line in lines if line.startswith("event:")) == "event: ready"
            created = httpx.post(
                f"http://{a}/api/v1/tickets",
                json={"subject": "From A", "customer": {"email": "x@example.com"}, "message": {"text": "hi"}},
                headers=auth,
            )
            assert created.status_code == 201
            started = time.monotonic()
            assert next(line for line in lines if line.startswith("event:")) == "event: inbox"
            assert time.monotonic() - started < 3
