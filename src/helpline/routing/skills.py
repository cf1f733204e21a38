"""Skill-based routing: agents' skills with levels, matched to what a ticket needs.

A ticket needs its language (``lang:<code>`` from a ``lang:`` tag, else the requester's language)
and its topics (its other tags, e.g. ``billing`` or ``intent:refund``). Among the agents who are
online with free capacity, the ``skills`` mode prefers one who speaks the language (higher level
first), then the best topic match (sum of levels), then the fewest active tickets, then the
longest idle. It never leaves a ticket waiting for a skill: with no speaker available the best of
the rest takes it, and the routing event says so.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from helpline.accounts.models import User
from helpline.audit.service import record
from helpline.core.actor import Actor
from helpline.core.errors import Forbidden, Invalid, NotFound
from helpline.customers.models import Customer
from helpline.routing.models import AgentRouting, AgentSkill
from helpline.tickets.models import Ticket

MAX_SKILLS = 50


@dataclass(frozen=True)
class Needs:
    language: str | None
    topics: tuple[str, ...]

    def wanted(self) -> list[str]:
        return ([f"lang:{self.language}"] if self.language else []) + list(self.topics)

    def describe(self) -> str:
        return ", ".join(self.wanted()) or "nothing in particular"


def ticket_needs(session: Session, ticket: Ticket) -> Needs:
    tags = ticket.tags
    language = next((t.split(":", 1)[1] for t in tags if t.startswith("lang:")), None)
    if language is None:
        customer = session.get(Customer, ticket.requester_id)
        if customer is not None and customer.language:
            language = customer.language.split("-")[0].lower()
    return Needs(language, tuple(t for t in tags if not t.startswith("lang:")))


def skills_of(session: Session, user_ids: list[int]) -> dict[int, dict[str, int]]:
    out: dict[int, dict[str, int]] = {uid: {} for uid in user_ids}
    if not user_ids:
        return out
    for row in session.scalars(select(AgentSkill).where(AgentSkill.user_id.in_(user_ids))):
        out[row.user_id][row.skill] = row.level
    return out


def choose_by_skill(
    needs: Needs, available: list[AgentRouting], load: dict[int, int], skills: dict[int, dict[str, int]]
) -> tuple[AgentRouting, str]:
    """The best-matching available agent, and why."""
    epoch = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)

    def key(a: AgentRouting) -> tuple[int, int, int, dt.datetime, int]:
        have = skills.get(a.user_id, {})
        lang = have.get(f"lang:{needs.language}", 0) if needs.language else 0
        topics = sum(have.get(t, 0) for t in needs.topics)
        return (-lang, -topics, load.get(a.user_id, 0), a.last_assigned_at or epoch, a.user_id)

    chosen = min(available, key=key)
    have = skills.get(chosen.user_id, {})
    matched = [
        f"{s} {have[s]}"
        for s in ([f"lang:{needs.language}"] if needs.language else []) + list(needs.topics)
        if s in have
    ]
    why = f"skills: needs {needs.describe()}; "
    why += (
        f"matched {', '.join(matched)}"
        if matched
        else "no available agent has the skills, so the least loaded"
    )
    if needs.language and f"lang:{needs.language}" not in have:
        why += f" (nobody available speaks {needs.language})"
    return chosen, f"{why}; {load.get(chosen.user_id, 0)} active tickets"


def set_skills(session: Session, actor: Actor, user_id: int, skills: dict[str, int]) -> dict[str, int]:
    """Replace an agent's skills (admins)."""
    if not actor.is_admin:
        raise Forbidden("only admins set agents' skills")
    if session.get(User, user_id) is None:
        raise NotFound(f"user {user_id} does not exist")
    if len(skills) > MAX_SKILLS:
        raise Invalid.field("skills", f"at most {MAX_SKILLS} skills per agent")
    clean: dict[str, int] = {}
    for raw, level in skills.items():
        skill = raw.strip().lower().replace(" ", "-")
        if not skill or len(skill) > 64:
            raise Invalid.field("skills", f"{raw!r} is not a skill name (1 to 64 characters)")
        if not 1 <= level <= 5:
            raise Invalid.field("skills", f"the level of {skill} must be 1 (basic) to 5 (expert)")
        clean[skill] = level
    before = skills_of(session, [user_id])[user_id]
    session.execute(delete(AgentSkill).where(AgentSkill.user_id == user_id))
    session.add_all(AgentSkill(user_id=user_id, skill=s, level=n) for s, n in sorted(clean.items()))
    session.flush()
    if before != clean:
        record(session, actor, "routing.agent.skills", "user", user_id, {"skills": before}, {"skills": clean})
    return clean
