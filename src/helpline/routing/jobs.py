"""Connect routing to the ticket lifecycle, and give tickets out again when room frees up.

A ticket is routed inside the transaction that creates it or moves it to a team. When an agent
comes online or a ticket stops counting against someone's capacity, a ``routing.drain`` job gives
the team's waiting tickets out; when an agent goes offline, a ``routing.requeue`` job takes back
their unanswered tickets and routes them again; a ``routing.accept_check`` job, due when a routed
ticket's acceptance time is up, returns it unless its agent acted on it. All of them work one
transaction per ticket (team, then ticket, then agents locked: the same order as every other
routing path, so they cannot deadlock) and are safe to run in any number of workers at once.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from helpline.core.db import Database
from helpline.outbox.runner import Job, handler
from helpline.routing.acceptance import check_offer, return_to_queue, returnable_tickets
from helpline.routing.queue import ACTIVE
from helpline.routing.service import (
    ACCEPT_JOB,
    DRAIN_JOB,
    REQUEUE_JOB,
    route_arrival,
    route_next,
    schedule_drain,
)
from helpline.tickets.hooks import on_ticket_changed, on_ticket_created
from helpline.tickets.models import Ticket

MAX_DRAIN = 500


@handler(DRAIN_JOB)
def drain_team(db: Database, job: Job) -> None:
    team_id = int(job.payload["team_id"])
    for _ in range(MAX_DRAIN):
        with db.transaction() as session:
            if route_next(session, team_id) is None:
                return


@handler(REQUEUE_JOB)
def requeue_agent(db: Database, job: Job) -> None:
    user_id = int(job.payload["user_id"])
    with db.read_sessions() as session:
        ticket_ids = returnable_tickets(session, user_id)
    for ticket_id in ticket_ids:
        with db.transaction() as session:
            return_to_queue(session, ticket_id, user_id)


@handler(ACCEPT_JOB)
def accept_check(db: Database, job: Job) -> None:
    with db.transaction() as session:
        check_offer(session, int(job.payload["ticket_id"]))


@on_ticket_created
def route_on_created(session: Session, ticket: Ticket) -> None:
    if ticket.team_id is not None and ticket.assignee_id is None:
        route_arrival(session, ticket, created=True)


@on_ticket_changed
def route_on_changed(session: Session, ticket: Ticket, old: dict[str, Any], new: dict[str, Any]) -> None:
    if "team_id" in new and ticket.assignee_id is None and ticket.team_id is not None:
        route_arrival(session, ticket)
    freed = ("status" in new and old["status"] in ACTIVE and new["status"] not in ACTIVE) or (
        "assignee_id" in new and old["assignee_id"] is not None
    )
    if freed and ticket.team_id is not None:
        schedule_drain(session, [ticket.team_id])
