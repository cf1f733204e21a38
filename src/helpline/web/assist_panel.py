"""The copilot's actions in the ticket view: a reply draft, the tone check, the thread summary.

Each answers a small HTML fragment to an HTMX request (the page's script puts the draft into the
composer) and the whole ticket page otherwise, so every action also works without JavaScript. None of
them changes anything: a draft is only text in the composer, and the tone check never blocks sending.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, Response
from sqlalchemy.orm import Session

from helpline.assist.drafting import draft_reply
from helpline.assist.summary import summarize_ticket
from helpline.assist.tone import Finding, check_tone, readability
from helpline.core.deps import DbSession
from helpline.tickets.access import get_visible_ticket
from helpline.web.agent import ticket_context
from helpline.web.copilot import LABELS, mood_panel
from helpline.web.deps import Agent, AgentContext, check_csrf
from helpline.web.render import WebRoute, is_htmx, render

router = APIRouter(prefix="/agent", route_class=WebRoute, include_in_schema=False)

MAX_TONE_CHARS = 50_000
SUMMARY_SENTENCES = 3


@dataclass(frozen=True)
class ToneView:
    findings: list[Finding]
    words_per_sentence: float
    grade: float
    checked: bool  # False: nothing to check yet (empty composer, or an internal note)
    error: str = ""
    note: bool = False


def tone_view(text: str, customer_name: str | None) -> ToneView:
    if len(text) > MAX_TONE_CHARS:
        return ToneView([], 0.0, 0.0, False, "The message is too long to check (over 50,000 characters).")
    if not text.strip():
        return ToneView([], 0.0, 0.0, False)
    per_sentence, grade = readability(text)
    return ToneView(check_tone(text, customer_name=customer_name), per_sentence, grade, True)


def _customer_name(session: Session, ctx: AgentContext, ticket_id: int) -> str | None:
    ticket = get_visible_ticket(session, ctx.actor, ticket_id)
    return ticket.requester.name if ticket.requester is not None else None


def _page(request: Request, session: Session, ctx: AgentContext, ticket_id: int, **extra: Any) -> Response:
    return render(request, "ticket.html", ticket_context(session, ctx, ticket_id, **extra))


@router.get("/tickets/{ticket_id}/draft")
def draft(request: Request, session: DbSession, ctx: Agent, ticket_id: int) -> Response:
    """A reply draft for the agent to edit. Nothing is sent."""
    found = draft_reply(session, ctx.actor, ticket_id)
    context = {"ticket_id": ticket_id, "draft": found, "labels": LABELS}
    if is_htmx(request):
        return render(request, "_draft.html", context)
    composer = {"text": found.text, "mode": "reply", "status": "", "error": ""}
    tone = tone_view(found.text, _customer_name(session, ctx, ticket_id))
    return _page(request, session, ctx, ticket_id, composer=composer, draft=found, tone=tone)


@router.post("/tickets/{ticket_id}/tone")
def tone(
    request: Request,
    session: DbSession,
    ctx: Agent,
    ticket_id: int,
    text: Annotated[str, Form()] = "",
    mode: Annotated[str, Form()] = "reply",
    status: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """Check the composer's text; findings explain and suggest, they never stop the reply."""
    check_csrf(request, ctx.web, csrf_token, kept=text)
    if mode == "note":  # the team reads notes; the check is about how a reply lands with a customer
        get_visible_ticket(session, ctx.actor, ticket_id)
        result = ToneView([], 0.0, 0.0, False, note=True)
    else:
        result = tone_view(text, _customer_name(session, ctx, ticket_id))
    if is_htmx(request):
        return render(request, "_tone_response.html", {"tone": result, "labels": LABELS})
    composer = {"text": text, "mode": mode if mode in ("reply", "note") else "reply", "status": status}
    return _page(request, session, ctx, ticket_id, composer={**composer, "error": ""}, tone=result)


@router.get("/tickets/{ticket_id}/summary")
def summary(request: Request, session: DbSession, ctx: Agent, ticket_id: int) -> Response:
    found = summarize_ticket(session, ctx.actor, ticket_id, SUMMARY_SENTENCES)
    if is_htmx(request):
        return render(request, "_summary.html", {"summary": found})
    return _page(request, session, ctx, ticket_id, summary=found)


@router.get("/tickets/{ticket_id}/mood")
def mood(request: Request, session: DbSession, ctx: Agent, ticket_id: int) -> Response:
    """The sidebar's mood section: latest mood, frustration flag and the customer's trend."""
    ticket = get_visible_ticket(session, ctx.actor, ticket_id)
    panel = mood_panel(session, ctx.actor, ticket.id, ticket.requester_id)
    if is_htmx(request):
        return render(request, "_trend.html", {"mood_panel": panel, "labels": LABELS})
    return _page(request, session, ctx, ticket_id, mood_panel=panel)
