"""The answer bot on email: an automatic answer to a new request it is sure about (opt-in per mailbox).

When a mailbox has ``bot_enabled`` and a *new* request arrives there by email (not a reply, not a
follow-up of a closed ticket, not an auto-reply, list mail or bounce: the intake's loop protection
has classified those already), the ticket-created hook queues ``kb.email_answer``; the intake itself
does nothing more. The job runs after commit: it puts subject and text to the answer bot, searching
only what the customer may read (published, public articles), and

- when the bot is sure (the workspace's threshold, the same one the chat widget and the portal use),
  emails the customer the passage with the article's title and help-center link, saying plainly that
  this is an automatic answer and that the request stays with the team;
- when it is not, sends nothing (the usual acknowledgement has gone already).

Either way the turn is logged like every bot answer (``kb_bot_answers``, channel ``email``, with its
ticket) and feeds the gap report. The ticket stays as it was — new or open, in its team's queue,
its SLA clocks running: the automatic answer is not a response from the team (``author_kind``
``system``). Desks that send article suggestions by email (Zendesk's "autoreply with articles",
Freshdesk's email bot) also leave the ticket open unless the customer explicitly closes it.

The customer's next reply threads into the same ticket like any reply (the bot email carries the
usual Message-ID, In-Reply-To and References) and rates the answer: a short "solved, thanks" marks it
helped, anything else — "this did not help", a new question — marks it not helped. Either way an
internal note tells the agent what the customer said about it.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from helpline.audit.service import record
from helpline.core.actor import SYSTEM, Actor, ActorKind
from helpline.core.db import Database, utcnow
from helpline.email import outbound
from helpline.email.models import InboundEmail, Mailbox
from helpline.kb.answers import ask_bot, log_answer, record_bot_feedback
from helpline.kb.bot import BotAnswer
from helpline.kb.models import KbArticle, KbBotAnswer
from helpline.outbox.runner import Job, handler
from helpline.outbox.service import enqueue
from helpline.tickets.conversation import add_message, append_message
from helpline.tickets.hooks import on_customer_message, on_ticket_created
from helpline.tickets.models import Message, Ticket
from helpline.tickets.search import index_ticket
from helpline.tickets.service import NewMessage, update_ticket

log = logging.getLogger(__name__)

EMAIL_BOT_JOB = "kb.email_answer"
ANSWERED_TAG = "bot-answered"
MAX_QUESTION_CHARS = 2000
MAX_ANSWERS_PER_HOUR = 3  # per customer: a flood of requests never becomes a flood of bot emails
MAX_THANKS_WORDS = 40  # a longer reply is taken as more to say, not as "solved"


@dataclass
class EmailBotConfig:
    base_url: str = ""  # HELPLINE_BASE_URL: links to the help center need an absolute address


CONFIG = EmailBotConfig()


def configure(base_url: str) -> None:
    CONFIG.base_url = base_url.rstrip("/")


def article_url(article: KbArticle) -> str:
    path = f"/help/{article.locale}/{article.slug}"
    return CONFIG.base_url + path if CONFIG.base_url else ""


# -- queueing: one look at the new ticket inside the intake's transaction ------------------------


def _mailbox_of(session: Session, ticket: Ticket) -> Mailbox | None:
    """The mailbox an email ticket's first message came in through, when the bot may answer it."""
    meta = session.scalar(
        select(Message.meta).where(Message.ticket_id == ticket.id).order_by(Message.id).limit(1)
    )
    meta = meta or {}
    inbound_id = meta.get("inbound_email_id")
    if inbound_id is None or meta.get("auto_reply") or meta.get("list") or not meta.get("from"):
        return None
    inbound = session.get(InboundEmail, inbound_id)
    box = session.get(Mailbox, inbound.mailbox_id) if inbound and inbound.mailbox_id else None
    return box if box is not None and box.active and box.bot_enabled else None


@on_ticket_created
def queue_email_answer(session: Session, ticket: Ticket) -> None:
    if ticket.channel != "email" or ticket.follow_up_of_id is not None:
        return
    if _mailbox_of(session, ticket) is not None:
        enqueue(session, EMAIL_BOT_JOB, {"ticket_id": ticket.id}, dedupe_key=f"{EMAIL_BOT_JOB}:{ticket.id}")


# -- the job: search outside the write transaction, then reply in a short one -------------------


def _customer(ticket: Ticket) -> Actor:
    return Actor(ActorKind.CUSTOMER, ticket.requester_id, ticket.requester.name if ticket.requester else "")


def _question(session: Session, ticket: Ticket) -> str | None:
    """Subject and text of the request, when the bot should still answer it."""
    if (
        ticket.status not in ("new", "open")
        or ticket.merged_into_id is not None
        or ticket.last_agent_reply_at is not None
        or not outbound.CONFIG.relay_url
        or ticket.requester is None
        or not ticket.requester.primary_email
        or _mailbox_of(session, ticket) is None  # switched off since it was queued
    ):
        return None
    asked_before = session.scalar(
        select(KbBotAnswer.id).where(KbBotAnswer.ticket_id == ticket.id, KbBotAnswer.channel == "email")
    )
    if asked_before is not None:
        return None  # a retried job: answered (or declined) once already
    since = utcnow() - dt.timedelta(hours=1)
    recent = session.scalar(
        select(func.count())
        .select_from(KbBotAnswer)
        .where(
            KbBotAnswer.channel == "email",
            KbBotAnswer.answered.is_(True),
            KbBotAnswer.actor_kind == "customer",
            KbBotAnswer.actor_id == ticket.requester_id,
            KbBotAnswer.created_at >= since,
        )
    )
    if (recent or 0) >= MAX_ANSWERS_PER_HOUR:
        return None
    first = session.scalars(
        select(Message)
        .where(Message.ticket_id == ticket.id, Message.author_kind == "customer", Message.internal.is_(False))
        .order_by(Message.id)
        .limit(1)
    ).first()
    if first is None:
        return None
    subject = ticket.subject if ticket.subject != "(no subject)" else ""
    text = f"{subject}\n{first.text}".strip()
    return text[:MAX_QUESTION_CHARS] or None


@handler(EMAIL_BOT_JOB)
def email_answer_job(db: Database, job: Job) -> None:
    ticket_id = int(job.payload["ticket_id"])
    with db.read_sessions() as session:  # the search may load the index: no write lock meanwhile
        ticket = session.get(Ticket, ticket_id)
        question = _question(session, ticket) if ticket is not None else None
        if ticket is None or question is None:
            return
        answer = ask_bot(session, _customer(ticket), question)
    with db.transaction() as session:
        answer_by_email(session, ticket_id, answer)


def answer_by_email(session: Session, ticket_id: int, answer: BotAnswer) -> Message | None:
    """Log the bot's turn on a new email request and, if it answered, email the answer."""
    ticket = session.get(Ticket, ticket_id)
    if ticket is None or _question(session, ticket) is None:
        return None
    customer = _customer(ticket)
    turn = log_answer(session, customer, answer, channel="email", ticket_id=ticket.id)
    article = session.get(KbArticle, turn.article_id) if turn.article_id is not None else None
    if not answer.answered or article is None:
        return None
    if article.status != "published" or article.visibility != "public":
        turn.answered, turn.reason = False, "not_public"  # the index trailed an unpublish: say nothing
        return None
    mailbox = _mailbox_of(session, ticket)
    team = mailbox.name if mailbox is not None and mailbox.name else "Support"
    title = article.published_title or article.title
    url = article_url(article)
    language = ticket.requester.language if ticket.requester else None
    body = render_answer(ticket, answer.excerpt or "", title, url, language, team)
    meta = {"bot": "email_answer", "bot_answer_id": turn.id, "source": {"title": title, "url": url}}
    row = append_message(session, SYSTEM, ticket, NewMessage(text=body, channel="email", meta=meta))
    outbound.queue_email(session, ticket, text=body, kind="bot_answer", message=row)
    record(
        session,
        SYSTEM,
        "kb.bot.email_answer",
        "ticket",
        ticket.id,
        None,
        {"message_id": row.id, "bot_answer_id": turn.id, "article_id": article.id},
    )
    if ANSWERED_TAG not in ticket.tags:
        update_ticket(session, SYSTEM, ticket.id, tags=[*ticket.tags, ANSWERED_TAG])
    index_ticket(session, ticket.id)
    return row


TEMPLATES = {
    "en": (
        "Hello {name},\n\n"
        "this is an automatic answer from our help center to your request #{id}. We think this "
        "article answers your question:\n\n"
        "{title}\n{link}"
        "{quote}\n\n"
        "Your request stays with our team either way. If this solves it, a short reply such as "
        "“solved, thanks” lets us know. If it doesn't, reply to this email — “this did not help” "
        "is enough — and a person from our team will answer you; they see everything you wrote.\n\n"
        "Kind regards,\n{team}"
    ),
    "de": (
        "Hallo {name},\n\n"
        "dies ist eine automatische Antwort aus unserem Hilfe-Center auf Ihre Anfrage #{id}. "
        "Dieser Artikel beantwortet Ihre Frage wahrscheinlich:\n\n"
        "{title}\n{link}"
        "{quote}\n\n"
        "Ihre Anfrage bleibt in jedem Fall bei unserem Team. Wenn das Ihr Anliegen löst, genügt eine "
        "kurze Antwort wie „gelöst, danke“. Wenn nicht, antworten Sie einfach auf diese E-Mail \N{EN DASH} "
        "„hat nicht geholfen“ genügt \N{EN DASH} und eine Person aus unserem Team antwortet Ihnen; sie sieht "
        "alles, was Sie geschrieben haben.\n\n"
        "Freundliche Grüße\n{team}"
    ),
}


def render_answer(ticket: Ticket, excerpt: str, title: str, url: str, language: str | None, team: str) -> str:
    lang = (language or "en").split("-")[0].lower()
    lang = lang if lang in TEMPLATES else "en"
    first_name = (ticket.requester.name or "").split(" ")[0] if ticket.requester else ""
    quote = "\n".join(f"> {line}" if line else ">" for line in excerpt.strip().splitlines())
    return (
        TEMPLATES[lang]
        .format(
            name=first_name or ("there" if lang == "en" else ""),
            id=ticket.id,
            title=title,
            link=f"{url}\n" if url else "",
            quote=f"\n{quote}" if quote else "",
            team=team,
        )
        .replace("Hallo ,", "Hallo,")
    )


# -- the customer's reply rates the answer ------------------------------------------------------

_SOLVED = re.compile(
    r"\b(thanks?|thank you|thx|cheers|solved|resolved|fixed|helped|helpful|works|worked|perfect|"
    r"danke|gelöst|geholfen|funktioniert|klappt)\b",
    re.IGNORECASE,
)
_NOT_SOLVED = re.compile(
    r"\b(not|no|never|nope|still|but|however|nicht|nichts|kein\w*|aber|leider|noch|trotzdem)\b|n['\u2019]t\b",
    re.IGNORECASE,
)


def says_solved(text: str) -> bool:
    """A short reply that says thanks or solved, and nothing against it ("thanks, but…")."""
    words = text.split()
    return 0 < len(words) <= MAX_THANKS_WORDS and bool(_SOLVED.search(text)) and not _NOT_SOLVED.search(text)


@on_customer_message
def rate_email_answer(session: Session, ticket: Ticket, message: Message) -> None:
    """The requester's first human reply after an automatic email answer says whether it helped."""
    meta = message.meta or {}
    if message.channel != "email" or meta.get("auto_reply") or meta.get("list"):
        return
    turn = session.scalar(
        select(KbBotAnswer)
        .where(
            KbBotAnswer.ticket_id == ticket.id,
            KbBotAnswer.answered.is_(True),
            KbBotAnswer.helped.is_(None),
        )
        .order_by(KbBotAnswer.id.desc())
        .limit(1)
    )
    if turn is None or turn.actor_kind != "customer" or turn.actor_id != message.author_customer_id:
        return
    helped = says_solved(message.text)
    record_bot_feedback(session, Actor(ActorKind.CUSTOMER, turn.actor_id), turn.id, helped=helped)
    note = (
        "The customer says the automatic answer solved it; you can close this request."
        if helped
        else "The customer replied to the automatic answer: it did not settle the request, so it is "
        "yours to answer. Their reply is above."
    )
    add_message(
        session, SYSTEM, ticket.id, NewMessage(text=note, internal=True, meta={"bot": "email_answer"})
    )
