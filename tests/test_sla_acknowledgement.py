"""The customer sees their expected response time: the acknowledgement quotes the SLA due time."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from helpline.core.actor import SYSTEM
from helpline.core.db import Database
from helpline.customers.models import Customer
from helpline.email.acknowledge import expected_by, render_acknowledgement
from helpline.sla import hooks as _hooks  # noqa: F401  (SLA clocks on ticket creation)
from helpline.sla.admin import create_business_hours, create_policy
from helpline.sla.queries import first_response_due
from helpline.tickets.service import NewMessage, create_ticket
from tests.conftest import World

WEEKDAYS = {d: [["09:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}


def test_expected_by_is_local_time_in_the_customers_language() -> None:
    due = dt.datetime(2026, 3, 30, 7, 0, tzinfo=dt.UTC)  # after the spring DST change in Berlin
    assert expected_by(due, "Europe/Berlin", "en") == "by Monday, 30 March 2026, 09:00 (Europe/Berlin)"
    assert expected_by(due, "Europe/Berlin", "de") == "bis Montag, 30. März 2026, 09:00 Uhr (Europe/Berlin)"
    assert expected_by(due, "Not/AZone", "en") == "by Monday, 30 March 2026, 07:00 (UTC)"


def _ticket(db: Database, world: World, priority: str) -> tuple[str, str, dt.datetime | None]:
    with db.transaction() as s:
        customer = s.get(Customer, world.customer.id)
        assert customer is not None
        ticket = create_ticket(
            s,
            SYSTEM,
            subject="Parcel missing",
            requester=customer,
            message=NewMessage(text="Where is my parcel?"),
            channel="email",
            priority=priority,
            team_id=world.support_team_id,
        )
        _, body = render_acknowledgement(ticket, "en", "Support")
        due = first_response_due(s, ticket.id)
        _, german = render_acknowledgement(ticket, "de", "Support")
        return body, german, due


def test_acknowledgement_quotes_the_first_response_due_time(db: Database, world: World) -> None:
    with db.transaction() as s:
        hours = create_business_hours(
            s, SYSTEM, name="Berlin office", timezone="Europe/Berlin", schedule=WEEKDAYS
        )
        create_policy(
            s,
            SYSTEM,
            name="Urgent",
            conditions={"priority": ["urgent"]},
            first_response_minutes=120,
            business_hours_id=hours.id,
        )
    body, german, due = _ticket(db, world, "urgent")
    assert due is not None
    local = due.astimezone(ZoneInfo("Europe/Berlin"))
    assert local.weekday() < 5 and dt.time(9) <= local.time() <= dt.time(17)
    assert f"will reply by {expected_by(due, 'Europe/Berlin', 'en')[3:]}" in body
    assert f"{local:%H:%M} (Europe/Berlin)" in body and "within 1 hour" not in body
    assert f"Wir antworten Ihnen {expected_by(due, 'Europe/Berlin', 'de')}" in german

    # No policy for normal tickets: the plain per-priority promise stays.
    body, german, due = _ticket(db, world, "normal")
    assert due is None
    assert "will reply within 1 business day" in body and "innerhalb von 1 Werktag" in german
