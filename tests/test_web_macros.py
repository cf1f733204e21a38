"""Canned replies and macros in the workspace: admin page, composer picker, one-click apply."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from sqlalchemy import select

from helpline.core.actor import SYSTEM
from helpline.core.db import Database
from helpline.macros import service as macros
from helpline.tickets.models import Message, Ticket
from tests.conftest import World
from tests.test_web_support import Web, form_post, make_ticket, setup_web


@pytest.fixture
def web(app: FastAPI, db: Database, world: World) -> Web:
    return setup_web(app, db, world)


def test_admin_creates_and_deletes_canned_replies_and_macros(web: Web) -> None:
    ada = web.agent("ada@helpline.test")
    page = "/agent/admin/macros"
    assert "Canned replies and macros" in ada.get("/agent/admin/").text
    created = form_post(
        ada, page, "/agent/admin/canned-replies", {"title": "Greeting", "body": "Hi {{customer.first_name}}"}
    )
    assert created.status_code == 303 and created.headers["location"] == f"{page}?done=reply"
    refused = form_post(ada, page, "/agent/admin/macros", {"title": "Bad", "body": "Hi {{order.id}}"})
    assert refused.status_code == 422 and "Unknown placeholder {{order.id}}" in refused.text
    assert 'value="Bad"' in refused.text  # what was typed is kept
    made = form_post(
        ada,
        page,
        "/agent/admin/macros",
        {
            "title": "Courier",
            "body": "Chasing",
            "mode": "note",
            "set_status": "pending",
            "set_assignee": "me",
            "add_tags": "courier late",
        },
    )
    assert made.status_code == 303, made.text
    listing = ada.get(page).text
    assert "Greeting" in listing and "Courier" in listing and "courier, late" in listing
    with web.db.read_sessions() as s:
        macro = macros.list_macros(s, SYSTEM)[0]
        reply = macros.list_canned_replies(s, SYSTEM)[0]
    assert macro.internal and macro.actions == {
        "status": "pending",
        "assignee": "me",
        "add_tags": ["courier", "late"],
    }
    assert form_post(ada, page, f"/agent/admin/macros/{macro.id}/delete", {}).status_code == 303
    assert form_post(ada, page, f"/agent/admin/canned-replies/{reply.id}/delete", {}).status_code == 303
    assert "No macros yet." in ada.get(page).text
    assert web.agent().get(page).status_code == 403


def test_agent_inserts_a_canned_reply_and_applies_a_macro(web: Web) -> None:
    with web.db.transaction() as s:
        reply = macros.create_canned_reply(
            s, SYSTEM, title="Greeting", body="Hi {{customer.first_name}}, {{order.id}}"
        )
        macro = macros.create_macro(
            s,
            SYSTEM,
            title="Solve politely",
            body="Glad we could help, {{customer.first_name}}.",
            actions={"status": "solved", "add_tags": ["thanked"], "assignee": "me"},
        )
        reply_id, macro_id = reply.id, macro.id
    tid = make_ticket(web.db, "Kettle", team_id=web.world.support_team_id)
    sam = web.agent()
    view = sam.get(f"/agent/tickets/{tid}").text
    assert "Apply macro: Solve politely" in view and ">Greeting</option>" in view
    as_json = sam.get(
        f"/agent/tickets/{tid}/canned?reply_id={reply_id}", headers={"accept": "application/json"}
    )
    assert as_json.json() == {"text": "Hi Carla, {{order.id}}", "unknown": ["{{order.id}}"]}
    no_script = sam.get(f"/agent/tickets/{tid}/canned?reply_id={reply_id}")
    assert no_script.status_code == 200
    assert ">Hi Carla, {{order.id}}</textarea>" in no_script.text
    assert "Unknown placeholders were left as typed: {{order.id}}" in no_script.text
    applied = form_post(
        sam, f"/agent/tickets/{tid}", f"/agent/tickets/{tid}/macro", {"macro_id": str(macro_id)}
    )
    assert applied.status_code == 303 and applied.headers["location"] == f"/agent/tickets/{tid}?done=macro"
    assert "Macro applied." in sam.get(applied.headers["location"]).text
    with web.db.read_sessions() as s:
        ticket = s.get(Ticket, tid)
        assert ticket is not None
        assert (
            ticket.status == "solved"
            and ticket.tags == ["thanked"]
            and ticket.assignee_id == web.world.agent.id
        )
        last = s.scalars(select(Message).where(Message.ticket_id == tid).order_by(Message.id.desc())).first()
        assert last is not None and last.text == "Glad we could help, Carla." and not last.internal


def test_a_refused_macro_says_why_and_changes_nothing(web: Web) -> None:
    with web.db.transaction() as s:
        macro = macros.create_macro(
            s, SYSTEM, title="To Bo", body="Over to Bo", actions={"assignee": web.world.other_agent.id}
        )
        macro_id = macro.id
    tid = make_ticket(web.db, "Kettle", team_id=web.world.support_team_id)
    sam = web.agent()
    refused = form_post(
        sam,
        f"/agent/tickets/{tid}",
        f"/agent/tickets/{tid}/macro",
        {"macro_id": str(macro_id)},
        headers={"hx-request": "true"},
    )
    assert refused.status_code == 422 and 'id="macro-error" role="alert"' in refused.text
    assert "Bo Billing is not a member of team" in refused.text
    with web.db.read_sessions() as s:
        assert len(s.scalars(select(Message).where(Message.ticket_id == tid)).all()) == 1


def test_admin_edits_a_canned_reply_and_a_macro_on_the_page(web: Web) -> None:
    w = web.world
    ada = web.agent("ada@helpline.test")
    page = "/agent/admin/macros"
    with web.db.transaction() as s:
        reply = macros.create_canned_reply(s, SYSTEM, title="Greeting", body="Hi there")
        macro = macros.create_macro(
            s,
            SYSTEM,
            title="Courier",
            body="Chasing the courier",
            internal=True,
            actions={"status": "pending", "add_tags": ["courier"], "team_id": w.support_team_id},
        )
        ids = (reply.id, macro.id)
    listed = ada.get(page).text
    assert "Edit Greeting" in listed and "Edit Courier" in listed
    form = ada.get(f"{page}?reply={ids[0]}").text
    assert 'action="/agent/admin/canned-replies/' in form and ">Hi there</textarea>" in form
    empty = form_post(ada, page, f"/agent/admin/canned-replies/{ids[0]}", {"title": "Greeting", "body": " "})
    assert empty.status_code == 422 and "Write the text." in empty.text
    assert "Edit Greeting" in empty.text and 'value="Greeting"' in empty.text  # still editing it
    saved = form_post(
        ada,
        page,
        f"/agent/admin/canned-replies/{ids[0]}",
        {"title": "Hello", "body": "Hello {{customer.name}}"},
    )
    assert saved.status_code == 303 and "Canned reply updated." in ada.get(saved.headers["location"]).text
    macro_form = ada.get(f"{page}?macro={ids[1]}").text
    assert 'value="courier"' in macro_form and '<option value="pending" selected>' in macro_form
    assert 'id="macro-mode-note" name="mode" value="note" checked' in macro_form
    bad = form_post(
        ada,
        page,
        f"/agent/admin/macros/{ids[1]}",
        {"title": "Courier", "body": "Order {{order.id}}", "mode": "reply", "set_status": "solved"},
    )
    assert bad.status_code == 422 and "Unknown placeholder {{order.id}}" in bad.text
    assert '<option value="solved" selected>' in bad.text
    changed = form_post(
        ada,
        page,
        f"/agent/admin/macros/{ids[1]}",
        {"title": "Courier", "body": "We chased the courier.", "mode": "reply", "set_status": "solved"},
    )
    assert changed.status_code == 303
    with web.db.read_sessions() as s:
        got = macros.get_macro(s, SYSTEM, ids[1])
        assert (got.body, got.internal, got.actions) == (
            "We chased the courier.",
            False,
            {"status": "solved"},
        )
        assert macros.get_canned_reply(s, SYSTEM, ids[0]).title == "Hello"
