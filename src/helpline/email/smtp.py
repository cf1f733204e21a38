"""The built-in SMTP server: accepts mail for our mailboxes and answers 250 only once it is stored."""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope
from aiosmtpd.smtp import Session as SMTPSession
from sqlalchemy import select

from helpline.core.db import Database
from helpline.email.models import Mailbox
from helpline.email.service import ACCEPTING, Incoming, receive_email, receive_many

log = logging.getLogger(__name__)
MAX_MESSAGE_BYTES = 25 * 1024 * 1024


@dataclass
class _Pending:
    message: Incoming
    done: Future[tuple[int, bool]]


class GroupCommitter:
    """Stores accepted messages for the SMTP server in one writer thread. Messages whose DATA ends
    while a commit is under way share the next commit, so N concurrent senders cost one transaction
    (and one fsync on PostgreSQL) instead of N, and they never queue on SQLite's write lock among
    themselves. Each sender still gets its answer only after the commit that holds its message."""

    def __init__(self, db: Database, *, max_batch: int = 100) -> None:
        self.db = db
        self.max_batch = max_batch
        self.queue: queue.SimpleQueue[_Pending | None] = queue.SimpleQueue()
        self.thread = threading.Thread(target=self._run, name="helpline-smtp-store", daemon=True)
        self.thread.start()

    def submit(self, message: Incoming) -> Future[tuple[int, bool]]:
        pending = _Pending(message, Future())
        self.queue.put(pending)
        return pending.done

    def stop(self) -> None:
        self.queue.put(None)  # after everything already submitted: those are stored first
        self.thread.join(30)

    def _run(self) -> None:
        while True:
            first = self.queue.get()
            if first is None:
                return
            batch, stopping = [first], False
            while len(batch) < self.max_batch:
                try:
                    item = self.queue.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    stopping = True
                    break
                batch.append(item)
            # A sender that hung up meanwhile has cancelled its future: it will send again.
            live = [p for p in batch if p.done.set_running_or_notify_cancel()]
            try:
                self._store(live)
            except Exception as error:  # never let the writer die: every later sender would hang
                log.exception("storing inbound messages failed")
                for pending in live:
                    if not pending.done.done():
                        pending.done.set_exception(error)
            if stopping:
                return

    def _store(self, batch: list[_Pending]) -> None:
        if not batch:
            return
        with ACCEPTING.storing():
            self._store_now(batch)

    def _store_now(self, batch: list[_Pending]) -> None:
        try:
            results = receive_many(self.db, [p.message for p in batch], source="smtp")
        except Exception as error:  # one bad message (or a race with another process) must not
            log.warning("storing %s messages together failed (%s); one by one", len(batch), error)
            for pending in batch:  # fail the others: store each on its own
                try:
                    one = pending.message
                    result = receive_email(
                        self.db,
                        one.raw,
                        source="smtp",
                        envelope_from=one.envelope_from,
                        envelope_to=one.envelope_to,
                    )
                except Exception as single_error:
                    pending.done.set_exception(single_error)
                else:
                    pending.done.set_result(result)
            return
        for pending, result in zip(batch, results, strict=True):
            pending.done.set_result(result)


class InboundHandler:
    def __init__(self, db: Database, *, restrict_to_mailboxes: bool = False) -> None:
        self.db = db
        self.restrict = restrict_to_mailboxes
        self.committer: GroupCommitter | None = None

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
        message = Incoming(data, str(envelope.mail_from or ""), list(envelope.rcpt_tos))
        try:
            if self.committer is None:
                raise RuntimeError("the SMTP server is not storing messages (not started)")
            await asyncio.wrap_future(self.committer.submit(message))
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
        self.handler.committer = GroupCommitter(self.handler.db)
        self.controller.start()
        log.info("inbound SMTP listening on %s:%s", *self.address)

    def stop(self) -> None:
        self.controller.stop()
        if self.handler.committer is not None:
            self.handler.committer.stop()
            self.handler.committer = None

    def __enter__(self) -> InboundSMTPServer:
        self.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()
