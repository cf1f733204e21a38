"""The answer bot in the chat widget: it answers with its source, or hands the chat to a person who
sees the whole exchange; a widget without the bot never hears from it."""

from __future__ import annotations

from typing import Any

from helpline.kb.handover import HANDOVER_TAG
from tests.test_chat import ChatServer, Visitor, chat_ticket, messages
from tests.test_chat import chat_server as chat_server

ARTICLES = [
    {
        "title": "Resetting your password",
        "body": "Open the sign-in page and click **Forgot password**. We email you a link valid for an hour.",
    },
    {
        "title": "Refund policy",
        "body": "We refund any order within 30 days of delivery. Send the item back in its packaging.",
    },
]


def _knowledge_base(server: ChatServer) -> None:
    for body in ARTICLES:
        created = server.world.agent.post("/api/v1/kb/articles", json=body)
        assert created.status_code == 201, created.text
        published = server.world.agent.post(f"/api/v1/kb/articles/{created.json()['id']}/publish")
        assert published.status_code == 200, published.text


def _bot_turn(server: ChatServer, visitor: Visitor, text: str, client_id: str) -> list[dict[str, Any]]:
    visitor.say(text, client_id)
    server.app.state.outbox.drain()  # the worker: the bot answers after the message is stored
    return [m for m in messages(visitor.drain()) if m["author"] != "visitor"]


def test_the_bot_answers_with_its_source_then_hands_over_with_the_whole_exchange(
    chat_server: ChatServer,
) -> None:
    _knowledge_base(chat_server)
    key = chat_server.widget(bot_enabled=True)
    visitor = chat_server.visitor(key)

    answered = _bot_turn(chat_server, visitor, "How do I reset my password?", "q1")
    assert [(m["author"], m["name"]) for m in answered] == [("bot", "Answer bot")]
    assert "Forgot password" in answered[0]["text"]
    assert answered[0]["source"] == {
        "title": "Resetting your password",
        "url": "/help/en/resetting-your-password",
    }

    declined = _bot_turn(chat_server, visitor, "Can you repaint my garage door purple by Friday?", "q2")
    assert len(declined) == 1 and declined[0]["author"] == "bot" and "source" not in declined[0]
    assert "person" in declined[0]["text"]

    # From now on a person answers: the bot stays quiet.
    assert _bot_turn(chat_server, visitor, "Hello? Anyone there?", "q3") == []

    ticket_id = chat_ticket(chat_server.db)
    ticket = chat_server.world.agent.get(f"/api/v1/tickets/{ticket_id}").json()
    assert HANDOVER_TAG in ticket["tags"] and "bot-answered" in ticket["tags"]
    thread = chat_server.world.agent.get(f"/api/v1/tickets/{ticket_id}/messages").json()["items"]
    said = [(m["author_kind"], m["internal"], m["text"][:30]) for m in thread]
    assert [s[:2] for s in said] == [
        ("customer", False),
        ("system", False),
        ("customer", False),
        ("system", False),
        ("system", True),
        ("customer", False),
    ]
    assert said[0][2].startswith("How do I reset my password")  # the agent sees the whole exchange
    assert "not sure" in thread[4]["text"]

    reply = chat_server.world.agent.post(
        f"/api/v1/tickets/{ticket_id}/messages", json={"text": "Hi, Sam here."}
    )
    assert reply.status_code == 201, reply.text
    got = messages(visitor.until(lambda f: f["type"] == "message" and f["author"] == "agent"))
    assert got[-1]["text"] == "Hi, Sam here."
    visitor.close()


def test_asking_for_a_person_skips_the_bot(chat_server: ChatServer) -> None:
    _knowledge_base(chat_server)
    visitor = chat_server.visitor(chat_server.widget(bot_enabled=True))
    handed = _bot_turn(chat_server, visitor, "I want to talk to a human please", "h1")
    assert len(handed) == 1 and "person from our team" in handed[0]["text"]
    visitor.close()


def test_a_widget_without_the_bot_never_hears_from_it(chat_server: ChatServer) -> None:
    _knowledge_base(chat_server)
    visitor = chat_server.visitor(chat_server.widget())
    assert _bot_turn(chat_server, visitor, "How do I reset my password?", "n1") == []
    widgets = chat_server.world.admin.get("/api/v1/chat/widgets").json()
    assert widgets[0]["bot_enabled"] is False
    visitor.close()
