"""Reply drafts and summaries on a small help centre, with the real MiniLM pipeline end to end:
an angry email shows its mood, the draft acknowledges it and cites the right article, and the tone
check catches a dismissive sentence typed by the agent."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI

from helpline.assist import enrich
from helpline.assist.drafting import TEMPLATES, Citation, grounding_problems, quote_phrase
from helpline.assist.tone import check_tone
from helpline.core.db import Database
from helpline.core.settings import Settings
from helpline.email.service import receive_email
from helpline.kb.routes import router as kb_router
from tests.assist_helpers import API, assist_app
from tests.assist_helpers import assist_hooks as assist_hooks
from tests.conftest import World, new_ticket
from tests.email_helpers import make_email

ARTICLES = [
    {
        "title": "Delivery times and tracking your parcel",
        "body": "Orders ship within 2 business days. Standard delivery takes 3 to 5 days. Every shipment "
        "has a tracking number in your confirmation email: open the link to see where your parcel is. If it "
        "has not moved for 5 days, we send a replacement free of charge.",
        "category": "Orders",
    },
    {
        "title": "Refund policy",
        "body": "We refund any order within 30 days of delivery. Send the item back in its original "
        "packaging; the money reaches your card within 5 business days.",
        "category": "Orders",
    },
    {
        "title": "Resetting your password",
        "body": "Open the sign-in page and click Forgot password. We email you a link valid for one hour.",
        "category": "Account",
    },
]
ANGRY = (
    "Hello, my kettle still hasn't arrived after two weeks and nobody tells me where my parcel is. "
    "This is ridiculous and I am really angry! How can I track my delivery?"
)


@pytest.fixture
def app(settings: Settings, db: Database, assist_hooks: None) -> FastAPI:
    enrich.configure(data_dir=settings.data_dir)  # the real encoder and sentiment model
    application = assist_app(settings, db)
    if not any(getattr(r, "path", "").startswith(f"{API}/kb/") for r in application.routes):
        application.include_router(kb_router, prefix=API)
    return application


def _publish(world: World, body: dict[str, Any]) -> dict[str, Any]:
    r = world.admin.post(f"{API}/kb/articles", json=body)
    assert r.status_code == 201, r.text
    r = world.admin.post(f"{API}/kb/articles/{r.json()['id']}/publish")
    assert r.status_code == 200, r.text
    article: dict[str, Any] = r.json()
    return article


def test_angry_email_mood_draft_and_tone_end_to_end(world: World, app: FastAPI, db: Database) -> None:
    shipping = _publish(world, ARTICLES[0])
    for body in ARTICLES[1:]:
        _publish(world, body)
    runbook = _publish(
        world,
        {
            "title": "Runbook: parcel not arrived, tracking shows no movement",
            "body": "Agents: check the carrier console for parcels that have not arrived, then ...",
            "visibility": "internal",
        },
    )
    raw, _ = make_email(subject="Where is my kettle?", body=ANGRY)
    receive_email(db, raw, source="test")
    app.state.outbox.drain()  # ingest the email into a ticket, then enrich its message
    app.state.outbox.drain()
    tickets = world.agent.get(f"{API}/tickets").json()["items"]
    ticket_id = tickets[0]["id"]

    insights = world.agent.get(f"{API}/tickets/{ticket_id}/insights").json()
    assert insights["ticket"]["sentiment"] == "negative"
    assert insights["ticket"]["frustrated"] is True
    assert insights["messages"][0]["emotions"]["anger"] >= 0.5
    assert insights["messages"][0]["language"] == "en"

    r = world.agent.post(f"{API}/tickets/{ticket_id}/draft")
    assert r.status_code == 200, r.text
    draft = r.json()
    assert draft["text"].startswith("Hi Carla,")
    assert draft["acknowledged"] and draft["acknowledged"] in draft["text"]
    assert draft["acknowledged"] in ANGRY.replace('"', "'")
    assert [c["article_id"] for c in draft["citations"]] == [shipping["id"]]
    assert shipping["url"] in draft["text"]
    assert runbook["id"] not in [c["article_id"] for c in draft["retrieved"]]  # never cite internal articles
    assert draft["grounded"] is True and draft["source"] == "offline" and draft["clarifying"] is False
    assert "tracking number" in draft["text"]
    assert draft["tone"] == []  # the draft passes its own tone check

    typed = draft["text"].replace("Hi Carla,", "Hi Carla, calm down.")
    tone = world.agent.post(f"{API}/assist/tone", json={"text": typed, "ticket_id": ticket_id}).json()
    assert [f["text"] for f in tone["findings"] if f["kind"] == "dismissive"] == ["calm down"]


def test_unclear_question_gets_a_clarifying_question(world: World, app: FastAPI) -> None:
    for body in ARTICLES:
        _publish(world, body)
    ticket = new_ticket(world.agent, subject="Question", message={"text": "What is the capital of Peru?"})
    draft = world.agent.post(f"{API}/tickets/{ticket['id']}/draft").json()
    assert draft["clarifying"] is True and draft["citations"] == []
    assert "?" in draft["text"] and "/help/" not in draft["text"]
    assert "Delivery times" not in draft["text"]  # far below the threshold: not worth naming
    assert draft["acknowledged"] is None
    assert "within one business day" in draft["text"]


def test_german_customer_gets_a_german_draft(world: World, app: FastAPI) -> None:
    ticket = new_ticket(
        world.agent,
        subject="Passwort",
        message={
            "text": "Hallo, ich kann mich nicht mehr anmelden und habe mein Passwort vergessen. "
            "Was kann ich tun?"
        },
    )
    draft = world.agent.post(f"{API}/tickets/{ticket['id']}/draft").json()
    assert draft["language"] == "de"
    assert draft["text"].startswith("Hallo Carla,")
    assert "Viele Grüße\nSam" in draft["text"]


def test_drafts_and_summaries_are_staff_only_and_scoped(world: World, app: FastAPI) -> None:
    ticket = new_ticket(world.admin, team_id=world.billing_team_id)
    for url, method in (
        (f"{API}/tickets/{ticket['id']}/draft", "post"),
        (f"{API}/tickets/{ticket['id']}/summary", "get"),
    ):
        assert getattr(world.agent, method)(url).status_code == 404
        assert getattr(world.customer, method)(url).status_code == 403
        assert getattr(world.other_agent, method)(url).status_code == 200


def test_summary_picks_the_central_sentences_in_order(world: World, app: FastAPI) -> None:
    ticket = new_ticket(
        world.agent,
        message={
            "text": "Hello. My kettle order 4411 has not arrived after two weeks. The tracking page shows no "
            "movement since it left the warehouse. Thanks"
        },
    )
    tid = ticket["id"]
    for who, text in (
        (
            world.agent,
            "Hi Carla, thanks for the order number. I asked the warehouse to check the parcel of order 4411.",
        ),
        (world.customer, "Any news? The kettle parcel still shows no movement on the tracking page."),
        (
            world.agent,
            "The warehouse confirmed the parcel of order 4411 was lost, so we send a new kettle today.",
        ),
    ):
        assert who.post(f"{API}/tickets/{tid}/messages", json={"text": text}).status_code == 201
    r = world.agent.get(f"{API}/tickets/{tid}/summary?sentences=2")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["source"] == "extractive" and body["messages"] == 4
    assert len(body["sentences"]) == 2
    ids = [s["message_id"] for s in body["sentences"]]
    assert ids == sorted(ids)
    assert "kettle order 4411 has not arrived" in body["text"]
    assert not any(s["text"].startswith(("Hello", "Thanks")) for s in body["sentences"])
    assert world.agent.get(f"{API}/tickets/{tid}/summary?sentences=0").status_code == 422


def test_unreachable_llm_falls_back_to_offline(
    world: World, app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HELPLINE_LLM_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("HELPLINE_LLM_TIMEOUT", "2")
    ticket = new_ticket(world.agent, message={"text": ANGRY})
    draft = world.agent.post(f"{API}/tickets/{ticket['id']}/draft").json()
    assert draft["source"] == "offline" and draft["grounded"] is True
    assert any("LLM unavailable" in note for note in draft["notes"])
    summary = world.agent.get(f"{API}/tickets/{ticket['id']}/summary").json()
    assert summary["source"] == "extractive"
    assert any("LLM unavailable" in note for note in summary["notes"])


def test_grounding_check_rejects_citations_that_were_not_retrieved() -> None:
    retrieved = [Citation(7, "Refund policy", "/help/en/articles/7-refund-policy", 0.8)]
    assert grounding_problems("See /help/en/articles/7-refund-policy.", [], retrieved) == []
    problems = grounding_problems(
        "See /help/en/articles/9-other and https://evil.example/x [KB-3]", [], retrieved
    )
    assert "cites article 3, which was not retrieved" in problems
    assert "cites article 9, which was not retrieved" in problems
    assert any("https://evil.example/x" in p for p in problems)


def test_quote_is_a_short_phrase_in_the_customers_words() -> None:
    phrase = quote_phrase("Hi. I ordered on Monday. This is ridiculous, nobody ever answers my emails!")
    assert phrase == "This is ridiculous, nobody ever answers my emails"
    assert quote_phrase("Hello, where can I find my invoice?") is None


@pytest.mark.parametrize("lang", sorted(TEMPLATES))
@pytest.mark.parametrize("answered", [True, False])
def test_every_draft_template_passes_the_tone_check(lang: str, answered: bool) -> None:
    t = TEMPLATES[lang]
    when = t["when_due"].format(date="Monday, 24 November at 17:00 UTC")
    parts = [
        t["greeting"].format(name="Carla"),
        t["ack"].format(quote="my card still has not arrived", feeling=t["feeling_anger"]),
        t["answer"].format(passage="Open the sign-in page.") if answered else t["clarify"],
        t["next_answered" if answered else "next_clarify"].format(when=when),
        t["close"].format(agent="Sam"),
    ]
    assert check_tone("\n\n".join(parts), customer_name="Carla Customer") == []
