"""The workspace's intent model retrains itself in the background when its labels change enough.

* Every labelling change — a ticket created with tags, a ticket's tags changed — queues a small
  ``assist.labels_changed`` job in the transaction of that change (hooks below); the worker adds a
  batch of them to ``assist_settings.labels_changed`` at once, so no tagging transaction waits on
  that one row. When the count reaches :func:`retrain_after` (at least ``MIN_CHANGES``, or
  ``CHANGE_SHARE`` of the examples the current model learned from) and no training is queued or
  running, :func:`request_retraining` queues one: an ``intent_training_runs`` row and a durable
  ``assist.retrain`` outbox job, committed with the count that tipped it. An admin can ask for one
  at any time (``POST /api/v1/assist/intent-model/retrain``).
* The job (:func:`run_training`) reads the examples in a short read transaction, trains outside any
  transaction (minutes on a large workspace, so it first pushes its lease out), writes the model to
  a temporary file and renames it over ``<data_dir>/assist/intents.npz``: every process notices the
  new file on its next message and swaps it in whole (``enrich.MODELS``). A training that fails —
  too few labels, an encoder error, a full disk — is recorded on its run with the error and leaves
  the model in use untouched.
* Admins see when the model in use was trained, on how many examples, and its cross-validated
  (out-of-fold) accuracy: :func:`model_status`, ``GET /api/v1/assist/intent-model``.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from helpline.assist import enrich
from helpline.assist.enrich import MODELS, save_intent_model, training_examples
from helpline.assist.intents import IntentClassifier, IntentConfig
from helpline.assist.models import AssistSettings, IntentTrainingRun
from helpline.audit.service import record
from helpline.core.actor import SYSTEM, Actor
from helpline.core.db import Database, utcnow
from helpline.outbox.runner import Job, PermanentError, batch_handler, handler
from helpline.outbox.service import emit, enqueue, extend_lease
from helpline.tickets.hooks import on_ticket_changed, on_ticket_created
from helpline.tickets.models import Ticket, TicketTag

log = logging.getLogger(__name__)

RETRAIN_JOB = "assist.retrain"
LABELS_JOB = "assist.labels_changed"
MIN_CHANGES = 20
CHANGE_SHARE = 0.1
PENDING = ("queued", "running")
TRAINING_LEASE = dt.timedelta(hours=2)


@dataclass
class RetrainOptions:
    """How background trainings run in this process (tests use a small config). The encoder is
    always the one enrichment uses (``enrich.MODELS``): a model must be read as it was trained."""

    config: IntentConfig | None = None
    min_examples: int = 5


OPTIONS = RetrainOptions()


def configure_retraining(*, config: IntentConfig | None = None, min_examples: int = 5) -> None:
    OPTIONS.config, OPTIONS.min_examples = config, min_examples


# -- counting labelling changes -------------------------------------------------------------------


def _settings_row(session: Session) -> AssistSettings:
    row = session.get(AssistSettings, 1, with_for_update=True)
    if row is None:
        row = AssistSettings(id=1)
        session.add(row)
        session.flush()
    return row


def last_ready_run(session: Session) -> IntentTrainingRun | None:
    stmt = select(IntentTrainingRun).where(IntentTrainingRun.status == "ready")
    return session.scalars(stmt.order_by(IntentTrainingRun.id.desc()).limit(1)).first()


def pending_run(session: Session) -> IntentTrainingRun | None:
    """The queued or running training, if any (a run still "running" long after its job's lease
    ended belongs to a process that died: it no longer counts)."""
    stale = utcnow() - 2 * TRAINING_LEASE
    stmt = select(IntentTrainingRun).where(
        IntentTrainingRun.status.in_(PENDING),
        (IntentTrainingRun.status == "queued") | (IntentTrainingRun.started_at > stale),
    )
    return session.scalars(stmt.order_by(IntentTrainingRun.id.desc()).limit(1)).first()


def retrain_after(trained_examples: int | None) -> int:
    """Labelling changes that make the model stale: 20, or 10 % of what it learned from."""
    return max(MIN_CHANGES, round(CHANGE_SHARE * (trained_examples or 0)))


def note_label_changes(session: Session, count: int = 1) -> IntentTrainingRun | None:
    """Count ``count`` labelling changes; queue a retraining when they add up (returns its run)."""
    row = _settings_row(session)
    row.labels_changed = (row.labels_changed or 0) + count
    ready = last_ready_run(session)
    if row.labels_changed < retrain_after(ready.examples if ready else None):
        return None
    if pending_run(session) is not None or not _enough_labels(session):
        return None
    return request_retraining(session, SYSTEM, reason="labels_changed")


def _enough_labels(session: Session) -> bool:
    """At least two tags on ``min_examples`` tickets each (else a training could only fail)."""
    stmt = select(TicketTag.tag).group_by(TicketTag.tag).having(func.count() >= OPTIONS.min_examples).limit(2)
    return len(session.scalars(stmt).all()) >= 2


# A labelling change only queues a small job; the counting happens in the worker, a batch at a time.
# Counting inside the change itself would lock the one settings row in every transaction that tags a
# ticket, serialising them across processes (and inviting deadlocks with the routing locks).


@on_ticket_created
def count_tags_of_new_ticket(session: Session, ticket: Ticket) -> None:
    if ticket.tags:
        enqueue(session, LABELS_JOB, {"ticket_id": ticket.id})


@on_ticket_changed
def count_changed_tags(session: Session, ticket: Ticket, old: dict[str, Any], new: dict[str, Any]) -> None:
    if "tags" in new and set(old.get("tags") or []) != set(new.get("tags") or []):
        enqueue(session, LABELS_JOB, {"ticket_id": ticket.id})


@batch_handler(LABELS_JOB)
def count_label_changes(db: Database, jobs: Sequence[Job]) -> list[BaseException | None]:
    with db.transaction() as session:
        note_label_changes(session, count=len(jobs))
    return [None] * len(jobs)


@handler(LABELS_JOB, background=True)
def count_one_label_change(db: Database, job: Job) -> None:
    count_label_changes(db, [job])


# -- queueing and running a training --------------------------------------------------------------


def request_retraining(session: Session, actor: Actor, *, reason: str = "requested") -> IntentTrainingRun:
    """Queue a training of the intent model (the one already queued, if any); resets the count."""
    found = pending_run(session)
    if found is not None and found.status == "queued":
        return found
    row = _settings_row(session)
    changes = row.labels_changed
    row.labels_changed = 0
    run = IntentTrainingRun(status="queued", reason=reason, requested_by_id=actor.id, requested_at=utcnow())
    session.add(run)
    session.flush()
    enqueue(session, RETRAIN_JOB, {"run_id": run.id})
    record(session, actor, "assist.intent_model.retrain", "intent_training_run", run.id, None,
           {"reason": reason, "labels_changed": changes})  # fmt: skip
    emit(session, "assist.intent_model_queued", {"run_id": run.id, "reason": reason})
    return run


def _finish(db: Database, run_id: int, **values: Any) -> None:
    with db.transaction() as session:
        run = session.get(IntentTrainingRun, run_id)
        if run is None:
            return
        for key, value in values.items():
            setattr(run, key, value)
        run.finished_at = utcnow()
        after = {k: v for k, v in values.items() if k != "intents"}
        action = f"assist.intent_model.{run.status}"
        record(session, SYSTEM, action, "intent_training_run", run.id, None, after)
        emit(session, f"assist.intent_model_{run.status}", {"run_id": run.id, **after})


def run_training(db: Database, run_id: int, job: Job | None = None) -> IntentTrainingRun | None:
    """Train for queued run ``run_id``, swap the new model in when it is whole; on failure keep the
    model in use and record why. Returns the finished run (None when it was not queued)."""
    with db.transaction() as session:
        run = session.get(IntentTrainingRun, run_id, with_for_update=True)
        if run is None or run.status not in PENDING:
            return None  # finished already (a retried job)
        run.status, run.started_at = "running", utcnow()
        if job is not None:
            extend_lease(session, job.id, TRAINING_LEASE)
    started = time.perf_counter()
    try:
        with db.read_sessions() as session:
            found = training_examples(session, min_examples=OPTIONS.min_examples)
        if len(found.intents) < 2:
            raise ValueError(
                f"need at least two tags with {OPTIONS.min_examples}+ tickets each to train intents"
            )
        model = IntentClassifier(MODELS.get_encoder(), OPTIONS.config)
        model.fit(found.texts, found.labels)
        save_intent_model(model, MODELS.intents_path())
    except Exception as error:
        log.warning("intent model training %s failed; the model in use stays: %s", run_id, error)
        _finish(db, run_id, status="failed", error=f"{type(error).__name__}: {error}"[:2000],
                train_seconds=round(time.perf_counter() - started, 1))  # fmt: skip
    else:
        report = model.report
        _finish(
            db,
            run_id,
            status="ready",
            examples=len(found.texts),
            intents=found.intents,
            kb_examples=found.kb_examples,
            oof_accuracy=_number(report.get("oof_accuracy")),
            oof_oos_recall=_number(report.get("oof_oos_recall")),
            threshold=_number(report.get("threshold")),
            train_seconds=round(time.perf_counter() - started, 1),
        )
    with db.read_sessions() as session:
        finished = session.get(IntentTrainingRun, run_id)
        if finished is not None:
            session.expunge(finished)
        return finished


def _number(value: float | None) -> float | None:
    return None if value is None or value != value else round(float(value), 4)  # NaN: no k-fold


@handler(RETRAIN_JOB)
def retrain_job(db: Database, job: Job) -> None:
    run = run_training(db, int(job.payload["run_id"]), job)
    if run is not None and run.status == "failed":
        raise PermanentError(run.error or "training failed")  # recorded on the run; no blind retries


# -- what admins see ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ModelStatus:
    in_use: IntentTrainingRun | None  # the latest ready run: the model every process uses
    model_file: bool  # a model file exists (it may predate background training)
    labels_changed: int
    retrain_after: int
    pending: IntentTrainingRun | None
    recent: list[IntentTrainingRun]


def model_status(session: Session, recent: int = 10) -> ModelStatus:
    ready = last_ready_run(session)
    row = session.get(AssistSettings, 1)
    runs = session.scalars(select(IntentTrainingRun).order_by(IntentTrainingRun.id.desc()).limit(recent))
    return ModelStatus(
        in_use=ready,
        model_file=enrich.MODELS.intents_path().exists(),
        labels_changed=row.labels_changed if row is not None else 0,
        retrain_after=retrain_after(ready.examples if ready else None),
        pending=pending_run(session),
        recent=list(runs),
    )
