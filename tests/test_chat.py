"""Live chat over a real uvicorn server and real WebSocket clients: a visitor talks with an agent who
answers through the REST API; reconnects resume with every message exactly once; limits and bad
input get clear errors."""

from __future__ import annotations

import contextlib
import json
import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from sqlalchemy import func, select
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect
from websockets.typing import Origin

from helpline import chat
from helpline.chat.models import ChatClientMessage, ChatConversation
from helpline.core.db import Database
from helpline.core.ratelimit import RateLimiter
from helpline.outbox.runner import OutboxRunner
from helpline.tickets.models import Message, Ticket
from tests.conftest import World
from tests.test_web_support import PASSWORD, make_ticket, setup_web

ORIGIN = "https://shop.example.com"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class ChatServer:
    url: str
    ws: str
    app: FastAPI
    db: Database
    world: World

    def widget(self, **overrides: Any) -> str:
        body = {"name": "Shop", "allowed_origins": [ORIGIN], **overrides}
        response = self.world.admin.post("/api/v1/chat/widgets", json=body)
        assert response.status_code == 201, response.text
        key: str = response.json()["key"]
        return key

    def visitor(self, key: str, **kw: Any) -> Visitor:
        return Visitor(self.ws, key, **kw)


def serve(app: FastAPI) -> Iterator[str]:
    port = free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="warning", lifespan="off", timeout_graceful_shutdown=1
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield f"127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=5)


@pytest.fixture
def chat_server(app: FastAPI, db: Database, world: World) -> Iterator[ChatServer]:
    chat.install(app)
    for host in serve(app):
        yield ChatServer(f"http://{host}", f"ws://{host}", app, db, world)


class Visitor:
    """A widget's side of the socket: hello, then frames."""

    def __init__(
        self,
        ws_base: str,
        key: str,
        *,
        origin: str = ORIGIN,
        token: str | None = None,
        last_id: int = 0,
        identity: Any = None,
    ) -> None:
        url = f"{ws_base}/chat/ws?widget={key}"
        self.conn: ClientConnection = connect(url, origin=Origin(origin), open_timeout=5).__enter__()
        self.log: list[dict[str, Any]] = []  # every frame received, in order
        self.unread: list[dict[str, Any]] = []  # frames a helper read past; recv() returns them first
        with contextlib.suppress(ConnectionClosed):  # refused sockets say why, then close
            hello = {"type": "hello", "token": token, "last_id": last_id}
            if identity is not None:
                hello["identity"] = identity
            self.conn.send(json.dumps(hello))
        self.welcome = self.recv()

    def send(self, **frame: Any) -> None:
        self.conn.send(json.dumps(frame))

    def recv(self, timeout: float = 5) -> dict[str, Any]:
        if self.unread:
            return self.unread.pop(0)
        frame: dict[str, Any] = json.loads(self.conn.recv(timeout=timeout))
        self.log.append(frame)
        return frame

    def until(self, match: Callable[[dict[str, Any]], bool], timeout: float = 5) -> list[dict[str, Any]]:
        """Frames up to and including the first that matches (pings skipped)."""
        got: list[dict[str, Any]] = []
        deadline = time.monotonic() + timeout
        while True:
            frame = self.recv(max(deadline - time.monotonic(), 0.01))
            if frame["type"] != "ping":
                got.append(frame)
            if match(frame):
                return got

    def drain(self, quiet: float = 0.4) -> list[dict[str, Any]]:
        got: list[dict[str, Any]] = []
        while True:
            try:
                frame = self.recv(quiet)
            except TimeoutError:
                return got
            if frame["type"] != "ping":
                got.append(frame)

    def say(self, text: str, client_id: str) -> int:
        self.send(type="message", text=text, client_id=client_id)
        frames = self.until(lambda f: f["type"] in ("ack", "error") and f.get("client_id") == client_id)
        assert frames[-1]["type"] == "ack", frames[-1]
        # The message itself may come before its ack (it is sent as soon as it is committed).
        self.unread.extend(f for f in frames[:-1] if f["type"] == "message")
        msg_id: int = frames[-1]["id"]
        return msg_id

    def close(self) -> None:
        self.conn.close()


def messages(frames: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [f for f in frames if f["type"] == "message"]


def chat_ticket(db: Database) -> int:
    with db.read_sessions() as s:
        ticket_id: int = s.scalars(select(ChatConversation.ticket_id).order_by(ChatConversation.id)).one()
    return ticket_id


def test_a_visitor_chats_with_an_agent(chat_server: ChatServer) -> None:
    key = chat_server.widget(prechat="optional")
    visitor = chat_server.visitor(key)
    welcome = visitor.welcome
    assert welcome["type"] == "welcome" and welcome["token"].startswith("v1.")
    assert welcome["prechat"] == "optional" and "online" in welcome["status"]["text"]
    visitor.send(type="details", name="Vera Visitor", email="Vera@Example.com")
    assert visitor.until(lambda f: f["type"] == "details")[-1] == {
        "type": "details",
        "name": "Vera Visitor",
        "has_email": True,
    }
    first = visitor.say("Hello <b>there</b>, where is my order?", "c1")
    echoed = messages(visitor.until(lambda f: f["type"] == "message"))
    assert echoed == [
        {
            "type": "message",
            "id": first,
            "author": "visitor",
            "name": "You",
            "text": "Hello <b>there</b>, where is my order?",
            "at": echoed[0]["at"],
            "client_id": "c1",
        }
    ]
    ticket_id = chat_ticket(chat_server.db)
    ticket = chat_server.world.admin.get(f"/api/v1/tickets/{ticket_id}").json()
    assert ticket["channel"] == "chat" and ticket["subject"] == "Chat with Vera Visitor"
    customer = chat_server.world.admin.get(f"/api/v1/customers/{ticket['requester']['id']}").json()
    assert {(i["kind"], i["value"]) for i in customer["identities"]} >= {("email", "vera@example.com")}

    reply = chat_server.world.admin.post(
        f"/api/v1/tickets/{ticket_id}/messages", json={"text": "Hi Vera, it ships <today>."}
    )
    assert reply.status_code == 201, reply.text
    got = messages(visitor.until(lambda f: f["type"] == "message"))
    assert [(m["author"], m["name"], m["text"]) for m in got] == [
        ("agent", "Ada Admin", "Hi Vera, it ships <today>.")
    ]
    # An internal note never reaches the visitor.
    note = chat_server.world.admin.post(
        f"/api/v1/tickets/{ticket_id}/messages", json={"text": "VIP customer", "internal": True}
    )
    assert note.status_code == 201
    assert messages(visitor.drain()) == []
    visitor.close()


def test_reconnecting_resumes_with_every_message_exactly_once(chat_server: ChatServer) -> None:
    key = chat_server.widget()
    visitor = chat_server.visitor(key)
    token = visitor.welcome["token"]
    visitor.say("first", "a1")
    seen = messages(visitor.until(lambda f: f["type"] == "message"))
    ticket_id = chat_ticket(chat_server.db)
    agent = chat_server.world.admin
    agent.post(f"/api/v1/tickets/{ticket_id}/messages", json={"text": "reply 1"})
    seen += messages(visitor.until(lambda f: f["type"] == "message"))
    visitor.close()  # the connection drops; the agent keeps writing
    for n in range(2, 6):
        agent.post(f"/api/v1/tickets/{ticket_id}/messages", json={"text": f"reply {n}"})
    again = chat_server.visitor(key, token=token, last_id=seen[-1]["id"])
    assert again.welcome["token"] == token  # the same visitor, recognised
    missed = messages(again.until(lambda f: f["type"] == "message" and f["text"] == "reply 5"))
    assert [m["text"] for m in missed] == ["reply 2", "reply 3", "reply 4", "reply 5"]
    # The widget resends a message it never saw acknowledged: stored once, same id.
    resent = again.say("first", "a1")
    assert resent == seen[0]["id"]
    assert messages(again.drain()) == []
    # A fresh page (nothing seen) gets the whole transcript, once, in order.
    fresh = chat_server.visitor(key, token=token)
    transcript = messages(fresh.until(lambda f: f["type"] == "message" and f["text"] == "reply 5"))
    assert [m["text"] for m in transcript] == ["first", "reply 1", "reply 2", "reply 3", "reply 4", "reply 5"]
    ids = [m["id"] for m in transcript]
    assert ids == sorted(set(ids))
    assert messages(fresh.drain()) == []
    with chat_server.db.read_sessions() as s:
        assert s.scalar(select(func.count()).select_from(ChatClientMessage)) == 1
        assert s.scalar(select(func.count()).select_from(Ticket)) == 1
    again.close()
    fresh.close()


def test_limits_and_bad_input_get_clear_errors(chat_server: ChatServer) -> None:
    key = chat_server.widget(prechat="off")
    chat_server.app.state.chat_limiter = RateLimiter(2, 60, "chat messages")
    visitor = chat_server.visitor(key)
    huge = "x" * 4001
    visitor.send(type="message", text=huge, client_id="big")
    error = visitor.until(lambda f: f["type"] == "error")[-1]
    assert error["code"] == "too_large" and "at most 4000 characters" in error["message"]
    assert error["client_id"] == "big"
    visitor.send(type="message", text="   ", client_id="blank")
    assert visitor.until(lambda f: f["type"] == "error")[-1]["code"] == "empty"
    visitor.conn.send("not json")
    assert visitor.until(lambda f: f["type"] == "error")[-1]["code"] == "bad_request"
    visitor.say("one", "r1")
    visitor.say("two", "r2")
    visitor.send(type="message", text="three", client_id="r3")
    limited = visitor.until(lambda f: f["type"] == "error")[-1]
    assert limited["code"] == "rate_limited" and limited["retry_after"] >= 1
    assert "too many chat messages" in limited["message"]
    visitor.close()

    stranger = chat_server.visitor(key, origin="https://evil.example.net")
    assert stranger.welcome["code"] == "origin_not_allowed"
    assert "https://evil.example.net" in stranger.welcome["message"]
    with pytest.raises(ConnectionClosed) as closed:
        stranger.recv()
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4403

    unknown = chat_server.visitor("no-such-widget")
    assert unknown.welcome["code"] == "unknown_widget"
    forged = chat_server.visitor(key, token="v1.someone-else.bad-signature")
    assert forged.welcome["type"] == "welcome" and forged.welcome["token"] != "v1.someone-else.bad-signature"
    forged.close()


def test_a_required_email_comes_first(chat_server: ChatServer) -> None:
    key = chat_server.widget(prechat="required")
    visitor = chat_server.visitor(key)
    visitor.send(type="message", text="hello", client_id="h1")
    assert visitor.until(lambda f: f["type"] == "error")[-1]["code"] == "details_required"
    visitor.send(type="details", email="not an address")
    bad = visitor.until(lambda f: f["type"] == "error")[-1]
    assert bad["code"] == "invalid" and bad["field"] == "email"
    visitor.send(type="details", email="pat@example.com")
    visitor.until(lambda f: f["type"] == "details")
    visitor.say("hello", "h1")
    visitor.close()


def test_an_unanswered_chat_turns_into_an_email_follow_up(chat_server: ChatServer) -> None:
    key = chat_server.widget(followup_minutes=0)
    visitor = chat_server.visitor(key)
    visitor.send(type="details", email="lee@example.com")
    visitor.until(lambda f: f["type"] == "details")
    visitor.say("Is anyone there?", "q1")
    visitor.until(lambda f: f["type"] == "message")
    OutboxRunner(chat_server.db).drain()
    got = messages(visitor.until(lambda f: f["type"] == "message"))
    assert got[-1]["author"] == "system"
    assert "We'll reply by email to lee@example.com" in got[-1]["text"]
    # Only once, however often the job runs.
    OutboxRunner(chat_server.db).drain()
    with chat_server.db.read_sessions() as s:
        system = s.scalar(select(func.count()).select_from(Message).where(Message.author_kind == "system"))
    assert system == 1
    visitor.close()


def web_sign_in(browser: httpx.Client, email: str = "sam@helpline.test") -> None:
    """Sign in to the agent workspace of a running server, as a browser does (CSRF token first)."""
    token = re.search(r'name="csrf_token" value="([^"]+)"', browser.get("/agent/login").text)
    assert token
    data = {"email": email, "password": PASSWORD, "csrf_token": token.group(1)}
    signed = browser.post("/agent/login", data=data)
    assert signed.status_code == 303, signed.text


def test_typing_shows_on_both_sides(chat_server: ChatServer) -> None:
    setup_web(chat_server.app, chat_server.db, chat_server.world)
    visitor = chat_server.visitor(chat_server.widget())
    visitor.say("Hello?", "t1")
    ticket_id = chat_ticket(chat_server.db)
    with httpx.Client(base_url=chat_server.url) as browser:
        assert browser.get(f"/chat/agent/tickets/{ticket_id}/events").status_code in (303, 401)
        web_sign_in(browser)
        with browser.stream("GET", f"/chat/agent/tickets/{ticket_id}/events", timeout=10) as stream:
            lines = stream.iter_lines()
            assert next(lines).startswith("retry:")
            visitor.send(type="typing", on=True)
            assert next(line for line in lines if line.startswith("event:")) == "event: typing"
            assert next(lines) == 'data: {"on": true}'
        typing = browser.post(f"/chat/agent/tickets/{ticket_id}/typing", json={"on": True})
        assert typing.status_code == 204, typing.text
        assert visitor.until(lambda f: f["type"] == "typing")[-1] == {
            "type": "typing",
            "on": True,
            "name": "Sam",
        }
        hidden = make_ticket(chat_server.db, "Billing only", team_id=chat_server.world.billing_team_id)
        assert browser.post(f"/chat/agent/tickets/{hidden}/typing", json={"on": True}).status_code == 404
    visitor.close()


def test_a_chat_merged_into_another_customers_ticket_starts_afresh(chat_server: ChatServer) -> None:
    visitor = chat_server.visitor(chat_server.widget())
    visitor.say("My parcel is lost", "m1")
    chat_id = chat_ticket(chat_server.db)
    theirs = make_ticket(chat_server.db, "Omar's own problem", "Private details", email="omar@example.com")
    admin = chat_server.world.admin
    said = admin.post(f"/api/v1/tickets/{theirs}/messages", json={"text": "Omar, your code"})
    assert said.status_code == 201
    merged = admin.post(f"/api/v1/tickets/{theirs}/merge", json={"source_id": chat_id})  # by mistake
    assert merged.status_code == 200, merged.text
    visitor.say("Any news?", "m2")
    seen = " ".join(m["text"] for m in messages(visitor.drain()))
    assert "Omar" not in seen and "Private" not in seen
    with chat_server.db.read_sessions() as s:
        landed = s.scalars(select(Ticket).join(Message).where(Message.text == "Any news?")).one()
        assert landed.id not in (chat_id, theirs) and landed.channel == "chat"
    visitor.close()
