"""The ticket view: conversation, notes, composer, inline fields, quick actions, customer sidebar."""

from __future__ import annotations

import re

import pytest
from fastapi import FastAPI
from sqlalchemy import select

from helpline.core.actor import SYSTEM
from helpline.core.db import Database
from helpline.customers.service import find_by_identity
from helpline.tickets.conversation import add_message
from helpline.tickets.models import Message, Ticket
from helpline.tickets.service import NewAttachment, NewMessage
from tests.conftest import World
from tests.test_web_support import Web, form_post, make_ticket, setup_web


@pytest.fixture
def web(app: FastAPI, db: Database, world: World) -> Web:
    return setup_web(app, db, world)


def ticket_row(db: Database, ticket_id: int) -> Ticket:
    with db.read_sessions() as s:
        ticket = s.get(Ticket, ticket_id)
        assert ticket is not None
        _ = ticket.tags
        return ticket


def test_the_conversation_shows_new_text_collapses_quotes_and_labels_notes(web: Web) -> None:
    tid = make_ticket(web.db, "Kettle", "First message", team_id=web.world.support_team_id)
    with web.db.transaction() as s:
        carla = find_by_identity(s, "email", "carla@example.com")
        add_message(
            s,
            SYSTEM,
            tid,
            NewMessage(
                text="Still waiting <b>please</b>",
                full_text="Still waiting <b>please</b>\n\n> On Monday you wrote:\n> We are on it",
                attachments=[NewAttachment("receipt.pdf", "application/pdf", b"%PDF-1.4 receipt")],
            ),
            on_behalf_of=carla,
        )
        add_message(s, SYSTEM, tid, NewMessage(text="Courier says lost", internal=True))
    page = web.agent().get(f"/agent/tickets/{tid}")
    assert page.status_code == 200
    html = page.text
    assert "Still waiting &lt;b&gt;please&lt;/b&gt;" in html  # escaped, never rendered as HTML
    assert "<details" in html and "On Monday you wrote" in html
    assert 'class="msg msg-note"' in html and "Internal note</span>" in html
    assert "(not visible to the customer)" in html
    assert "download>receipt.pdf</a>" in html
    with web.db.read_sessions() as s:
        att_id = s.scalars(select(Message).where(Message.ticket_id == tid)).all()[1].attachments[0].id
    download = web.agent().get(f"/agent/attachments/{att_id}")
    assert download.content == b"%PDF-1.4 receipt"
    assert download.headers["content-disposition"] == 'attachment; filename="receipt.pdf"'
    assert download.headers["x-content-type-options"] == "nosniff"
    # The customer sidebar: identities, organization, tier, language, past tickets.
    assert "email: carla@example.com" in html and "<dt>Tier</dt><dd>standard</dd>" in html


def test_agent_replies_and_adds_a_note_through_the_form(web: Web) -> None:
    tid = make_ticket(web.db, "Kettle")
    sam = web.agent()
    page = f"/agent/tickets/{tid}"
    reply = form_post(sam, page, f"{page}/messages", {"text": "We are sending a new one.", "mode": "reply"})
    assert reply.status_code == 303 and reply.headers["location"] == f"{page}?done=reply"
    assert "Reply sent." in sam.get(reply.headers["location"]).text
    note = form_post(
        sam, page, f"{page}/messages", {"text": "Warehouse informed", "mode": "note", "status": "pending"}
    )
    assert note.status_code == 303
    with web.db.read_sessions() as s:
        rows = s.scalars(select(Message).where(Message.ticket_id == tid).order_by(Message.id)).all()
        assert [(m.text, m.internal, m.author_user_id) for m in rows[1:]] == [
            ("We are sending a new one.", False, web.world.agent.id),
            ("Warehouse informed", True, web.world.agent.id),
        ]
    assert ticket_row(web.db, tid).status == "pending"


def test_htmx_posts_answer_the_ticket_fragment(web: Web) -> None:
    tid = make_ticket(web.db, "Kettle")
    sam = web.agent()
    page = f"/agent/tickets/{tid}"
    response = form_post(
        sam, page, f"{page}/messages", {"text": "On its way", "mode": "reply"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert response.text.startswith('<div id="ticket"') and "<html" not in response.text
    assert "Reply sent." in response.text and "On its way" in response.text


def test_bad_composer_input_gets_a_clear_error_and_keeps_the_text(web: Web) -> None:
    tid = make_ticket(web.db, "Kettle")
    sam = web.agent()
    page = f"/agent/tickets/{tid}"
    typed = "Half-written answer that must not be lost"
    bad = form_post(sam, page, f"{page}/messages", {"text": typed, "mode": "reply", "status": "vanished"})
    assert bad.status_code == 422
    assert "&#39;vanished&#39; is not a status" in bad.text
    assert f">{typed}</textarea>" in bad.text
    empty = form_post(
        sam, page, f"{page}/messages", {"text": "   ", "mode": "note"}, headers={"HX-Request": "true"}
    )
    assert empty.status_code == 422 and "Write a message before sending." in empty.text
    assert 'id="mode-note" name="mode" value="note" checked' in empty.text
    with web.db.read_sessions() as s:
        assert len(s.scalars(select(Message).where(Message.ticket_id == tid)).all()) == 1


def test_fields_are_edited_inline_and_bad_values_are_explained(web: Web) -> None:
    w = web.world
    tid = make_ticket(web.db, "Kettle")
    sam = web.agent()
    page = f"/agent/tickets/{tid}"
    data = {
        "status": "open",
        "priority": "high",
        "assignee_id": str(w.agent.id),
        "team_id": str(w.support_team_id),
        "tags": "delivery, kettle",
    }
    assert form_post(sam, page, f"{page}/fields", data).status_code == 303
    ticket = ticket_row(web.db, tid)
    assert (ticket.priority, ticket.assignee_id, ticket.team_id, ticket.tags) == (
        "high",
        w.agent.id,
        w.support_team_id,
        ["delivery", "kettle"],
    )
    history = sam.get(page).text
    assert "Sam Support changed the priority from Normal to High" in history
    assert "Sam Support assigned the ticket to Sam Support" in history
    assert "Sam Support moved the ticket to team Support" in history
    assert "Sam Support set the tags to delivery, kettle" in history
    bad = form_post(sam, page, f"{page}/fields", {**data, "tags": "ok no/slashes!", "priority": "low"})
    assert bad.status_code == 422
    assert "is not a tag" in bad.text and 'value="ok no/slashes!"' in bad.text
    assert '<option value="low" selected>' in bad.text  # what was chosen is kept, not the saved value
    assert ticket_row(web.db, tid).priority == "high"
    # Bo (Billing) cannot be given a Support ticket: the service says why.
    wrong = form_post(sam, page, f"{page}/fields", {**data, "assignee_id": str(w.other_agent.id)})
    assert wrong.status_code == 422 and "Bo Billing is not a member of team" in wrong.text


def test_quick_actions_assign_to_me_and_solve(web: Web) -> None:
    tid = make_ticket(web.db, "Kettle")
    sam = web.agent()
    page = f"/agent/tickets/{tid}"
    assert form_post(sam, page, f"{page}/quick", {"action": "assign_me"}).status_code == 303
    assert ticket_row(web.db, tid).assignee_id == web.world.agent.id
    solved = form_post(sam, page, f"{page}/quick", {"action": "solve"}, headers={"HX-Request": "true"})
    assert solved.status_code == 200 and "Ticket solved." in solved.text
    assert ticket_row(web.db, tid).status == "solved"


def test_past_tickets_appear_in_the_sidebar(web: Web) -> None:
    old = make_ticket(web.db, "Old broken lid")
    new = make_ticket(web.db, "New kettle issue")
    html = web.agent().get(f"/agent/tickets/{new}").text
    assert f'href="/agent/tickets/{old}">#{old} Old broken lid</a>' in html


def test_files_attached_to_a_reply_reach_the_customer_and_oversized_ones_are_refused(web: Web) -> None:
    tid = make_ticket(web.db, "Kettle")
    sam = web.agent()
    page = f"/agent/tickets/{tid}"
    sent = form_post(
        sam,
        page,
        f"{page}/messages",
        {"text": "Here is the label.", "mode": "reply"},
        files=[("files", ("return label.pdf", b"%PDF label", "application/pdf"))],
    )
    assert sent.status_code == 303
    with web.db.read_sessions() as s:
        last = s.scalars(select(Message).where(Message.ticket_id == tid).order_by(Message.id.desc())).first()
        assert last is not None and [a.filename for a in last.attachments] == ["return label.pdf"]
    web.app.state.settings = web.app.state.settings.model_copy(update={"attachment_max_bytes": 1024})
    big = form_post(
        sam,
        page,
        f"{page}/messages",
        {"text": "Photo attached", "mode": "reply"},
        files=[("files", ("photo.jpg", b"x" * 2048, "image/jpeg"))],
    )
    assert big.status_code == 422 and "photo.jpg is larger than the limit" in big.text
    assert ">Photo attached</textarea>" in big.text


def test_a_reply_that_overtook_yours_is_shown_before_yours_is_sent(web: Web) -> None:
    tid = make_ticket(web.db, "Kettle")
    sam, bo_admin = web.agent(), web.agent("ada@helpline.test")
    page = f"/agent/tickets/{tid}"
    stale = sam.get(page).text
    seen = re.search(r'name="seen" value="(\d+)"', stale)
    assert seen is not None
    form_post(bo_admin, page, f"{page}/messages", {"text": "I'm on it already.", "mode": "reply"})
    token = re.search(r'name="csrf_token" value="([^"]+)"', stale)
    assert token is not None
    data = {"csrf_token": token.group(1), "text": "Me too!", "mode": "reply", "seen": seen.group(1)}
    warned = sam.post(f"{page}/messages", data=data, headers={"HX-Request": "true"})
    assert warned.status_code == 409
    assert "Ada Admin wrote on this ticket while you were writing." in warned.text
    assert ">Me too!</textarea>" in warned.text and "I&#39;m on it already." in warned.text
    fresh_seen = re.search(r'name="seen" value="(\d+)"', warned.text)
    assert fresh_seen is not None and int(fresh_seen.group(1)) > int(seen.group(1))
    sent = sam.post(f"{page}/messages", data={**data, "seen": fresh_seen.group(1)})
    assert sent.status_code == 303
    # Your own earlier messages never count as someone else's.
    mine = sam.post(f"{page}/messages", data={**data, "text": "And again"})
    assert mine.status_code == 409  # Ada's reply is still newer than the old "seen"
    assert "Sam Support wrote" not in mine.text


def test_presence_shows_who_else_is_viewing_or_typing(web: Web) -> None:
    tid = make_ticket(web.db, "Kettle")
    sam, ada = web.agent(), web.agent("ada@helpline.test")
    url = f"/agent/tickets/{tid}/presence"
    assert sam.get(url).text.strip() == ""
    assert "Sam Support is viewing this ticket" in ada.get(url + "?typing=1").text
    assert "Ada Admin is typing on this ticket" in sam.get(url).text
    bo = web.agent("bo@helpline.test")
    hidden = make_ticket(web.db, "Support only", team_id=web.world.support_team_id)
    assert bo.get(f"/agent/tickets/{hidden}/presence").status_code == 404
