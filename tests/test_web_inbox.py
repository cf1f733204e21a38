"""The agent inbox: views and counts, scoping per agent, sorting, search, pages, bounded queries."""

from __future__ import annotations

import re

import pytest
from fastapi import FastAPI
from sqlalchemy import select

from helpline.assist.enrich import enrich_message
from helpline.core.actor import SYSTEM
from helpline.core.db import Database
from helpline.customers.service import find_by_identity
from helpline.tickets.conversation import add_message
from helpline.tickets.models import Message, TicketTag
from helpline.tickets.service import NewMessage, update_ticket
from tests.conftest import World
from tests.test_web_support import Web, count_queries, form_post, make_ticket, setup_web


@pytest.fixture
def web(app: FastAPI, db: Database, world: World) -> Web:
    return setup_web(app, db, world)


def ticket_ids(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'data-ticket-id="(\d+)"', html)]


def counts(html: str) -> dict[str, int]:
    pairs = re.findall(r'view=(\w+)&amp;sort=\w+"[^>]*>\s*<span>[^<]*</span> <span class="count">(\d+)', html)
    return {view: int(n) for view, n in pairs}


def test_each_agent_sees_only_the_tickets_their_teams_may_see(web: Web) -> None:
    w = web.world
    support = make_ticket(web.db, "Kettle not delivered", team_id=w.support_team_id)
    billing = make_ticket(web.db, "Invoice twice charged", "I was charged twice.", team_id=w.billing_team_id)
    nobody = make_ticket(web.db, "Question about opening hours")
    sam, bo = web.agent(), web.agent("bo@helpline.test")
    assert sorted(ticket_ids(sam.get("/agent/?view=open").text)) == [support, nobody]
    assert sorted(ticket_ids(bo.get("/agent/?view=open").text)) == [billing, nobody]
    assert sorted(ticket_ids(web.agent("ada@helpline.test").get("/agent/?view=open").text)) == [
        support,
        billing,
        nobody,
    ]
    # Neither the page nor the search reveals the other team's ticket.
    refused = bo.get(f"/agent/tickets/{support}")
    assert refused.status_code == 404 and "Kettle" not in refused.text
    assert "not yours to see" in refused.text
    assert ticket_ids(sam.get("/agent/?q=charged").text) == []
    assert ticket_ids(bo.get("/agent/?q=charged").text) == [billing]
    assert counts(sam.get("/agent/?view=open").text)["open"] == 2


def test_views_and_counts_follow_the_tickets(web: Web) -> None:
    w = web.world
    mine = make_ticket(web.db, "Mine", team_id=w.support_team_id, assignee_id=w.agent.id)
    waiting = make_ticket(web.db, "Waiting on customer", team_id=w.support_team_id)
    solved = make_ticket(web.db, "Already solved")
    fresh = make_ticket(web.db, "Brand new")
    with web.db.transaction() as s:
        update_ticket(s, SYSTEM, waiting, status="pending")
        update_ticket(s, SYSTEM, solved, status="solved")
    sam = web.agent()
    page = sam.get("/agent/")
    assert 'aria-current="page"' in page.text and ticket_ids(page.text) == [mine]  # "mine" first
    assert counts(page.text) == {
        "mine": 1,
        "unassigned": 1,
        "team": 2,
        "open": 2,
        "upset": 0,
        "pending": 1,
        "solved": 1,
    }
    assert ticket_ids(sam.get("/agent/?view=unassigned").text) == [fresh]
    assert ticket_ids(sam.get("/agent/?view=team").text) == sorted([mine, waiting])
    assert ticket_ids(sam.get("/agent/?view=pending").text) == [waiting]
    assert ticket_ids(sam.get("/agent/?view=solved").text) == [solved]
    bad = sam.get("/agent/?view=everything")
    assert bad.status_code == 422 and "view: must be one of" in bad.text


def test_sorting_by_priority_and_by_waiting_time(web: Web) -> None:
    low = make_ticket(web.db, "Low", priority="low")
    urgent = make_ticket(web.db, "Urgent", priority="urgent")
    normal = make_ticket(web.db, "Normal")
    with web.db.transaction() as s:  # the customer writes again on the low one: it has waited least
        add_message(
            s,
            SYSTEM,
            low,
            NewMessage(text="Any news?"),
            on_behalf_of=find_by_identity(s, "email", "carla@example.com"),
        )
    sam = web.agent()
    assert ticket_ids(sam.get("/agent/?view=open&sort=priority").text) == [urgent, normal, low]
    assert ticket_ids(sam.get("/agent/?view=open&sort=newest").text) == [normal, urgent, low]
    assert ticket_ids(sam.get("/agent/?view=open&sort=waiting").text) == [urgent, normal, low]


def test_sorting_by_sla_due_time_shows_the_soonest_promise_first(web: Web) -> None:
    for body in (
        {
            "name": "Urgent",
            "position": 0,
            "conditions": {"priority": ["urgent"]},
            "first_response_minutes": 30,
        },
        {
            "name": "Normal",
            "position": 1,
            "conditions": {"priority": ["normal"]},
            "first_response_minutes": 480,
        },
    ):
        assert web.world.admin.post("/api/v1/sla/policies", json=body).status_code == 201
    normal = make_ticket(web.db, "Normal")
    urgent = make_ticket(web.db, "Urgent", priority="urgent")
    unpromised = make_ticket(web.db, "No policy applies", priority="low")
    html = web.agent().get("/agent/?view=open&sort=due").text
    assert ticket_ids(html) == [urgent, normal, unpromised]
    assert "due in 29 min" in html or "due in 30 min" in html
    assert "due in 7 h" in html or "due in 8 h" in html


def _enrich_first_message(db: Database, ticket_id: int) -> None:
    with db.transaction() as s:
        first = s.scalar(select(Message.id).where(Message.ticket_id == ticket_id).order_by(Message.id))
        assert first is not None
        enrich_message(s, first)


def test_upset_customers_waiting_view_and_a_saved_mood_filter(web: Web) -> None:
    angry = make_ticket(
        web.db, "Broken AGAIN", "This is the third time it broke. I am furious and completely fed up!!!"
    )
    calm = make_ticket(web.db, "Delivery times", "Thanks so much! Just a quick question about delivery.")
    for tid in (angry, calm):
        _enrich_first_message(web.db, tid)
    sam = web.agent()
    html = sam.get("/agent/?view=upset").text
    assert ticket_ids(html) == [angry] and counts(html)["upset"] == 1
    page = f"/agent/tickets/{angry}"
    form_post(
        sam, page, f"{page}/messages", {"text": "I am sorry, a new one is on its way.", "mode": "reply"}
    )
    assert ticket_ids(sam.get("/agent/?view=upset").text) == []  # answered: no longer waiting on us

    saved = form_post(sam, "/agent/views/new", "/agent/views", {"name": "Upset", "mood": "frustrated"})
    assert saved.status_code == 303
    assert ticket_ids(sam.get(saved.headers["location"]).text) == [angry]
    bad = form_post(sam, "/agent/views/new", "/agent/views", {"name": "Odd", "mood": "sleepy"})
    assert bad.status_code == 422 and "not one of frustrated, negative" in bad.text


def test_search_finds_words_in_messages_and_internal_notes(web: Web) -> None:
    kettle = make_ticket(web.db, "Delivery", "My kettle never arrived")
    make_ticket(web.db, "Refund", "I want my money back")
    with web.db.transaction() as s:
        add_message(s, SYSTEM, kettle, NewMessage(text="Courier confirmed loss", internal=True))
    sam = web.agent()
    page = sam.get("/agent/?q=kettle")
    assert ticket_ids(page.text) == [kettle] and "1 tickets found" in page.text
    assert ticket_ids(sam.get("/agent/?q=courier").text) == [kettle]
    empty = sam.get("/agent/?q=%22%22")
    assert empty.status_code == 200 and "Give at least one word to search for." in empty.text


def test_pages_of_twenty_five(web: Web) -> None:
    ids = [make_ticket(web.db, f"Ticket {n}") for n in range(27)]
    sam = web.agent()
    first = sam.get("/agent/?view=open&sort=newest")
    assert ticket_ids(first.text) == ids[::-1][:25] and 'rel="next"' in first.text
    second = sam.get("/agent/?view=open&sort=newest&page=2")
    assert ticket_ids(second.text) == ids[1::-1] and 'rel="prev"' in second.text
    assert 'rel="next"' not in second.text


def test_inbox_and_ticket_view_issue_a_bounded_number_of_queries(web: Web) -> None:
    sam = web.agent()
    first = make_ticket(web.db, "First", team_id=web.world.support_team_id)
    with count_queries(web.db) as few_inbox:
        sam.get("/agent/?view=open")
    with count_queries(web.db) as few_ticket:
        sam.get(f"/agent/tickets/{first}")
    for n in range(12):
        make_ticket(web.db, f"More {n}", email="omar@example.com" if n % 2 else "carla@example.com")
    with web.db.transaction() as s:
        for n in range(10):
            add_message(s, SYSTEM, first, NewMessage(text=f"Reply {n}", internal=n % 3 == 0))
    with count_queries(web.db) as many_inbox:
        page = sam.get("/agent/?view=open")
    with count_queries(web.db) as many_ticket:
        sam.get(f"/agent/tickets/{first}")
    assert len(ticket_ids(page.text)) == 13
    assert len(many_inbox) == len(few_inbox) <= 12
    assert len(many_ticket) == len(few_ticket) <= 24  # incl. the SLA panel


def test_bulk_actions_change_all_selected_tickets_or_none(web: Web) -> None:
    w = web.world
    a = make_ticket(web.db, "A", team_id=w.support_team_id)
    b = make_ticket(web.db, "B")
    c = make_ticket(web.db, "C")
    sam = web.agent()
    base = {"view": "open", "sort": "priority", "page": "1"}
    done = form_post(
        sam, "/agent/?view=open", "/agent/bulk", {**base, "action": "assign_me", "ids": [str(a), str(b)]}
    )
    assert done.status_code == 303 and "done=2" in done.headers["location"]
    assert "Updated 2 tickets." in sam.get(done.headers["location"]).text
    assert sorted(ticket_ids(sam.get("/agent/?view=mine").text)) == [a, b]
    tagged = form_post(
        sam, "/agent/", "/agent/bulk", {**base, "action": "tag", "tag": "Recall", "ids": [str(b), str(c)]}
    )
    assert tagged.status_code == 303
    with web.db.read_sessions() as s:
        tags = {t: list(s.scalars(select(TicketTag.tag).where(TicketTag.ticket_id == t))) for t in (a, b, c)}
    assert tags == {a: [], b: ["recall"], c: ["recall"]}
    bad = form_post(
        sam, "/agent/", "/agent/bulk", {**base, "action": "tag", "tag": "no/slash", "ids": [str(a), str(c)]}
    )
    assert bad.status_code == 422
    assert f"Ticket #{a}:" in bad.text and "Nothing was changed." in bad.text
    assert f'value="{c}" aria-label="Select ticket #{c}" checked' in bad.text  # the selection is kept
    nothing = form_post(sam, "/agent/", "/agent/bulk", {**base, "action": "status:solved"})
    assert nothing.status_code == 422 and "Select at least one ticket first." in nothing.text
    solved = form_post(sam, "/agent/", "/agent/bulk", {**base, "action": "status:solved", "ids": [str(c)]})
    assert solved.status_code == 303
    assert ticket_ids(sam.get("/agent/?view=solved").text) == [c]
    # A ticket the agent may not see cannot be changed through the bulk door either.
    hidden = make_ticket(web.db, "Billing only", team_id=w.billing_team_id)
    refused = form_post(sam, "/agent/", "/agent/bulk", {**base, "action": "assign_me", "ids": [str(hidden)]})
    assert refused.status_code == 422 and f"Ticket #{hidden}: ticket {hidden} does not exist" in refused.text


def test_the_event_stream_says_when_tickets_changed(web: Web) -> None:
    from helpline.web.live import StreamTiming

    assert web.browser().get("/agent/events").status_code == 303
    web.app.state.web_stream_timing = StreamTiming(interval=0.02, lifetime=0.1)
    sam = web.agent()
    first = sam.get("/agent/events")
    assert first.headers["content-type"].startswith("text/event-stream")
    assert "event: ready" in first.text and "event: inbox" not in first.text
    current = re.findall(r"^id: (\S+)$", first.text, re.M)[0]
    quiet = sam.get("/agent/events", headers={"Last-Event-ID": current})
    assert "event: inbox" not in quiet.text
    make_ticket(web.db, "Something new")
    moved = sam.get("/agent/events", headers={"Last-Event-ID": current})
    assert "event: inbox" in moved.text
