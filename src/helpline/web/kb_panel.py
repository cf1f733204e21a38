"""The knowledge-base panel of the ticket view: articles that may answer this ticket, ready to insert.

Suggestions come from the hybrid KB search over the ticket's subject and the customer's latest words
(or what the agent types). Public articles offer their help-center link and an excerpt to insert
into the reply; internal ones are marked so they are read, not sent.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Request, Response
from sqlalchemy import select

from helpline.core.deps import DbSession
from helpline.kb import answers
from helpline.kb.bot import excerpt
from helpline.kb.text import passages, plain_text
from helpline.tickets.access import get_visible_ticket
from helpline.tickets.models import Message
from helpline.web.deps import Agent
from helpline.web.render import WebRoute, render

router = APIRouter(prefix="/agent", route_class=WebRoute, include_in_schema=False)
SUGGESTIONS = 5


@dataclass
class Suggestion:
    id: int
    title: str
    public: bool
    url: str
    excerpt: str
    score: float


def ticket_question(session: DbSession, ticket_id: int, subject: str) -> str:
    """The subject and the customer's latest message: what the ticket is asking."""
    latest = session.scalar(
        select(Message.text)
        .where(Message.ticket_id == ticket_id, Message.internal.is_(False), Message.author_kind == "customer")
        .order_by(Message.id.desc())
        .limit(1)
    )
    return f"{subject}. {(latest or '')[:600]}".strip(". ")


@router.get("/tickets/{ticket_id}/kb")
def kb_panel(request: Request, session: DbSession, ctx: Agent, ticket_id: int, q: str = "") -> Response:
    ticket = get_visible_ticket(session, ctx.actor, ticket_id)
    query = q.strip()[:500] or ticket_question(session, ticket.id, ticket.subject)
    base = str(request.app.state.settings.base_url or str(request.base_url)).rstrip("/")
    found = answers.search_articles(session, ctx.actor, query, limit=SUGGESTIONS) if query else []
    suggestions = []
    for hit in found:
        article = hit.article
        body = plain_text(article.published_body or "")
        parts = passages(body) or [body]
        suggestions.append(
            Suggestion(
                id=article.id,
                title=article.published_title or article.title,
                public=article.visibility == "public",
                url=f"{base}/help/{article.locale}/{article.slug}",
                excerpt=excerpt(parts[0]),
                score=hit.score,
            )
        )
    context = {"ticket": ticket, "suggestions": suggestions, "q": q.strip(), "ctx": ctx}
    return render(request, "_kb_panel.html", context)
