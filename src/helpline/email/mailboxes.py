"""Admin actions on mailboxes: the addresses we receive mail at, each mapped to a team's queue.

Each action checks the actor is an admin, validates, and writes its audit row in the caller's
transaction. A disabled mailbox keeps its history; mail to it is then matched like mail to an
unknown address (the first active mailbox takes it), and replies go out from another address.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from helpline.accounts.models import Team
from helpline.audit.service import changes, record
from helpline.core.actor import Actor
from helpline.core.errors import Conflict, Forbidden, Invalid, NotFound
from helpline.core.secrets import seal
from helpline.customers.identities import normalize_email
from helpline.email.models import Mailbox

UNSET: Any = object()
IMAP_SECURITY = ("ssl", "starttls", "plain")


def _admin(actor: Actor) -> None:
    if not actor.is_admin:
        raise Forbidden("only admins can manage mailboxes")


def _address(session: Session, value: str, mailbox_id: int | None) -> str:
    if not value.strip():
        raise Invalid.field("address", "Give the email address customers write to.")
    address = normalize_email(value, "address")
    taken = session.scalar(
        select(Mailbox.id).where(Mailbox.address == address, Mailbox.id != (mailbox_id or 0))
    )
    if taken is not None:
        raise Conflict(f"a mailbox for {address} already exists")
    return address


def _team(session: Session, team_id: int | None) -> int | None:
    if team_id is not None and session.get(Team, team_id) is None:
        raise Invalid.field("team_id", f"team {team_id} does not exist")
    return team_id


def _snapshot(box: Mailbox) -> dict[str, Any]:
    return {
        "address": box.address,
        "name": box.name,
        "team_id": box.team_id,
        "auto_acknowledge": box.auto_acknowledge,
        "bot_enabled": box.bot_enabled,
        "active": box.active,
        "imap_host": box.imap_host,
    }


def list_mailboxes(session: Session, actor: Actor) -> list[Mailbox]:
    _admin(actor)
    return list(session.scalars(select(Mailbox).order_by(Mailbox.address)))


def get_mailbox(session: Session, actor: Actor, mailbox_id: int) -> Mailbox:
    _admin(actor)
    box = session.get(Mailbox, mailbox_id)
    if box is None:
        raise NotFound(f"mailbox {mailbox_id} does not exist")
    return box


def create_mailbox(
    session: Session,
    actor: Actor,
    *,
    address: str,
    name: str = "",
    team_id: int | None = None,
    auto_acknowledge: bool = True,
    bot_enabled: bool = False,
    imap_host: str | None = None,
    imap_port: int | None = None,
    imap_security: str = "ssl",
    imap_username: str | None = None,
    imap_password: str | None = None,
    imap_folder: str = "INBOX",
    secret_key: str = "",
) -> Mailbox:
    _admin(actor)
    if imap_host and not (imap_username and imap_password):
        raise Invalid.field("imap_username", "IMAP polling needs a username and a password")
    if imap_security not in IMAP_SECURITY:
        raise Invalid.field("imap_security", f"must be one of {', '.join(IMAP_SECURITY)}")
    box = Mailbox(
        address=_address(session, address, None),
        name=name.strip()[:120],
        team_id=_team(session, team_id),
        auto_acknowledge=auto_acknowledge,
        bot_enabled=bot_enabled,
        active=True,
        imap_host=imap_host,
        imap_port=imap_port,
        imap_security=imap_security,
        imap_username=imap_username,
        imap_folder=imap_folder,
        imap_password=seal(secret_key, imap_password) if imap_password else None,
    )
    session.add(box)
    session.flush()
    record(session, actor, "mailbox.create", "mailbox", box.id, None, _snapshot(box))
    return box


def update_mailbox(
    session: Session,
    actor: Actor,
    mailbox_id: int,
    *,
    address: str = UNSET,
    name: str = UNSET,
    team_id: int | None = UNSET,
    auto_acknowledge: bool = UNSET,
    bot_enabled: bool = UNSET,
    active: bool = UNSET,
) -> Mailbox:
    """Change a mailbox; ``active=False`` disables it (mail to it is no longer routed by it)."""
    box = get_mailbox(session, actor, mailbox_id)
    before = _snapshot(box)
    if address is not UNSET:
        box.address = _address(session, address, box.id)
    if name is not UNSET:
        box.name = name.strip()[:120]
    if team_id is not UNSET:
        box.team_id = _team(session, team_id)
    if auto_acknowledge is not UNSET:
        box.auto_acknowledge = auto_acknowledge
    if bot_enabled is not UNSET:
        box.bot_enabled = bot_enabled
    if active is not UNSET:
        box.active = active
    old, new = changes(before, _snapshot(box))
    if new:
        session.flush()
        action = "mailbox.update"
        if set(new) == {"active"}:
            action = "mailbox.enable" if box.active else "mailbox.disable"
        record(session, actor, action, "mailbox", box.id, old, new)
    return box
