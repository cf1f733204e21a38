"""Hand a bot conversation over to a person: a ticket that carries what the customer already said.

The customer never repeats themselves: the ticket's first message holds every question they asked
the bot and what the bot answered (or that it declined). Only the caller's own logged bot turns are
linked; an anonymous visitor sends the transcript it holds, and must give an email address so an
agent can reply.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from helpline.core.actor import SYSTEM, Actor
from helpline.core.errors import Invalid
from helpline.customers.service import get_customer, identify_or_create
from helpline.kb.models import KbArticle, KbBotAnswer
from helpline.outbox.service import emit
from helpline.tickets.models import Ticket
from helpline.tickets.service import NewMessage, create_ticket

HANDOVER_TAG = "bot-handover"
MAX_TURNS = 20
_CHANNEL = {"chat": "chat", "email": "email", "web": "web", "portal": "web", "api": "api"}


@dataclass
class Turn:
    question: str
    answer: str = ""


def _own_turns(session: Session, actor: Actor, ids: list[int]) -> list[Turn]:
    if not ids or actor.id is None:
        return []
    rows = session.scalars(
        select(KbBotAnswer)
        .where(
            KbBotAnswer.id.in_(ids[:MAX_TURNS]),
            KbBotAnswer.actor_kind == actor.audit_kind,
            KbBotAnswer.actor_id == actor.id,
        )
        .order_by(KbBotAnswer.id)
    ).all()
    titles = {
        a.id: a.published_title or a.title
        for a in session.scalars(
            select(KbArticle).where(KbArticle.id.in_([r.article_id for r in rows if r.article_id]))
        )
    }
    turns = []
    for row in rows:
        if row.answered and row.article_id in titles:
            said = f"answered from “{titles[row.article_id]}”" + (
                " (the customer said it did not help)" if row.helped is False else ""
            )
        else:
            said = "declined: not sure enough to answer"
        turns.append(Turn(row.question, said))
    return turns


def transcript(turns: list[Turn], last_question: str) -> str:
    lines = ["The customer asked the answer bot first:"]
    for turn in turns:
        lines.append(f"- Q: {turn.question.strip()}")
        if turn.answer:
            lines.append(f"  Bot: {turn.answer.strip()}")
    lines += ["", "They now ask for a person:", last_question.strip()]
    return "\n".join(lines)


def hand_over_to_agent(
    session: Session,
    actor: Actor,
    *,
    question: str,
    turns: list[Turn],
    bot_answer_ids: list[int],
    email: str | None = None,
    name: str = "",
    channel: str = "web",
) -> Ticket:
    """Open a ticket for the customer with the whole bot conversation in its first message."""
    acting = actor
    if actor.is_customer and actor.id is not None:
        requester = get_customer(session, actor, actor.id)
    elif email:
        acting = SYSTEM if actor.id is None else actor  # an anonymous visitor: Helpline files it for them
        requester = identify_or_create(session, acting, "email", email, name)
    else:
        raise Invalid.field("email", "leave an email address so we can reply to you")
    owned = _own_turns(session, actor, bot_answer_ids)
    conversation = owned or [Turn(t.question[:2000], t.answer[:2000]) for t in turns[:MAX_TURNS]]
    text = transcript(conversation, question) if conversation else question.strip()
    ticket = create_ticket(
        session,
        acting,
        subject=question.strip().splitlines()[0][:120],
        requester=requester,
        message=NewMessage(text=text, meta={"bot_answer_ids": [i for i in bot_answer_ids[:MAX_TURNS]]}),
        channel=_CHANNEL.get(channel, "web"),
        tags=[HANDOVER_TAG],
    )
    emit(session, "kb.bot.handover", {"ticket_id": ticket.id, "turns": len(conversation)})
    return ticket
