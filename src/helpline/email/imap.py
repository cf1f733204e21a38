"""IMAP polling: fetch new mail from existing mailboxes without skipping or repeating any.

Each mailbox remembers UIDVALIDITY and the last UID it stored. A message is first stored (and so
deduplicated by Message-ID or content hash), then the UID mark moves past it: a crash between the two
fetches it again and the duplicate is recognised. A short lease on the mailbox row keeps two pollers
(two processes) from working the same mailbox at once.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import imaplib
import logging
import re
import ssl
import threading
from dataclasses import dataclass

from sqlalchemy import or_, select, update

from helpline.core.db import Database, utcnow
from helpline.core.secrets import unseal
from helpline.email.models import Mailbox
from helpline.email.service import receive_email

log = logging.getLogger(__name__)
LEASE = dt.timedelta(minutes=5)
BATCH = 200
_UIDVALIDITY = re.compile(rb"UIDVALIDITY (\d+)")


@dataclass
class PollResult:
    mailbox_id: int
    fetched: int
    new: int
    error: str | None = None


def _connect(box: Mailbox, password: str) -> imaplib.IMAP4:
    host = box.imap_host or ""
    if box.imap_security == "ssl":
        client: imaplib.IMAP4 = imaplib.IMAP4_SSL(
            host, box.imap_port or 993, ssl_context=ssl.create_default_context(), timeout=30
        )
    else:
        client = imaplib.IMAP4(host, box.imap_port or 143, timeout=30)
        if box.imap_security == "starttls":
            client.starttls(ssl_context=ssl.create_default_context())
    client.login(box.imap_username or "", password)
    return client


def _claim(db: Database, mailbox_id: int, owner: str) -> bool:
    now = utcnow()
    with db.transaction() as session:
        claimed = session.execute(
            update(Mailbox)
            .where(
                Mailbox.id == mailbox_id,
                or_(Mailbox.imap_lease_until.is_(None), Mailbox.imap_lease_until < now),
            )
            .values(imap_lease_until=now + LEASE)
            .execution_options(synchronize_session=False)
        )
        return bool(claimed.rowcount)  # type: ignore[attr-defined]


def poll_mailbox(db: Database, mailbox_id: int, secret_key: str) -> PollResult:
    if not _claim(db, mailbox_id, "poller"):
        return PollResult(mailbox_id, 0, 0, "another poller holds this mailbox")
    fetched = new = 0
    error: str | None = None
    try:
        with db.read_sessions() as session:
            box = session.get(Mailbox, mailbox_id)
            assert box is not None
            password = unseal(secret_key, box.imap_password or "") if box.imap_password else ""
        client = _connect(box, password)
        try:
            typ, data = client.select(f'"{box.imap_folder}"', readonly=True)
            if typ != "OK":
                raise imaplib.IMAP4.error(f"cannot open folder {box.imap_folder}: {data!r}")
            status = client.status(f'"{box.imap_folder}"', "(UIDVALIDITY)")[1][0] or b""
            match = _UIDVALIDITY.search(status if isinstance(status, bytes) else b"")
            validity = int(match.group(1)) if match else None
            last_uid = box.imap_last_uid if validity == box.imap_uidvalidity else 0
            typ, found = client.uid("SEARCH", f"UID {last_uid + 1}:*")
            uids = sorted(int(u) for u in (found[0] or b"").split() if int(u) > last_uid)[:BATCH]
            for uid in uids:
                typ, parts = client.uid("FETCH", str(uid), "(BODY.PEEK[])")
                raw = next((p[1] for p in parts if isinstance(p, tuple)), None)
                if typ != "OK" or raw is None:
                    raise imaplib.IMAP4.error(f"could not fetch UID {uid}")
                _, created = receive_email(db, raw, source="imap", envelope_to=[box.address])
                fetched += 1
                new += int(created)
                with db.transaction() as session:
                    session.execute(
                        update(Mailbox)
                        .where(Mailbox.id == mailbox_id)
                        .values(imap_last_uid=uid, imap_uidvalidity=validity)
                    )
        finally:
            with contextlib.suppress(OSError, imaplib.IMAP4.error):
                client.logout()
    except (OSError, imaplib.IMAP4.error, ValueError) as exc:
        error = f"{type(exc).__name__}: {exc}"
        log.warning("IMAP polling of mailbox %s failed: %s", mailbox_id, error)
    finally:
        with db.transaction() as session:
            session.execute(
                update(Mailbox)
                .where(Mailbox.id == mailbox_id)
                .values(imap_lease_until=None, imap_polled_at=utcnow(), imap_last_error=error)
            )
    return PollResult(mailbox_id, fetched, new, error)


def poll_all(db: Database, secret_key: str) -> list[PollResult]:
    with db.read_sessions() as session:
        ids = list(
            session.scalars(
                select(Mailbox.id).where(Mailbox.active.is_(True), Mailbox.imap_host.is_not(None))
            )
        )
    return [poll_mailbox(db, i, secret_key) for i in ids]


class ImapPoller:
    """Polls every IMAP mailbox every ``interval`` seconds in a background thread."""

    def __init__(self, db: Database, secret_key: str, interval: float = 60.0) -> None:
        self.db, self.secret_key, self.interval = db, secret_key, interval
        self.stopping = threading.Event()

    def run_forever(self) -> None:
        while not self.stopping.is_set():
            try:
                poll_all(self.db, self.secret_key)
            except Exception:
                log.exception("IMAP polling pass failed")
            self.stopping.wait(self.interval)

    def start_thread(self) -> threading.Thread:
        thread = threading.Thread(target=self.run_forever, name="helpline-imap", daemon=True)
        thread.start()
        return thread

    def stop(self) -> None:
        self.stopping.set()
