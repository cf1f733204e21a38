"""Plug-in points for channels: called inside the transaction of the action that triggers them.

A channel (email, chat, SMS…) registers a hook to turn an agent's public reply into an outbound
message queued in the outbox, so the reply and its delivery commit or roll back together.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

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
