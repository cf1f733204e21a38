"""German strings of routing and SLA promises on the web pages (merged into the German catalog)."""

from __future__ import annotations

ROUTING_DE: dict[str, str] = {
    "Our team will reply by": "Unser Team antwortet bis",
    "{when} (your time)": "{when} (Ihre Zeit)",
}
