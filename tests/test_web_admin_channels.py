"""Admin pages for channels: mailboxes mapped to teams, and chat widgets with their embed snippet."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from sqlalchemy import select

from helpline.audit.models import AuditEntry
from helpline.chat.models import ChatWidget
from helpline.chat.service import create_widget, open_visitor, send_message
from helpline.core.db import Database
from helpline.email import outbound
from helpline.email.models import Mailbox
from helpline.email.service import receive_email
from helpline.outbox.runner import OutboxRunner
from helpline.tickets.models import Ticket
from tests.conftest import World
from tests.email_helpers import make_email, start_sink
from tests.test_web_support import Web, form_post, setup_web

MAILBOXES = "/agent/admin/mailboxes"
WIDGETS = "/agent/admin/chat-widgets"


@pytest.fixture
def web(app: FastAPI, db: Database, world: World) -> Web:
    return setup_web(app, db, world)


def audit_actions(db: Database, entity: str) -> list[str]:
    with db.read_sessions() as s:
        return list(
            s.scalars(
                select(AuditEntry.action).where(AuditEntry.entity_type == entity).order_by(AuditEntry.id)
            )
        )


def test_agents_are_refused_the_channel_pages_and_admins_get_them(web: Web) -> None:
    sam = web.agent()
    for page in (MAILBOXES, WIDGETS):
        assert sam.get(page).status_code == 403
    refused = form_post(sam, "/agent/", MAILBOXES, {"address": "sneaky@shop.test"})
    assert refused.status_code == 403
    with web.db.read_sessions() as s:
        assert s.scalar(select(Mailbox)) is None
    ada = web.agent("ada@helpline.test")
    home = ada.get("/agent/admin/")
    assert f'href="{MAILBOXES}"' in home.text and f'href="{WIDGETS}"' in home.text
    assert ada.get(MAILBOXES).status_code == 200 and ada.get(WIDGETS).status_code == 200


def test_admin_adds_edits_and_disables_a_mailbox(web: Web) -> None:
    w = web.world
    ada = web.agent("ada@helpline.test")
    bad = form_post(
        ada,
        MAILBOXES,
        MAILBOXES,
        {"address": "not an address", "name": "Billing desk", "team_id": str(w.billing_team_id)},
    )
    assert bad.status_code == 422 and "is not a valid email address" in bad.text
    # Nothing typed is lost, and the field is marked.
    assert 'value="not an address"' in bad.text and 'value="Billing desk"' in bad.text
    assert f'<option value="{w.billing_team_id}" selected>' in bad.text
    assert 'aria-invalid="true" aria-describedby="mailbox-error"' in bad.text
    made = form_post(
        ada,
        MAILBOXES,
        MAILBOXES,
        {"address": "Billing@Shop.test", "name": "Billing desk", "team_id": str(w.billing_team_id)},
    )
    assert made.status_code == 303
    page = ada.get(made.headers["location"])
    assert "Mailbox saved." in page.text and "billing@shop.test" in page.text
    with web.db.read_sessions() as s:
        box = s.scalars(select(Mailbox)).one()
        assert (box.team_id, box.auto_acknowledge, box.active) == (w.billing_team_id, False, True)
    dup = form_post(ada, MAILBOXES, MAILBOXES, {"address": "billing@shop.test", "auto_acknowledge": "1"})
    assert dup.status_code == 422 and "already exists" in dup.text
    # Edit: the form opens filled in; turning the acknowledgement on is kept.
    edit = ada.get(f"{MAILBOXES}?edit={box.id}")
    assert "Edit billing@shop.test" in edit.text and 'value="Billing desk"' in edit.text
    changed = form_post(
        ada,
        MAILBOXES,
        f"{MAILBOXES}/{box.id}",
        {
            "address": "billing@shop.test",
            "name": "Billing",
            "team_id": str(w.support_team_id),
            "auto_acknowledge": "1",
        },
    )
    assert changed.status_code == 303
    disabled = form_post(ada, MAILBOXES, f"{MAILBOXES}/{box.id}/active", {"active": ""})
    assert "Mailbox disabled" in ada.get(disabled.headers["location"]).text
    with web.db.read_sessions() as s:
        box = s.scalars(select(Mailbox)).one()
        assert (box.name, box.team_id, box.auto_acknowledge, box.active) == (
            "Billing",
            w.support_team_id,
            True,
            False,
        )
    assert "Enable billing@shop.test" in ada.get(MAILBOXES).text
    assert audit_actions(web.db, "mailbox") == ["mailbox.create", "mailbox.update", "mailbox.disable"]


def test_admin_sets_up_a_chat_widget_and_gets_its_embed_snippet(web: Web) -> None:
    w = web.world
    ada = web.agent("ada@helpline.test")
    bad = form_post(
        ada,
        WIDGETS,
        WIDGETS,
        {"name": "Shop", "allowed_origins": "https://shop.test/cart", "prechat": "required"},
    )
    assert bad.status_code == 422 and "is not an origin like https://www.example.com" in bad.text
    assert "https://shop.test/cart</textarea>" in bad.text
    assert 'value="required" checked' in bad.text
    made = form_post(
        ada,
        WIDGETS,
        WIDGETS,
        {
            "name": "Shop",
            "allowed_origins": "https://shop.test\nhttps://WWW.shop.test/",
            "prechat": "required",
            "team_id": str(w.support_team_id),
            "followup_minutes": "10",
        },
    )
    assert made.status_code == 303
    with web.db.read_sessions() as s:
        widget = s.scalars(select(ChatWidget)).one()
    assert widget.allowed_origins == ["https://shop.test", "https://www.shop.test"]
    page = ada.get(WIDGETS)
    snippet = (
        f"&lt;script src=&#34;http://testserver/chat/widget.js&#34; data-widget=&#34;{widget.key}&#34; async"
    )
    assert snippet in page.text and "Ask for name and email before the chat starts" in page.text
    not_number = form_post(
        ada, WIDGETS, f"{WIDGETS}/{widget.id}", {"name": "Shop", "followup_minutes": "soon"}
    )
    assert not_number.status_code == 422 and "Give a whole number of minutes" in not_number.text
    assert 'value="soon"' in not_number.text
    edited = form_post(
        ada,
        WIDGETS,
        f"{WIDGETS}/{widget.id}",
        {"name": "Shop (new)", "allowed_origins": "*", "prechat": "off", "followup_minutes": "0"},
    )
    assert edited.status_code == 303
    with web.db.read_sessions() as s:
        again = s.scalars(select(ChatWidget)).one()
    assert (again.key, again.name, again.allowed_origins, again.prechat, again.team_id) == (
        widget.key,
        "Shop (new)",
        ["*"],
        "off",
        None,
    )
    assert audit_actions(web.db, "chat_widget") == ["chat.widget.create", "chat.widget.update"]


def test_mail_to_a_mailbox_set_up_on_the_page_reaches_its_team_with_or_without_acknowledgement(
    web: Web,
) -> None:
    w = web.world
    sink, controller = start_sink()
    outbound.configure(sink.url, "support@shop.test")
    try:
        ada = web.agent("ada@helpline.test")
        made = form_post(
            ada, MAILBOXES, MAILBOXES, {"address": "billing@shop.test", "team_id": str(w.billing_team_id)}
        )
        assert made.status_code == 303
        raw, _mid = make_email(to="billing@shop.test", subject="Invoice twice")
        receive_email(web.db, raw, source="http")
        OutboxRunner(web.db, name="test").drain()
        with web.db.read_sessions() as s:
            ticket = s.scalars(select(Ticket).where(Ticket.subject == "Invoice twice")).one()
            box_id = s.scalars(select(Mailbox.id)).one()
        assert ticket.team_id == w.billing_team_id and sink.messages == []  # acknowledgement off
        form_post(
            ada,
            MAILBOXES,
            f"{MAILBOXES}/{box_id}",
            {"address": "billing@shop.test", "team_id": str(w.billing_team_id), "auto_acknowledge": "1"},
        )
        raw, _mid = make_email(to="billing@shop.test", subject="Refund please")
        receive_email(web.db, raw, source="http")
        OutboxRunner(web.db, name="test").drain()
        [ack] = sink.messages
        assert ack["From"].endswith("<billing@shop.test>") and "Refund please" in ack.get_content()
    finally:
        outbound.configure("")
        controller.stop()


def test_admin_removes_a_chat_widget_and_keeps_its_chats(web: Web) -> None:
    w = web.world
    with web.db.transaction() as s:
        ada_actor = w.admin.actor
        assert ada_actor is not None
        widget = create_widget(s, ada_actor, name="Old shop", allowed_origins=["*"])
        key, widget_id = widget.key, widget.id
        visitor, _token = open_visitor(s, widget, None, web.app.state.settings.secret_key)
        assert visitor is not None
        visitor_id = visitor.id
    with web.db.transaction() as s:
        send_message(s, visitor_id, "Do you still sell the blue kettle?")
    ada = web.agent("ada@helpline.test")
    unticked = form_post(ada, WIDGETS, f"{WIDGETS}/{widget_id}/remove", {})
    assert unticked.status_code == 422 and "Tick the box to confirm" in unticked.text
    assert 'id="remove-error-' in unticked.text and "<details open>" in unticked.text
    assert w.agent.delete(f"/api/v1/chat/widgets/{widget_id}").status_code == 403
    removed = form_post(ada, WIDGETS, f"{WIDGETS}/{widget_id}/remove", {"confirm": "on"})
    assert removed.status_code == 303
    page = ada.get(removed.headers["location"])
    assert "Chat widget removed" in page.text and "Old shop" not in page.text
    # The embed no longer works anywhere, but the chat that came through it is kept.
    refused = web.browser().post(f"/chat/upload?widget={key}", files={"file": ("a.txt", b"hi", "text/plain")})
    assert refused.status_code == 404 and refused.json()["code"] == "unknown_widget"
    with web.db.read_sessions() as s:
        assert s.scalar(select(Ticket.subject).where(Ticket.channel == "chat")) is not None
    assert w.admin.get("/api/v1/chat/widgets").json() == []
    assert w.admin.delete(f"/api/v1/chat/widgets/{widget_id}").status_code == 404
    assert ada.get(f"{WIDGETS}?edit={widget_id}").status_code == 404
    assert audit_actions(web.db, "chat_widget") == ["chat.widget.create", "chat.widget.remove"]
