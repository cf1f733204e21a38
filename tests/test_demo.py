"""The demo workspace that ``helpline serve --demo`` loads: realistic, complete, loaded once, usable."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from helpline.accounts.models import Team, User
from helpline.accounts.service import actor_for_user, authenticate_password, create_token
from helpline.core.actor import SYSTEM
from helpline.core.db import Database, utcnow
from helpline.customers.models import Customer, Organization
from helpline.demo import ADMIN_EMAIL, DEMO_PASSWORD, load_demo
from helpline.tickets.models import STATUSES, Message, Ticket, TicketTag


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_demo_is_a_realistic_workspace_and_loads_only_once(db: Database, client: TestClient) -> None:
    info = load_demo(db)
    assert info.created
    with db.read_sessions() as s:
        assert set(s.scalars(select(Team.name))) == {"Support", "Billing", "Technical"}
        assert Counter(s.scalars(select(User.role))) == {"admin": 1, "agent": 6}
        tickets = s.scalars(select(Ticket)).all()
        assert 280 <= len(tickets) <= 320
        assert {t.status for t in tickets} == set(STATUSES)
        assert {"email", "chat", "web", "api", "phone"} <= {t.channel for t in tickets}
        assert {"low", "normal", "high", "urgent"} == {t.priority for t in tickets}
        assert len(set(s.scalars(select(TicketTag.tag)))) >= 20
        assert sum(1 for t in tickets if t.merged_into_id is not None) >= 1
        # Spread over the last month, never in the future, and each ticket's story in order.
        now = utcnow()
        assert min(t.created_at for t in tickets) < now - dt.timedelta(days=20)
        assert max(t.updated_at for t in tickets) <= now
        assert all(t.created_at <= t.updated_at for t in tickets)
        assert {t.created_at.date() for t in tickets} >= {
            (now - dt.timedelta(days=d)).date() for d in (1, 7, 15)
        }
        rows = s.execute(select(Message.author_kind, Message.internal))
        kinds = Counter((kind, internal) for kind, internal in rows)
        assert kinds[("customer", False)] >= 300 and kinds[("agent", False)] >= 200
        assert kinds[("agent", True)] >= 10  # internal notes
        customers = s.scalars(select(Customer)).all()
        assert 50 <= len(customers) <= 80
        assert len({c.tier for c in customers}) >= 4 and len({c.language for c in customers}) >= 4
        assert (s.scalar(select(func.count()).select_from(Organization)) or 0) >= 5
        subjects = {t.subject for t in tickets}
        assert len(subjects) >= 100  # varied, not one template repeated
        before = {
            "tickets": len(tickets),
            "messages": s.scalar(select(func.count()).select_from(Message)),
            "customers": len(customers),
        }

    text = info.describe("http://127.0.0.1:8000/")
    for needed in ("http://127.0.0.1:8000/", ADMIN_EMAIL, DEMO_PASSWORD, info.token, info.agent_emails[0]):
        assert needed in text
    assert client.get("/api/v1/users/me", headers=_bearer(info.token)).json()["email"] == ADMIN_EMAIL

    again = load_demo(db)
    assert not again.created and again.token != info.token
    with db.read_sessions() as s:
        after = {
            "tickets": s.scalar(select(func.count()).select_from(Ticket)),
            "messages": s.scalar(select(func.count()).select_from(Message)),
            "customers": s.scalar(select(func.count()).select_from(Customer)),
        }
    assert after == before
    assert Counter(again.counts) == Counter(info.counts)
    # The previous demo token was replaced by the new one.
    assert client.get("/api/v1/tickets", headers=_bearer(info.token)).status_code == 401
    assert client.get("/api/v1/tickets", headers=_bearer(again.token)).status_code == 200


def test_demo_accounts_work_through_the_api(db: Database, client: TestClient) -> None:
    info = load_demo(db, tickets=60)
    agent_email = info.agent_emails[0]
    with db.transaction() as s:
        agent = authenticate_password(s, agent_email, DEMO_PASSWORD)
        actor = actor_for_user(s, agent)
        token = create_token(s, actor, name="laptop").secret
        team_ids = actor.team_ids
    mine = client.get("/api/v1/users/me", headers=_bearer(token)).json()
    assert mine["email"] == agent_email and mine["role"] == "agent"
    page = client.get("/api/v1/tickets?limit=50", headers=_bearer(token))
    assert page.status_code == 200
    items = page.json()["items"]
    assert items
    for t in items:  # an agent sees their teams' tickets, unrouted ones and their own
        team, assignee = t["team"] and t["team"]["id"], t["assignee"] and t["assignee"]["id"]
        assert team is None or team in team_ids or assignee == agent.id
    assert {t["team"]["id"] for t in items if t["team"]} <= set(team_ids)

    # A customer sees exactly their own tickets and never an internal note.
    with db.read_sessions() as s:
        counts = Counter(s.scalars(select(Ticket.requester_id).where(Ticket.merged_into_id.is_(None))))
        customer_id, own = counts.most_common(1)[0]
        noted = s.scalar(select(Message.ticket_id).where(Message.internal.is_(True)).limit(1))
        assert noted is not None
        noted_owner = s.scalar(select(Ticket.requester_id).where(Ticket.id == noted))
        other = s.scalar(select(Ticket.id).where(Ticket.requester_id != customer_id).limit(1))
    with db.transaction() as s:
        customer_token = create_token(s, SYSTEM, name="portal", customer_id=customer_id).secret
        owner_token = create_token(s, SYSTEM, name="portal", customer_id=noted_owner).secret
    listed = client.get("/api/v1/tickets?limit=200", headers=_bearer(customer_token)).json()["items"]
    assert len(listed) == own
    assert {t["requester"]["id"] for t in listed} == {customer_id}
    assert client.get(f"/api/v1/tickets/{other}", headers=_bearer(customer_token)).status_code == 404
    messages = client.get(f"/api/v1/tickets/{noted}/messages", headers=_bearer(owner_token)).json()["items"]
    assert messages and not any(m["internal"] for m in messages)
    staff_view = client.get(f"/api/v1/tickets/{noted}/messages", headers=_bearer(info.token)).json()["items"]
    assert any(m["internal"] for m in staff_view)
