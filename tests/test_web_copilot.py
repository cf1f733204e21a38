"""The copilot in the agent's ticket view, through HTTP like a browser: an angry email shows its mood and
intent, the draft acknowledges the feeling and cites the right article, the tone check catches
dismissive phrases without ever blocking the reply, long threads offer a summary; and the live side
of chat (new messages by id, alerts for new chats) answers only what the agent may see."""

from __future__ import annotations

import datetime as dt
import html
import re
from typing import Any
from urllib.parse import quote

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from helpline.accounts.models import User
from helpline.accounts.service import actor_for_user
from helpline.assist.enrich import train_intents_from_tickets
from helpline.assist.intents import IntentConfig
from helpline.assist.tone import NEGATIVE_FRAMING
from helpline.chat.service import create_widget, open_visitor, send_message
from helpline.core.actor import SYSTEM
from helpline.core.db import Database
from helpline.customers.models import Customer
from helpline.email.service import receive_email
from helpline.tickets.conversation import add_message
from helpline.tickets.models import Ticket
from helpline.tickets.service import NewMessage, create_ticket
from helpline.web.catalog_assist_de import ASSIST_DE
from helpline.web.copilot import LABELS
from helpline.web.live import StreamTiming
from tests.conftest import World
from tests.email_helpers import make_email
from tests.test_assist_reply import ANGRY, ARTICLES
from tests.test_web_support import Web, csrf_of, form_post, make_ticket, setup_web

HX = {"HX-Request": "true"}
TOPICS = {
    "billing": ["my invoice shows the wrong amount", "I was charged twice on my invoice", "invoice is wrong"],
    "delivery": [
        "my parcel has not arrived yet",
        "where is my parcel, the delivery is late",
        "parcel delivery delayed, no tracking",
    ],
    "login": ["I cannot log in to my account", "password reset link for login fails", "login keeps failing"],
}


@pytest.fixture
def web(app: FastAPI, db: Database, world: World) -> Web:
    return setup_web(app, db, world)


def _publish(world: World, body: dict[str, Any]) -> dict[str, Any]:
    r = world.admin.post("/api/v1/kb/articles", json=body)
    assert r.status_code == 201, r.text
    r = world.admin.post(f"/api/v1/kb/articles/{r.json()['id']}/publish")
    assert r.status_code == 200, r.text
    article: dict[str, Any] = r.json()
    return article


def _angry_email(web: Web) -> int:
    raw, _ = make_email(subject="Where is my kettle?", body=ANGRY)
    receive_email(web.db, raw, source="test")
    web.app.state.outbox.drain()  # the email becomes a ticket; then its message is enriched
    web.app.state.outbox.drain()
    with web.db.read_sessions() as s:
        ticket_id: int = s.scalars(select(Ticket.id).where(Ticket.subject == "Where is my kettle?")).one()
    return ticket_id


def _train_intents(web: Web) -> None:
    with web.db.transaction() as s:
        customer = s.get(Customer, web.world.other_customer.id)  # not Carla: her trend stays hers
        assert customer is not None
        for tag, texts in TOPICS.items():
            for i in range(6):
                create_ticket(
                    s,
                    SYSTEM,
                    subject=tag,
                    requester=customer,
                    message=NewMessage(text=f"{texts[i % 3]} (case {i})"),
                    tags=[tag],
                )
        train_intents_from_tickets(s, config=IntentConfig(folds=1, semantic_hidden=0))
    web.app.state.outbox.drain()


def test_an_angry_email_shows_its_mood_intent_and_the_customers_trend(web: Web) -> None:
    _train_intents(web)
    ticket_id = _angry_email(web)
    sam = web.agent()
    page = sam.get(f"/agent/tickets/{ticket_id}")
    assert page.status_code == 200
    text = html.unescape(re.sub(r"<[^>]+>", " ", page.text))
    text = re.sub(r"\s+", " ", text)
    assert 'class="mood mood-negative"' in page.text
    assert re.search(r"Mood Negative \(-0\.\d\d\)", text), text
    assert "Strong emotions Anger" in text
    assert "Language English" in text
    intent = re.search(r"Intent delivery \((\d+) %\) because of: ([\w, ]+)", text)
    assert intent, text
    assert set(intent.group(2).split(", ")) & {"parcel", "delivery", "track", "arrived"}
    assert "Frustrated customer" in text  # the badge next to status and priority

    # The sidebar's mood panel arrives by HTMX; without scripts its link opens the page with it.
    assert f'hx-get="/agent/tickets/{ticket_id}/mood"' in page.text
    panel = sam.get(f"/agent/tickets/{ticket_id}/mood", headers=HX)
    assert panel.status_code == 200
    assert "Frustrated</span>" in panel.text
    assert '<svg role="img" aria-labelledby="trend-title"' in panel.text and "<circle" in panel.text
    assert "Last 90 days. Messages: 1, negative: 1, average: -0." in panel.text
    full = sam.get(f"/agent/tickets/{ticket_id}/mood")
    assert "<html" in full.text and "Sentiment trend" in full.text and "Where is my kettle?" in full.text

    # German UI: the same insights in German.
    sam.cookies.set("hl_lang", "de")
    german = sam.get(f"/agent/tickets/{ticket_id}").text
    assert (
        "Negativ" in german and "Ärger" in german and "Englisch" in german and "Frustrierter Kunde" in german
    )


def test_the_draft_acknowledges_the_feeling_and_cites_the_right_article(web: Web) -> None:
    shipping = _publish(web.world, ARTICLES[0])
    for body in ARTICLES[1:]:
        _publish(web.world, body)
    ticket_id = _angry_email(web)
    sam = web.agent()
    page = sam.get(f"/agent/tickets/{ticket_id}").text
    assert ">Draft reply</button>" in page

    partial = sam.get(f"/agent/tickets/{ticket_id}/draft", headers=HX)
    assert partial.status_code == 200
    draft = html.unescape(re.search(r'data-draft-text="([^"]*)"', partial.text).group(1))  # type: ignore[union-attr]
    assert draft.startswith("Hi Carla,")
    quoted = html.unescape(re.search(r"own words: <q>([^<]+)</q>", partial.text).group(1))  # type: ignore[union-attr]
    assert quoted in draft and quoted in ANGRY.replace('"', "'")  # in the customer's own words
    assert "I understand how frustrating" in draft
    assert shipping["url"] in draft and "tracking number" in draft
    assert (
        f'<a href="{shipping["url"]}" target="_blank" rel="noopener">{shipping["title"]}</a>' in partial.text
    )
    with web.db.read_sessions() as s:
        assert s.scalar(select(Ticket.last_agent_reply_at).where(Ticket.id == ticket_id)) is None  # not sent

    # Without scripts the button opens the ticket with the draft in the composer, its tone checked.
    full = sam.get(f"/agent/tickets/{ticket_id}/draft")
    composer = re.search(r'<textarea id="composer-text"[^>]*>([^<]*)</textarea>', full.text)
    assert composer and html.unescape(composer.group(1)) == draft
    assert "The tone looks good" in full.text


def test_the_tone_check_catches_dismissive_phrases_and_never_blocks_sending(web: Web) -> None:
    ticket_id = make_ticket(web.db, "Kettle", "My kettle never arrived.", team_id=web.world.support_team_id)
    sam = web.agent()
    page = f"/agent/tickets/{ticket_id}"
    typed = "Hi Carla, calm down. As I already said, your parcel is on its way and I'll check it tomorrow."
    checked = form_post(sam, page, f"{page}/tone", {"text": typed}, headers=HX)
    assert checked.status_code == 200
    findings = re.findall(r"<strong>(\w[\w ]*)</strong>: <q>([^<]+)</q>", checked.text)
    assert ("Dismissive", "calm down") in findings and ("Dismissive", "As I already said") in findings
    assert "This can sound dismissive or condescending." in checked.text
    assert '<span id="tone-live" hx-swap-oob="innerHTML">Tone check: 2 things to look at.' in checked.text

    # Without scripts "Check tone" opens the page with the findings and the text kept.
    full = form_post(sam, page, f"{page}/tone", {"text": typed, "mode": "reply", "status": "pending"})
    assert full.status_code == 200 and "calm down</q>" in full.text
    assert "Carla, calm down. As I already said" in html.unescape(full.text)
    assert '<option value="pending" selected>' in full.text

    # A clean reply, an empty box, a stale form and the German UI.
    clean = form_post(
        sam, page, f"{page}/tone", {"text": "Hi Carla, thanks! I'll update you by Friday."}, headers=HX
    )
    assert "The tone looks good" in clean.text and "Tone check: nothing to change." in clean.text
    note = form_post(sam, page, f"{page}/tone", {"text": typed, "mode": "note"}, headers=HX)
    assert "not tone-checked" in note.text and "Dismissive" not in note.text
    empty = form_post(sam, page, f"{page}/tone", {"text": "  "}, headers=HX)
    assert "checked as you type" in empty.text
    stale = sam.post(f"{page}/tone", data={"text": typed, "csrf_token": "forged"})
    assert stale.status_code == 403 and "calm down" in stale.text  # the text is handed back
    sam.cookies.set("hl_lang", "de")
    german = form_post(sam, page, f"{page}/tone", {"text": typed}, headers=HX)
    assert "<strong>Abwertend</strong>" in german.text
    assert "Das kann abweisend oder herablassend klingen." in german.text

    # The check never blocks: the same words are sent as typed.
    sent = form_post(sam, page, f"{page}/messages", {"text": typed, "mode": "reply"})
    assert sent.status_code == 303
    with web.db.read_sessions() as s:
        assert s.scalar(select(Ticket.last_agent_reply_at).where(Ticket.id == ticket_id)) is not None


def test_long_threads_offer_a_collapsed_summary(web: Web) -> None:
    short = make_ticket(web.db, "Short", team_id=web.world.support_team_id)
    long = make_ticket(
        web.db,
        "Refund",
        "I returned the kettle two weeks ago and want my refund.",
        team_id=web.world.support_team_id,
    )
    with web.db.transaction() as s:
        carla = s.get(Ticket, long)
        assert carla is not None
        customer = carla.requester
        for n, text in enumerate(
            [
                "We received the kettle on Monday.",
                "Has the refund been sent yet? I need the money back.",
                "The refund was issued today to your card.",
                "Warehouse confirmed the return.",
                "Thank you, I can see it now.",
            ]
        ):
            add_message(
                s,
                SYSTEM,
                long,
                NewMessage(text=text, internal=n == 3),
                on_behalf_of=customer if n in (1, 4) else None,
            )
    sam = web.agent()
    assert "summary-panel" not in sam.get(f"/agent/tickets/{short}").text
    page = sam.get(f"/agent/tickets/{long}").text
    assert '<details id="summary-panel" class="summary-panel" hx-get' in page  # collapsed: no "open"
    assert "Summary of this conversation (6 messages)" in page
    summary = sam.get(f"/agent/tickets/{long}/summary", headers=HX)
    assert summary.status_code == 200
    assert summary.text.count("<li>") == 3 and "Customer</a>: I returned the kettle" in summary.text
    full = sam.get(f"/agent/tickets/{long}/summary").text
    assert '<details id="summary-panel" class="summary-panel" open' in full


def test_copilot_panels_answer_404_for_a_ticket_the_agent_may_not_see(web: Web) -> None:
    ticket_id = make_ticket(web.db, "Kettle", team_id=web.world.support_team_id)
    billing = web.agent("bo@helpline.test")
    page = f"/agent/tickets/{ticket_id}"
    token = csrf_of(billing.get("/agent/").text)
    for response in (
        billing.get(f"{page}/draft", headers=HX),
        billing.get(f"{page}/summary"),
        billing.get(f"{page}/mood", headers=HX),
        billing.get(f"{page}/since?after=0", headers=HX),
        billing.post(f"{page}/tone", data={"text": "calm down", "csrf_token": token}, headers=HX),
    ):
        assert response.status_code == 404, response.url


def _chat(web: Web, text: str, visitor_token: str | None = None) -> tuple[int, str]:
    with web.db.transaction() as s:
        admin = s.get(User, web.world.admin.id)
        assert admin is not None
        widget = create_widget(
            s, actor_for_user(s, admin), name="Shop", allowed_origins=["*"], team_id=web.world.support_team_id
        )
        visitor, token = open_visitor(s, widget, visitor_token, web.app.state.settings.secret_key)
        assert visitor is not None
        message_id, _new = send_message(s, visitor.id, text)
    return message_id, token


def test_a_chat_ticket_view_fetches_new_messages_by_id(web: Web) -> None:
    first, _token = _chat(web, "Hi, is my kettle shipped?")
    with web.db.read_sessions() as s:
        ticket_id: int = s.scalars(select(Ticket.id).where(Ticket.channel == "chat")).one()
        second = None
    sam = web.agent()
    page = sam.get(f"/agent/tickets/{ticket_id}").text
    assert f'data-chat-live="/chat/agent/tickets/{ticket_id}/events"' in page
    assert 'id="visitor-typing"' in page and "The visitor is typing…" in page
    with web.db.transaction() as s:
        ticket = s.get(Ticket, ticket_id)
        assert ticket is not None
        second = add_message(
            s, SYSTEM, ticket_id, NewMessage(text="It left today?"), on_behalf_of=ticket.requester
        ).id
    since = sam.get(f"/agent/tickets/{ticket_id}/since?after={first}", headers=HX)
    assert since.status_code == 200
    assert re.findall(r'id="message-(\d+)"', since.text) == [str(second)]
    assert "It left today?" in since.text and "is my kettle shipped" not in since.text
    assert sam.get(f"/agent/tickets/{ticket_id}/since?after=-1").status_code == 422
    email_ticket = make_ticket(web.db, "Email", team_id=web.world.support_team_id)
    assert "visitor-typing" not in sam.get(f"/agent/tickets/{email_ticket}").text


def _alerts(client: TestClient, since: dt.datetime, *, by_address: bool = False) -> list[str]:
    """The alert events after ``since``: resumed the way a browser does (the Last-Event-ID header) or
    the way a tab taking the stream over from another tab does (``?last_event_id=``)."""
    url, headers = "/agent/chat-alerts", {"Last-Event-ID": since.isoformat()}
    if by_address:
        url, headers = f"{url}?last_event_id={quote(since.isoformat())}", {}
    with client.stream("GET", url, headers=headers) as stream:
        lines = [line for line in stream.iter_lines() if line.startswith(("id:", "event:", "data:"))]
    assert lines[:2] == [f"id: {since.isoformat()}", "event: ready"]  # the cursor comes first
    return [line for line in lines[3:] if not line.startswith("id:")]


def test_new_chats_raise_an_alert_for_agents_who_may_answer_them(web: Web) -> None:
    web.app.state.web_stream_timing = StreamTiming(interval=0.05, lifetime=0.5, heartbeat=0.2)
    before = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=5)
    _chat(web, "Hello, anyone there?")
    sam = web.agent()
    lines = _alerts(sam, before)
    assert lines[0] == "event: chat"
    assert '"new": true' in lines[1] and '"subject": "Chat with a website visitor"' in lines[1]
    assert _alerts(sam, before, by_address=True) == lines
    assert _alerts(web.agent("bo@helpline.test"), before) == []  # Billing cannot see Support's chat
    assert _alerts(sam, dt.datetime.now(dt.UTC)) == []  # nothing newer than the last event id
    page = sam.get("/agent/").text
    assert 'data-chat-alerts="/agent/chat-alerts"' in page and "data-sound-toggle" in page


def test_every_copilot_label_and_tone_explanation_has_a_german_translation() -> None:
    for group in LABELS.values():
        for label in group.values():
            assert label in ASSIST_DE, label
    english = [r for _p, r in NEGATIVE_FRAMING if not r.startswith(("Sagen", "Beginnen", "Positiv"))]
    assert len(english) == 8
    for rewrite in english:
        assert rewrite in ASSIST_DE, rewrite
