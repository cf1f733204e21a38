"""Live chat benchmark: N concurrent visitor sockets with agents answering, on one server process and
on two processes sharing Redis.

Each scenario starts real ``uvicorn`` server processes on the real app (``create_app`` plus the chat
and the real-time broker), opens N visitor WebSockets (``websockets`` client, one asyncio process),
has every visitor send one message (N chat tickets), then agents answer every chat through the REST
API (``POST /api/v1/tickets/{id}/messages``) with a fixed number of agents replying at once. Measured:

  * baseline: a ``ping`` frame's round trip through the server with all N sockets open;
  * visitor send → ``ack`` (the message is committed as a ticket or a ticket message);
  * **delivery** (the issue's figure): from the moment the reply is stored (its ``created_at``, in the
    transaction) to the moment the visitor's socket receives it: the rest of the transaction, commit,
    after-commit publish, fan-out (through Redis in the two-process scenario, where the agent's process
    is not the visitor's) and the socket's catch-up read from the database;
  * end to end: from the moment the agent's reply request is sent to the moment the visitor's
    socket receives it (adds the HTTP request and, on SQLite, waiting for the single writer);
  * HTTP 201 received → visitor socket: the socket usually wins (negative), since the commit, and so
    the publish, happens before the response is written;
  * peak RSS of each server process and of the client.

Usage: python bench/chat.py [--visitors 1000] [--agents 8] [--redis-url redis://127.0.0.1:6379/0]
       [--database-url URL] [--only single|redis] [--json]
(default: a fresh SQLite file per scenario in a temporary directory; a PostgreSQL URL must name an
empty database, used by the first scenario only unless --only is given.)
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import itertools
import json
import os
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect
from websockets.typing import Origin

from helpline.accounts.service import create_token, create_user
from helpline.chat.service import create_widget
from helpline.core.actor import SYSTEM
from helpline.core.db import Database
from helpline.core.migrate import upgrade
from helpline.tickets.models import Message

ORIGIN = "https://bench.example.com"
SERVER = """
import sys
import uvicorn
from helpline import chat, realtime
from helpline.app import create_app
from helpline.core.ratelimit import RateLimiter
from helpline.core.settings import Settings

url, data_dir, redis_url, prefix, port = sys.argv[1:6]
settings = Settings(env="test", database_url=url, data_dir=data_dir, redis_url=redis_url,
                    embedded_worker=False)
app = create_app(settings, run_worker=False)
if redis_url:
    realtime.install(app, realtime.RedisBroker(redis_url, prefix=prefix))
chat.install(app)
app.state.chat_new_visitors = RateLimiter(10**9, 60, "new chats")  # every bench visitor is 127.0.0.1
uvicorn.run(app, host="127.0.0.1", port=int(port), log_level="warning", backlog=4096)
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def rss_mb(pid: int) -> tuple[float, float]:
    """Current and peak resident memory of a process, in MB."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        fields[key] = value.strip()
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def seed(url: str) -> tuple[str, str]:
    upgrade(url)
    db = Database(url)
    with db.transaction() as s:
        agent = create_user(
            s, SYSTEM, email=f"bench.{uuid.uuid4().hex[:6]}@helpline.test", name="Bench Agent"
        )
        token = create_token(s, SYSTEM, name="bench", user_id=agent.id).secret
        key = create_widget(s, SYSTEM, name="Bench", allowed_origins=[ORIGIN], prechat="off").key
    db.dispose()
    return token, key


def start(url: str, data_dir: Path, redis_url: str, prefix: str) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    data_dir.mkdir(parents=True, exist_ok=True)
    proc = subprocess.Popen([sys.executable, "-c", SERVER, url, str(data_dir), redis_url, prefix, str(port)])
    base = f"127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://{base}/healthz", timeout=1).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("a server process did not start")


class Visitor:
    def __init__(self, conn: ClientConnection) -> None:
        self.conn = conn
        self.waiting: dict[str, asyncio.Future[float]] = {}
        self.stored_to_socket: dict[str, float] = {}  # message text -> seconds from its created_at
        self.outgoing: dict[str, str] = {}  # client_id -> frame, resent when the server says busy
        self.busy = 0
        self.reader = asyncio.create_task(self.read())

    def expect(self, key: str) -> asyncio.Future[float]:
        future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self.waiting[key] = future
        return future

    async def read(self) -> None:
        async for raw in self.conn:
            now, wall = time.perf_counter(), time.time()
            frame = json.loads(raw)
            if frame["type"] == "message":
                at = dt.datetime.fromisoformat(frame["at"]).timestamp()
                self.stored_to_socket[frame["text"]] = wall - at
            kind = frame["type"]
            if kind == "error" and frame.get("code") == "busy" and frame.get("client_id") in self.outgoing:
                self.busy += 1  # the widget sends it again after retry_after; so does the bench
                await asyncio.sleep(frame.get("retry_after", 1))
                await self.conn.send(self.outgoing[frame["client_id"]])
                continue
            key = (
                "pong"
                if kind == "pong"
                else f"ack:{frame.get('client_id')}"
                if kind in ("ack", "error")
                else f"msg:{frame['text']}"
                if kind == "message" and frame["author"] == "agent"
                else None
            )
            future = self.waiting.pop(key, None) if key else None
            if future is not None and not future.done():
                future.set_result(now)
                if kind == "error":
                    print("error frame:", frame, file=sys.stderr)


async def open_visitor(ws_base: str, key: str, gate: asyncio.Semaphore) -> Visitor:
    async with gate:
        url = f"{ws_base}/chat/ws?widget={key}"
        conn = await connect(url, origin=Origin(ORIGIN), open_timeout=60, ping_interval=None)
        await conn.send(json.dumps({"type": "hello", "token": None, "last_id": 0}))
        welcome = json.loads(await conn.recv())
        assert welcome["type"] == "welcome", welcome
    return Visitor(conn)


async def scenario(
    url: str, visitor_base: str, agent_base: str, token: str, key: str, n: int, agents: int
) -> dict[str, Any]:
    gate = asyncio.Semaphore(50)
    started = time.perf_counter()
    visitors = await asyncio.gather(*(open_visitor(f"ws://{visitor_base}", key, gate) for _ in range(n)))
    connect_s = time.perf_counter() - started

    async def ping(v: Visitor) -> float:
        future = v.expect("pong")
        t0 = time.perf_counter()
        await v.conn.send('{"type":"ping"}')
        return (await asyncio.wait_for(future, 30)) - t0

    baseline = [await ping(v) for v in visitors[:: max(1, n // 300)]]

    async def first_message(i: int, v: Visitor) -> float:
        async with send_gate:
            future = v.expect(f"ack:m{i}")
            t0 = time.perf_counter()
            v.outgoing[f"m{i}"] = json.dumps(
                {"type": "message", "text": f"Hello, visitor {i} here", "client_id": f"m{i}"}
            )
            await v.conn.send(v.outgoing[f"m{i}"])
            return (await asyncio.wait_for(future, 120)) - t0

    send_gate = asyncio.Semaphore(agents)
    acks = await asyncio.gather(*(first_message(i, v) for i, v in enumerate(visitors)))
    db = Database(url)
    with db.read_sessions() as s:
        rows = s.execute(
            Message.__table__.select()
            .with_only_columns(Message.ticket_id, Message.text)
            .where(Message.author_kind == "customer")
        ).all()
    db.dispose()
    ticket_of = {text: ticket_id for ticket_id, text in rows}
    tickets = [ticket_of[f"Hello, visitor {i} here"] for i in range(n)]

    deliveries: list[float] = []
    responses: list[float] = []
    stored: list[float] = []
    after_response: list[float] = []
    failed: list[str] = []
    jobs = iter(enumerate(visitors))
    reply_started = time.perf_counter()

    async def agent_worker(client: httpx.AsyncClient) -> None:
        for i, v in jobs:
            text = f"Reply {i}: it ships today."
            future = v.expect(f"msg:{text}")
            t0 = time.perf_counter()
            try:
                response = await client.post(f"/api/v1/tickets/{tickets[i]}/messages", json={"text": text})
            except httpx.HTTPError as error:
                response = httpx.Response(599, text=repr(error))
            answered = time.perf_counter()
            if response.status_code != 201:  # e.g. SQLite's writer lock timed out on a loaded machine
                failed.append(f"{response.status_code} {response.text[:200]}")
                v.waiting.pop(f"msg:{text}", None)
                continue
            responses.append(answered - t0)
            try:
                delivered = await asyncio.wait_for(future, 60)
            except TimeoutError:
                failed.append(f"reply {i} stored but not delivered within 60 s")
                continue
            deliveries.append(delivered - t0)
            after_response.append(delivered - answered)
            stored.append(v.stored_to_socket[text])

    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=f"http://{agent_base}", headers=headers, timeout=60) as client:
        await asyncio.gather(*(agent_worker(client) for _ in range(agents)))
    reply_s = time.perf_counter() - reply_started
    for v in visitors:
        await v.conn.close()
        v.reader.cancel()
    return {
        "visitors": n,
        "connect_s": round(connect_s, 2),
        "baseline_ms": summary(baseline),
        "ack_ms": summary(acks),
        "reply_http_ms": summary(responses),
        "delivery_ms": summary(deliveries),
        "stored_to_socket_ms": summary(stored),
        "after_response_ms": summary(after_response),
        "replies_per_s": round(n / reply_s, 1),
        "busy_resends": sum(v.busy for v in visitors),
        "failed_replies": len(failed),
    }


def summary(values: list[float]) -> dict[str, float]:
    ms = [v * 1000 for v in values]
    return {
        "n": len(ms),
        "p50": round(pct(ms, 50), 2),
        "p95": round(pct(ms, 95), 2),
        "p99": round(pct(ms, 99), 2),
        "mean": round(statistics.fmean(ms), 2) if ms else float("nan"),
    }


def run(name: str, url: str, workdir: Path, redis_url: str, n: int, agents: int) -> dict[str, Any]:
    token, key = seed(url)
    prefix = f"helpline:bench:{uuid.uuid4().hex}:"
    count = 2 if redis_url else 1
    procs = [start(url, workdir / f"{name}-{i}", redis_url, prefix) for i in range(count)]
    try:
        agent_base, visitor_base = procs[0][1], procs[-1][1]
        result = asyncio.run(scenario(url, visitor_base, agent_base, token, key, n, agents))
        result["server_rss_mb"] = [
            {"now": round(a, 1), "peak": round(b, 1)} for a, b in (rss_mb(p.pid) for p, _ in procs)
        ]
    finally:
        for proc, _ in procs:
            proc.terminate()
        for proc, _ in procs:
            proc.wait(timeout=15)
    result["scenario"] = name
    result["load_average"] = " ".join(f"{x:.1f}" for x in os.getloadavg())
    result["client_peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    return result


def print_table(results: list[dict[str, Any]]) -> None:
    for r in results:
        rss = ", ".join(f"{m['now']:.0f} MB (peak {m['peak']:.0f})" for m in r["server_rss_mb"])
        print(
            f"\n{r['scenario']}: {r['visitors']} visitor sockets (connected in {r['connect_s']} s), "
            f"{r['replies_per_s']} agent replies/s; server RSS {rss}; "
            f"client peak {r['client_peak_rss_mb']} MB; messages resent after 'busy': {r['busy_resends']}; "
            f"agent replies refused: {r['failed_replies']}; "
            f"load average {r['load_average']}"
        )
        print(f"{'measure':<42}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'p50/base':>10}")
        print("-" * 79)
        base = r["baseline_ms"]["p50"] or 1
        for label, key in (
            ("ping round trip (baseline)", "baseline_ms"),
            ("visitor message -> ack", "ack_ms"),
            ("agent reply HTTP request", "reply_http_ms"),
            ("agent reply sent -> visitor socket", "delivery_ms"),
            ("reply stored -> visitor socket", "stored_to_socket_ms"),
            ("HTTP 201 received -> socket (<0: first)", "after_response_ms"),
        ):
            s = r[key]
            print(f"{label:<42}{s['p50']:>9}{s['p95']:>9}{s['p99']:>9}{s['p50'] / base:>10.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--visitors", type=int, default=1000)
    parser.add_argument("--agents", type=int, default=8, help="agents replying at the same time")
    parser.add_argument(
        "--redis-url", default=os.environ.get("HELPLINE_REDIS_URL", "redis://127.0.0.1:6379/0")
    )
    parser.add_argument("--database-url", default="")
    parser.add_argument("--only", choices=("single", "redis"))
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        plans = [("single process", ""), ("two processes + Redis", args.redis_url)]
        if args.only:
            plans = [plans[0 if args.only == "single" else 1]]
        for counter, (name, redis_url) in zip(itertools.count(), plans, strict=False):
            url = args.database_url if args.database_url and counter == 0 else ""
            url = url or f"sqlite:///{workdir / f'chat-{counter}.db'}"
            results.append(run(name, url, workdir, redis_url, args.visitors, args.agents))
    if args.json:
        print(json.dumps(results, indent=1))
    else:
        print_table(results)


if __name__ == "__main__":
    main()
