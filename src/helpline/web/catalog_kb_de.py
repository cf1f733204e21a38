"""German strings of the knowledge base's pages: the portal's article suggestions and the answer bot
on mailboxes (merged into the German catalog)."""

from __future__ import annotations

KB_DE: dict[str, str] = {
    "These articles may answer your question": "Diese Artikel beantworten vielleicht Ihre Frage",
    "Still need help? Send your request below; nothing you typed is lost.": (
        "Brauchen Sie trotzdem Hilfe? Senden Sie Ihre Anfrage unten ab; Ihr Text bleibt erhalten."
    ),
    "Answer new requests from the help center when the answer bot is sure": (
        "Neue Anfragen aus dem Hilfe-Center beantworten, wenn der Antwort-Bot sicher ist"
    ),
    "The customer gets the matching passage and a link to the public article, marked as an automatic "
    "answer. The request stays in the team's queue; the customer's reply tells the bot whether it helped.": (
        "Die Kundin oder der Kunde erhält die passende Stelle und einen Link zum öffentlichen Artikel, "
        "gekennzeichnet als automatische Antwort. Die Anfrage bleibt in der Warteschlange des Teams; die "
        "Antwort der Kundschaft zeigt dem Bot, ob es geholfen hat."
    ),
}
