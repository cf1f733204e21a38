"""Email intake under load: shared commits, batched processing, and failures that stay contained."""

from __future__ import annotations

import smtplib
import threading
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from helpline.core.db import Database
from helpline.email import outbound
from helpline.email.models import InboundEmail
from helpline.email.smtp import InboundSMTPServer
from helpline.outbox.models import OutboxItem
from helpline.outbox.runner import OutboxRunner
from helpline.tickets.hooks import TICKET_CREATED_HOOKS
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


def send(address: tuple[str, int], raws: list[bytes]) -> list[dict[str, tuple[int, bytes]]]:
    with smtplib.SMTP(*address, timeout=30) as client:
        return [client.sendmail("someone@example.com", ["support@shop.test"], raw) for raw in raws]


def tickets(db: Database) -> list[Ticket]:
    with db.read_sessions() as s:
        return list(s.scalars(select(Ticket).order_by(Ticket.id)))


def test_concurrent_senders_are_all_stored_once_threaded_and_acknowledged(
    db: Database, world: World, sink: Sink, mailbox: dict, smtp_server: tuple[str, int]
) -> None:
    mails = [
        make_email(sender=f"c{i}@example.com", subject=f"Order {i} question", body=f"Message {i}")
        for i in range(20)
    ]
    twice, twice_id = make_email(sender="dup@example.com", subject="Sent twice")
    streams = [[raw for raw, _ in mails[i::5]] + [twice] for i in range(5)]  # 5 connections at once
    answers: list[list[dict[str, tuple[int, bytes]]]] = []
    threads = [threading.Thread(target=lambda s=s: answers.append(send(smtp_server, s))) for s in streams]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(answers) == 5 and all(a == {} for stream in answers for a in stream)  # every one got 250

    with db.read_sessions() as s:
        stored = s.scalars(select(InboundEmail.message_id)).all()
    assert sorted(stored) == sorted([mid.strip("<>") for _, mid in mails] + [twice_id.strip("<>")])

    OutboxRunner(db, name="test").drain()
    assert len(tickets(db)) == 21
    assert sorted(m["To"] for m in sink.messages) == sorted(
        [f"c{i}@example.com" for i in range(20)] + ["dup@example.com"]
    )


def test_a_poison_message_does_not_fail_its_batch_mates(
    db: Database, world: World, sink: Sink, mailbox: dict, smtp_server: tuple[str, int]
) -> None:
    def breaks_on_poison(session: Session, ticket: Ticket) -> None:
        if "POISON" in ticket.subject:  # a feature hook with a bug that only this mail triggers
            raise RuntimeError("hook failed")

    mails = [make_email(sender=f"c{i}@example.com", subject=f"Question {i}") for i in range(5)]
    poison, _ = make_email(sender="p@example.com", subject="POISON pill")
    send(smtp_server, [raw for raw, _ in mails[:3]] + [poison] + [raw for raw, _ in mails[3:]])
    TICKET_CREATED_HOOKS.append(breaks_on_poison)
    try:
        OutboxRunner(db, name="test").drain()  # all six are claimed and processed as one batch
    finally:
        TICKET_CREATED_HOOKS.remove(breaks_on_poison)

    subjects = sorted(t.subject for t in tickets(db))
    assert subjects == sorted([f"Question {i}" for i in range(5)] + ["(unreadable email)"])
    with db.read_sessions() as s:
        assert s.scalar(select(func.count()).where(InboundEmail.status == "stored")) == 0
        unreadable = s.scalar(select(Ticket).where(Ticket.subject == "(unreadable email)"))
        assert unreadable is not None
        [note] = s.scalars(select(Message).where(Message.ticket_id == unreadable.id)).all()
        assert [a.filename for a in note.attachments] == ["original.eml"]
    assert sorted(m["To"] for m in sink.messages) == [f"c{i}@example.com" for i in range(5)]


def test_a_refused_acknowledgement_fails_alone(
    db: Database, world: World, sink: Sink, mailbox: dict, smtp_server: tuple[str, int]
) -> None:
    sink.refuse.add("b@example.com")
    send(smtp_server, [make_email(sender=f"{x}@example.com", subject=f"From {x}")[0] for x in "abc"])
    OutboxRunner(db, name="test").drain()  # the three acknowledgements go out over one connection

    assert sorted(m["To"] for m in sink.messages) == ["a@example.com", "c@example.com"]
    with db.read_sessions() as s:
        notes = {
            t.subject: [
                m.text for m in s.scalars(select(Message).where(Message.ticket_id == t.id)) if m.internal
            ]
            for t in s.scalars(select(Ticket))
        }
        states = s.scalars(select(OutboxItem.status).where(OutboxItem.kind == "email.send")).all()
    assert notes["From a"] == [] and notes["From c"] == []
    assert len(notes["From b"]) == 1 and "could not be delivered" in notes["From b"][0]
    assert sorted(states) == ["done", "done", "failed"]


def test_acknowledgements_go_out_before_the_backlog_is_worked_off(
    db: Database, world: World, sink: Sink, mailbox: dict, smtp_server: tuple[str, int]
) -> None:
    runner = OutboxRunner(db, name="test")
    runner.drain()  # what setting up the workspace queued
    send(smtp_server, [make_email(sender=f"c{i}@example.com", subject=f"Q {i}")[0] for i in range(30)])
    runner.run_once(limit=10)  # the first ten messages become tickets, queueing ten acknowledgements
    assert sink.messages == []
    runner.run_once(limit=10)  # those ten are claimed ahead of the twenty messages still waiting
    assert len(sink.messages) == 10
    with db.read_sessions() as s:
        assert s.scalar(select(func.count()).where(InboundEmail.status == "stored")) == 20
