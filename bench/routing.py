"""Routing benchmark: N tickets arriving in bursts to a team of agents, through the real services.

A discrete-event simulation drives the real code. Simulated time decides *when* things happen;
every change goes through Helpline's service actions in real transactions on the real database,
with the SLA and routing hooks a server installs:

  * arrivals: every ``--interval`` simulated minutes a burst of ``--burst`` tickets (5 % urgent,
    20 % high, 60 % normal, 15 % low) is created by ``--threads`` threads at once with
    ``create_ticket`` into a team routed ``--mode`` (least_loaded, round_robin or skills), so each
    is assigned inside its own creation transaction when an agent is online with free capacity;
  * work: each agent works their assigned tickets one at a time, urgent first, each taking an
    exponentially distributed handle time (mean ``--handle`` minutes); finishing one solves it
    (``update_ticket``), which frees capacity, and the team's queue is then given out exactly as
    the ``routing.drain`` job does (``route_next``, one transaction per ticket).

Figures, all in the same run:

  * assignment latency (wall clock): the creation transaction of a ticket routed on arrival, and
    the routing transaction of a queued ticket given out later, p50/p99 — against the baseline of
    creating the same tickets in a ``manual`` team (no routing), measured first;
  * time to assignment (simulated minutes, p50/p99) and the share assigned on arrival;
  * load spread: tickets handled per agent (max/min) and the peak concurrent load against the
    capacity (never above it);
  * SLA compliance: the share of tickets answered (finished) within ``--sla`` simulated minutes
    of arrival, overall and for urgent tickets, from the simulated work rate.

Usage: python bench/routing.py [--tickets 10000] [--agents 50] [--burst 250] [--interval 60]
       [--handle 10] [--capacity 6] [--mode least_loaded] [--sla 60] [--threads 4]
       [--database-url URL] [--json]
(default: a fresh SQLite file in a temporary directory; a PostgreSQL URL must name an empty database.)
"""

from __future__ import annotations

import argparse
import heapq
import json
import random
import resource
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from helpline.accounts.service import actor_for_user, add_team_member, create_team, create_user
from helpline.core.actor import SYSTEM, Actor
from helpline.core.db import Database
from helpline.core.migrate import upgrade
from helpline.customers.models import Customer
from helpline.customers.service import create_customer
from helpline.escalation import hooks as _escalation_hooks  # noqa: F401  (as a server runs)
from helpline.routing import jobs as _routing_jobs  # noqa: F401  (routing hooks)
from helpline.routing.service import route_next, set_team_mode, update_agent
from helpline.routing.skills import set_skills
from helpline.sla import hooks as _sla_hooks  # noqa: F401  (SLA clocks on every ticket)
from helpline.sla.admin import create_policy
from helpline.tickets.models import Ticket
from helpline.tickets.service import NewMessage, create_ticket, update_ticket

PRIORITIES = [("urgent", 0.05), ("high", 0.20), ("normal", 0.60), ("low", 0.15)]
URGENCY = {"urgent": 0, "high": 1, "normal": 2, "low": 3}
LANGUAGES = [("en", 0.7), ("de", 0.2), ("fr", 0.1)]
TOPICS = ["billing", "shipping", "returns", "technical"]


def progress(done: int, total: int, label: str) -> None:
    width = 30
    filled = int(width * done / max(total, 1))
    sys.stderr.write(f"\r{label:<12} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
    if done >= total:
        sys.stderr.write("\n")
    sys.stderr.flush()


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def pick(rng: random.Random, weighted: list[tuple[str, float]]) -> str:
    return rng.choices([k for k, _ in weighted], [w for _, w in weighted])[0]


@dataclass
class Arrival:
    index: int
    priority: str
    tags: list[str]
    customer_id: int
    at: float  # simulated minutes


@dataclass
class Agent:
    user_id: int
    actor: Actor
    queue: list[tuple[int, float, int]] = field(default_factory=list)  # (urgency, arrived, ticket)
    busy: bool = False
    handled: int = 0
    active: int = 0
    peak: int = 0


@dataclass
class Sim:
    db: Database
    team_id: int
    rng: random.Random
    handle: float
    agents: dict[int, Agent]
    arrived: dict[int, tuple[float, str]] = field(default_factory=dict)  # ticket -> (at, priority)
    assigned_at: dict[int, float] = field(default_factory=dict)
    done_at: dict[int, float] = field(default_factory=dict)
    events: list[tuple[float, int, int, int]] = field(default_factory=list)  # (t, seq, agent, ticket)
    seq: int = 0
    create_ms: list[float] = field(default_factory=list)
    drain_ms: list[float] = field(default_factory=list)

    def give(self, ticket_id: int, user_id: int, now: float) -> None:
        agent = self.agents[user_id]
        at, priority = self.arrived[ticket_id]
        self.assigned_at[ticket_id] = now
        agent.active += 1
        agent.peak = max(agent.peak, agent.active)
        heapq.heappush(agent.queue, (URGENCY[priority], at, ticket_id))
        self.start(agent, now)

    def start(self, agent: Agent, now: float) -> None:
        if agent.busy or not agent.queue:
            return
        _, _, ticket_id = heapq.heappop(agent.queue)
        agent.busy = True
        self.seq += 1
        done = now + self.rng.expovariate(1 / self.handle)
        heapq.heappush(self.events, (done, self.seq, agent.user_id, ticket_id))

    def drain(self, now: float) -> None:
        """What the ``routing.drain`` job does, one routing transaction per ticket."""
        while True:
            t0 = time.perf_counter()
            with self.db.transaction() as s:
                ticket_id = route_next(s, self.team_id)
                routed = s.get(Ticket, ticket_id) if ticket_id is not None else None
                user_id = routed.assignee_id if routed is not None else None
            if ticket_id is None or user_id is None:
                return
            self.drain_ms.append((time.perf_counter() - t0) * 1000)
            self.give(ticket_id, user_id, now)

    def finish(self, now: float, user_id: int, ticket_id: int) -> None:
        agent = self.agents[user_id]
        with self.db.transaction() as s:
            update_ticket(s, agent.actor, ticket_id, status="solved")
        self.done_at[ticket_id] = now
        agent.busy, agent.active, agent.handled = False, agent.active - 1, agent.handled + 1
        self.start(agent, now)
        self.drain(now)


def setup(
    db: Database, args: argparse.Namespace, rng: random.Random
) -> tuple[int, int, list[Agent], list[int]]:
    with db.transaction() as s:
        team = create_team(s, SYSTEM, name="Support")
        base = create_team(s, SYSTEM, name="Baseline (manual)")
        create_policy(s, SYSTEM, name="Standard", first_response_minutes=args.sla, resolution_minutes=1440)
        agents = []
        for i in range(args.agents):
            user = create_user(s, SYSTEM, email=f"agent{i}@helpline.test", name=f"Agent {i}")
            add_team_member(s, SYSTEM, team.id, user.id)
            update_agent(s, SYSTEM, user.id, presence="online", capacity=args.capacity)
            if args.mode == "skills":
                skills = {
                    f"lang:{pick(rng, LANGUAGES)}": rng.randint(2, 5),
                    rng.choice(TOPICS): rng.randint(1, 5),
                }
                set_skills(s, SYSTEM, user.id, skills)
            agents.append(user)
        set_team_mode(s, SYSTEM, team.id, args.mode)
        customers = [
            create_customer(s, SYSTEM, name=f"Customer {i}", identities=[("email", f"c{i}@example.com")]).id
            for i in range(200)
        ]
        team_id, base_id = team.id, base.id
        actors = [Agent(u.id, actor_for_user(s, u)) for u in agents]
    return team_id, base_id, actors, customers


def create_one(db: Database, team_id: int, a: Arrival) -> tuple[int, int | None, float]:
    t0 = time.perf_counter()
    with db.transaction() as s:
        customer = s.get(Customer, a.customer_id)
        assert customer is not None
        ticket = create_ticket(
            s,
            SYSTEM,
            subject=f"Request {a.index}",
            requester=customer,
            message=NewMessage(text=f"Hello, this is request {a.index}. My order has not arrived."),
            channel="web",
            priority=a.priority,
            tags=a.tags,
            team_id=team_id,
        )
        result = ticket.id, ticket.assignee_id
    return result[0], result[1], (time.perf_counter() - t0) * 1000


def arrivals(args: argparse.Namespace, rng: random.Random, customers: list[int]) -> list[Arrival]:
    out = []
    for i in range(args.tickets):
        tags = [f"lang:{pick(rng, LANGUAGES)}", rng.choice(TOPICS)] if args.mode == "skills" else []
        out.append(
            Arrival(i, pick(rng, PRIORITIES), tags, rng.choice(customers), (i // args.burst) * args.interval)
        )
    return out


def run(url: str, args: argparse.Namespace) -> dict[str, Any]:
    upgrade(url)
    db = Database(url)
    with db.read_sessions() as s:
        if s.scalar(select(func.count()).select_from(Ticket)):
            raise SystemExit("the database already holds tickets; give an empty one")
    rng = random.Random(7)
    team_id, base_id, agents, customers = setup(db, args, rng)
    plan = arrivals(args, rng, customers)
    pool = ThreadPoolExecutor(args.threads)

    # Baseline: the same creation path into a manual team (no routing decision), same threads.
    sample = plan[: min(len(plan), args.baseline)]
    base_ms: list[float] = []
    for lo in range(0, len(sample), args.burst):
        base_ms += [
            ms for _, _, ms in pool.map(lambda a: create_one(db, base_id, a), sample[lo : lo + args.burst])
        ]
        progress(min(lo + args.burst, len(sample)), len(sample), "baseline")
    with db.transaction() as s:  # out of the way of the measured run
        for tid in s.scalars(select(Ticket.id).where(Ticket.team_id == base_id)):
            update_ticket(s, SYSTEM, tid, status="closed")

    sim = Sim(db, team_id, random.Random(11), args.handle, {a.user_id: a for a in agents})
    began = time.perf_counter()
    bursts = [plan[lo : lo + args.burst] for lo in range(0, len(plan), args.burst)]
    for n, burst in enumerate(bursts):
        now = burst[0].at
        while sim.events and sim.events[0][0] <= now:  # work done before this burst arrives
            t, _, uid, tid = heapq.heappop(sim.events)
            sim.finish(t, uid, tid)
        results = list(pool.map(lambda a: create_one(db, team_id, a), burst))
        for a, (tid, assignee, ms) in zip(burst, results, strict=True):
            sim.arrived[tid] = (a.at, a.priority)
            if assignee is not None:
                sim.create_ms.append(ms)
        for tid, assignee, _ in sorted(results):
            if assignee is not None:
                sim.give(tid, assignee, now)
        progress(n + 1, len(bursts), "bursts")
    while sim.events:  # the work left after the last burst
        t, _, uid, tid = heapq.heappop(sim.events)
        sim.finish(t, uid, tid)
    wall = time.perf_counter() - began
    pool.shutdown()

    waits = [sim.assigned_at[t] - sim.arrived[t][0] for t in sim.assigned_at]
    answer = {t: sim.done_at[t] - sim.arrived[t][0] for t in sim.done_at}
    urgent = [t for t, (_, p) in sim.arrived.items() if p == "urgent"]
    handled = [a.handled for a in agents]
    routed_on_arrival = len(sim.create_ms)
    with db.read_sessions() as s:
        unsolved = s.scalar(
            select(func.count()).where(Ticket.team_id == team_id, Ticket.status.in_(("new", "open")))
        )
    p50_base = percentile(base_ms, 0.5)

    def row(name: str, values: list[float]) -> dict[str, Any]:
        p50 = percentile(values, 0.5)
        return {
            "what": name,
            "count": len(values),
            "p50_ms": round(p50, 2),
            "p99_ms": round(percentile(values, 0.99), 2),
            "p50_vs_base": round(p50 / p50_base, 2) if p50_base else None,
        }

    return {
        "database": db.dialect,
        "tickets": args.tickets,
        "agents": args.agents,
        "mode": args.mode,
        "burst": args.burst,
        "interval_min": args.interval,
        "handle_min": args.handle,
        "capacity": args.capacity,
        "threads": args.threads,
        "wall_s": round(wall, 1),
        "latency": [
            row("create, manual team (baseline)", base_ms),
            row("create + route on arrival", sim.create_ms),
            row("route a queued ticket (drain)", sim.drain_ms),
        ],
        "assigned_on_arrival": round(routed_on_arrival / max(len(sim.arrived), 1), 3),
        "time_to_assign_min": {
            "p50": round(percentile(waits, 0.5), 1),
            "p99": round(percentile(waits, 0.99), 1),
        },
        "handled_per_agent": {
            "max": max(handled),
            "min": min(handled),
            "max_over_min": round(max(handled) / max(min(handled), 1), 2),
        },
        "peak_load": max(a.peak for a in agents),
        "capacity_exceeded": any(a.peak > args.capacity for a in agents),
        "sla_minutes": args.sla,
        "sla_compliance": round(sum(v <= args.sla for v in answer.values()) / max(len(answer), 1), 3),
        "sla_compliance_urgent": round(sum(answer[t] <= args.sla for t in urgent) / max(len(urgent), 1), 3),
        "unsolved_left": int(unsolved or 0),
        "assignments_by_agent_top": Counter({a.user_id: a.handled for a in agents}).most_common(3),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def print_table(r: dict[str, Any]) -> None:
    print(
        f"{r['database']}: {r['tickets']} tickets in bursts of {r['burst']} every {r['interval_min']} min "
        f"to {r['agents']} agents ({r['mode']}, capacity {r['capacity']}, mean handle {r['handle_min']} min, "
        f"{r['threads']} threads); {r['wall_s']} s wall, peak RSS {r['peak_rss_mb']} MB"
    )
    print(f"{'assignment latency':<34} {'count':>6} {'p50 ms':>8} {'p99 ms':>8} {'p50/base':>9}")
    print("-" * 69)
    for x in r["latency"]:
        print(f"{x['what']:<34} {x['count']:>6} {x['p50_ms']:>8} {x['p99_ms']:>8} {x['p50_vs_base']:>9}")
    t = r["time_to_assign_min"]
    h = r["handled_per_agent"]
    print(
        f"assigned on arrival: {r['assigned_on_arrival']:.1%}; "
        f"time to assignment p50 {t['p50']} min, p99 {t['p99']} min"
    )
    print(
        f"load spread: handled per agent max {h['max']} / min {h['min']} = {h['max_over_min']}; "
        f"peak concurrent {r['peak_load']} of capacity {r['capacity']} (exceeded: {r['capacity_exceeded']})"
    )
    print(
        f"SLA compliance (answered within {r['sla_minutes']} min): {r['sla_compliance']:.1%} overall, "
        f"{r['sla_compliance_urgent']:.1%} urgent; unsolved left {r['unsolved_left']}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tickets", type=int, default=10000, help="tickets (default 10000)")
    parser.add_argument("--agents", type=int, default=50, help="agents, all online (default 50)")
    parser.add_argument("--burst", type=int, default=250, help="tickets per burst (default 250)")
    parser.add_argument("--interval", type=float, default=60, help="simulated minutes between bursts (60)")
    parser.add_argument("--handle", type=float, default=10, help="mean handle time, simulated minutes (10)")
    parser.add_argument("--capacity", type=int, default=6, help="open tickets per agent at once (6)")
    parser.add_argument("--mode", default="least_loaded", choices=["least_loaded", "round_robin", "skills"])
    parser.add_argument("--sla", type=int, default=60, help="answer target in simulated minutes (60)")
    parser.add_argument("--threads", type=int, default=4, help="threads creating each burst (4)")
    parser.add_argument("--baseline", type=int, default=1000, help="tickets for the baseline (1000)")
    parser.add_argument("--database-url", default="", help="default: SQLite in a temporary directory")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        result = run(url, args)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print_table(result)


if __name__ == "__main__":
    main()
