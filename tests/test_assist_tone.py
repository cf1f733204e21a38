"""The pre-send tone check: blame, dismissive phrases, jargon, capitals, structure, framing."""

from __future__ import annotations

import pytest
from fastapi import FastAPI

from helpline.assist.tone import check_tone, readability
from helpline.core.db import Database
from helpline.core.settings import Settings
from tests.assist_helpers import API, assist_app
from tests.conftest import World

GOOD = (
    "Hi Carla,\n\nthank you for your patience. Your refund is on its way, and you will receive it within "
    "five business days. I'll check tomorrow that it has arrived.\n\nKind regards,\nSam"
)


@pytest.fixture
def app(settings: Settings, db: Database) -> FastAPI:
    return assist_app(settings, db)


def kinds(text: str, **kw: str) -> list[str]:
    return [f.kind for f in check_tone(text, **kw)]


def test_a_kind_clear_reply_has_nothing_to_flag() -> None:
    assert check_tone(GOOD, customer_name="Carla Customer") == []


def test_blame_and_dismissive_phrases_are_found_with_their_span() -> None:
    text = "Hi Carla, calm down. As I already said, you should have read the guide. I'll call you by 5 pm."
    found = {f.kind: f for f in check_tone(text, customer_name="Carla Customer")}
    assert set(found) == {"dismissive", "blame"}
    blame = found["blame"]
    assert blame.span is not None and text[blame.span[0] : blame.span[1]] == "you should have"
    assert blame.suggestion and blame.message
    dismissive = [f.text for f in check_tone(text) if f.kind == "dismissive"]
    assert dismissive == ["calm down", "As I already said"]


def test_german_phrases() -> None:
    text = (
        "Hallo Carla, beruhigen Sie sich. Wie ich bereits sagte, hätten Sie das Formular früher schicken "
        "sollen. Leider können wir nichts tun."
    )
    got = kinds(text, customer_name="Carla")
    assert {"dismissive", "blame", "negative_framing", "next_step"} <= set(got)


def test_jargon_caps_and_internal_terms() -> None:
    text = (
        "Hi Carla, your case is in the escalation queue and our SLA is 24h. The backend is DOWN. I'll call."
    )
    found = check_tone(text, customer_name="Carla")
    jargon = [f.text for f in found if f.kind == "jargon"]
    assert jargon == ["escalation queue", "SLA", "backend"]
    assert [f.text for f in found if f.kind == "caps"] == ["DOWN"]
    assert "specialist" in next(f.suggestion for f in found if f.text == "escalation queue")
    assert (
        kinds("Hi Carla, the PDF invoice is attached; I'll follow up tomorrow.", customer_name="Carla") == []
    )


def test_missing_greeting_name_and_next_step() -> None:
    found = check_tone("Your refund was processed.", customer_name="Carla Customer")
    assert [f.kind for f in found] == ["greeting", "next_step"]
    assert '"Hi Carla,"' in found[0].suggestion
    assert [f.kind for f in check_tone("Hello, I'll refund you today.", customer_name="Carla")] == [
        "greeting"
    ]


def test_long_sentences_and_reading_grade() -> None:
    long = (
        "Hi Carla, I'll look into this. In accordance with the contractual stipulations governing "
        "subscription termination, reimbursement eligibility necessitates comprehensive documentation "
        "substantiating the circumstances, accompanied by verification of the original transaction, "
        "consequently delaying administrative processing considerably."
    )
    found = check_tone(long, customer_name="Carla")
    assert {f.kind for f in found} == {"long_sentence", "readability"}
    per_sentence, grade = readability(long)
    assert grade > 10 and per_sentence > 10
    assert readability(GOOD)[1] < 10


def test_negative_framing_has_a_positive_rewrite() -> None:
    text = "Hi Carla, unfortunately we are unable to refund this. Don't hesitate to ask. I'll call you."
    framing = [f for f in check_tone(text, customer_name="Carla") if f.kind == "negative_framing"]
    assert [f.text for f in framing] == ["unfortunately we are unable to", "Don't hesitate to"]
    assert "What we can do" in framing[0].suggestion
    assert "Feel free" in framing[1].suggestion


def test_tone_api_explains_and_never_blocks(world: World) -> None:
    r = world.agent.post(f"{API}/assist/tone", json={"text": "Calm down. Your refund is done."})
    assert r.status_code == 200, r.text
    body = r.json()
    assert [f["kind"] for f in body["findings"]] == ["greeting", "next_step", "dismissive"]
    assert body["findings"][2]["span"] == [0, 9]
    assert world.customer.post(f"{API}/assist/tone", json={"text": "hi"}).status_code == 403
    assert world.agent.post(f"{API}/assist/tone", json={"txt": "hi"}).status_code == 422
