"""The intent model retrains itself in the background when the workspace's labels change enough."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from sqlalchemy import select

from helpline.assist import enrich, retrain
from helpline.assist.intents import IntentConfig
from helpline.assist.models import IntentTrainingRun
from helpline.audit.models import AuditEntry
from helpline.core.actor import SYSTEM
from helpline.core.db import Database
from helpline.core.settings import Settings
from helpline.customers.models import Customer
from helpline.outbox.models import OutboxItem
from helpline.tickets.service import NewMessage, create_ticket, update_ticket
from tests.assist_helpers import API, HashEncoder, assist_app
from tests.assist_helpers import assist_hooks as assist_hooks
from tests.conftest import World, new_ticket

TOPICS = {
    "billing": ["the invoice amount is wrong", "invoice charged twice", "refund the invoice charge"],
    "delivery": ["parcel delivery is late", "the parcel delivery has not arrived", "late parcel delivery"],
    "login": ["login password fails", "cannot login, password reset fails", "login password rejected"],
}
RETURNS = ["return the kettle with a return label", "return label for the kettle", "kettle return label"]


@pytest.fixture
def app(settings: Settings, db: Database, assist_hooks: None) -> Iterator[FastAPI]:
    application = assist_app(settings, db)  # (creating the app points enrichment at its data dir)
    enrich.configure(data_dir=settings.data_dir, encoder=HashEncoder(), sentiment_model=False)
    retrain.configure_retraining(config=IntentConfig(folds=2, semantic_hidden=0))
    yield application
    retrain.configure_retraining()


def _tag_tickets(db: Database, world: World, tag: str, texts: list[str], n: int) -> list[int]:
    ids = []
    with db.transaction() as s:
        customer = s.get(Customer, world.customer.id)
        assert customer is not None
        for i in range(n):
            ticket = create_ticket(
                s, SYSTEM, subject=tag, requester=customer,
                message=NewMessage(text=texts[i % len(texts)]), tags=[tag],
            )  # fmt: skip
            ids.append(ticket.id)
    return ids


def _runs(db: Database) -> list[IntentTrainingRun]:
    with db.transaction() as s:
        rows = list(s.scalars(select(IntentTrainingRun).order_by(IntentTrainingRun.id)))
        s.expunge_all()
        return rows


def _intent_of(world: World, app: FastAPI, text: str) -> str | None:
    ticket = new_ticket(world.agent, message={"text": text})
    app.state.outbox.drain()
    (m,) = world.agent.get(f"{API}/tickets/{ticket['id']}/insights").json()["messages"]
    intent: str | None = m["intent"]
    return intent


def test_labels_changing_enough_retrain_the_model_in_the_background(
    world: World, app: FastAPI, db: Database, settings: Settings
) -> None:
    for tag, texts in TOPICS.items():
        _tag_tickets(db, world, tag, texts, 6)  # 18 labelled tickets: not enough changes yet
    assert _runs(db) == []
    app.state.outbox.drain()
    assert _runs(db) == []  # 18 changes counted: not enough yet
    _tag_tickets(db, world, "billing", TOPICS["billing"], 2)  # the 20th change queues a training
    assert not (settings.data_dir / "assist" / "intents.npz").exists()  # nothing trained in the request
    with db.transaction() as s:  # the request only queued a count, no lock on the settings row
        kinds = list(s.scalars(select(OutboxItem.kind).where(OutboxItem.status == "pending")))
        assert kinds.count(retrain.LABELS_JOB) == 2 and retrain.RETRAIN_JOB not in kinds

    app.state.outbox.drain()  # counts the changes, queues the training and runs it
    (run,) = _runs(db)
    assert run.status == "ready" and run.examples == 20 and run.intents == ["billing", "delivery", "login"]
    assert run.oof_accuracy is not None and 0 < run.oof_accuracy <= 1
    assert _intent_of(world, app, "my parcel delivery is late") == "delivery"

    status = world.admin.get(f"{API}/assist/intent-model").json()
    assert status["in_use"]["id"] == run.id and status["in_use"]["examples"] == 20
    assert status["in_use"]["oof_accuracy"] == run.oof_accuracy and status["pending"] is None
    assert status["labels_changed"] == 0 and status["retrain_after"] == 20
    assert world.agent.get(f"{API}/assist/intent-model").status_code == 403  # admins only

    # A new topic: once enough tickets carry it, the next model knows it and replaces the old one.
    _tag_tickets(db, world, "returns", RETURNS, 19)
    app.state.outbox.drain()
    assert [r.status for r in _runs(db)] == ["ready"]  # 19 changes: the model in use stays
    _tag_tickets(db, world, "returns", RETURNS, 1)
    app.state.outbox.drain()
    runs = _runs(db)
    assert [r.status for r in runs] == ["ready", "ready"] and "returns" in (runs[1].intents or [])
    assert _intent_of(world, app, "a return label for my kettle") == "returns"
    with db.transaction() as s:
        actions = s.scalars(select(AuditEntry.action).where(AuditEntry.entity_type == "intent_training_run"))
        assert list(actions).count("assist.intent_model.ready") == 2


def test_a_failed_training_keeps_the_model_in_use(
    world: World, app: FastAPI, db: Database, settings: Settings
) -> None:
    tickets = {tag: _tag_tickets(db, world, tag, texts, 7) for tag, texts in TOPICS.items()}
    app.state.outbox.drain()
    (first,) = _runs(db)
    assert first.status == "ready"
    model_file = settings.data_dir / "assist" / "intents.npz"
    before = model_file.read_bytes()

    # The labels are taken away until only one intent is left: a training now can only fail.
    with db.transaction() as s:
        for ticket_id in tickets["delivery"] + tickets["login"]:
            update_ticket(s, SYSTEM, ticket_id, tags=[])
    assert len(_runs(db)) == 1  # 14 changes, and too few labels to queue anything anyway
    r = world.admin.post(f"{API}/assist/intent-model/retrain")
    assert r.status_code == 202, r.text
    assert r.json()["status"] == "queued" and r.json()["reason"] == "requested"
    assert world.agent.post(f"{API}/assist/intent-model/retrain").status_code == 403
    app.state.outbox.drain()

    failed = _runs(db)[-1]
    assert failed.status == "failed" and "two tags" in (failed.error or "")
    assert model_file.read_bytes() == before  # the old model is still the one on disk …
    assert _intent_of(world, app, "my parcel delivery is late") == "delivery"  # … and in use
    status = world.admin.get(f"{API}/assist/intent-model").json()
    assert status["in_use"]["id"] == first.id
    assert [r["status"] for r in status["recent"]] == ["failed", "ready"]
    with db.transaction() as s:
        job = s.scalars(select(OutboxItem).where(OutboxItem.kind == retrain.RETRAIN_JOB)).all()[-1]
        assert job.status == "failed" and "two tags" in (job.last_error or "")


def test_an_encoder_failure_mid_training_keeps_the_model_in_use(
    world: World, app: FastAPI, db: Database, settings: Settings
) -> None:
    for tag, texts in TOPICS.items():
        _tag_tickets(db, world, tag, texts, 7)
    app.state.outbox.drain()
    before = (settings.data_dir / "assist" / "intents.npz").read_bytes()

    class BrokenEncoder:  # the edge we cannot reach: the model runtime gives up
        def encode(self, texts: list[str], batch_size: int = 32) -> object:
            raise MemoryError("onnxruntime could not allocate")

    enrich.configure(data_dir=settings.data_dir, encoder=BrokenEncoder(), sentiment_model=False)  # type: ignore[arg-type]
    world.admin.post(f"{API}/assist/intent-model/retrain")
    app.state.outbox.drain()
    enrich.configure(data_dir=settings.data_dir, encoder=HashEncoder(), sentiment_model=False)
    assert [r.status for r in _runs(db)] == ["ready", "failed"]
    assert "MemoryError" in (_runs(db)[-1].error or "")
    assert (settings.data_dir / "assist" / "intents.npz").read_bytes() == before
    assert not list((settings.data_dir / "assist").glob("*.tmp.npz"))
    assert _intent_of(world, app, "my parcel delivery is late") == "delivery"


def test_published_kb_titles_in_an_intents_category_are_examples(
    world: World, app: FastAPI, db: Database
) -> None:
    from helpline.kb.service import create_article, publish_article

    for tag, texts in TOPICS.items():
        _tag_tickets(db, world, tag, texts, 5)
    with db.transaction() as s:
        for title, category, publish in [
            ("How to read your invoice", "Billing", True),
            ("Tracking a late parcel", "delivery", True),
            ("Draft about refunds", "billing", False),  # not published: not an example
            ("Our opening hours", "General", True),  # not an intent: not an example
        ]:
            article = create_article(s, SYSTEM, title=title, body="Text.", category=category)
            if publish:
                publish_article(s, SYSTEM, article.id)
        found = enrich.training_examples(s)
    assert found.kb_examples == 2 and len(found.texts) == 17
    assert ("How to read your invoice", "billing") in zip(found.texts, found.labels, strict=True)
    assert "Our opening hours" not in found.texts and "Draft about refunds" not in found.texts


def test_kb_changes_to_intent_examples_count_towards_retraining(
    world: World, app: FastAPI, db: Database
) -> None:
    from helpline.kb.service import create_article, publish_article, unpublish_article, update_article

    def queued() -> int:
        with db.transaction() as s:
            kinds = s.scalars(select(OutboxItem.kind).where(OutboxItem.status == "pending"))
            return list(kinds).count(retrain.LABELS_JOB)

    with db.transaction() as s:
        billing = create_article(
            s, SYSTEM, title="How to read your invoice", body="Text.", category="billing"
        )
        hours = create_article(s, SYSTEM, title="Our opening hours", body="Text.")
    assert queued() == 0  # drafts are no examples
    with db.transaction() as s:
        publish_article(s, SYSTEM, billing.id)  # a new example: counts
        publish_article(s, SYSTEM, hours.id)  # no category, no example: does not count
    assert queued() == 1
    with db.transaction() as s:
        update_article(s, SYSTEM, billing.id, body="Better text.")
        publish_article(s, SYSTEM, billing.id)  # same title: the example is unchanged
    assert queued() == 1
    with db.transaction() as s:
        update_article(s, SYSTEM, billing.id, title="Reading your invoice")  # a draft: not yet
    assert queued() == 1
    with db.transaction() as s:
        publish_article(s, SYSTEM, billing.id)  # the new title is the example now
        update_article(s, SYSTEM, billing.id, category="payments")  # re-filed under another intent
    assert queued() == 3
    with db.transaction() as s:
        update_article(s, SYSTEM, billing.id, category="Payments")  # the same tag: no change
    assert queued() == 3
    with db.transaction() as s:
        unpublish_article(s, SYSTEM, billing.id)
    assert queued() == 4
    app.state.outbox.drain()
    assert queued() == 0
    assert world.admin.get(f"{API}/assist/intent-model").json()["labels_changed"] == 4
