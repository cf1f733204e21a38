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
PORT_RANGE = "Give a port number between 1 and 65535."
AGAIN = "Enter the password again to use it with the new server or account."


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
        "imap_port": box.imap_port,
        "imap_security": box.imap_security,
        "imap_username": box.imap_username,
        "imap_folder": box.imap_folder,
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
    if imap_port is not None and not 1 <= imap_port <= 65535:
        raise Invalid.field("imap_port", PORT_RANGE)
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
    imap_host: str | None = UNSET,
    imap_port: int | None = UNSET,
    imap_security: str = UNSET,
    imap_username: str | None = UNSET,
    imap_password: str | None = UNSET,
    imap_folder: str = UNSET,
    secret_key: str = "",
) -> Mailbox:
    """Change a mailbox; ``active=False`` disables it (mail to it is no longer routed by it).

    IMAP: an empty ``imap_host`` stops polling and forgets the credentials; an unset or empty
    ``imap_password`` keeps the saved one. Pointing the mailbox at another server, account or folder
    starts its UID bookkeeping afresh (UIDs only mean something within one folder), and mail already
    stored is recognised by Message-ID, so nothing is filed twice."""
    box = get_mailbox(session, actor, mailbox_id)
    before = _snapshot(box)
    sealed_before = box.imap_password
    _update_imap(
        box,
        host=imap_host,
        port=imap_port,
        security=imap_security,
        username=imap_username,
        password=imap_password,
        folder=imap_folder,
        secret_key=secret_key,
    )
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
    if box.imap_password != sealed_before:  # the audit log says so without keeping any form of it
        old["imap_password"] = "set" if sealed_before else None
        new["imap_password"] = "changed" if box.imap_password else None
    if new:
        session.flush()
        action = "mailbox.update"
        if set(new) == {"active"}:
            action = "mailbox.enable" if box.active else "mailbox.disable"
        record(session, actor, action, "mailbox", box.id, old, new)
    return box


def _update_imap(
    box: Mailbox,
    *,
    host: str | None,
    port: int | None,
    security: str,
    username: str | None,
    password: str | None,
    folder: str,
    secret_key: str,
) -> None:
    if host is not UNSET and not (host or "").strip():
        box.imap_host = box.imap_port = box.imap_username = box.imap_password = None
        box.imap_uidvalidity, box.imap_last_uid, box.imap_last_error = None, 0, None
        return
    where = (box.imap_host, box.imap_username, box.imap_folder)
    reach = (box.imap_host, box.imap_port, box.imap_security, box.imap_username)
    if host is not UNSET:
        box.imap_host = (host or "").strip()[:253]
    if port is not UNSET:
        if port is not None and not 1 <= port <= 65535:
            raise Invalid.field("imap_port", PORT_RANGE)
        box.imap_port = port
    if security is not UNSET:
        if security not in IMAP_SECURITY:
            raise Invalid.field("imap_security", f"must be one of {', '.join(IMAP_SECURITY)}")
        box.imap_security = security
    if username is not UNSET:
        box.imap_username = (username or "").strip()[:254] or None
    if folder is not UNSET:
        box.imap_folder = (folder or "").strip()[:200] or "INBOX"
    if password not in (UNSET, None, ""):
        if not secret_key:
            raise Invalid.field("imap_password", "the server's secret key is needed to store a password")
        box.imap_password = seal(secret_key, password)
    elif box.imap_password and (box.imap_host, box.imap_port, box.imap_security, box.imap_username) != reach:
        # The saved password is only ever sent where it was given for: a new server, port, account
        # or weaker security needs it typed again.
        raise Invalid.field("imap_password", AGAIN)
    if box.imap_host and not box.imap_username:
        raise Invalid.field("imap_username", "IMAP polling needs a username and a password")
    if box.imap_host and not box.imap_password:
        raise Invalid.field("imap_password", "IMAP polling needs a username and a password")
    if (box.imap_host, box.imap_username, box.imap_folder) != where:
        box.imap_uidvalidity, box.imap_last_uid, box.imap_last_error = None, 0, None
