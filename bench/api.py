"""REST API benchmark: the hot read and write paths of the agent workspace on a large workspace.

Seeds N tickets (with customers, messages, tags, events and the full-text index) straight into the
real tables with bulk inserts, serves the real ASGI app with uvicorn on a local port, and measures
with one keep-alive HTTP client, in the same run:

  * GET /healthz (the baseline: the HTTP stack and one trivial query);
  * the first page of the ticket list (50), a filtered list (status=open, one team), the fifth page
    through the cursor, full-text search for a common and a rare word;
  * one ticket, its conversation, and posting a reply.

Every request is made as an agent of one team (ticket_access "teams"), so the visibility rule is in
every query. Figures: throughput, p50/p95/p99 latency, p50 against the baseline, peak RSS.

Usage: python bench/api.py [--tickets 10000] [--requests 200] [--database-url URL] [--reuse] [--json]
(default: a fresh SQLite file in a temporary directory; a PostgreSQL URL must name an empty database.)
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import multiprocessing
import random
import resource
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from sqlalchemy import func, insert, select, text

from helpline.accounts.models import Team, User
from helpline.accounts.service import actor_for_user, add_team_member, create_team, create_token, create_user
from helpline.app import create_app
from helpline.core.actor import SYSTEM
from helpline.core.db import Database
from helpline.core.migrate import upgrade
from helpline.core.settings import Settings
from helpline.customers.models import Customer, CustomerIdentity, Organization
from helpline.demo import FIRST_REPLY, FOLLOW_UP, NOTES, PRODUCTS, SCENARIOS, SOLVE
from helpline.tickets.models import Message, Ticket, TicketEvent, TicketTag

CHUNK = 2000
AGENT_EMAIL = "bench.agent@helpline.test"
COMMON_WORD, RARE_WORD = "refund", "gdpr"


def progress(done: int, total: int, label: str) -> None:
    width = 30
    filled = int(width * done / max(total, 1))
    sys.stderr.write(f"\r{label:<12} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
    if done >= total:
        sys.stderr.write("\n")
    sys.stderr.flush()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


# -- seeding ---------------------------------------------------------------------------------------
def _fill(template: str, rng: random.Random) -> str:
    return template.format(
        order=f"NW-{rng.randint(10000, 99999)}",
        invoice=f"INV-{rng.randint(1000, 9999)}",
        product=rng.choice(PRODUCTS),
        product2=rng.choice(PRODUCTS),
        amount=f"€{rng.randint(10, 500)}",
        card=rng.randint(1000, 9999),
        when="last week",
        city="Leeds",
        seats=10,
        version="4.2.1",
        device="Pixel 8",
        browser="Firefox",
        ref=f"R{rng.randint(100000, 999999)}",
        tier="standard",
        who="the carrier",
        first="Sam",
        name="Sam",
    )


def seed(url: str, n: int) -> None:
    """Write the workspace: accounts through the services, the bulk of it with core inserts."""
    rng = random.Random(42)
    db = Database(url)
    with db.transaction() as s:
        teams = [create_team(s, SYSTEM, name=name).id for name in ("Support", "Billing", "Technical")]
        create_user(s, SYSTEM, email="bench.admin@helpline.test", name="Admin", role="admin")
        agents: dict[int, list[int]] = {t: [] for t in teams}
        for i in range(6):
            email = AGENT_EMAIL if i == 0 else f"agent{i}@helpline.test"
            user = create_user(s, SYSTEM, email=email, name=f"Agent {i}")
            add_team_member(s, SYSTEM, teams[i % 3], user.id)
            agents[teams[i % 3]].append(user.id)
    n_customers = max(100, n // 10)
    with db.engine.begin() as conn:
        conn.execute(
            insert(Organization),
            [{"id": i, "name": f"Organization {i}", "domain": f"org{i}.example"} for i in range(1, 51)],
        )
        for lo in range(0, n_customers, CHUNK):
            ids = range(lo + 1, min(n_customers, lo + CHUNK) + 1)
            conn.execute(
                insert(Customer),
                [
                    {
                        "id": i,
                        "name": f"Customer {i}",
                        "organization_id": rng.choice([None, rng.randint(1, 50)]),
                    }
                    for i in ids
                ],
            )
            conn.execute(
                insert(CustomerIdentity),
                [
                    {
                        "id": i,
                        "customer_id": i,
                        "kind": "email",
                        "value": f"c{i}@mail.example",
                        "is_primary": True,
                    }
                    for i in ids
                ],
            )
    start = dt.datetime.now(dt.UTC) - dt.timedelta(days=365)
    step = dt.timedelta(days=365) / n
    message_id = event_id = 0
    sqlite = db.dialect == "sqlite"
    for lo in range(0, n, CHUNK):
        tickets: list[dict[str, Any]] = []
        tags: list[dict[str, Any]] = []
        messages: list[dict[str, Any]] = []
        events: list[dict[str, Any]] = []
        search: list[dict[str, Any]] = []
        for tid in range(lo + 1, min(n, lo + CHUNK) + 1):
            team, tag_list, _prio, subject, body = rng.choice(SCENARIOS)
            team_id = None if rng.random() < 0.05 else teams[("Support", "Billing", "Technical").index(team)]
            recent = tid > n * 0.95
            status = rng.choices(
                ["new", "open", "pending", "on-hold", "solved", "closed"],
                [15, 35, 20, 10, 20, 0] if recent else [0, 2, 1, 1, 16, 80],
            )[0]
            assignee = rng.choice(agents[team_id]) if team_id and status != "new" else None
            created = start + step * tid
            updated = created + dt.timedelta(minutes=rng.randint(5, 5000))
            tickets.append(
                {
                    "id": tid,
                    "subject": _fill(subject, rng),
                    "channel": rng.choice(["email", "email", "chat", "web", "api", "phone"]),
                    "status": status,
                    "priority": rng.choices(["low", "normal", "high", "urgent"], [2, 5, 2, 1])[0],
                    "requester_id": rng.randint(1, n_customers),
                    "assignee_id": assignee,
                    "team_id": team_id,
                    "created_at": created,
                    "updated_at": updated,
                    "solved_at": updated if status in ("solved", "closed") else None,
                }
            )
            tags += [{"ticket_id": tid, "tag": t} for t in tag_list]
            events.append({"id": event_id + 1, "ticket_id": tid, "kind": "created", "actor_kind": "system"})
            event_id += 1
            subject_text = str(tickets[-1]["subject"])
            public: list[str] = [subject_text]
            internal: list[str] = []
            for k in range(1 if status == "new" else rng.choice([1, 2, 2, 3, 3, 4, 5])):
                note = k > 0 and rng.random() < 0.05
                if k == 0:
                    body_text, kind = _fill(body, rng), "customer"
                elif note:
                    body_text, kind = _fill(rng.choice(NOTES), rng), "agent"
                elif k % 2:
                    body_text, kind = _fill(rng.choice(FIRST_REPLY[team] + SOLVE), rng), "agent"
                else:
                    body_text, kind = _fill(rng.choice(FOLLOW_UP), rng), "customer"
                message_id += 1
                messages.append(
                    {
                        "id": message_id,
                        "ticket_id": tid,
                        "author_kind": kind,
                        "author_user_id": assignee if kind == "agent" else None,
                        "author_customer_id": tickets[-1]["requester_id"] if kind == "customer" else None,
                        "internal": note,
                        "channel": tickets[-1]["channel"],
                        "text": body_text,
                        "full_text": body_text,
                        "meta": {},
                        "created_at": created + dt.timedelta(minutes=30 * k),
                    }
                )
                (internal if note else public).append(body_text)
            search.append({"id": tid, "public": "\n".join(public), "internal": "\n".join(internal)})
        with db.engine.begin() as conn:
            conn.execute(insert(Ticket), tickets)
            conn.execute(insert(TicketTag), tags)
            conn.execute(insert(Message), messages)
            conn.execute(insert(TicketEvent), events)
            column = "rowid" if sqlite else "ticket_id"
            conn.execute(
                text(
                    f"INSERT INTO ticket_search ({column}, public, internal) VALUES (:id, :public, :internal)"
                ),
                search,
            )
        progress(min(n, lo + CHUNK), n, "seeding")
    with db.engine.begin() as conn:
        if sqlite:
            conn.exec_driver_sql("ANALYZE")
        else:
            for table in (
                "organizations",
                "customers",
                "customer_identities",
                "tickets",
                "messages",
                "ticket_events",
            ):
                conn.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
                )
            conn.exec_driver_sql("ANALYZE")
    db.dispose()


# -- measuring -------------------------------------------------------------------------------------
def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def measure(client: httpx.Client, name: str, make: Any, requests: int) -> dict[str, Any]:
    for _ in range(min(10, requests)):  # warm up caches and connections
        make(client)
    times = []
    began = time.perf_counter()
    for _ in range(requests):
        t0 = time.perf_counter()
        response = make(client)
        times.append((time.perf_counter() - t0) * 1000)
        if response.status_code >= 400:
            raise SystemExit(f"{name}: {response.status_code} {response.text[:300]}")
    elapsed = time.perf_counter() - began
    return {
        "endpoint": name,
        "requests": requests,
        "per_s": round(requests / elapsed, 1),
        "p50_ms": round(percentile(times, 0.50), 2),
        "p95_ms": round(percentile(times, 0.95), 2),
        "p99_ms": round(percentile(times, 0.99), 2),
    }


def run(url: str, n: int, requests: int, reuse: bool) -> dict[str, Any]:
    upgrade(url)
    db = Database(url)
    with db.read_sessions() as s:
        existing = s.scalar(select(func.count()).select_from(Ticket)) or 0
    seed_seconds = 0.0
    seed_rss = 0.0
    if existing and not (reuse and existing >= n):
        raise SystemExit(f"the database already holds {existing} tickets; give an empty one (or --reuse)")
    if not existing:
        db.dispose()
        began = time.perf_counter()
        child = multiprocessing.get_context("fork").Process(target=seed, args=(url, n))
        child.start()
        child.join()
        if child.exitcode:
            raise SystemExit("seeding failed")
        seed_seconds = time.perf_counter() - began
        seed_rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        db = Database(url)
    with db.transaction() as s:
        agent = s.scalar(select(User).where(User.email == AGENT_EMAIL))
        assert agent is not None
        actor = actor_for_user(s, agent)
        token = create_token(s, actor, name="bench").secret
        team_id = next(iter(actor.team_ids))
        team_name = s.scalar(select(Team.name).where(Team.id == team_id))
        visible = list(
            s.scalars(
                select(Ticket.id)
                .where(Ticket.team_id == team_id, Ticket.merged_into_id.is_(None))
                .limit(20000)
            )
        )
        tickets = s.scalar(select(func.count()).select_from(Ticket)) or 0
        messages = s.scalar(select(func.count()).select_from(Message)) or 0
    settings = Settings(
        database_url=url, data_dir=Path(tempfile.gettempdir()), embedded_worker=False, smtp_enabled=False
    )
    app = create_app(settings, db, run_worker=False)
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    rng = random.Random(1)
    results = []
    try:
        headers = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=headers, timeout=60) as client:
            cursor = None
            for _ in range(4):
                cursor = client.get("/api/v1/tickets", params={"limit": 50, "cursor": cursor}).json()[
                    "next_cursor"
                ]
            api = "/api/v1/tickets"
            cases: list[tuple[str, Any]] = [
                ("GET /healthz (baseline)", lambda c: c.get("/healthz")),
                ("list, first page of 50", lambda c: c.get(api, params={"limit": 50})),
                (
                    f"list status=open team={team_name}",
                    lambda c: c.get(api, params={"limit": 50, "status": "open", "team_id": team_id}),
                ),
                ("list, 5th page by cursor", lambda c: c.get(api, params={"limit": 50, "cursor": cursor})),
                (f"search q={COMMON_WORD}", lambda c: c.get(api, params={"limit": 50, "q": COMMON_WORD})),
                (f"search q={RARE_WORD}", lambda c: c.get(api, params={"limit": 50, "q": RARE_WORD})),
                ("GET one ticket", lambda c: c.get(f"{api}/{rng.choice(visible)}")),
                ("GET its messages", lambda c: c.get(f"{api}/{rng.choice(visible)}/messages")),
                (
                    "POST a reply",
                    lambda c: c.post(
                        f"{api}/{rng.choice(visible)}/messages", json={"text": "Thanks, on it."}
                    ),
                ),
            ]
            for i, (name, make) in enumerate(cases):
                results.append(measure(client, name, make, requests))
                progress(i + 1, len(cases), "measuring")
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        db.dispose()
    base = results[0]["p50_ms"]
    for r in results:
        r["p50_vs_baseline"] = round(r["p50_ms"] / base, 1) if base else None
    return {
        "database": db.dialect,
        "tickets": tickets,
        "messages": messages,
        "seed_seconds": round(seed_seconds, 1),
        "seed_peak_rss_mb": round(seed_rss, 1),
        "serve_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "endpoints": results,
    }


def print_table(r: dict[str, Any]) -> None:
    print(
        f"\n{r['database']}: {r['tickets']} tickets, {r['messages']} messages "
        f"(seeded in {r['seed_seconds']} s); peak RSS {r['serve_peak_rss_mb']} MB serving, "
        f"{r['seed_peak_rss_mb']} MB seeding"
    )
    head = f"{'endpoint':<34} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'p50/base':>9}"
    print(head)
    print("-" * len(head))
    for e in r["endpoints"]:
        print(
            f"{e['endpoint']:<34} {e['per_s']:>8} {e['p50_ms']:>8} {e['p95_ms']:>8} {e['p99_ms']:>8} "
            f"{e['p50_vs_baseline']:>9}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tickets", type=int, default=10000, help="tickets to seed (default 10000)")
    parser.add_argument("--requests", type=int, default=200, help="timed requests per endpoint (default 200)")
    parser.add_argument("--database-url", default="", help="default: SQLite in a temporary directory")
    parser.add_argument("--reuse", action="store_true", help="measure a database seeded by an earlier run")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        result = run(url, args.tickets, args.requests, args.reuse)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print_table(result)


if __name__ == "__main__":
    main()
