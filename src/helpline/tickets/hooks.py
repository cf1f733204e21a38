"""Plug-in points for channels: called inside the transaction of the action that triggers them.

A channel (email, chat, SMS…) registers a hook to turn an agent's public reply into an outbound
message queued in the outbox, so the reply and its delivery commit or roll back together.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from helpline.tickets.models import Message, Ticket

PublicReplyHook = Callable[["Session", "Ticket", "Message"], None]
PUBLIC_REPLY_HOOKS: list[PublicReplyHook] = []


def on_public_reply(hook: PublicReplyHook) -> PublicReplyHook:
    if hook not in PUBLIC_REPLY_HOOKS:
        PUBLIC_REPLY_HOOKS.append(hook)
    return hook


def run_public_reply_hooks(session: Session, ticket: Ticket, message: Message) -> None:
    for hook in PUBLIC_REPLY_HOOKS:
        hook(session, ticket, message)


# Lifecycle hooks for features that follow tickets (SLA clocks, routing): called inside the action's
# transaction after the change, so what they write commits or rolls back with it.
TicketHook = Callable[["Session", "Ticket"], None]
ChangeHook = Callable[["Session", "Ticket", dict[str, Any], dict[str, Any]], None]
MessageHook = Callable[["Session", "Ticket", "Message"], None]
TICKET_CREATED_HOOKS: list[TicketHook] = []
TICKET_CHANGED_HOOKS: list[ChangeHook] = []
CUSTOMER_MESSAGE_HOOKS: list[MessageHook] = []


def on_ticket_created(hook: TicketHook) -> TicketHook:
    if hook not in TICKET_CREATED_HOOKS:
        TICKET_CREATED_HOOKS.append(hook)
    return hook


def on_ticket_changed(hook: ChangeHook) -> ChangeHook:
    """``hook(session, ticket, old, new)`` with the changed fields' values before and after."""
    if hook not in TICKET_CHANGED_HOOKS:
        TICKET_CHANGED_HOOKS.append(hook)
    return hook


def on_customer_message(hook: MessageHook) -> MessageHook:
    """A public message authored by the customer was added to an existing ticket."""
    if hook not in CUSTOMER_MESSAGE_HOOKS:
        CUSTOMER_MESSAGE_HOOKS.append(hook)
    return hook


def run_ticket_created_hooks(session: Session, ticket: Ticket) -> None:
    for hook in TICKET_CREATED_HOOKS:
        hook(session, ticket)


def run_ticket_changed_hooks(
    session: Session, ticket: Ticket, old: dict[str, Any], new: dict[str, Any]
) -> None:
    for hook in TICKET_CHANGED_HOOKS:
        hook(session, ticket, old, new)


def run_customer_message_hooks(session: Session, ticket: Ticket, message: Message) -> None:
    if message.author_kind != "customer" or message.internal:
        return
    for hook in CUSTOMER_MESSAGE_HOOKS:
        hook(session, ticket, message)
