"""In headless Chromium: a visitor on a shop's page chats through the widget with an agent working in
the workspace; the visitor's connection drops mid-conversation and every message still shows once."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from fastapi import FastAPI

from helpline import chat
from tests.browser.conftest import Live, check_accessibility
from tests.browser.test_browser_flows import sign_in
from tests.test_chat import chat_ticket


@pytest.fixture
def chat_app(app: FastAPI) -> FastAPI:
    chat.install(app)
    return app


@dataclass
class Shop:
    """The shop's own web server (another origin) with a page that carries the widget snippet."""

    url: str
    snippet: str = ""


@pytest.fixture
def shop() -> Iterator[Shop]:
    site = Shop("")

    class Page(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = (
                '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Kettle shop</title>'
                "</head><body><main><h1>Kettle shop</h1><p>Kettles of every size.</p></main>"
                f"{site.snippet}</body></html>"
            ).encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Page)
    site.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield site
    server.shutdown()
    server.server_close()


def bubbles(page: Any) -> list[str]:
    texts: list[str] = page.locator(".hlc-log .hlc-msg").evaluate_all(
        "items => items.map(m => m.childNodes[1].textContent)"
    )
    return texts


def test_a_visitor_chats_with_an_agent_and_survives_a_dropped_connection(
    chat_app: FastAPI, live: Live, shop: Shop, page_factory: Any
) -> None:
    world = live.web.world
    widget = world.admin.post("/api/v1/chat/widgets", json={"name": "Shop", "allowed_origins": [shop.url]})
    assert widget.status_code == 201, widget.text
    shop.snippet = widget.json()["snippet"]
    assert shop.snippet.startswith('<script src="http://testserver/chat/widget.js"')
    shop.snippet = shop.snippet.replace("http://testserver", live.url)
    visitor = page_factory()
    visitor.goto(shop.url + "/")
    visitor.get_by_role("button", name="Chat with us").click()
    dialog = visitor.get_by_role("dialog", name="Chat with us")
    dialog.get_by_text("No agent is online right now").wait_for()
    dialog.get_by_label("Your name (optional)").fill("Vera")
    dialog.get_by_label("Email, so we can reply if you leave (optional)").fill("vera@example.com")
    dialog.get_by_role("button", name="Save details").click()
    dialog.get_by_label("Your message").fill("Hi! <b>Is</b> my kettle shipped?")
    dialog.get_by_label("Your message").press("Enter")
    visitor.wait_for_function("document.querySelector('.hlc-log .hlc-msg[data-id]')")
    assert visitor.locator(".hlc-log b").count() == 0  # shown as text, never as HTML
    check_accessibility(visitor, "chat-widget")

    agent = page_factory()
    sign_in(agent, live)
    ticket_id = chat_ticket(live.web.db)
    agent.goto(f"{live.url}/agent/tickets/{ticket_id}")
    agent.get_by_text("Is</b> my kettle shipped?").wait_for()
    agent.get_by_label("Message", exact=True).fill("Hello Vera, it left our warehouse today.")
    agent.get_by_role("button", name="Send", exact=True).click()
    agent.get_by_text("Reply sent.").wait_for()
    dialog.get_by_text("Hello Vera, it left our warehouse today.").wait_for()

    # The visitor's connection drops for two seconds; meanwhile both sides keep writing.
    visitor.evaluate("HelplineChat.drop(2000)")
    dialog.get_by_label("Your message").fill("Great, thanks!")
    dialog.get_by_label("Your message").press("Enter")
    for text in ("Tracking number: KT-123.", "Anything else I can do?"):
        assert (
            world.agent.post(f"/api/v1/tickets/{ticket_id}/messages", json={"text": text}).status_code == 201
        )
    dialog.get_by_text("Anything else I can do?").wait_for(timeout=10000)
    visitor.wait_for_function("document.querySelectorAll('.hlc-log .hlc-msg[data-id]').length >= 5")
    visitor.wait_for_timeout(500)  # anything duplicated would have arrived by now
    assert bubbles(visitor) == [
        "Hi! <b>Is</b> my kettle shipped?",
        "Hello Vera, it left our warehouse today.",
        "Tracking number: KT-123.",
        "Anything else I can do?",
        "Great, thanks!",
    ] or bubbles(visitor) == [
        "Hi! <b>Is</b> my kettle shipped?",
        "Hello Vera, it left our warehouse today.",
        "Great, thanks!",
        "Tracking number: KT-123.",
        "Anything else I can do?",
    ]
    ids = visitor.locator(".hlc-log .hlc-msg").evaluate_all("items => items.map(m => m.dataset.id)")
    assert len(ids) == len(set(ids)) == 5
    # The agent sees the visitor's message sent while the connection was down, once.
    agent.reload()
    assert agent.get_by_text("Great, thanks!").count() == 1


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(64)


def test_a_visitor_sends_a_photo_and_a_refused_file_says_why(
    chat_app: FastAPI, live: Live, shop: Shop, page_factory: Any
) -> None:
    world = live.web.world
    widget = world.admin.post("/api/v1/chat/widgets", json={"name": "Shop", "allowed_origins": [shop.url]})
    shop.snippet = widget.json()["snippet"].replace("http://testserver", live.url)
    visitor = page_factory(viewport={"width": 390, "height": 844})  # a phone
    visitor.goto(shop.url + "/")
    visitor.get_by_role("button", name="Chat with us").click()
    dialog = visitor.get_by_role("dialog", name="Chat with us")
    dialog.get_by_text("No agent is online right now").wait_for()
    files = visitor.locator(".hlc-root input[type=file]")
    files.set_input_files({"name": "broken kettle.png", "mimeType": "image/png", "buffer": PNG})
    link = dialog.get_by_role("link", name="broken kettle.png (1 KB)")
    link.wait_for()
    assert (link.get_attribute("href") or "").startswith(live.url + "/chat/files/")
    files.set_input_files(
        {"name": "setup.pdf", "mimeType": "application/pdf", "buffer": b"MZ\x90\x00" + bytes(64)}
    )
    alert = dialog.get_by_role("alert")
    alert.get_by_text("setup.pdf can't be sent here").wait_for()
    assert dialog.get_by_text("Not sent: setup.pdf can't be sent here", exact=False).count() == 1
    assert dialog.get_by_role("button", name="Attach a file").is_visible()
    check_accessibility(visitor, "chat-widget-upload")
    ticket_id = chat_ticket(live.web.db)
    listed = world.admin.get(f"/api/v1/tickets/{ticket_id}/messages").json()["items"]
    assert [a["filename"] for m in listed for a in m["attachments"]] == ["broken kettle.png"]
