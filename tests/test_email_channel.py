"""Email end to end through real SMTP servers: intake, threading, acknowledgement, replies, loops."""

from __future__ import annotations

import smtplib
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select

from helpline.core.db import Database
from helpline.customers.models import CustomerIdentity
from helpline.email import outbound
from helpline.email.models import InboundEmail
from helpline.email.smtp import InboundSMTPServer
from helpline.outbox.runner import OutboxRunner
from helpline.tickets.models import Message, Ticket
from tests.conftest import World
from tests.email_helpers import Sink, free_port, make_email, start_sink


@pytest.fixture
def sink() -> Iterator[Sink]:
    box, controller = start_sink()
    outbound.configure(box.url, "support@shop.test")
    yield box
    controller.stop()
    outbound.configure("")


@pytest.fixture
def mailbox(world: World) -> dict:
    response = world.admin.post(
        "/api/v1/mailboxes",
        json={"address": "support@shop.test", "name": "Shop Support", "team_id": world.support_team_id},
    )
    assert response.status_code == 201, response.text
    return response.json()


@pytest.fixture
def smtp_server(db: Database) -> Iterator[tuple[str, int]]:
    server = InboundSMTPServer(db, f"127.0.0.1:{free_port()}")
    server.start()
    yield server.address
    server.stop()


def deliver(address: tuple[str, int], raw: bytes, to: str = "support@shop.test") -> None:
    with smtplib.SMTP(*address, timeout=10) as client:
        refused = client.sendmail("carla@example.com", [to], raw)
        assert refused == {}


def drain(db: Database) -> None:
    OutboxRunner(db, name="test").drain()


def tickets(db: Database) -> list[Ticket]:
    with db.read_sessions() as s:
        return list(s.scalars(select(Ticket).order_by(Ticket.id)))


def messages(db: Database, ticket_id: int) -> list[Message]:
    with db.read_sessions() as s:
        return list(s.scalars(select(Message).where(Message.ticket_id == ticket_id).order_by(Message.id)))


def test_smtp_mail_becomes_a_ticket_and_is_acknowledged(
    world: World, db: Database, sink: Sink, mailbox: dict, smtp_server: tuple[str, int]
) -> None:
    raw, mid = make_email(body="Hello,\n\nmy parcel 4711 has not arrived.\n\nCarla")
    deliver(smtp_server, raw)
    with db.read_sessions() as s:
        stored = s.scalars(select(InboundEmail)).one()
    assert stored.status == "stored" and stored.message_id == mid  # durable before anything else
    drain(db)
    [ticket] = tickets(db)
    assert (ticket.channel, ticket.team_id, ticket.subject) == (
        "email",
        world.support_team_id,
        "Parcel missing",
    )
    [msg] = messages(db, ticket.id)
    assert msg.author_kind == "customer" and "parcel 4711" in msg.text and msg.meta["message_id"] == mid
    [ack] = sink.messages
    assert f"[#{ticket.id}]" in ack["Subject"] and ack["To"] == "carla@example.com"
    assert ack["In-Reply-To"] == f"<{mid}>" and ack["Auto-Submitted"] == "auto-replied"
    assert "within 1 business day" in ack.get_content() and "Hello Carla" in ack.get_content()
    assert ack["Reply-To"] == "support@shop.test"


def test_replies_thread_both_ways(
    world: World, db: Database, sink: Sink, mailbox: dict, smtp_server: tuple[str, int]
) -> None:
    raw, first_id = make_email()
    deliver(smtp_server, raw)
    drain(db)
    [ticket] = tickets(db)
    # The agent answers in Helpline; the customer's client must thread it under their mail.
    world.agent.post(f"/api/v1/tickets/{ticket.id}/messages", json={"text": "We have sent a new parcel."})
    drain(db)
    reply = sink.messages[-1]
    assert reply["In-Reply-To"] == f"<{first_id}>"
    assert f"<{first_id}>" in reply["References"] and f"[#{ticket.id}]" in reply["Subject"]
    assert "We have sent a new parcel." in reply.get_content()
    ours = reply["Message-ID"]
    # The customer answers that email (subject mangled by their client): it joins the same ticket.
    raw2, _ = make_email(
        subject="AW: something else",
        body="Thanks!\n\nOn Mon, Support wrote:\n> We have sent",
        in_reply_to=ours,
        references=[f"<{first_id}>", ours],
    )
    deliver(smtp_server, raw2)
    drain(db)
    assert len(tickets(db)) == 1
    last = messages(db, ticket.id)[-1]
    assert last.text == "Thanks!" and "We have sent" in last.full_text
    assert len(sink.messages) == 2  # no second acknowledgement for a reply


def test_the_same_message_delivered_twice_is_stored_once(
    db: Database, sink: Sink, mailbox: dict, smtp_server: tuple[str, int], world: World
) -> None:
    raw, _ = make_email()
    for _ in range(3):
        deliver(smtp_server, raw)
    drain(db)
    with db.read_sessions() as s:
        assert s.scalar(select(func.count()).select_from(InboundEmail)) == 1
    assert len(tickets(db)) == 1 and len(sink.messages) == 1


def test_a_reply_that_overtakes_its_parent_lands_in_one_ticket(
    db: Database, world: World, smtp_server: tuple[str, int]
) -> None:
    root, root_id = make_email(subject="Invoice wrong")
    child, child_id = make_email(
        subject="Re: Invoice wrong",
        in_reply_to=f"<{root_id}>",
        references=[f"<{root_id}>"],
        sender="Carla <carla@example.com>",
    )
    grandchild, _ = make_email(
        subject="Re: Invoice wrong", in_reply_to=f"<{child_id}>", references=[f"<{root_id}>", f"<{child_id}>"]
    )
    for raw in (grandchild, child, root):
        deliver(smtp_server, raw)
    drain(db)
    [ticket] = tickets(db)
    assert len(messages(db, ticket.id)) == 3


def test_subject_reference_needs_the_right_sender(
    db: Database, world: World, smtp_server: tuple[str, int]
) -> None:
    raw, _ = make_email(subject="Need help")
    deliver(smtp_server, raw)
    drain(db)
    [ticket] = tickets(db)
    own, _ = make_email(subject=f"More info [#{ticket.id}]", body="Here is the photo.")
    stranger, _ = make_email(subject=f"Re: [#{ticket.id}]", sender="mallory@evil.test", body="let me in")
    deliver(smtp_server, own)
    deliver(smtp_server, stranger)
    drain(db)
    found = tickets(db)
    assert len(found) == 2
    assert [m.text for m in messages(db, ticket.id)][-1] == "Here is the photo."
    assert found[1].requester_id != ticket.requester_id


def test_fallback_threads_same_customer_same_subject_only(
    db: Database, world: World, smtp_server: tuple[str, int]
) -> None:
    for sender, body in (
        ("carla@example.com", "first"),
        ("carla@example.com", "second, no headers"),
        ("omar@example.com", "someone else, same words"),
    ):
        raw, _ = make_email(sender=sender, subject="Re: Order 1234 late", body=body)
        deliver(smtp_server, raw)
        drain(db)
    found = tickets(db)
    assert len(found) == 2
    assert [m.text for m in messages(db, found[0].id)] == ["first", "second, no headers"]


def test_auto_replies_get_no_acknowledgement(
    db: Database, sink: Sink, mailbox: dict, world: World, smtp_server: tuple[str, int]
) -> None:
    raw, _ = make_email(subject="Out of office", headers={"Auto-Submitted": "auto-replied"})
    deliver(smtp_server, raw)
    drain(db)
    assert len(tickets(db)) == 1 and sink.messages == []
    with db.read_sessions() as s:
        assert "no acknowledgement" in (s.scalars(select(InboundEmail)).one().note or "")


def test_bounces_mark_the_address_and_the_ticket(
    db: Database, sink: Sink, mailbox: dict, world: World, smtp_server: tuple[str, int]
) -> None:
    raw, _ = make_email()
    deliver(smtp_server, raw)
    drain(db)
    assert len(tickets(db)) == 1
    ack_id = sink.messages[0]["Message-ID"]
    bounce = (
        "From: Mail Delivery System <MAILER-DAEMON@mx.example.com>\r\nTo: support@shop.test\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\nMessage-ID: <bounce-1@mx.example.com>\r\n"
        "Auto-Submitted: auto-replied\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n\r\n'
        "--B\r\nContent-Type: text/plain\r\n\r\nDelivery failed.\r\n"
        "--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.com\r\n\r\n"
        "Final-Recipient: rfc822; carla@example.com\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n"
        f"--B\r\nContent-Type: text/rfc822-headers\r\n\r\nMessage-ID: {ack_id}\r\nSubject: x\r\n\r\n--B--\r\n"
    ).encode()
    deliver(smtp_server, bounce)
    drain(db)
    assert len(tickets(db)) == 1 and len(sink.messages) == 1
    with db.read_sessions() as s:
        ident = s.scalars(select(CustomerIdentity).where(CustomerIdentity.value == "carla@example.com")).one()
    assert ident.bounced_at is not None


def test_a_refused_recipient_is_shown_on_the_ticket(
    db: Database, sink: Sink, mailbox: dict, world: World, smtp_server: tuple[str, int]
) -> None:
    sink.refuse.add("carla@example.com")
    raw, _ = make_email()
    deliver(smtp_server, raw)
    drain(db)
    [ticket] = tickets(db)
    notes = [m for m in messages(db, ticket.id) if m.internal]
    assert notes and "could not be delivered" in notes[0].text and "550" in notes[0].text


def test_cc_recipients_stay_in_the_loop(
    db: Database, sink: Sink, mailbox: dict, world: World, smtp_server: tuple[str, int]
) -> None:
    raw, _ = make_email(cc="Boss <boss@example.com>")
    deliver(smtp_server, raw)
    drain(db)
    [ticket] = tickets(db)
    world.agent.post(f"/api/v1/tickets/{ticket.id}/messages", json={"text": "On it."})
    drain(db)
    assert sink.messages[-1]["Cc"] == "boss@example.com"
    assert "boss@example.com" in sink.messages[-1]["X-Envelope-To"]


def test_garbage_still_becomes_a_ticket_with_the_original_kept(
    db: Database, world: World, smtp_server: tuple[str, int]
) -> None:
    raw = b"\x00\xff\xfe garbage without headers \x80\x81\r\n\r\n\xc3\x28 body"
    deliver(smtp_server, raw)
    drain(db)
    [ticket] = tickets(db)
    [msg] = messages(db, ticket.id)
    inbound_id = msg.meta["inbound_email_id"]
    original = world.agent.get(f"/api/v1/email/inbound/{inbound_id}/raw")
    # SMTP itself ends every message with CRLF; everything else arrives byte for byte
    assert original.status_code == 200 and original.content in (raw, raw + b"\r\n")


def test_overlong_lines_are_accepted_not_refused(db: Database, smtp_server: tuple[str, int]) -> None:
    raw, _ = make_email(subject="Long line")
    raw = raw.replace(b"Hello, my parcel", b"x" * 5000 + b" Hello, my parcel")
    deliver(smtp_server, raw)
    drain(db)
    [ticket] = tickets(db)
    assert "x" * 5000 in messages(db, ticket.id)[0].text


def test_http_intake_for_relays(db: Database, world: World) -> None:
    raw, _ = make_email(subject="Via HTTP")
    first = world.admin.post("/api/v1/email/inbound", content=raw, headers={"Content-Type": "message/rfc822"})
    again = world.admin.post("/api/v1/email/inbound", content=raw, headers={"Content-Type": "message/rfc822"})
    assert first.status_code == 202 and again.json() == {"id": first.json()["id"], "duplicate": True}
    assert world.agent.post("/api/v1/email/inbound", content=raw).status_code == 403
    assert world.admin.post("/api/v1/email/inbound", content=b"  ").status_code == 422
    drain(db)
    assert [t.subject for t in tickets(db)] == ["Via HTTP"]


def test_restricted_server_refuses_unknown_recipients(db: Database, mailbox: dict) -> None:
    server = InboundSMTPServer(db, f"127.0.0.1:{free_port()}", restrict_to_mailboxes=True)
    server.start()
    try:
        raw, _ = make_email()
        with smtplib.SMTP(*server.address, timeout=10) as client:
            with pytest.raises(smtplib.SMTPRecipientsRefused):
                client.sendmail("carla@example.com", ["nobody@shop.test"], raw)
            assert client.sendmail("carla@example.com", ["support@shop.test"], raw) == {}
    finally:
        server.stop()
