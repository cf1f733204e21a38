"""The instant acknowledgement: ticket reference, honest expected reply time, what happens next."""

from __future__ import annotations

from helpline.tickets.models import Ticket

# Until SLA policies exist, expected first-response times per priority, in plain words.
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
        "expected": EXPECTED[lang][ticket.priority],
        "team": team,
    }
    return subject.format(**values), body.format(**values).replace("Hallo ,", "Hallo,")
