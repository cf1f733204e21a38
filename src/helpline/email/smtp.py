"""The built-in SMTP server: accepts mail for our mailboxes and answers 250 only once it is stored."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope
from aiosmtpd.smtp import Session as SMTPSession
from sqlalchemy import select

from helpline.core.db import Database
from helpline.email.models import Mailbox
from helpline.email.service import receive_email

log = logging.getLogger(__name__)
MAX_MESSAGE_BYTES = 25 * 1024 * 1024


class InboundHandler:
    def __init__(self, db: Database, *, restrict_to_mailboxes: bool = False) -> None:
        self.db = db
        self.restrict = restrict_to_mailboxes

    def _known(self, address: str) -> bool:
        with self.db.read_sessions() as session:
            return session.scalar(select(Mailbox.id).where(Mailbox.address == address.lower())) is not None

    async def handle_RCPT(  # noqa: N802 (aiosmtpd's hook name)
        self, server: SMTP, session: SMTPSession, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        if self.restrict and not await asyncio.get_running_loop().run_in_executor(None, self._known, address):
            return f"550 5.1.1 <{address}>: no such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(  # noqa: N802
        self, server: SMTP, session: SMTPSession, envelope: Envelope
    ) -> str:
        raw = envelope.original_content or envelope.content
        data = raw if isinstance(raw, bytes) else str(raw or "").encode("utf-8", "surrogateescape")
        loop = asyncio.get_running_loop()
        try:
            await loop.run_in_executor(
                None,
                lambda: receive_email(
                    self.db,
                    data,
                    source="smtp",
                    envelope_from=str(envelope.mail_from or ""),
                    envelope_to=list(envelope.rcpt_tos),
                ),
            )
        except Exception:
            log.exception("could not store an inbound message; asking the sender to retry")
            return "451 4.3.0 Temporary failure storing the message, please retry"
        return "250 2.0.0 Message accepted"


class LenientSMTP(SMTP):
    """RFC 5321 caps lines at 1,000 octets, but real mail (long HTML lines, unwrapped bodies) breaks
    that every day and common MTAs accept it; refusing would lose the customer's message."""

    line_length_limit = 1024 * 1024


class LenientController(Controller):
    def factory(self) -> SMTP:
        return LenientSMTP(self.handler, **self.SMTP_kwargs)


class InboundSMTPServer:
    """aiosmtpd in a background thread, started and stopped by ``helpline serve`` (and tests)."""

    def __init__(self, db: Database, listen: str, *, restrict_to_mailboxes: bool = False) -> None:
        host, _, port = listen.rpartition(":")
        self.handler = InboundHandler(db, restrict_to_mailboxes=restrict_to_mailboxes)
        self.controller = LenientController(
            self.handler,
            hostname=host,
            port=int(port),
            data_size_limit=MAX_MESSAGE_BYTES,
            decode_data=False,
            ready_timeout=10,
            ident="Helpline ESMTP",
        )

    @property
    def address(self) -> tuple[str, int]:
        return self.controller.hostname, self.controller.port

    def start(self) -> None:
        self.controller.start()
        log.info("inbound SMTP listening on %s:%s", *self.address)

    def stop(self) -> None:
        self.controller.stop()

    def __enter__(self) -> InboundSMTPServer:
        self.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()
