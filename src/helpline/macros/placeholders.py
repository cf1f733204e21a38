"""Safe placeholders: plain substitution of a fixed whitelist, never template execution.

``{{customer.first_name}}`` and friends are replaced by values the system knows; anything else in
double braces stays exactly as typed and is reported, so the agent sees it before sending. User
text is never evaluated: there are no expressions, filters, attribute lookups or loops.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from helpline.accounts.models import User
from helpline.customers.models import Customer
from helpline.tickets.models import Ticket

PLACEHOLDERS = (
    "customer.first_name",
    "customer.name",
    "agent.first_name",
    "ticket.id",
    "ticket.subject",
)
_PATTERN = re.compile(r"\{\{\s*([^{}]{1,60}?)\s*\}\}")


@dataclass
class Filled:
    text: str
    unknown: list[str] = field(default_factory=list)


def _first(name: str | None) -> str:
    return (name or "").strip().split(" ")[0] if (name or "").strip() else ""


def values_for(ticket: Ticket | None, customer: Customer | None, agent: User | None) -> dict[str, str]:
    values = {
        "customer.first_name": _first(customer.name if customer else ""),
        "customer.name": (customer.name or "") if customer else "",
        "agent.first_name": _first(agent.name if agent else ""),
        "ticket.id": str(ticket.id) if ticket else "",
        "ticket.subject": ticket.subject if ticket else "",
    }
    return values


def fill(body: str, values: dict[str, str]) -> Filled:
    """Replace the known placeholders; leave unknown ones visible and list them (once each)."""
    unknown: list[str] = []

    def swap(match: re.Match[str]) -> str:
        key = match.group(1).strip()
        if key in PLACEHOLDERS:
            return values.get(key, "")
        if match.group(0) not in unknown:
            unknown.append(match.group(0))
        return match.group(0)

    return Filled(_PATTERN.sub(swap, body), unknown)


def unknown_in(body: str) -> list[str]:
    """The placeholders of a text that would not be filled (checked when a text is saved)."""
    return fill(body, {}).unknown
