"""Help articles suggested while a customer writes a new request in the portal.

The new-request form asks this partial (HTMX, after a pause in typing) for public articles that
may already answer what the customer is writing. Only articles the bot itself would answer from are
shown (fused score at or above the workspace's bot threshold), so a vague start shows nothing
rather than noise. Reading a suggestion is optional: the form and what was typed stay as they are.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Request, Response

from helpline.core.deps import DbSession
from helpline.kb import answers
from helpline.kb.bot import excerpt
from helpline.kb.text import passages, plain_text, words
from helpline.web.deps import PortalCustomer
from helpline.web.render import WebRoute, render

router = APIRouter(prefix="/portal", route_class=WebRoute, include_in_schema=False)
SUGGESTIONS = 3
MIN_WORDS = 3
MAX_QUERY_CHARS = 600


@dataclass
class Suggestion:
    title: str
    url: str
    excerpt: str


def request_question(subject: str, text: str) -> str:
    """What the customer has written so far, as one search question."""
    parts = [" ".join(subject.split()), " ".join(text.split())]
    return ". ".join(p for p in parts if p)[:MAX_QUERY_CHARS]


@router.get("/new/suggest")
def portal_suggest(
    request: Request, session: DbSession, pc: PortalCustomer, subject: str = "", text: str = ""
) -> Response:
    question = request_question(subject, text)
    suggestions: list[Suggestion] = []
    if len(words(question)) >= MIN_WORDS:
        threshold = answers.bot_threshold(session)
        for hit in answers.search_articles(session, pc.actor, question, limit=SUGGESTIONS):
            if hit.score < threshold:
                break  # hits come best first
            article = hit.article
            body = plain_text(article.published_body or "")
            suggestions.append(
                Suggestion(
                    title=article.published_title or article.title,
                    url=f"/help/{article.locale}/{article.slug}",
                    excerpt=excerpt((passages(body) or [body])[0], limit=300),
                )
            )
    return render(request, "_portal_suggest.html", {"suggestions": suggestions})
