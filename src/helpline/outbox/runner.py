"""The durable job runner: claims outbox rows with a lease, delivers them, retries with backoff.

It runs in-process under ``helpline serve`` (embedded) and as ``helpline worker`` processes; any
number may run against one database. A row is claimed by one runner at a time (``FOR UPDATE SKIP
LOCKED`` on PostgreSQL, the single writer lock on SQLite); a runner that dies mid-delivery leaves a
lease that expires, and the row is delivered again by whoever claims it next.

A kind may also register a batch handler, which gets every claimed job of that kind at once (one
transaction, one SMTP connection…). If the batch handler raises, each job is retried on its own
through the kind's plain handler, so one bad item never fails its batch-mates. Urgent kinds
(acknowledgement emails) are claimed before everything else that is due; background kinds
(enrichment) after it, until they have waited ``BACKGROUND_GRACE``: then they take their turn by
age like any other job, so a steady stream of mail delays them but never starves them.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, event, or_, select, true, update
from sqlalchemy.orm import Session

from helpline.core.db import Database, utcnow
from helpline.outbox.models import OutboxItem

log = logging.getLogger(__name__)


class PermanentError(Exception):
    """Delivery can never succeed (bad address, 4xx answer): give up without retrying."""


@dataclass(frozen=True)
class Job:
    id: int
    kind: str
    payload: dict[str, Any]
    attempts: int


Handler = Callable[[Database, Job], None]
# Returns one outcome per job, in order: None when delivered, else the error for that job alone.
BatchHandler = Callable[[Database, Sequence[Job]], Sequence[BaseException | None]]
HANDLERS: dict[str, Handler] = {}
BATCH_HANDLERS: dict[str, BatchHandler] = {}
URGENT: set[str] = set()
BACKGROUND: set[str] = set()
BACKGROUND_GRACE = dt.timedelta(seconds=30)


def handler(kind: str, *, urgent: bool = False, background: bool = False) -> Callable[[Handler], Handler]:
    """Register the handler of ``kind``; ``urgent`` kinds are claimed before all others,
    ``background`` kinds after all others (for up to ``BACKGROUND_GRACE``)."""

    def register(fn: Handler) -> Handler:
        HANDLERS[kind] = fn
        if urgent:
            URGENT.add(kind)
        if background:
            BACKGROUND.add(kind)
        return fn

    return register


def batch_handler(kind: str) -> Callable[[BatchHandler], BatchHandler]:
    """Register a handler for many jobs of ``kind`` at once (the kind keeps its plain handler as
    the fallback when the batch as a whole fails)."""

    def register(fn: BatchHandler) -> BatchHandler:
        BATCH_HANDLERS[kind] = fn
        return fn

    return register


def backoff(attempts: int) -> dt.timedelta:
    return dt.timedelta(seconds=min(5 * 2 ** max(attempts - 1, 0), 3600))


class OutboxRunner:
    def __init__(
        self, db: Database, *, max_attempts: int = 8, lease_seconds: int = 60, name: str = ""
    ) -> None:
        self.db = db
        self.max_attempts = max_attempts
        self.lease = dt.timedelta(seconds=lease_seconds)
        self.name = name or f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        self.wake = threading.Event()
        self.stopping = threading.Event()
        event.listen(db.sessions, "after_commit", self._after_commit)
        event.listen(db.sessions, "after_soft_rollback", self._after_rollback)

    # -- waking -------------------------------------------------------------------------------
    def _after_commit(self, session: Session) -> None:
        if session.info.pop("outbox_dirty", False):
            self.wake.set()

    def _after_rollback(self, session: Session, _previous: Any) -> None:
        session.info.pop("outbox_dirty", None)

    # -- one pass -----------------------------------------------------------------------------
    def claim(self, limit: int = 50) -> list[Job]:
        now = utcnow()
        due = or_(
            and_(OutboxItem.status == "pending", OutboxItem.available_at <= now),
            and_(OutboxItem.status == "processing", OutboxItem.locked_until < now),
        )
        urgent, background = sorted(URGENT), sorted(BACKGROUND - URGENT)
        # in the ordinary turn: every kind but the urgent ones, background kinds once they waited
        ordinary: ColumnElement[bool] = OutboxItem.kind.not_in(urgent) if urgent else true()
        if background:
            waited = OutboxItem.available_at <= now - BACKGROUND_GRACE
            ordinary = and_(ordinary, or_(OutboxItem.kind.not_in(background), waited))

        def pick(session: Session, where: Any, n: int) -> list[int]:
            stmt = select(OutboxItem.id).where(due, where).order_by(OutboxItem.id).limit(n)
            if self.db.dialect == "postgresql":
                stmt = stmt.with_for_update(skip_locked=True)
            return list(session.scalars(stmt))

        with self.db.transaction() as session:
            ids = pick(session, OutboxItem.kind.in_(urgent), limit) if urgent else []
            if len(ids) < limit:
                ids += pick(session, ordinary, limit - len(ids))
            if len(ids) < limit and background:  # room left: the background kinds fill it
                ids += pick(
                    session,
                    and_(OutboxItem.kind.in_(background), OutboxItem.id.not_in(ids)),
                    limit - len(ids),
                )
            if not ids:
                return []
            stmt = (
                update(OutboxItem)
                .where(OutboxItem.id.in_(ids))
                .values(
                    status="processing",
                    locked_until=now + self.lease,
                    locked_by=self.name,
                    attempts=OutboxItem.attempts + 1,
                )
                .returning(OutboxItem.id, OutboxItem.kind, OutboxItem.payload, OutboxItem.attempts)
                .execution_options(synchronize_session=False)
            )
            rows = session.execute(stmt).all()
        jobs = sorted((Job(r.id, r.kind, r.payload, r.attempts) for r in rows), key=lambda j: j.id)
        return sorted(jobs, key=lambda j: j.kind not in URGENT)  # stable: urgent first, then by id

    def _finish(self, job: Job, **values: Any) -> None:
        stmt = (
            update(OutboxItem)
            .where(OutboxItem.id == job.id, OutboxItem.locked_by == self.name)
            .values(locked_until=None, **values)
            .execution_options(synchronize_session=False)
        )
        with self.db.transaction() as session:
            session.execute(stmt)

    def _done(self, jobs: Sequence[Job]) -> None:
        if not jobs:
            return
        stmt = (
            update(OutboxItem)
            .where(OutboxItem.id.in_([j.id for j in jobs]), OutboxItem.locked_by == self.name)
            .values(status="done", done_at=utcnow(), locked_until=None, last_error=None)
            .execution_options(synchronize_session=False)
        )
        with self.db.transaction() as session:
            session.execute(stmt)

    def _failed(self, job: Job, error: BaseException) -> None:
        if isinstance(error, PermanentError):
            log.warning("outbox %s (%s) failed for good: %s", job.id, job.kind, error)
            self._finish(job, status="failed", last_error=str(error)[:2000])
            return
        log.warning("outbox %s (%s) attempt %s failed: %s", job.id, job.kind, job.attempts, error)
        if job.attempts >= self.max_attempts:
            self._finish(job, status="failed", last_error=f"gave up: {error}"[:2000])
        else:
            self._finish(
                job,
                status="pending",
                available_at=utcnow() + backoff(job.attempts),
                last_error=str(error)[:2000],
            )

    def _run_one(self, job: Job) -> BaseException | None:
        fn = HANDLERS.get(job.kind)
        try:
            if fn is None:
                raise PermanentError(f"no handler for outbox kind {job.kind!r}")
            fn(self.db, job)
        except Exception as error:
            return error
        return None

    def deliver(self, job: Job) -> None:
        error = self._run_one(job)
        if error is None:
            self._done([job])
        else:
            self._failed(job, error)

    def deliver_many(self, jobs: Sequence[Job]) -> None:
        """Deliver claimed jobs kind by kind (in the order given), batching where a kind allows."""
        groups: dict[str, list[Job]] = {}
        for job in jobs:
            groups.setdefault(job.kind, []).append(job)
        for kind, group in groups.items():
            batch = BATCH_HANDLERS.get(kind)
            outcomes: Sequence[BaseException | None] | None = None
            if batch is not None and len(group) > 1:
                try:
                    outcomes = batch(self.db, group)
                except Exception as batch_error:
                    log.warning(
                        "outbox batch of %s %s jobs failed (%s); one by one", len(group), kind, batch_error
                    )
            if outcomes is None or len(outcomes) != len(group):
                for job in group:  # one by one, each marked done or failed as soon as it finishes
                    self.deliver(job)
                continue
            self._done([job for job, outcome in zip(group, outcomes, strict=True) if outcome is None])
            for job, outcome in zip(group, outcomes, strict=True):
                if outcome is not None:
                    self._failed(job, outcome)

    def run_once(self, limit: int = 50) -> int:
        jobs = self.claim(limit)
        self.deliver_many(jobs)
        return len(jobs)

    def drain(self, max_rounds: int = 100) -> int:
        """Deliver everything that is due now (tests and ``helpline worker --once``)."""
        total = 0
        for _ in range(max_rounds):
            done = self.run_once()
            total += done
            if not done:
                break
        return total

    # -- loop ---------------------------------------------------------------------------------
    def run_forever(self, idle_seconds: float = 1.0) -> None:
        while not self.stopping.is_set():
            try:
                busy = self.run_once()
            except Exception:
                log.exception("outbox runner pass failed")
                busy = 0
            if not busy:
                self.wake.wait(idle_seconds)
                self.wake.clear()

    def start_thread(self) -> threading.Thread:
        thread = threading.Thread(target=self.run_forever, name="helpline-outbox", daemon=True)
        thread.start()
        self._thread = thread
        return thread

    def stop(self, wait: float = 30.0) -> None:
        """Stop taking work and wait (up to ``wait`` seconds) for the job in hand to finish, so
        nothing is left half-done when the process or its database goes away."""
        self.stopping.set()
        self.wake.set()
        if event.contains(self.db.sessions, "after_commit", self._after_commit):
            event.remove(self.db.sessions, "after_commit", self._after_commit)
            event.remove(self.db.sessions, "after_soft_rollback", self._after_rollback)
        thread: threading.Thread | None = getattr(self, "_thread", None)
        if thread is not None and thread is not threading.current_thread():
            thread.join(wait)
