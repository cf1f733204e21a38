"""The answer bot on email, through real SMTP: a mailbox that has it switched on answers a new request
the help center covers with the passage and its link; it says nothing about what it does not know,
never cites an internal article, and the customer's reply threads in and rates the answer."""

from __future__ import annotations

from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import select

from helpline.core.db import Database
from helpline.core.settings import Settings
from helpline.email.models import Mailbox
from helpline.kb import email_bot
from helpline.kb.email_bot import says_solved
from helpline.kb.models import KbArticle, KbBotAnswer
from helpline.tickets.models import Message, Ticket
from tests.conftest import Persona, World
from tests.email_helpers import Sink, make_email
from tests.test_email_channel import deliver, drain, messages, tickets
from tests.test_email_channel import sink as sink
from tests.test_email_channel import smtp_server as smtp_server
from tests.test_web_support import form_post, setup_web

HELP = "http://help.shop.test"  # https would make the sign-in cookie Secure for the test client
ARTICLES: list[dict[str, Any]] = [
    {
        "title": "Resetting your password",
        "body": "Open the sign-in page and click **Forgot password**. We email you a link that is "
        "valid for one hour; follow it and choose a new password.",
    },
    {
        "title": "Refund policy",
        "body": "We refund any order within 30 days of delivery. Send the item back in its packaging.",
    },
    {
        "title": "Warehouse alarm codes",
        "body": "The night shift disarms the warehouse alarm with code 4471 at the side door.",
        "visibility": "internal",
    },
]


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Iterator[Settings]:
    """The workspace's public address (HELPLINE_BASE_URL) makes the help-center links absolute."""
    yield Settings(
        env="test", database_url=database_url, data_dir=tmp_path, embedded_worker=False, base_url=HELP
    )
    email_bot.configure("")


def publish(agent: Persona) -> None:
    for body in ARTICLES:
        created = agent.post("/api/v1/kb/articles", json=body)
        assert created.status_code == 201, created.text
        published = agent.post(f"/api/v1/kb/articles/{created.json()['id']}/publish")
        assert published.status_code == 200, published.text


def mailbox(world: World, *, bot: bool) -> dict[str, Any]:
    made = world.admin.post(
        "/api/v1/mailboxes",
        json={"address": "support@shop.test", "name": "Shop Support", "team_id": world.support_team_id},
    )
    assert made.status_code == 201, made.text
    assert made.json()["bot_enabled"] is False  # off unless an admin switches it on
    if not bot:
        return dict(made.json())
    switched = world.admin.patch(f"/api/v1/mailboxes/{made.json()['id']}", json={"bot_enabled": True})
    assert switched.status_code == 200, switched.text
    assert switched.json()["bot_enabled"] is True and switched.json()["auto_acknowledge"] is True
    return dict(switched.json())


def bot_turns(db: Database) -> list[KbBotAnswer]:
    with db.read_sessions() as s:
        return list(s.scalars(select(KbBotAnswer).order_by(KbBotAnswer.id)))


def one_ticket(db: Database) -> Ticket:
    [ticket] = tickets(db)
    return ticket


def kinds(sink: Sink) -> list[str]:
    """What went out: the acknowledgement or the bot's answer, told apart by their subjects."""
    return ["ack" if "We received your request" in m["Subject"] else "answer" for m in sink.messages]


def test_a_covered_question_gets_the_answer_with_its_link_and_a_reply_threads_in(
    world: World, db: Database, sink: Sink, smtp_server: tuple[str, int]
) -> None:
    publish(world.agent)
    mailbox(world, bot=True)
    raw, mid = make_email(
        subject="Can't sign in", body="Hi,\n\nI forgot my password. How do I reset it?\n\nCarla"
    )
    deliver(smtp_server, raw)
    drain(db)

    ticket = one_ticket(db)
    assert kinds(sink) == ["ack", "answer"]  # the acknowledgement still goes, first
    answer: EmailMessage = sink.messages[1]
    text = answer.get_content().replace("\r\n", "\n")
    assert answer["To"] == "carla@example.com" and answer["Reply-To"] == "support@shop.test"
    assert answer["In-Reply-To"] == f"<{mid}>" and f"<{mid}>" in answer["References"]
    assert f"[#{ticket.id}]" in answer["Subject"] and answer["Auto-Submitted"] == "auto-replied"
    assert "automatic answer" in text and "Forgot password" in text
    assert f"Resetting your password\n{HELP}/help/en/resetting-your-password" in text, text
    assert "this did not help" in text and "a person from our team will answer you" in text

    # The team still owns the request: nothing was solved or paused, no first response counted.
    seen = world.agent.get(f"/api/v1/tickets/{ticket.id}").json()
    assert ticket.status == "new" and ticket.last_agent_reply_at is None and "bot-answered" in seen["tags"]
    thread = messages(db, ticket.id)
    assert [(m.author_kind, m.internal) for m in thread] == [("customer", False), ("system", False)]
    assert thread[1].text == text.strip() and thread[1].meta["bot"] == "email_answer"
    assert thread[1].meta["delivery"] == "sent"
    [turn] = bot_turns(db)
    assert (turn.channel, turn.ticket_id, turn.answered, turn.helped) == ("email", ticket.id, True, None)
    assert "forgot my password" in turn.question and turn.actor_kind == "customer"

    # The customer answers the bot's email: it joins the ticket and counts as "not helped".
    raw2, _ = make_email(
        subject="Re: " + answer["Subject"],
        body="This did not help, the link never arrives.\n\nOn Sat, Shop Support wrote:\n> automatic",
        in_reply_to=answer["Message-ID"],
        references=[f"<{mid}>", answer["Message-ID"]],
    )
    deliver(smtp_server, raw2)
    drain(db)
    assert one_ticket(db).id == ticket.id and kinds(sink) == ["ack", "answer"]  # no more bot mail
    thread = messages(db, ticket.id)
    assert thread[2].author_kind == "customer" and thread[2].text.startswith("This did not help")
    assert thread[3].internal and "did not settle the request" in thread[3].text
    assert bot_turns(db)[0].helped is False


def test_solved_thanks_marks_the_answer_helped(
    world: World, db: Database, sink: Sink, smtp_server: tuple[str, int]
) -> None:
    publish(world.agent)
    mailbox(world, bot=True)
    raw, _mid = make_email(subject="Refund", body="Can I get a refund for my order from last week?")
    deliver(smtp_server, raw)
    drain(db)
    assert kinds(sink) == ["ack", "answer"] and "30 days" in sink.messages[1].get_content()
    raw2, _ = make_email(
        subject="Re: Refund", body="Solved, thanks a lot!", in_reply_to=sink.messages[1]["Message-ID"]
    )
    deliver(smtp_server, raw2)
    drain(db)
    [turn] = bot_turns(db)
    assert turn.helped is True
    assert "solved it" in messages(db, one_ticket(db).id)[-1].text


def test_nothing_extra_when_the_bot_is_unsure_or_the_answer_is_internal(
    world: World, db: Database, sink: Sink, smtp_server: tuple[str, int]
) -> None:
    publish(world.agent)
    mailbox(world, bot=True)
    for subject, body in (
        ("Garage", "Can you repaint my garage door purple by Friday?"),
        ("Alarm", "What is the code for the warehouse alarm at the side door for the night shift?"),
    ):
        raw, _ = make_email(subject=subject, body=body)
        deliver(smtp_server, raw)
    drain(db)
    assert kinds(sink) == ["ack", "ack"]
    turns = bot_turns(db)
    assert [t.answered for t in turns] == [False, False] and {t.channel for t in turns} == {"email"}
    with db.read_sessions() as s:
        said = s.scalar(select(Message.id).where(Message.author_kind == "system"))
        internal_article = s.scalar(select(KbArticle.id).where(KbArticle.visibility == "internal"))
    assert said is None
    cited = {c["article_id"] for t in turns for c in t.candidates}
    assert internal_article is not None and internal_article not in cited  # never even a candidate


def test_a_mailbox_without_the_bot_and_automatic_mail_get_no_bot_answer(
    world: World, db: Database, sink: Sink, smtp_server: tuple[str, int]
) -> None:
    publish(world.agent)
    box = mailbox(world, bot=False)
    raw, _ = make_email(subject="Password", body="How do I reset my password?")
    deliver(smtp_server, raw)
    drain(db)
    assert kinds(sink) == ["ack"] and bot_turns(db) == []

    world.admin.patch(f"/api/v1/mailboxes/{box['id']}", json={"bot_enabled": True})
    auto, _ = make_email(
        subject="Out of office: password",
        body="I am away. How do I reset my password?",
        headers={"Auto-Submitted": "auto-replied"},
    )
    deliver(smtp_server, auto)
    drain(db)
    assert kinds(sink) == ["ack"] and bot_turns(db) == []


@pytest.mark.parametrize(
    ("reply", "helped"),
    [
        ("Thanks, that solved it!", True),
        ("Danke, hat geholfen.", True),
        ("Thanks, but it still does not work.", False),
        ("This did not help.", False),
        ("That didn't work", False),
        ("Where is my parcel?", False),
        ("", False),
    ],
)
def test_a_reply_counts_as_solved_only_when_it_says_so(reply: str, helped: bool) -> None:
    assert says_solved(reply) is helped


def test_an_admin_switches_the_bot_on_for_a_mailbox_on_its_page(
    app: FastAPI, db: Database, world: World
) -> None:
    web = setup_web(app, db, world)
    ada = web.agent("ada@helpline.test")
    page = "/agent/admin/mailboxes"
    made = form_post(ada, page, page, {"address": "help@shop.test", "auto_acknowledge": "1"})
    assert made.status_code == 303
    with db.read_sessions() as s:
        box = s.scalars(select(Mailbox)).one()
    assert box.bot_enabled is False
    edit = ada.get(f"{page}?edit={box.id}").text
    assert 'name="bot_enabled" value="1" aria-describedby' in edit  # offered, not ticked
    saved = form_post(
        ada,
        page,
        f"{page}/{box.id}",
        {"address": "help@shop.test", "auto_acknowledge": "1", "bot_enabled": "1"},
    )
    assert saved.status_code == 303
    with db.read_sessions() as s:
        assert s.get(Mailbox, box.id).bot_enabled is True  # type: ignore[union-attr]
    assert 'name="bot_enabled" value="1" checked' in ada.get(f"{page}?edit={box.id}").text
