"""Every inbound customer message is enriched after commit: language, sentiment, emotions, intent."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import select

from helpline.assist import enrich
from helpline.assist.enrich import train_intents_from_tickets
from helpline.assist.insights import frustrated_waiting
from helpline.assist.intents import IntentConfig
from helpline.assist.models import MessageInsight, TicketInsight
from helpline.core.actor import SYSTEM
from helpline.core.db import Database
from helpline.core.settings import Settings
from helpline.customers.models import Customer
from helpline.outbox.models import OutboxItem
from helpline.tickets.service import NewMessage, create_ticket
from tests.assist_helpers import API, HashEncoder, assist_app
from tests.assist_helpers import assist_hooks as assist_hooks
from tests.conftest import World, new_ticket

ANGRY = "This is RIDICULOUS. I have waited three weeks and nobody answers. I am really angry!!"


@pytest.fixture
def app(settings: Settings, db: Database, assist_hooks: None) -> FastAPI:
    application = assist_app(settings, db)  # (creating the app points enrichment at its data dir)
    enrich.configure(data_dir=settings.data_dir, encoder=HashEncoder(), sentiment_model=False)
    return application


def _drain(app: FastAPI) -> None:
    app.state.outbox.drain()


def _events(db: Database, name: str) -> list[dict[str, Any]]:
    with db.transaction() as s:
        rows = s.scalars(select(OutboxItem).where(OutboxItem.kind == "event")).all()
        return [r.payload["data"] for r in rows if r.payload["event"] == name]


def test_new_ticket_and_reply_are_enriched_after_commit(world: World, app: FastAPI, db: Database) -> None:
    ticket = new_ticket(world.agent, message={"text": ANGRY})
    with db.transaction() as s:
        assert s.scalar(select(MessageInsight)) is None  # not yet: the job runs after commit
    _drain(app)
    r = world.agent.get(f"{API}/tickets/{ticket['id']}/insights")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["ticket"]["frustrated"] is True
    assert body["ticket"]["sentiment"] == "negative"
    (first,) = body["messages"]
    assert first["language"] == "en"
    assert first["emotions"]["anger"] >= 0.5
    assert first["intent"] is None  # no intent model trained for this workspace
    enriched = _events(db, "message.enriched")
    assert enriched[0]["frustrated"] is True and enriched[0]["ticket_id"] == ticket["id"]

    reply = world.customer.post(
        f"{API}/tickets/{ticket['id']}/messages",
        json={"text": "Vielen Dank, jetzt hat alles geklappt! Das ist super."},
    )
    assert reply.status_code == 201, reply.text
    _drain(app)
    body = world.agent.get(f"{API}/tickets/{ticket['id']}/insights").json()
    assert [m["language"] for m in body["messages"]] == ["en", "de"]
    assert body["ticket"]["sentiment"] != "negative"  # the lexicon is English-only: German reads neutral
    assert body["ticket"]["frustrated"] is False
    assert body["ticket"]["negative_messages"] == 1


def test_notes_and_agent_replies_are_not_enriched(world: World, app: FastAPI, db: Database) -> None:
    ticket = new_ticket(world.agent)
    for body in ({"text": "internal: customer sounds angry", "internal": True}, {"text": "Hello Carla!"}):
        assert world.agent.post(f"{API}/tickets/{ticket['id']}/messages", json=body).status_code == 201
    _drain(app)
    with db.transaction() as s:
        assert len(s.scalars(select(MessageInsight)).all()) == 1


def test_insights_are_scoped_and_staff_only(world: World, app: FastAPI) -> None:
    ticket = new_ticket(world.agent, message={"text": ANGRY}, team_id=world.support_team_id)
    _drain(app)
    assert world.other_agent.get(f"{API}/tickets/{ticket['id']}/insights").status_code == 404
    assert world.customer.get(f"{API}/tickets/{ticket['id']}/insights").status_code == 403
    assert world.admin.get(f"{API}/tickets/{ticket['id']}/insights").status_code == 200


def test_frustrated_waiting_until_an_agent_answers(world: World, app: FastAPI, db: Database) -> None:
    angry = new_ticket(world.agent, message={"text": ANGRY})
    calm = new_ticket(world.agent, message={"text": "Hi, could you tell me where to find my invoice?"})
    hidden = new_ticket(world.admin, message={"text": ANGRY}, team_id=world.billing_team_id)
    _drain(app)
    r = world.agent.get(f"{API}/assist/frustrated-waiting")
    assert r.status_code == 200, r.text
    assert [w["ticket_id"] for w in r.json()] == [angry["id"]]
    assert {w["ticket_id"] for w in world.admin.get(f"{API}/assist/frustrated-waiting").json()} == {
        angry["id"],
        hidden["id"],
    }
    world.agent.post(f"{API}/tickets/{angry['id']}/messages", json={"text": "Hello Carla, I'm on it."})
    assert world.agent.get(f"{API}/assist/frustrated-waiting").json() == []
    assert calm["id"] not in {
        w["ticket_id"] for w in world.admin.get(f"{API}/assist/frustrated-waiting").json()
    }
    assert world.agent.actor is not None
    with db.transaction() as s:
        assert frustrated_waiting(s, world.agent.actor) == []
        assert s.get(TicketInsight, calm["id"]) is not None


def test_sentiment_trend_per_day(world: World, app: FastAPI) -> None:
    ticket = new_ticket(world.agent, message={"text": ANGRY})
    world.customer.post(f"{API}/tickets/{ticket['id']}/messages", json={"text": "Thanks, great help!"})
    _drain(app)
    r = world.agent.get(f"{API}/customers/{world.customer.id}/sentiment-trend?days=30")
    assert r.status_code == 200, r.text
    (point,) = r.json()["points"]
    assert point["messages"] == 2 and point["negative"] == 1
    assert -1.0 <= point["average"] <= 1.0
    assert world.customer.get(f"{API}/customers/{world.customer.id}/sentiment-trend").status_code == 403
    assert world.agent.get(f"{API}/customers/99999/sentiment-trend").status_code == 404


def test_workspace_languages_restrict_detection(world: World, app: FastAPI) -> None:
    r = world.admin.client.put(
        f"{API}/assist/settings",
        json={"languages": ["en", "nl"]},
        headers={"Authorization": f"Bearer {world.admin.token}"},
    )
    assert r.status_code == 200, r.text
    bad = world.admin.client.put(
        f"{API}/assist/settings",
        json={"languages": ["xx"]},
        headers={"Authorization": f"Bearer {world.admin.token}"},
    )
    assert bad.status_code == 422
    ticket = new_ticket(
        world.agent, message={"text": "Meine Karte ist immer noch nicht angekommen, bitte helfen"}
    )
    _drain(app)
    (m,) = world.agent.get(f"{API}/tickets/{ticket['id']}/insights").json()["messages"]
    assert m["language"] in ("en", "nl", None)


TOPICS = {
    "billing": [
        "my invoice shows the wrong amount",
        "I was charged twice on my invoice",
        "invoice amount is wrong",
    ],
    "delivery": [
        "my parcel has not arrived yet",
        "where is my parcel, the delivery is late",
        "parcel delivery delayed",
    ],
    "login": ["I cannot log in to my account", "password reset link for login fails", "login keeps failing"],
}


def test_intents_trained_from_tagged_tickets_label_new_messages(
    world: World, app: FastAPI, db: Database, settings: Settings
) -> None:
    with db.transaction() as s:
        customer = s.get(Customer, world.customer.id)
        assert customer is not None
        for tag, texts in TOPICS.items():
            for i in range(6):
                create_ticket(
                    s,
                    SYSTEM,
                    subject=tag,
                    requester=customer,
                    message=NewMessage(text=f"{texts[i % 3]} (case {i})"),
                    tags=[tag, "vip"] if i == 0 else [tag],
                )
        report = train_intents_from_tickets(s, config=IntentConfig(folds=1, semantic_hidden=0))
    assert report.intents == ["billing", "delivery", "login"]  # "vip" has too few tickets
    assert report.examples == 18 and report.path == settings.data_dir / "assist" / "intents.npz"
    _drain(app)  # the training tickets' own enrichment
    ticket = new_ticket(world.agent, message={"text": "Hello, the parcel delivery is late again"})
    _drain(app)
    (m,) = world.agent.get(f"{API}/tickets/{ticket['id']}/insights").json()["messages"]
    assert m["intent"] == "delivery" and 0 < m["intent_confidence"] <= 1
    found = enrich.enrich_texts(["my invoice amount is wrong"])[0]
    assert found.intent == "billing" and found.intent_words
