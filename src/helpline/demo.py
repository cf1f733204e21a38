"""A realistic sample workspace for ``helpline serve --demo``.

Northwind Goods, a small online shop for kitchen appliances with a subscription and an app, has three
teams, an admin, six agents, sixty customers and about three hundred tickets from the last thirty days
on every channel and in every status, and a few knowledge-base articles. Everything is made through
the service actions, so audit rows, events, the search index and the outbox are all real; only the
time stamps of tickets, messages and events are set to the moment of the story they belong to, so the
tickets spread over a month instead of all happening now. Deterministic for a given seed, and
idempotent: a second run finds the demo admin and only issues a fresh API token.
"""

from __future__ import annotations

import datetime as dt
import random
import sys
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from helpline.accounts.models import Team, User
from helpline.accounts.service import (
    actor_for_user,
    add_team_member,
    create_team,
    create_token,
    create_user,
    find_user_by_email,
    list_tokens,
    revoke_token,
)
from helpline.core.actor import SYSTEM, Actor
from helpline.core.db import Database, utcnow
from helpline.customers.models import Customer
from helpline.customers.service import create_customer, identify_or_create
from helpline.demo_story import (
    AGENTS,
    ASK,
    CHANNELS,
    CITIES,
    CLOSERS,
    FIRST_REPLY,
    FOLLOW_UP,
    KB,
    LOCALIZED,
    NAMES,
    NOTES,
    ON_HOLD_NOTE,
    OPENERS,
    ORGS,
    PRIORITIES,
    PRODUCTS,
    REOPEN,
    SCENARIOS,
    SOLVE,
    TEAMS,
    THANKS,
    TIERS,
    WHEN,
)
from helpline.tickets.conversation import add_message
from helpline.tickets.models import Message, Ticket, TicketEvent
from helpline.tickets.service import NewMessage, create_ticket, merge_tickets, update_ticket

DOMAIN = "demo.helpline.test"
ADMIN_EMAIL = f"admin@{DOMAIN}"
DEMO_PASSWORD = "demo-password-123"  # noqa: S105 (a published demo password, by design)
TOKEN_NAME = "demo"  # noqa: S105 (a label, not a secret)
SEED = 2026
TICKETS = 300
DAYS = 30


@dataclass
class DemoInfo:
    """What ``helpline serve --demo`` tells the person who started it."""

    admin_email: str
    agent_emails: list[str]
    password: str
    token: str
    created: bool
    counts: dict[str, int] = field(default_factory=dict)

    def describe(self, url: str) -> str:
        base = url.rstrip("/")
        what = "loaded" if self.created else "already present, reused"
        summary = ", ".join(f"{n} {k}" for k, n in self.counts.items())
        someone = (self.agent_emails or [self.admin_email])[0]
        return "\n".join(
            [
                f"Demo workspace {what}: {summary}.",
                f"  Open           {url}",
                f"  Admin          {self.admin_email}",
                f"  Agents         {', '.join(self.agent_emails)}",
                f"  Password       {self.password}  (the same for every demo account)",
                f"  API token      {self.token}  (admin; a new one on every start)",
                f"  Try it         curl -H 'Authorization: Bearer {self.token}' "
                f"'{base}/api/v1/tickets?limit=5'",
                f"  More tokens    helpline token create --email {someone}",
            ]
        )


TIMEZONE = "Europe/London"
SLA_POLICIES = [  # name, position, priorities (none: any), first response, next response (business min)
    ("Urgent", 0, ["urgent"], 60, 120),
    ("High priority", 1, ["high"], 240, 480),
    ("Standard", 100, [], 600, 1200),
]


def load_demo(db: Database, *, seed: int = SEED, tickets: int = TICKETS) -> DemoInfo:
    """Create the demo workspace unless it exists, then issue a fresh admin API token."""
    created = False
    with db.transaction() as session:
        if find_user_by_email(session, ADMIN_EMAIL) is None:
            with _no_outbound_email():
                _Builder(session, random.Random(seed), tickets).build()
            created = True
    with db.transaction() as session:
        admin = find_user_by_email(session, ADMIN_EMAIL)
        assert admin is not None
        actor = actor_for_user(session, admin)
        for old in list_tokens(session, actor):
            if old.user_id == admin.id and old.name == TOKEN_NAME:
                revoke_token(session, actor, old.id)
        token = create_token(session, actor, name=TOKEN_NAME).secret
        agents = session.scalars(
            select(User.email).where(User.role == "agent", User.email.like(f"%@{DOMAIN}")).order_by(User.id)
        )
        counts = {
            "tickets": session.scalar(select(func.count()).select_from(Ticket)) or 0,
            "customers": session.scalar(select(func.count()).select_from(Customer)) or 0,
            "teams": session.scalar(select(func.count()).select_from(Team)) or 0,
            "staff": session.scalar(select(func.count()).select_from(User)) or 0,
        }
        return DemoInfo(ADMIN_EMAIL, list(agents), DEMO_PASSWORD, token, created, counts)


@contextmanager
def _no_outbound_email() -> Iterator[None]:
    """Demo replies must never mail the made-up customers, even when a relay is configured."""
    outbound = sys.modules.get("helpline.email.outbound")
    config = getattr(outbound, "CONFIG", None)
    saved = getattr(config, "relay_url", "")
    if config is not None:
        config.relay_url = ""
    try:
        yield
    finally:
        if config is not None:
            config.relay_url = saved


def _pick(rng: random.Random, weighted: list[tuple[str, int]]) -> str:
    return rng.choices([k for k, _ in weighted], [w for _, w in weighted])[0]


def _status_for(rng: random.Random, age_days: float) -> str:
    """Young tickets are mostly new or open, old ones mostly solved or closed."""
    bands = [(1, [35, 35, 15, 5, 10, 0]), (4, [10, 30, 25, 10, 25, 0]), (10, [3, 17, 15, 8, 37, 20])]
    weights = next((w for days, w in bands if age_days < days), [1, 7, 6, 6, 25, 55])
    return rng.choices(["new", "open", "pending", "on-hold", "solved", "closed"], weights)[0]


class _Builder:
    """Builds the workspace in one transaction, each step at its own moment of the past month.

    Service actions stamp rows with the current time; a ``before_flush`` hook gives the tickets,
    messages and events each step inserts the step's time instead (``self.when``).
    """

    def __init__(self, session: Session, rng: random.Random, tickets: int) -> None:
        self.s, self.rng, self.n = session, rng, tickets
        self.now = utcnow().replace(second=0, microsecond=0)
        self.when: dt.datetime | None = None
        self.teams: dict[str, int] = {}
        self.agents: dict[str, list[tuple[Actor, User]]] = {}
        self.customers: list[Customer] = []
        self.admin: Actor = SYSTEM
        self.ctx: dict[str, Any] = {}
        self.last_reply = ""

    def build(self) -> None:
        self._staff()
        self._customers()
        self._knowledge_base()
        duplicates = set(self.rng.sample(range(self.n // 2), 3))
        starts = sorted(self._start_time() for _ in range(self.n - len(duplicates)))
        event.listen(self.s, "before_flush", self._stamp)
        try:
            for i, start in enumerate(starts):
                ticket = self._ticket(start)
                if i in duplicates:
                    self._duplicate(ticket)
        finally:
            event.remove(self.s, "before_flush", self._stamp)
        self._service_levels()

    def _stamp(self, session: Session, _context: Any, _instances: Any) -> None:
        for obj in session.new:
            if self.when is not None and isinstance(obj, (Ticket, Message, TicketEvent)):
                obj.created_at = self.when
                if isinstance(obj, Ticket):
                    obj.updated_at = self.when

    # -- service levels --------------------------------------------------------------------------
    def _service_levels(self) -> None:
        """Office hours for every team and three SLA policies, then the open tickets' clocks."""
        from helpline.sla.admin import create_business_hours, create_policy, set_team_business_hours
        from helpline.sla.service import refresh_ticket_sla

        s = self.s
        office = {day: [["08:00", "18:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}
        hours = create_business_hours(s, self.admin, name="Office hours", timezone=TIMEZONE, schedule=office)
        for team_id in self.teams.values():
            set_team_business_hours(s, self.admin, team_id, hours.id)
        for name, position, priorities, first, after in SLA_POLICIES:
            conditions = {"priority": priorities} if priorities else {}
            create_policy(
                s,
                self.admin,
                name=name,
                position=position,
                conditions=conditions,
                first_response_minutes=first,
                next_response_minutes=after,
            )
        unsolved = select(Ticket).where(Ticket.status.in_(("new", "open", "pending", "on-hold")))
        for ticket in s.scalars(unsolved.order_by(Ticket.id)):
            refresh_ticket_sla(s, ticket, actor=self.admin)

    # -- people ---------------------------------------------------------------------------------
    def _staff(self) -> None:
        s = self.s
        admin = create_user(
            s, SYSTEM, email=ADMIN_EMAIL, name="Alex Morgan", role="admin", password=DEMO_PASSWORD
        )
        self.admin = actor_for_user(s, admin)
        for name, about in TEAMS.items():  # a workspace may already have teams with these names
            team_id = s.scalar(select(Team.id).where(Team.name == name))
            self.teams[name] = team_id or create_team(s, self.admin, name=name, description=about).id
        users = []
        for name, local, teams in AGENTS:
            user = create_user(s, self.admin, email=f"{local}@{DOMAIN}", name=name, password=DEMO_PASSWORD)
            for team in teams:
                add_team_member(s, self.admin, self.teams[team], user.id)
            users.append((user, teams))
        for user, teams in users:
            for team in teams:
                self.agents.setdefault(team, []).append((actor_for_user(s, user), user))

    def _customers(self) -> None:
        rng = self.rng
        for lang, names in NAMES.items():
            for full in names.split("|"):
                first, last = full.split(" ", 1)
                plain = unicodedata.normalize("NFKD", f"{first}.{last}".lower())
                local = "".join(c for c in plain if c.isascii() and (c.isalnum() or c == "."))
                orgs = [o for o in ORGS if o[2] == lang]
                org = rng.choice(orgs) if orgs and rng.random() < 0.6 else None
                domain = org[1] if org else rng.choice(["mail.example", "inbox.example", "post.example"])
                identities = [("email", f"{local}@{domain}")]
                if rng.random() < 0.35:
                    identities.append(("phone", f"+4420794{rng.randint(10000, 99999)}"))
                if rng.random() < 0.1:
                    identities.append(("social", f"twitter:@{local.split('.')[0]}{rng.randint(1, 99)}"))
                attributes = {
                    "plan": rng.choice(["Basic", "Plus", "Plus", "Business"]),
                    "lifetime_orders": rng.randint(1, 40),
                    "customer_since": f"{rng.randint(2019, 2025)}-{rng.randint(1, 12):02d}",
                }
                customer = create_customer(
                    self.s,
                    self.admin,
                    name=full,
                    identities=identities,
                    organization=org[0] if org else None,
                    tier="enterprise" if org and rng.random() < 0.3 else _pick(rng, TIERS),
                    language=lang,
                    attributes=attributes,
                )
                since = dt.timedelta(days=rng.randint(DAYS + 5, 900))
                customer.created_at = customer.updated_at = self.now - since
                self.customers.append(customer)

    def _knowledge_base(self) -> None:
        try:
            from helpline.kb.service import create_article, publish_article
        except ImportError:  # a build without the knowledge base
            return
        for title, category, body in KB:
            article = create_article(self.s, self.admin, title=title, body=body, category=category)
            publish_article(self.s, self.admin, article.id)

    # -- text -----------------------------------------------------------------------------------
    def _context(self, customer: Customer) -> dict[str, Any]:
        """One set of details per ticket, so the subject and every message agree."""
        rng = self.rng
        product, product2 = rng.sample(PRODUCTS, 2)
        return {
            "order": f"NW-{rng.randint(40000, 99999)}",
            "invoice": f"INV-2026-{rng.randint(1000, 9999)}",
            "product": product,
            "product2": product2,
            "amount": f"€{rng.randint(19, 480)}.{rng.choice(['00', '50', '99', '95'])}",
            "card": rng.randint(1000, 9999),
            "when": rng.choice(WHEN),
            "city": rng.choice(CITIES),
            "seats": rng.choice([5, 8, 12, 25]),
            "version": f"4.{rng.randint(2, 9)}.{rng.randint(0, 5)}",
            "device": rng.choice(["Pixel 8", "iPhone 14", "Galaxy S23", "iPad Air", "Moto G54"]),
            "browser": rng.choice(["Firefox 133", "Safari 18", "Chrome 131", "Edge 131"]),
            "ref": f"{rng.choice('ABCDEFGH')}{rng.randint(100000, 999999)}",
            "tier": customer.tier,
            "who": rng.choice(
                ["the carrier", "our payment provider", "the Shopify team", "the manufacturer"]
            ),
            "first": customer.name.split(" ")[0],
            "name": customer.name,
        }

    def _customer_text(self, core: str, local: bool = False) -> str:
        opener = "" if local else self.rng.choice(OPENERS)
        closer = self.rng.choice(CLOSERS).format(**self.ctx)
        return "\n\n".join(p for p in (opener, core.format(**self.ctx), closer) if p)

    def _agent_text(self, agent: User, core: str) -> str:
        signed = agent.name.split(" ")[0]
        return f"Hi {self.ctx['first']},\n\n{core.format(**self.ctx)}\n\nBest,\n{signed}"

    def _start_time(self) -> dt.datetime:
        day = self.now - dt.timedelta(days=self.rng.uniform(0, DAYS))
        hour = min(22.5, max(6.0, self.rng.gauss(13, 3.5)))
        at = day.replace(hour=int(hour), minute=int(hour % 1 * 60), second=self.rng.randint(0, 59))
        return min(at, self.now - dt.timedelta(minutes=self.rng.randint(5, 90)))

    # -- tickets --------------------------------------------------------------------------------
    def _ticket(self, start: dt.datetime) -> Ticket:
        rng = self.rng
        customer = rng.choice(self.customers)
        self.ctx = self._context(customer)
        status = _status_for(rng, (self.now - start).total_seconds() / 86400)
        local = LOCALIZED.get(customer.language or "")
        localized = bool(local) and rng.random() < 0.5
        if local and localized:
            team, tags, subject, body = rng.choice(local)
            priority = _pick(rng, PRIORITIES)
        else:
            team, tags, fixed, subject, body = rng.choice(SCENARIOS)
            priority = fixed or _pick(rng, PRIORITIES)
        channel = _pick(rng, CHANNELS)
        kinds = {i.kind for i in customer.identities}
        if "social" in kinds and rng.random() < 0.3:
            channel = "social"
        elif channel in ("phone", "sms") and "phone" not in kinds:
            channel = "email"
        agent_actor, agent = rng.choice(self.agents[team])
        meta: dict[str, Any] = {}
        text = self._customer_text(body, localized)
        if channel == "email":
            email = customer.primary_email or ""
            customer = identify_or_create(self.s, SYSTEM, "email", email, customer.name)
            meta = {"message_id": f"{rng.getrandbits(64):x}@{email.partition('@')[2]}", "from": email}
        elif channel == "phone":
            text = f"Phone call from {customer.name}: {body.format(**self.ctx)}"
        self.when = start
        ticket = create_ticket(
            self.s,
            agent_actor if channel == "phone" else SYSTEM,
            subject=subject.format(**self.ctx),
            requester=customer,
            message=NewMessage(text=text, channel=channel, meta=meta),
            channel=channel,
            priority=priority,
            tags=tags + (["vip"] if customer.tier == "vip" else []),
            team_id=self.teams[team] if status != "new" or rng.random() < 0.5 else None,
        )
        self.s.flush()
        if status != "new":
            self._play(ticket, customer, agent_actor, agent, status, team, start)
        return ticket

    def _play(
        self,
        ticket: Ticket,
        customer: Customer,
        actor: Actor,
        agent: User,
        status: str,
        team: str,
        start: Any,
    ) -> None:
        """Assign, reply, ask, hear back, note, solve, close: whatever leads to ``status``."""
        rng = self.rng
        steps: list[tuple[str, str, str]] = [("assign", "", "")]  # (kind, text, status to set)
        if status != "open" or rng.random() < 0.7:
            asking = status == "pending" or rng.random() < 0.5
            first = rng.choice(FIRST_REPLY[team]) + (" " + rng.choice(ASK) if asking else "")
            steps.append(("agent", first, "pending" if asking else ""))
            if asking and status != "pending":
                steps.append(("customer", rng.choice(FOLLOW_UP), ""))
            elif status == "open" and rng.random() < 0.4:
                steps += [("agent", rng.choice(ASK), "pending"), ("customer", rng.choice(FOLLOW_UP), "")]
        if rng.random() < 0.15:
            steps.append(("note", rng.choice(NOTES), ""))
        if rng.random() < 0.05:
            steps.append(("escalate", "", ""))
        if status == "on-hold":
            steps.append(("note", ON_HOLD_NOTE, "on-hold"))
        if status in ("solved", "closed"):
            steps.append(("agent", rng.choice(SOLVE), "solved"))
            if rng.random() < 0.12:
                steps += [("customer", rng.choice(REOPEN), ""), ("agent", rng.choice(SOLVE), "solved")]
            if rng.random() < 0.3:  # a thank-you reopens the ticket; the agent solves it again
                steps += [("customer", rng.choice(THANKS), ""), ("status", "", "solved")]
        if status == "closed":
            steps.append(("status", "", "closed"))
        # Spread the steps over the time left, most of them early (replies come within hours).
        limit = self.now - dt.timedelta(minutes=2)
        span = max((limit - start).total_seconds(), 600.0) * 0.9
        times = [min(limit, start + dt.timedelta(seconds=90 + rng.random() ** 2.5 * span)) for _ in steps]
        times.sort()
        if status == "closed":
            times[-1] = min(limit, max(times[-1], times[-2] + dt.timedelta(days=4)))
        for (kind, text, new_status), when in zip(steps, times, strict=True):
            self.when = when
            self._step(ticket, customer, actor, agent, kind, text, new_status)
            ticket.updated_at = when
            if new_status == "solved":
                ticket.solved_at = when

    def _step(
        self, ticket: Ticket, customer: Customer, actor: Actor, agent: User, kind: str, text: str, status: str
    ) -> None:
        s = self.s
        kwargs: dict[str, Any] = {"status": status} if status else {}
        if kind == "assign":
            update_ticket(s, actor, ticket.id, assignee_id=agent.id)
        elif kind == "agent":
            self.last_reply = self._agent_text(agent, text)
            add_message(s, actor, ticket.id, NewMessage(text=self.last_reply), **kwargs)
        elif kind == "customer":
            core = full = self._customer_text(text)
            if ticket.channel == "email":
                quoted = "\n".join("> " + line for line in self.last_reply.splitlines())
                full += f"\n\nOn {self.when:%a, %d %b %Y}, Northwind Support wrote:\n{quoted}"
            message = NewMessage(text=core, full_text=full, meta={"from": customer.primary_email})
            add_message(s, SYSTEM, ticket.id, message, on_behalf_of=customer)
        elif kind == "note":
            note = NewMessage(text=text.format(**self.ctx), internal=True)
            add_message(s, actor, ticket.id, note, **kwargs)
        elif kind == "status":
            update_ticket(s, actor, ticket.id, status=status)
        elif kind == "escalate":
            update_ticket(s, actor, ticket.id, priority="urgent", tags=[*ticket.tags, "escalated"])

    def _duplicate(self, original: Ticket) -> None:
        """The same customer writes again about the same thing; an admin merges the two."""
        customer = self.s.get(Customer, original.requester_id)
        assert customer is not None
        last_change = original.updated_at
        self.when = min(self.now - dt.timedelta(minutes=30), original.created_at + dt.timedelta(hours=5))
        text = "I wrote about this earlier and haven't heard back. Could someone look at my first message?"
        dup = create_ticket(
            self.s,
            SYSTEM,
            subject=f"Re: {original.subject}",
            requester=customer,
            message=NewMessage(text=self._customer_text(text)),
            channel="web",
            priority=original.priority,
            team_id=original.team_id,
        )
        self.s.flush()
        self.when += dt.timedelta(minutes=20)
        merge_tickets(self.s, self.admin, dup.id, original.id)
        dup.updated_at = self.when
        original.updated_at = max(last_change, self.when)
        self.s.flush()
