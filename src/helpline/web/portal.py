"""The customer portal: the customer's own tickets, their public timeline, replies and new requests.

A customer arrives with a signed link (``portal_link``) and gets a portal session cookie. Every query
runs as the customer actor, so ``visible_tickets`` limits it to their own tickets and
``visible_messages`` removes internal notes before they ever reach a template.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, Response, UploadFile
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from helpline.core.deps import DbSession
from helpline.core.errors import DomainError, Invalid
from helpline.escalation.models import EscalationRequest
from helpline.escalation.service import request_escalation
from helpline.tickets.access import get_visible_ticket, visible_tickets
from helpline.tickets.conversation import add_message, get_attachment, list_messages
from helpline.tickets.customer_actions import ask_to_escalate, close_own_ticket
from helpline.tickets.models import Ticket
from helpline.tickets.service import NewMessage, create_ticket
from helpline.web.auth import (
    PORTAL_COOKIE,
    SignInGuard,
    clear_session,
    customer_from_portal_token,
    new_session,
    read_session,
    write_session,
)
from helpline.web.deps import PortalContext, PortalCustomer, check_csrf
from helpline.web.files import attachment_response, read_uploads
from helpline.web.render import WebRoute, is_htmx, redirect, render
from helpline.web.reply_by import reply_by
from helpline.web.timeline import timeline

router = APIRouter(prefix="/portal", route_class=WebRoute, include_in_schema=False)
MAX_MESSAGES = 500
MAX_TICKETS = 100

# Until SLA policies exist: the first-response promise per priority (message ids, translated).
EXPECTED = {
    "urgent": "within 1 hour",
    "high": "within 4 hours",
    "normal": "within 1 business day",
    "low": "within 2 business days",
}
DONE = {
    "closed": "Your request is closed. Thank you for letting us know.",
    "escalated": "Thank you. A team lead will look at your request.",
}
STATUS_LABELS = {
    "new": "Received",
    "open": "In progress",
    "pending": "Waiting for your reply",
    "on-hold": "On hold",
    "solved": "Solved",
    "closed": "Closed",
}
NEXT_STEPS = {
    "new": "Our team will reply {expected}.",
    "open": "Our team will reply {expected}.",
    "pending": "We are waiting for your answer; reply below.",
    "on-hold": "We are waiting on a third party and will update you.",
    "solved": "If something is still not right, reply below and we will reopen it.",
    "closed": "This request is closed; a reply below opens a new one.",
}


def _base(customer: PortalContext, **extra: Any) -> dict[str, Any]:
    return {
        "pc": customer,
        "area": "portal",
        "preferred_language": customer.customer.language,
        "status_labels": STATUS_LABELS,
        "next_steps": NEXT_STEPS,
        "expected": EXPECTED,
        **extra,
    }


@router.get("/login/{token}")
def portal_login(request: Request, session: DbSession, token: str) -> Response:
    guard: SignInGuard = request.app.state.web_signin_guard
    client = request.client.host if request.client else "unknown"
    guard.clients.check(client)
    customer_id = customer_from_portal_token(request.app.state.settings, token)
    if customer_id is None:
        guard.clients.hit(client)
        return render(request, "portal_expired.html", {"area": "portal"}, status=401)
    response = redirect("/portal/")
    response.headers["Referrer-Policy"] = "no-referrer"
    write_session(request, response, PORTAL_COOKIE, new_session(customer_id=customer_id))
    return response


@router.post("/logout")
def portal_logout(request: Request, csrf_token: Annotated[str, Form()] = "") -> Response:
    web = read_session(request, PORTAL_COOKIE)
    if web is not None:
        check_csrf(request, web, csrf_token)
    response = render(request, "portal_expired.html", {"area": "portal", "signed_out": True})
    clear_session(request, response, PORTAL_COOKIE)
    return response


@router.get("/")
def portal_home(request: Request, session: DbSession, pc: PortalCustomer) -> Response:
    tickets = list(
        session.scalars(
            select(Ticket)
            .where(visible_tickets(pc.actor), Ticket.merged_into_id.is_(None))
            .order_by(Ticket.updated_at.desc(), Ticket.id.desc())
            .limit(MAX_TICKETS)
            .options(selectinload(Ticket.assignee))
        )
    )
    return render(request, "portal_home.html", _base(pc, tickets=tickets))


def _ticket_context(session: Session, pc: PortalContext, ticket_id: int, **extra: Any) -> dict[str, Any]:
    get_visible_ticket(session, pc.actor, ticket_id)
    ticket = session.scalar(
        select(Ticket)
        .where(Ticket.id == ticket_id)
        .options(selectinload(Ticket.assignee), selectinload(Ticket.team))
    )
    assert ticket is not None
    messages = list_messages(session, pc.actor, ticket_id, after_id=None, limit=MAX_MESSAGES)
    values: dict[str, Any] = {"composer": {"text": "", "error": ""}, "flash": "", "action_error": "", **extra}
    entries = timeline(session, ticket.id, messages, for_customer=True)
    escalation = session.scalar(  # the latest request to escalate, however it was made
        select(EscalationRequest.status)
        .where(EscalationRequest.ticket_id == ticket.id)
        .order_by(EscalationRequest.id.desc())
        .limit(1)
    )
    return _base(
        pc,
        ticket=ticket,
        messages=messages,
        entries=entries,
        reply_by=reply_by(session, ticket),
        escalation=escalation,
        **values,
    )


@router.get("/tickets/{ticket_id}")
def portal_ticket(
    request: Request,
    session: DbSession,
    pc: PortalCustomer,
    ticket_id: int,
    sent: bool = False,
    done: str = "",
) -> Response:
    flash = "Thank you, your message was sent." if sent else DONE.get(done, "")
    context = _ticket_context(session, pc, ticket_id, flash=flash)
    if context["ticket"].merged_into_id is not None:
        return redirect(f"/portal/tickets/{context['ticket'].merged_into_id}")
    return render(request, "portal_ticket.html", context)


@router.post("/tickets/{ticket_id}/messages")
def portal_reply(
    request: Request,
    session: DbSession,
    pc: PortalCustomer,
    ticket_id: int,
    text: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
    files: Annotated[list[UploadFile] | None, File()] = None,
) -> Response:
    check_csrf(request, pc.web, csrf_token, kept=text)
    max_bytes = request.app.state.settings.attachment_max_bytes
    try:
        attachments = read_uploads(files, max_bytes)
        if not text.strip() and not attachments:
            raise Invalid.field("text", "Write a message before sending.")
        row = add_message(
            session,
            pc.actor,
            ticket_id,
            NewMessage(text=text, channel="web", attachments=attachments),
            max_attachment_bytes=max_bytes,
        )
    except DomainError as exc:
        if exc.status == 404:
            raise
        session.rollback()
        composer = {"text": text, "error": exc.errors[0].message if exc.errors else exc.detail}
        context = _ticket_context(session, pc, ticket_id, composer=composer)
        template = "_portal_ticket.html" if is_htmx(request) else "portal_ticket.html"
        return render(request, template, context, status=422)
    # A reply to a closed ticket opens a follow-up: show the ticket the message landed on.
    target = row.ticket_id
    if is_htmx(request) and target == ticket_id:
        flash = "Thank you, your message was sent."
        return render(request, "_portal_ticket.html", _ticket_context(session, pc, target, flash=flash))
    if is_htmx(request):
        return Response(status_code=200, headers={"HX-Redirect": f"/portal/tickets/{target}?sent=1"})
    return redirect(f"/portal/tickets/{target}?sent=1")


def _after_action(
    request: Request,
    session: Session,
    pc: PortalContext,
    ticket_id: int,
    flash: str,
    status: int = 200,
    **extra: Any,
) -> Response:
    context = _ticket_context(session, pc, ticket_id, flash=flash, **extra)
    if is_htmx(request):
        return render(request, "_portal_ticket.html", context, status=status)
    if status == 200:
        return redirect(f"/portal/tickets/{ticket_id}?done={extra.get('done_key', '')}")
    return render(request, "portal_ticket.html", context, status=status)


@router.post("/tickets/{ticket_id}/close")
def portal_close(
    request: Request,
    session: DbSession,
    pc: PortalCustomer,
    ticket_id: int,
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, pc.web, csrf_token)
    try:
        close_own_ticket(session, pc.actor, ticket_id)
    except DomainError as exc:
        if exc.status == 404:
            raise
        session.rollback()
        return _after_action(request, session, pc, ticket_id, "", status=409, action_error=exc.detail)
    return _after_action(request, session, pc, ticket_id, DONE["closed"], done_key="closed")


@router.post("/tickets/{ticket_id}/escalate")
def portal_escalate(
    request: Request,
    session: DbSession,
    pc: PortalCustomer,
    ticket_id: int,
    reason: Annotated[str, Form(max_length=5000)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, pc.web, csrf_token, kept=reason)
    try:
        if ask_to_escalate(session, pc.actor, ticket_id, reason):
            # ... and into the team leads' queue, where a lead accepts or declines it.
            request_escalation(session, pc.actor, ticket_id, reason=reason, source="portal", announced=True)
    except DomainError as exc:
        if exc.status == 404:
            raise
        session.rollback()
        return _after_action(request, session, pc, ticket_id, "", status=409, action_error=exc.detail)
    return _after_action(request, session, pc, ticket_id, DONE["escalated"], done_key="escalated")


@router.get("/new")
def portal_new_form(request: Request, pc: PortalCustomer) -> Response:
    return render(request, "portal_new.html", _base(pc, form={"subject": "", "text": ""}, error=""))


@router.post("/new")
def portal_new(
    request: Request,
    session: DbSession,
    pc: PortalCustomer,
    subject: Annotated[str, Form()] = "",
    text: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, pc.web, csrf_token, kept=text)
    form = {"subject": subject, "text": text}
    try:
        if not text.strip():
            raise Invalid.field("text", "Describe what you need help with.")
        if len(subject) > 250:
            raise Invalid.field("subject", "Keep the subject under 250 characters.")
        ticket = create_ticket(
            session,
            pc.actor,
            subject=subject,
            requester=pc.customer,
            message=NewMessage(text=text, channel="web"),
            channel="web",
        )
    except DomainError as exc:
        session.rollback()
        error = exc.errors[0].message if exc.errors else exc.detail
        return render(request, "portal_new.html", _base(pc, form=form, error=error), status=422)
    return redirect(f"/portal/tickets/{ticket.id}?sent=1")


@router.get("/attachments/{attachment_id}")
def portal_attachment(session: DbSession, pc: PortalCustomer, attachment_id: int) -> Response:
    return attachment_response(get_attachment(session, pc.actor, attachment_id))
