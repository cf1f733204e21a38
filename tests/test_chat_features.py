"""The widget's extras over a real server: files, signed site identity, honest status and the
transcript by email (real SMTP sink)."""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, update

from helpline.chat.identity import sign
from helpline.chat.models import ChatConversation
from helpline.chat.status import StatusCache
from helpline.chat.uploads import file_sig, verify_file_sig
from helpline.email import outbound
from helpline.outbox.runner import OutboxRunner
from helpline.tickets.models import Attachment, Message
from tests.email_helpers import Sink, start_sink
from tests.test_chat import ORIGIN, ChatServer, Visitor, chat_server, chat_ticket, messages

__all__ = ["chat_server"]  # the fixture, shared with test_chat

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(64)


def upload(
    server: ChatServer,
    key: str,
    token: str,
    content: bytes,
    name: str = "photo.png",
    kind: str = "image/png",
    *,
    origin: str = ORIGIN,
    client_id: str = "f1",
    who: dict[str, Any] | None = None,
) -> httpx.Response:
    data = {"token": token, "client_id": client_id} | ({"identity": json.dumps(who)} if who else {})
    return httpx.post(
        f"{server.url}/chat/upload",
        params={"widget": key},
        headers={"Origin": origin},
        data=data,
        files={"file": (name, content, kind)},
        timeout=10,
    )


def test_a_visitor_sends_a_file_and_both_sides_can_download_it(chat_server: ChatServer) -> None:
    key = chat_server.widget()
    visitor = chat_server.visitor(key)
    token = visitor.welcome["token"]
    assert visitor.welcome["limits"]["max_upload_bytes"] == 10 * 1024 * 1024
    visitor.say("My kettle arrived broken, photo follows", "m1")
    sent = upload(chat_server, key, token, PNG, name="../../etc/broken kettle<1>.png", kind="text/html")
    assert sent.status_code == 201, sent.text
    assert sent.headers["access-control-allow-origin"] == ORIGIN
    frame = messages(visitor.until(lambda f: f["type"] == "message" and bool(f.get("attachments"))))[-1]
    assert frame["author"] == "visitor" and frame["client_id"] == "f1" and frame["id"] == sent.json()["id"]
    [att] = frame["attachments"]
    assert att["name"] == "broken kettle_1_.png"  # no path, nothing a header or shell trips on
    assert att["type"] == "image/png" and att["size"] == len(PNG)  # sniffed, not the declared text/html

    got = httpx.get(chat_server.url + att["url"], timeout=5)
    assert got.status_code == 200 and got.content == PNG
    assert got.headers["content-disposition"].startswith("attachment;")
    assert got.headers["content-type"] == "application/octet-stream"
    assert got.headers["x-content-type-options"] == "nosniff"
    forged = att["url"].replace("?s=", "?s=x")
    assert httpx.get(chat_server.url + forged, timeout=5).status_code == 404
    other = chat_server.url + att["url"].replace(f"/files/{att['id']}", f"/files/{att['id'] + 1}")
    assert httpx.get(other, timeout=5).status_code == 404  # the address names one file only
    public_id = att["url"].split("?s=", 1)[1].rsplit(".", 2)[0]
    secret = chat_server.app.state.settings.secret_key
    stale = file_sig(secret, public_id, att["id"], now=time.time() - 25 * 3600)
    assert verify_file_sig(secret, att["id"], stale) is None  # a day-old link has expired
    stale_url = f"{chat_server.url}/chat/files/{att['id']}?s={stale}"
    assert httpx.get(stale_url, timeout=5).status_code == 404
    pushed_back = stale.replace(stale.split(".")[-2], str(int(time.time()) + 3600))
    assert (
        httpx.get(f"{chat_server.url}/chat/files/{att['id']}?s={pushed_back}", timeout=5).status_code == 404
    )

    ticket_id = chat_ticket(chat_server.db)
    listed = chat_server.world.admin.get(f"/api/v1/tickets/{ticket_id}/messages").json()["items"]
    [stored] = [a for m in listed for a in m["attachments"]]
    assert stored["filename"] == "broken kettle_1_.png" and stored["content_type"] == "image/png"
    download = chat_server.world.admin.get(stored["url"])
    assert download.content == PNG and download.headers["content-disposition"].startswith("attachment;")
    visitor.close()


def test_refused_files_get_clear_errors_and_store_nothing(chat_server: ChatServer) -> None:
    key = chat_server.widget()
    chat_server.app.state.chat_config.upload_max_bytes = 4096
    visitor = chat_server.visitor(key)
    token = visitor.welcome["token"]

    big = upload(chat_server, key, token, PNG + bytes(5000))
    assert big.status_code == 413 and big.json()["code"] == "too_large"
    assert "photo.png is larger than the limit of 4 KB" in big.json()["detail"]
    assert big.headers["access-control-allow-origin"] == ORIGIN  # the widget can read why
    html = upload(chat_server, key, token, b"<html><script>alert(1)</script>", name="cat.png")
    assert html.status_code == 415 and html.json()["code"] == "unsupported_type"
    assert "cat.png can't be sent here" in html.json()["detail"]
    exe = upload(
        chat_server, key, token, b"MZ\x90\x00" + bytes(100), name="invoice.pdf", kind="application/pdf"
    )
    assert exe.status_code == 415
    binary = upload(chat_server, key, token, b"abc\x00\x01def", name="notes.txt", kind="text/plain")
    assert binary.status_code == 415
    empty = upload(chat_server, key, token, b"", name="nothing.pdf", kind="application/pdf")
    assert empty.status_code == 422 and empty.json()["code"] == "empty"

    nobody = upload(chat_server, key, "v1.forged.token", PNG)
    assert nobody.status_code == 401 and nobody.json()["code"] == "unknown_visitor"
    stranger = upload(chat_server, key, token, PNG, origin="https://evil.example.net")
    assert stranger.status_code == 403 and "access-control-allow-origin" not in stranger.headers
    assert upload(chat_server, "no-such-widget", token, PNG).status_code == 404

    with chat_server.db.read_sessions() as s:
        assert s.scalar(select(func.count()).select_from(Attachment)) == 0
        assert s.scalar(select(func.count()).select_from(Message)) == 0
    text = upload(chat_server, key, token, b"id,qty\n7,2\n", name="order.csv", kind="")
    assert text.status_code == 201, text.text
    visitor.close()


def identity(secret: str, user_id: str, email: str, name: str, ts: int | None = None) -> dict[str, Any]:
    ts = int(time.time()) if ts is None else ts
    return {
        "id": user_id,
        "email": email,
        "name": name,
        "ts": ts,
        "sig": sign(secret, user_id, email, name, ts),
    }


def hello_with(server: ChatServer, key: str, who: Any, token: str | None = None) -> Visitor:
    return server.visitor(key, token=token, identity=who)


def test_a_signed_in_customer_is_recognised_on_every_device(chat_server: ChatServer) -> None:
    created = chat_server.world.admin.post(
        "/api/v1/chat/widgets", json={"name": "Shop", "allowed_origins": [ORIGIN]}
    ).json()
    key, secret = created["key"], created["identity_secret"]
    assert len(secret) >= 32
    carla = identity(secret, "user-42", "Carla@Example.com", "Carla Customer")
    laptop = hello_with(chat_server, key, carla)
    assert laptop.welcome["identity"] == {"status": "verified"}
    assert laptop.welcome["visitor"] == {"name": "Carla Customer", "has_email": True}
    laptop.say("Where is my kettle?", "k1")
    ticket_id = chat_ticket(chat_server.db)
    ticket = chat_server.world.admin.get(f"/api/v1/tickets/{ticket_id}").json()
    assert ticket["requester"]["id"] == chat_server.world.customer.id  # Carla's existing record
    phone = hello_with(chat_server, key, identity(secret, "user-42", "carla@example.com", "Carla Customer"))
    assert [m["text"] for m in messages(phone.until(lambda f: f["type"] == "message"))] == [
        "Where is my kettle?"
    ]
    # A signed-in user's chat takes files only with that user's signature, not with the token alone.
    token = laptop.welcome["token"]
    assert upload(chat_server, key, token, PNG, client_id="u1").status_code == 401
    assert upload(chat_server, key, token, PNG, client_id="u2", who=carla).status_code == 201
    # Signed out (no identity) at the same browser: the chat is not shown to whoever is there now.
    after = hello_with(chat_server, key, None, token=laptop.welcome["token"])
    assert after.welcome["token"] != laptop.welcome["token"]
    assert after.welcome["visitor"] == {"name": "", "has_email": False}
    assert messages(after.drain()) == []
    for v in (laptop, phone, after):
        v.close()


@pytest.mark.parametrize(
    ("tamper", "code"),
    [
        (lambda i: {**i, "name": "Someone Else"}, "identity_invalid"),
        (lambda i: {**i, "sig": "0" * 64}, "identity_invalid"),
        (lambda i: {**i, "ts": "soon"}, "identity_invalid"),
        (lambda i: "user-42", "identity_invalid"),
    ],
)
def test_a_bad_identity_is_refused_and_the_visitor_goes_on_as_a_guest(
    chat_server: ChatServer, tamper: Any, code: str
) -> None:
    created = chat_server.world.admin.post(
        "/api/v1/chat/widgets", json={"name": "Shop", "allowed_origins": [ORIGIN]}
    ).json()
    who = tamper(identity(created["identity_secret"], "user-42", "carla@example.com", "Carla"))
    guest = hello_with(chat_server, created["key"], who)
    assert guest.welcome["type"] == "welcome" and guest.welcome["identity"]["code"] == code
    error = guest.recv()
    assert error["type"] == "error" and error["code"] == code and "chatting as a guest" in error["message"]
    assert guest.welcome["visitor"]["has_email"] is False
    guest.say("hello", "g1")  # the chat works, anonymously
    guest.close()


def test_an_expired_or_rotated_identity_is_refused(chat_server: ChatServer) -> None:
    created = chat_server.world.admin.post(
        "/api/v1/chat/widgets", json={"name": "Shop", "allowed_origins": [ORIGIN]}
    ).json()
    old = identity(
        created["identity_secret"], "u1", "carla@example.com", "Carla", ts=int(time.time()) - 90000
    )
    expired = hello_with(chat_server, created["key"], old)
    assert expired.welcome["identity"]["code"] == "identity_expired"
    assert "expired" in expired.welcome["identity"]["message"]
    expired.close()
    fresh = identity(created["identity_secret"], "u1", "carla@example.com", "Carla")
    rotated = chat_server.world.admin.post(f"/api/v1/chat/widgets/{created['id']}/identity-secret")
    assert rotated.status_code == 200 and rotated.json()["identity_secret"] != created["identity_secret"]
    assert (
        chat_server.world.agent.post(f"/api/v1/chat/widgets/{created['id']}/identity-secret").status_code
        == 403
    )
    stale = hello_with(chat_server, created["key"], fresh)
    assert stale.welcome["identity"]["code"] == "identity_invalid"
    stale.close()


def test_status_tells_who_is_there_and_the_typical_wait(chat_server: ChatServer) -> None:
    chat_server.app.state.chat_status = StatusCache(ttl=0)
    key = chat_server.widget()
    first = chat_server.visitor(key).welcome["status"]
    assert first["agents_online"] == 0 and first["by_email"] is True
    assert "we'll reply by email" in first["text"]
    agent_id = chat_server.world.agent.id
    online = chat_server.world.admin.patch(f"/api/v1/routing/agents/{agent_id}", json={"presence": "online"})
    assert online.status_code == 200, online.text
    no_history = chat_server.visitor(key).welcome["status"]
    assert no_history["text"] == "1 agent online." and no_history["typical_wait_seconds"] is None
    for minutes in (2, 4, 30):  # three answered chats: first replies after 2, 4 and 30 minutes
        visitor = chat_server.visitor(key)
        visitor.say("Hello?", "w1")
        with chat_server.db.read_sessions() as s:
            conv = s.scalars(select(ChatConversation).order_by(ChatConversation.id.desc())).first()
            assert conv is not None
            ticket_id, conv_id = conv.ticket_id, conv.id
        chat_server.world.agent.post(f"/api/v1/tickets/{ticket_id}/messages", json={"text": "Hi!"})
        with chat_server.db.transaction() as s:
            started = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=minutes)
            s.execute(
                update(ChatConversation).where(ChatConversation.id == conv_id).values(created_at=started)
            )
        visitor.close()
    status = chat_server.visitor(key).welcome["status"]
    assert status["typical_wait_seconds"] == pytest.approx(240, abs=5)
    assert status["text"] == "1 agent online. Typical wait: about 4 minutes." and status["by_email"] is False


@pytest.fixture
def sink() -> Iterator[Sink]:
    box, controller = start_sink()
    outbound.configure(box.url, "support@shop.test")
    yield box
    outbound.configure("")
    controller.stop()


def test_the_transcript_is_emailed_after_commit_with_public_messages_only(
    chat_server: ChatServer, sink: Sink
) -> None:
    key = chat_server.widget()
    visitor = chat_server.visitor(key)
    visitor.send(type="transcript")
    refused = visitor.until(lambda f: f["type"] == "error")[-1]
    assert refused["code"] == "email_required" and "Leave your email address" in refused["message"]
    visitor.send(type="details", name="Vera", email="vera@example.com")
    visitor.until(lambda f: f["type"] == "details")
    visitor.say("Is the blue kettle in stock?", "t1")
    ticket_id = chat_ticket(chat_server.db)
    admin = chat_server.world.admin
    admin.post(f"/api/v1/tickets/{ticket_id}/messages", json={"text": "Yes, 12 left.", "internal": False})
    admin.post(f"/api/v1/tickets/{ticket_id}/messages", json={"text": "VIP, be nice", "internal": True})
    visitor.until(lambda f: f["type"] == "message" and f["text"] == "Yes, 12 left.")
    visitor.send(type="transcript")
    assert visitor.until(lambda f: f["type"] == "transcript")[-1] == {
        "type": "transcript",
        "to": "vera@example.com",
    }
    assert sink.messages == []  # queued in the outbox, sent by the worker
    OutboxRunner(chat_server.db).drain()
    assert sink.arrived.wait(5)
    [mail] = [m for m in sink.messages if "transcript" in str(m["Subject"])]
    assert mail["To"] == "vera@example.com" and f"[#{ticket_id}]" in str(mail["Subject"])
    body = mail.get_content().replace("\r\n", "\n")
    assert "Vera:\nIs the blue kettle in stock?" in body and "Ada Admin:\nYes, 12 left." in body
    assert "VIP" not in body
    visitor.close()


def test_no_relay_means_no_transcript_and_a_clear_reason(chat_server: ChatServer) -> None:
    visitor = chat_server.visitor(chat_server.widget())
    visitor.send(type="details", email="vera@example.com")
    visitor.until(lambda f: f["type"] == "details")
    visitor.send(type="transcript")
    error = visitor.until(lambda f: f["type"] == "error")[-1]
    assert error["code"] == "unavailable" and "can't send emails" in error["message"]
    visitor.close()


def test_an_event_for_a_message_after_a_gap_makes_the_socket_read_instead(chat_server: ChatServer) -> None:
    """A socket sends a carried message only when it has sent the one before it; otherwise it reads
    the database, so a lost event can never make it skip a message."""
    key = chat_server.widget()
    visitor = chat_server.visitor(key)
    first = visitor.say("hello", "g1")
    assert [m["id"] for m in messages(visitor.until(lambda f: f["type"] == "message"))] == [first]
    ticket_id = chat_ticket(chat_server.db)
    with chat_server.db.read_sessions() as s:
        visitor_id = s.scalars(select(ChatConversation.visitor_id)).one()
    broker = chat_server.app.state.broker
    fake = {"type": "message", "id": first + 50, "author": "agent", "name": "Mallory", "text": "forged"}
    broker.publish(f"chat:v{visitor_id}", "message", {"id": first + 50, "prev": first + 49, "frame": fake})
    reply = chat_server.world.admin.post(f"/api/v1/tickets/{ticket_id}/messages", json={"text": "real"})
    assert reply.status_code == 201
    got = messages(visitor.until(lambda f: f["type"] == "message"))
    assert [m["text"] for m in got] == ["real"]  # read from the database; the unbacked frame is not sent
    assert messages(visitor.drain()) == []
    visitor.close()
