"""The customer portal: magic links, own tickets only, public timeline only, replies, new requests."""

from __future__ import annotations

import re

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from helpline.core.actor import SYSTEM
from helpline.core.db import Database
from helpline.core.settings import Settings
from helpline.tickets.conversation import add_message
from helpline.tickets.models import Message, Ticket
from helpline.tickets.service import NewMessage, update_ticket
from helpline.web import portal_link
from helpline.web.auth import PORTAL_COOKIE, portal_token
from tests.conftest import World
from tests.test_web_support import Web, form_post, make_ticket, setup_web


@pytest.fixture
def web(app: FastAPI, db: Database, world: World) -> Web:
    return setup_web(app, db, world)


def open_portal(web: Web, customer_id: int) -> TestClient:
    browser = web.browser()
    response = browser.get(portal_link(customer_id, settings=web.app.state.settings))
    assert response.status_code == 303 and response.headers["location"] == "/portal/"
    assert response.headers["referrer-policy"] == "no-referrer"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(PORTAL_COOKIE) and "HttpOnly" in cookie and "SameSite=lax" in cookie
    return browser


def test_portal_link_is_signed_and_absolute_when_a_base_url_is_set(settings: Settings) -> None:
    assert portal_link(5, settings=settings).startswith("/portal/login/")
    public = settings.model_copy(update={"base_url": "https://help.example.com/"})
    assert portal_link(5, settings=public).startswith("https://help.example.com/portal/login/")


def test_a_tampered_or_expired_link_opens_nothing(web: Web) -> None:
    settings = web.app.state.settings
    link = portal_link(web.world.customer.id, settings=settings)
    body, mac = link.rsplit("/", 1)[1].split(".")
    forged = web.browser().get(f"/portal/login/{body}.{mac[:-2]}xx")
    assert forged.status_code == 401 and "not valid or has expired" in forged.text
    expired = portal_token(settings, web.world.customer.id, valid_seconds=-1)
    assert web.browser().get(f"/portal/login/{expired}").status_code == 401
    assert web.browser().get("/portal/").status_code == 401


def test_customer_sees_status_and_owner_but_never_an_internal_note(web: Web) -> None:
    w = web.world
    tid = make_ticket(web.db, "Kettle not delivered", team_id=w.support_team_id)
    make_ticket(web.db, "Omar's private matter", email="omar@example.com")
    with web.db.transaction() as s:
        update_ticket(s, SYSTEM, tid, assignee_id=w.agent.id)
    sam = web.agent()
    page = f"/agent/tickets/{tid}"
    form_post(sam, page, f"{page}/messages", {"text": "A new kettle is on its way.", "mode": "reply"})
    form_post(sam, page, f"{page}/messages", {"text": "SECRET warehouse blunder", "mode": "note"})
    carla = open_portal(web, w.customer.id)
    home = carla.get("/portal/")
    assert "Kettle not delivered" in home.text and "Handled by Sam Support" in home.text
    assert "Omar" not in home.text
    view = carla.get(f"/portal/tickets/{tid}")
    assert view.status_code == 200
    assert "A new kettle is on its way." in view.text
    assert "SECRET" not in view.text and "Internal note" not in view.text
    assert "<dt>Handled by</dt><dd>Sam Support</dd>" in view.text
    assert "In progress" in view.text and "Our team will reply within 1 business day." in view.text
    # Another customer's ticket does not exist for Carla, and agent pages stay closed to her.
    omar_ticket = tid + 1
    assert carla.get(f"/portal/tickets/{omar_ticket}").status_code == 404
    assert carla.get(f"/agent/tickets/{tid}").status_code == 303


def test_customer_replies_and_a_solved_ticket_reopens(web: Web) -> None:
    tid = make_ticket(web.db, "Kettle")
    with web.db.transaction() as s:
        update_ticket(s, SYSTEM, tid, status="solved")
    carla = open_portal(web, web.world.customer.id)
    page = f"/portal/tickets/{tid}"
    before = carla.get(page).text
    assert "If something is still not right" in before and "Status changed to “Solved”" in before
    sent = form_post(carla, page, f"{page}/messages", {"text": "It broke again."})
    assert sent.status_code == 303 and sent.headers["location"] == f"{page}?sent=1"
    after = carla.get(sent.headers["location"]).text
    assert "Thank you, your message was sent." in after and "Reopened by your reply" in after
    with web.db.read_sessions() as s:
        ticket = s.get(Ticket, tid)
        assert ticket is not None and ticket.status == "open"
        last = s.scalars(select(Message).where(Message.ticket_id == tid).order_by(Message.id.desc())).first()
        assert last is not None and (last.author_kind, last.author_customer_id) == (
            "customer",
            web.world.customer.id,
        )


def test_a_bad_portal_reply_keeps_the_text_and_needs_the_csrf_token(web: Web) -> None:
    tid = make_ticket(web.db, "Kettle")
    carla = open_portal(web, web.world.customer.id)
    page = f"/portal/tickets/{tid}"
    empty = form_post(carla, page, f"{page}/messages", {"text": "  \n "}, headers={"HX-Request": "true"})
    assert empty.status_code == 422 and "Write a message before sending." in empty.text
    forged = carla.post(f"{page}/messages", data={"text": "Forged from elsewhere"})
    assert forged.status_code == 403 and "Forged from elsewhere" in forged.text
    with web.db.read_sessions() as s:
        assert len(s.scalars(select(Message).where(Message.ticket_id == tid)).all()) == 1


def test_customer_submits_a_new_request_through_the_form(web: Web) -> None:
    carla = open_portal(web, web.world.customer.id)
    missing = form_post(carla, "/portal/new", "/portal/new", {"subject": "Lid cracked", "text": ""})
    assert missing.status_code == 422
    assert "Describe what you need help with." in missing.text and 'value="Lid cracked"' in missing.text
    made = form_post(
        carla, "/portal/new", "/portal/new", {"subject": "Lid cracked", "text": "The lid cracked."}
    )
    assert made.status_code == 303
    tid = int(re.findall(r"/portal/tickets/(\d+)", made.headers["location"])[0])
    with web.db.read_sessions() as s:
        ticket = s.get(Ticket, tid)
        assert ticket is not None
        assert (ticket.subject, ticket.channel, ticket.requester_id) == (
            "Lid cracked",
            "web",
            web.world.customer.id,
        )
    assert "Lid cracked" in carla.get("/portal/").text


def test_portal_speaks_the_customers_language(web: Web) -> None:
    with web.db.transaction() as s:
        from helpline.customers.models import Customer

        customer = s.get(Customer, web.world.customer.id)
        assert customer is not None
        customer.language = "de"
    carla = open_portal(web, web.world.customer.id)
    page = carla.get("/portal/")
    assert '<html lang="de">' in page.text and "Neue Anfrage stellen" in page.text


def test_portal_hides_notes_even_in_the_attachment_door(web: Web) -> None:
    tid = make_ticket(web.db, "Kettle")
    with web.db.transaction() as s:
        from helpline.tickets.service import NewAttachment

        note = add_message(
            s,
            SYSTEM,
            tid,
            NewMessage(text="internal doc", internal=True, attachments=[NewAttachment("x.txt", "", b"x")]),
        )
        s.flush()
        att_id = note.attachments[0].id
    carla = open_portal(web, web.world.customer.id)
    assert carla.get(f"/portal/attachments/{att_id}").status_code == 404


def test_customer_attaches_a_file_to_a_reply(web: Web) -> None:
    tid = make_ticket(web.db, "Kettle")
    carla = open_portal(web, web.world.customer.id)
    page = f"/portal/tickets/{tid}"
    sent = form_post(
        carla,
        page,
        f"{page}/messages",
        {"text": ""},
        files=[("files", ("photo.jpg", b"JPEGDATA", "image/jpeg"))],
    )
    assert sent.status_code == 303
    view = carla.get(page).text
    att = re.findall(r'href="/portal/attachments/(\d+)" download>photo.jpg<', view)
    assert att and carla.get(f"/portal/attachments/{att[0]}").content == b"JPEGDATA"


def test_a_reply_to_a_closed_request_opens_a_follow_up_the_customer_lands_on(web: Web) -> None:
    tid = make_ticket(web.db, "Kettle")
    with web.db.transaction() as s:
        update_ticket(s, SYSTEM, tid, status="closed")
    carla = open_portal(web, web.world.customer.id)
    page = f"/portal/tickets/{tid}"
    assert "a reply below opens a new one" in carla.get(page).text
    sent = form_post(
        carla, page, f"{page}/messages", {"text": "It broke again."}, headers={"HX-Request": "true"}
    )
    assert sent.status_code == 200
    follow = int(sent.headers["hx-redirect"].split("/")[-1].split("?")[0])
    assert follow != tid
    with web.db.read_sessions() as s:
        ticket = s.get(Ticket, follow)
        assert ticket is not None and ticket.follow_up_of_id == tid
