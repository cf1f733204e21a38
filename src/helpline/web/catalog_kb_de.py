"""German strings of the portal's article suggestions (merged into the German catalog)."""

from __future__ import annotations

KB_DE: dict[str, str] = {
    "These articles may answer your question": "Diese Artikel beantworten vielleicht Ihre Frage",
    "Still need help? Send your request below; nothing you typed is lost.": (
        "Brauchen Sie trotzdem Hilfe? Senden Sie Ihre Anfrage unten ab; Ihr Text bleibt erhalten."
    ),
}
