"""The portal's promise: when the customer can expect the team's answer, from the ticket's SLA.

The page says it in the business hours' time zone ("Tuesday 1 December, 10:00 (Europe/Berlin)"),
and the browser rewrites it into the customer's own time (``time[data-local-time]`` in
``helpline.js``: "Tuesday 1 December, 10:00 (your time)").
"""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.orm import Session

from helpline.email.acknowledge import DAYS, MONTHS
from helpline.sla.queries import expected_reply
from helpline.tickets.models import Ticket
from helpline.web.i18n import current_language


def reply_by(session: Session, ticket: Ticket) -> dict[str, str] | None:
    """``{"at": ISO instant, "text": local business time}``, or ``None`` without a running SLA."""
    expected = expected_reply(session, ticket)
    if expected is None:
        return None
    zone_name = expected.timezone
    try:
        local = expected.due_at.astimezone(ZoneInfo(zone_name))
    except (ZoneInfoNotFoundError, ValueError):
        zone_name, local = "UTC", expected.due_at
    lang = current_language() if current_language() in DAYS else "en"
    day, month = DAYS[lang][local.weekday()], MONTHS[lang][local.month - 1]
    if lang == "de":
        text = f"{day}, {local.day}. {month}, {local:%H:%M} Uhr ({zone_name})"
    else:
        text = f"{day} {local.day} {month}, {local:%H:%M} ({zone_name})"
    return {"at": expected.due_at.isoformat(), "text": text}
