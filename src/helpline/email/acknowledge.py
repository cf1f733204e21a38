"""The instant acknowledgement: ticket reference, honest expected reply time, what happens next."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.orm import object_session

from helpline.tickets.models import Ticket

# Without an SLA policy for the ticket, expected first-response times per priority, in plain words.
EXPECTED = {
    "en": {
        "urgent": "within 1 hour",
        "high": "within 4 hours",
        "normal": "within 1 business day",
        "low": "within 2 business days",
    },
    "de": {
        "urgent": "innerhalb von 1 Stunde",
        "high": "innerhalb von 4 Stunden",
        "normal": "innerhalb von 1 Werktag",
        "low": "innerhalb von 2 Werktagen",
    },
}

# With one, the first-response due time in the time zone of the ticket's business hours.
DAYS = {
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
    "de": ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"),
}
MONTHS = {
    "en": [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ],
    "de": [
        "Januar",
        "Februar",
        "März",
        "April",
        "Mai",
        "Juni",
        "Juli",
        "August",
        "September",
        "Oktober",
        "November",
        "Dezember",
    ],
}


def expected_by(due: dt.datetime, zone: str, lang: str) -> str:
    """``by Monday, 23 November 2026, 14:00 (Europe/Berlin)`` in the customer's language."""
    try:
        local = due.astimezone(ZoneInfo(zone))
    except (ZoneInfoNotFoundError, ValueError):
        local, zone = due.astimezone(dt.UTC), "UTC"
    day, month = DAYS[lang][local.weekday()], MONTHS[lang][local.month - 1]
    if lang == "de":
        return f"bis {day}, {local.day}. {month} {local.year}, {local:%H:%M} Uhr ({zone})"
    return f"by {day}, {local.day} {month} {local.year}, {local:%H:%M} ({zone})"


def _expected(ticket: Ticket, lang: str) -> str:
    session = object_session(ticket)
    if session is not None:
        from helpline.sla.models import BusinessHours, TicketSla

        state = session.get(TicketSla, ticket.id)  # one look-up: the due time and the calendar
        if state is not None and state.first_response_due_at is not None:
            hours = session.get(BusinessHours, state.business_hours_id) if state.business_hours_id else None
            return expected_by(state.first_response_due_at, hours.timezone if hours else "UTC", lang)
    return EXPECTED[lang][ticket.priority]


TEMPLATES = {
    "en": (
        "We received your request [#{id}]",
        "Hello {name},\n\n"
        "thank you for writing to us. Your request has reached our support team as ticket #{id}:\n"
        '"{subject}"\n\n'
        "A member of our team will reply {expected}. You don't need to do anything else; to add "
        "details, simply reply to this email and keep [#{id}] in the subject.\n\n"
        "Kind regards,\n{team}",
    ),
    "de": (
        "Wir haben Ihre Anfrage erhalten [#{id}]",
        "Hallo {name},\n\n"
        "vielen Dank für Ihre Nachricht. Ihre Anfrage liegt unserem Support-Team als Ticket #{id} vor:\n"
        '"{subject}"\n\n'
        "Wir antworten Ihnen {expected}. Sie müssen nichts weiter tun; für weitere Details antworten "
        "Sie einfach auf diese E-Mail und lassen [#{id}] im Betreff stehen.\n\n"
        "Freundliche Grüße\n{team}",
    ),
}


def render_acknowledgement(ticket: Ticket, language: str | None, team: str) -> tuple[str, str]:
    lang = (language or "en").split("-")[0].lower()
    if lang not in TEMPLATES:
        lang = "en"
    subject, body = TEMPLATES[lang]
    first_name = (ticket.requester.name or "").split(" ")[0] if ticket.requester else ""
    greeting_name = first_name or ("there" if lang == "en" else "")
    values = {
        "id": ticket.id,
        "name": greeting_name,
        "subject": ticket.subject,
        "expected": _expected(ticket, lang),
        "team": team,
    }
    return subject.format(**values), body.format(**values).replace("Hallo ,", "Hallo,")
