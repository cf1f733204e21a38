"""The answer bot in the chat widget: answer from the help center first, hand over when unsure.

When a widget has the bot switched on, each visitor message of a chat that no agent has answered
yet is put to the knowledge base's answer bot (a job after commit, so the visitor's message is
acknowledged at once). A confident answer goes back as a message with its source article; a question
the bot is not sure about, or a visitor asking for a person, hands the chat over: the bot says so,
tags the ticket ``bot-handover`` and leaves an internal note, and stays quiet from then on. The chat
is a ticket from its first message, so the agent who picks it up sees the whole exchange.
"""

from __future__ import annotations

import re

from sqlalchemy.orm import Session

from helpline.core.actor import SYSTEM
from helpline.kb.answers import answer_question
from helpline.kb.handover import HANDOVER_TAG
from helpline.kb.models import KbArticle
from helpline.kb.service import ANONYMOUS
from helpline.outbox.service import enqueue
from helpline.tickets.conversation import add_message
from helpline.tickets.models import Message, Ticket
from helpline.tickets.service import NewMessage, update_ticket

BOT_JOB = "chat.bot_reply"
BOT_NAME = "Answer bot"
ANSWERED_TAG = "bot-answered"
# A short message asking for a person skips the bot ("agent", "a human please", "Mitarbeiter").
_ASK_FOR_PERSON = re.compile(
    r"\b(agent|human|person|someone real|real person|representative|operator|mitarbeiter|mensch)\b", re.I
)
HANDED_OVER = (
    "I'm passing you to a person from our team. They can see everything you've written here, so you "
    "won't need to repeat it."
)


def schedule_bot_reply(session: Session, ticket_id: int, message_id: int) -> None:
    enqueue(session, BOT_JOB, {"ticket_id": ticket_id, "message_id": message_id})


def bot_is_listening(ticket: Ticket) -> bool:
    """The bot speaks only until a person has taken over (an agent replied, or it handed over)."""
    return ticket.last_agent_reply_at is None and HANDOVER_TAG not in ticket.tags


def reply_as_bot(session: Session, ticket_id: int, message_id: int) -> Message | None:
    """Answer the visitor's message ``message_id`` from the public help center, or hand over."""
    ticket = session.get(Ticket, ticket_id)
    question = session.get(Message, message_id)
    if ticket is None or question is None or not bot_is_listening(ticket):
        return None
    text = question.text.strip()
    if not text:
        return None
    if len(text) <= 60 and _ASK_FOR_PERSON.search(text):
        return _hand_over(session, ticket, HANDED_OVER, "The visitor asked for a person.")
    answer, log = answer_question(session, ANONYMOUS, text, channel="chat")
    article = session.get(KbArticle, log.article_id) if log.article_id is not None else None
    if not answer.answered or article is None:
        why = f"The answer bot was not sure (confidence {answer.confidence:.2f})."
        return _hand_over(session, ticket, answer.message or HANDED_OVER, why)
    title = article.published_title or article.title
    url = f"/help/{article.locale}/{article.slug}"
    body = (
        f"{(answer.excerpt or '').strip()}\n\nSource: {title} ({url})\n\n"
        "Did this answer your question? If not, write “agent” and a person from our team will take over."
    )
    meta = {"bot": "answer", "bot_answer_id": log.id, "source": {"title": title, "url": url}}
    reply = add_message(session, SYSTEM, ticket.id, NewMessage(text=body, channel="chat", meta=meta))
    if ANSWERED_TAG not in ticket.tags:
        update_ticket(session, SYSTEM, ticket.id, tags=[*ticket.tags, ANSWERED_TAG])
    return reply


def _hand_over(session: Session, ticket: Ticket, said: str, why: str) -> Message:
    meta = {"bot": "handover"}
    reply = add_message(session, SYSTEM, ticket.id, NewMessage(text=said, channel="chat", meta=meta))
    note = f"{why} The conversation above is everything the visitor has written so far."
    add_message(session, SYSTEM, ticket.id, NewMessage(text=note, internal=True, meta=meta))
    update_ticket(session, SYSTEM, ticket.id, tags=[*ticket.tags, HANDOVER_TAG])
    return reply
