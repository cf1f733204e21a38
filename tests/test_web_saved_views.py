"""Agents' saved inbox views: filters, counts in the sidebar, access scoping, deleting."""

from __future__ import annotations

import re

import pytest
from fastapi import FastAPI
from sqlalchemy import update

from helpline.accounts.models import User
from helpline.accounts.service import add_team_member, create_user
from helpline.core.actor import SYSTEM, Actor
from helpline.core.db import Database
from helpline.core.errors import Invalid
from helpline.macros.saved_views import create_saved_view, list_saved_views
from helpline.tickets.models import Ticket
from tests.conftest import World
from tests.test_web_support import Web, count_queries, form_post, make_ticket, password_hash, setup_web

ROW = re.compile(r'data-ticket-id="(\d+)"')


def sam_actor(web: Web) -> Actor:
    actor = web.world.agent.actor
    assert actor is not None
    return actor


@pytest.fixture
def web(app: FastAPI, db: Database, world: World) -> Web:
    return setup_web(app, db, world)


def test_an_agent_saves_a_view_and_sees_it_with_its_count(web: Web) -> None:
    w = web.world
    urgent = make_ticket(
        web.db, "Broken kettle", priority="urgent", tags=["kettle"], team_id=w.support_team_id
    )
    make_ticket(web.db, "Broken toaster", priority="urgent", tags=["toaster"], team_id=w.support_team_id)
    make_ticket(web.db, "Kettle question", priority="low", tags=["kettle"])
    make_ticket(web.db, "Billing kettle", priority="urgent", tags=["kettle"], team_id=w.billing_team_id)
    sam = web.agent()
    form = sam.get("/agent/views/new?q=kettle")
    assert form.status_code == 200 and 'value="kettle"' in form.text
    saved = form_post(
        sam,
        "/agent/views/new",
        "/agent/views",
        {"name": "Urgent kettles", "status": "new", "priority": "urgent", "tag": "Kettle", "q": "broken"},
    )
    assert saved.status_code == 303, saved.text
    page = sam.get(saved.headers["location"])
    assert page.status_code == 200
    # Billing's ticket matches the filters but Sam may not see it: the view never shows it.
    assert [int(i) for i in ROW.findall(page.text)] == [urgent]
    assert re.search(r"<span>Urgent kettles</span> <span class=\"count\">1</span>", page.text)
    assert '<h1 id="inbox-title">Urgent kettles</h1>' in page.text
    again = form_post(sam, "/agent/views/new", "/agent/views", {"name": "Urgent kettles"})
    assert again.status_code == 422 and "already have a view called" in again.text
    bad = form_post(sam, "/agent/views/new", "/agent/views", {"name": "Odd", "priority": "sometimes"})
    assert bad.status_code == 422 and 'value="Odd"' in bad.text
    # Another agent has their own views.
    assert "Urgent kettles" not in web.agent("bo@helpline.test").get("/agent/").text
    with web.db.read_sessions() as s:
        view_id = list_saved_views(s, sam_actor(web))[0].id
    assert web.agent("bo@helpline.test").get(f"/agent/?view=saved:{view_id}").status_code == 200
    deleted = form_post(sam, saved.headers["location"], f"/agent/views/{view_id}/delete", {})
    assert deleted.status_code == 303
    gone = sam.get(f"/agent/?view=saved:{view_id}")
    assert gone.status_code == 200 and "This view no longer exists." in gone.text


def test_saved_views_keep_the_inbox_to_one_counts_query(web: Web) -> None:
    sam = web.agent()
    with count_queries(web.db) as without:
        sam.get("/agent/?view=open")
    with web.db.transaction() as s:
        for n in range(5):
            create_saved_view(
                s, sam_actor(web), name=f"View {n}", filters={"status": ["open"], "tag": f"t{n}"}
            )
    with count_queries(web.db) as with_views:
        page = sam.get("/agent/?view=open")
    assert page.text.count("<span>View ") == 5
    assert len(with_views) == len(without) <= 13


def test_filters_are_checked(web: Web) -> None:
    with web.db.transaction() as s, pytest.raises(Invalid):
        create_saved_view(s, sam_actor(web), name="x", filters={"colour": "red"})


def test_a_view_shared_with_a_team_shows_for_its_members_only(web: Web) -> None:
    w = web.world
    with web.db.transaction() as s:
        kim = create_user(s, SYSTEM, email="kim@helpline.test", name="Kim Support")
        add_team_member(s, SYSTEM, w.support_team_id, kim.id)
        s.execute(update(User).where(User.id == kim.id).values(password_hash=password_hash()))
        kim_id = kim.id
    mine = make_ticket(web.db, "Urgent for Sam", priority="urgent", team_id=w.support_team_id)
    for_kim = make_ticket(web.db, "Urgent for Kim", priority="urgent", team_id=w.support_team_id)
    with web.db.transaction() as s:
        s.execute(update(Ticket).where(Ticket.id == mine).values(assignee_id=w.agent.id))
        s.execute(update(Ticket).where(Ticket.id == for_kim).values(assignee_id=kim_id))
    sam = web.agent()
    form = sam.get("/agent/views/new")
    assert "Everyone in Support" in form.text and "Everyone in Billing" not in form.text
    fields = {"name": "My urgent", "priority": "urgent", "assignee": "me"}
    saved = form_post(
        sam, "/agent/views/new", "/agent/views", fields | {"share_team_id": str(w.support_team_id)}
    )
    assert saved.status_code == 303, saved.text
    view = saved.headers["location"]
    view_id = int(view.rsplit(":", 1)[1])
    assert "Delete view My urgent" in sam.get(view).text

    kim_client = web.agent("kim@helpline.test")
    page = kim_client.get(view)
    assert 'id="team-views-title"' in page.text and "<span>My urgent</span>" in page.text
    assert [int(i) for i in ROW.findall(page.text)] == [for_kim]  # "me" is whoever looks
    assert "Delete view" not in page.text
    refused = form_post(kim_client, view, f"/agent/views/{view_id}/delete", {})
    assert refused.status_code == 403
    assert "<span>My urgent</span>" not in web.agent("bo@helpline.test").get("/agent/").text
    bo_share = form_post(
        web.agent("bo@helpline.test"),
        "/agent/views/new",
        "/agent/views",
        {"name": "Sneaky", "share_team_id": str(w.support_team_id)},
    )
    assert bo_share.status_code == 422 and "only with a team you belong to" in bo_share.text

    admin = web.agent("ada@helpline.test")
    assert "<span>My urgent</span>" not in admin.get("/agent/").text  # only their own teams' views
    with web.db.transaction() as s:
        add_team_member(s, SYSTEM, w.support_team_id, w.admin.id)
    assert "<span>My urgent</span>" in admin.get("/agent/").text
    assert form_post(admin, view, f"/agent/views/{view_id}/delete", {}).status_code == 303
    assert "<span>My urgent</span>" not in kim_client.get("/agent/").text
