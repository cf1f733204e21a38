"""In headless Chromium: the copilot in the ticket view (mood, draft, tone warning) and the live chat
side of the workspace (the visitor's typing, new messages without a reload, alerts for new chats)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from helpline.accounts.models import User
from helpline.accounts.service import actor_for_user
from helpline.chat.models import ChatVisitor
from helpline.chat.service import channel_of, create_widget, open_visitor, send_message
from helpline.email.service import receive_email
from helpline.realtime import broker_of
from helpline.tickets.models import Ticket
from tests.browser.conftest import ARTIFACTS, Live, check_accessibility
from tests.browser.test_browser_flows import sign_in
from tests.email_helpers import make_email
from tests.test_assist_reply import ANGRY, ARTICLES


def _publish(live: Live, body: dict[str, Any]) -> dict[str, Any]:
    admin = live.web.world.admin
    created = admin.post("/api/v1/kb/articles", json=body)
    assert created.status_code == 201, created.text
    published = admin.post(f"/api/v1/kb/articles/{created.json()['id']}/publish")
    assert published.status_code == 200, published.text
    article: dict[str, Any] = published.json()
    return article


def test_agent_sees_the_mood_drafts_a_reply_and_gets_a_tone_warning(live: Live, page_factory: Any) -> None:
    shipping = _publish(live, ARTICLES[0])
    for body in ARTICLES[1:]:
        _publish(live, body)
    raw, _ = make_email(subject="Where is my kettle?", body=ANGRY)
    receive_email(live.web.db, raw, source="test")
    live.web.app.state.outbox.drain()  # the email becomes a ticket, then its message is enriched
    live.web.app.state.outbox.drain()
    with live.web.db.read_sessions() as s:
        ticket_id = s.scalars(select(Ticket.id).where(Ticket.subject == "Where is my kettle?")).one()

    page = page_factory()
    page.set_default_timeout(15000)  # the first draft loads the sentence encoder and builds the KB index
    sign_in(page, live)
    page.goto(f"{live.url}/agent/tickets/{ticket_id}")
    mood = page.locator("#conversation .mood").first
    assert "Negative" in mood.inner_text() and "Anger" in mood.inner_text()
    assert page.get_by_text("Frustrated customer").is_visible()
    page.locator("#mood-panel svg").wait_for()  # the sidebar's trend, loaded by HTMX
    check_accessibility(page, "copilot-ticket")

    page.get_by_role("button", name="Draft reply").click()
    composer = page.get_by_label("Message", exact=True)
    page.wait_for_function("document.getElementById('composer-text').value.startsWith('Hi Carla,')")
    draft = composer.input_value()
    assert "I understand how frustrating" in draft and shipping["url"] in draft
    assert page.locator("#draft-info a", has_text=shipping["title"]).is_visible()
    page.locator("#tone-result .tone-ok").wait_for()  # the draft passes its own tone check

    composer.press("Control+End")
    composer.press_sequentially(" As I already said, calm down.", delay=10)
    warning = page.locator("#tone-result .tone-dismissive").first
    warning.wait_for()
    assert "As I already said" in page.locator("#tone-result").inner_text()
    assert "calm down" in page.locator("#tone-result").inner_text()
    assert page.get_by_role("button", name="Send", exact=True).is_enabled()  # a warning, never a block
    check_accessibility(page, "copilot-tone-warning")
    page.get_by_role("button", name="Send", exact=True).click()
    page.get_by_text("Reply sent.").wait_for()


def _chat(live: Live, text: str, visitor_id: int | None = None) -> tuple[int, int]:
    """A visitor writes through the chat service, as the widget's socket does; returns (visitor, ticket)."""
    db = live.web.db
    with db.transaction() as s:
        if visitor_id is None:
            admin = s.get(User, live.web.world.admin.id)
            assert admin is not None
            widget = create_widget(
                s,
                actor_for_user(s, admin),
                name="Shop",
                allowed_origins=["*"],
                team_id=live.web.world.support_team_id,
            )
            visitor, _token = open_visitor(s, widget, None, live.web.app.state.settings.secret_key)
            assert visitor is not None
            visitor_id = visitor.id
        send_message(s, visitor_id, text)
    with db.read_sessions() as s:
        visitor_row = s.get(ChatVisitor, visitor_id)
        assert visitor_row is not None
        ticket_id = s.scalars(
            select(Ticket.id).where(Ticket.channel == "chat", Ticket.requester_id == visitor_row.customer_id)
        ).one()
    return visitor_id, ticket_id


def test_a_chat_ticket_is_live_and_new_chats_alert_the_agent(live: Live, page_factory: Any) -> None:
    visitor_id, ticket_id = _chat(live, "Hi, is my kettle shipped?")
    page = page_factory()
    page.set_default_timeout(10000)
    sign_in(page, live)
    page.goto(f"{live.url}/agent/tickets/{ticket_id}")
    page.get_by_text("Hi, is my kettle shipped?").wait_for()
    page.wait_for_timeout(300)  # the page's event streams connect

    broker = broker_of(live.web.app)
    broker.publish(channel_of(visitor_id), "typing", {"who": "visitor", "on": True, "visitor_id": visitor_id})
    page.get_by_text("The visitor is typing…").wait_for()
    _chat(live, "It's for my mum's birthday on Friday.", visitor_id)
    page.locator("#conversation").get_by_text("for my mum's birthday").wait_for()  # no reload
    assert page.locator("#visitor-typing").inner_text() == ""
    page.locator("#chat-alerts").get_by_text("New chat message from the visitor.").wait_for()
    page.wait_for_function("document.title.startsWith('(1) ')")
    # The composer now knows the agent saw that message: the reply is not held back as a collision.
    page.get_by_label("Message", exact=True).fill("Hello! It left our warehouse today.")
    page.get_by_role("button", name="Send", exact=True).click()
    page.get_by_text("Reply sent.").wait_for()
    check_accessibility(page, "chat-ticket-live")

    # Elsewhere in the workspace, a brand-new chat raises an alert with a link to it.
    page.goto(f"{live.url}/agent/")
    page.wait_for_timeout(300)
    _other, new_ticket = _chat(live, "Do you ship to Austria?")
    alert = page.locator("#chat-alerts a", has_text="New chat: Chat with a website visitor")
    alert.wait_for(timeout=8000)
    assert alert.get_attribute("href") == f"/agent/tickets/{new_ticket}"
    page.wait_for_function("document.title.startsWith('(1) ')")  # the badge, also after the inbox refresh
    sound = page.get_by_role("button", name="Chat sound")
    assert sound.get_attribute("aria-pressed") == "true"
    sound.click()  # muted, and remembered in this browser
    assert sound.get_attribute("aria-pressed") == "false"
    page.reload()
    assert page.get_by_role("button", name="Chat sound").get_attribute("aria-pressed") == "false"
    page.screenshot(path=str(ARTIFACTS / "chat-alert.png"), full_page=True)
