"""German strings of the help center and the agent's KB panel (merged into the German catalog)."""

from __future__ import annotations

HELP_DE: dict[str, str] = {
    "General": "Allgemein",
    "This form has expired. Please try again.": (
        "Dieses Formular ist abgelaufen. Bitte versuchen Sie es erneut."
    ),
    "Please choose Yes or No.": "Bitte wählen Sie Ja oder Nein.",
    "Search the help center": "Hilfe-Center durchsuchen",
    "Search": "Suchen",
    "Help center": "Hilfe-Center",
    "How can we help?": "Wie können wir helfen?",
    "There are no articles in this language yet.": "In dieser Sprache gibt es noch keine Artikel.",
    "Still need help? Contact us": "Noch Fragen? Schreiben Sie uns",
    "Search results": "Suchergebnisse",
    "No articles match “{q}”. Try other words, or contact us.": (
        "Keine Artikel passen zu „{q}“. Versuchen Sie andere Wörter oder schreiben Sie uns."
    ),
    "Breadcrumb": "Brotkrumennavigation",
    "Also in:": "Auch auf:",
    "Was this article helpful?": "War dieser Artikel hilfreich?",
    "Thank you for your feedback.": "Danke für Ihre Rückmeldung.",
    "Your answer": "Ihre Antwort",
    "Yes": "Ja",
    "No": "Nein",
    "What could be better? (optional)": "Was könnte besser sein? (optional)",
    "Send feedback": "Rückmeldung senden",
    "Knowledge base": "Wissensdatenbank",
    "Search articles": "Artikel suchen",
    "Internal": "Intern",
    "Insert link to {title}": "Link zu {title} einfügen",
    "Insert excerpt of {title}": "Auszug aus {title} einfügen",
    "Insert link": "Link einfügen",
    "Insert excerpt": "Auszug einfügen",
    "Internal article: read it, don't send it.": "Interner Artikel: lesen, nicht versenden.",
    "No matching articles.": "Keine passenden Artikel.",
    "Suggested articles": "Vorgeschlagene Artikel",
}
