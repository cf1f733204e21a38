"""German strings of the copilot in the ticket view and of the live chat alerts (merged into the
German catalog). The fixed explanations of the tone check are here too; findings whose text carries
a value (a word count, a name) stay in English until the assist layer returns message ids."""

from __future__ import annotations

ASSIST_DE: dict[str, str] = {
    # moods of inbound messages
    "Mood": "Stimmung",
    "Strong emotions": "Starke Gefühle",
    "Intent": "Anliegen",
    "because of: {words}": "wegen: {words}",
    "Negative": "Negativ",
    "Neutral": "Neutral",
    "Positive": "Positiv",
    "Anger": "Ärger",
    "Frustration": "Frust",
    "Confusion": "Verwirrung",
    "Anxiety": "Sorge",
    "Gratitude": "Dankbarkeit",
    "Urgency": "Dringlichkeit",
    "English": "Englisch",
    "German": "Deutsch",
    "French": "Französisch",
    "Spanish": "Spanisch",
    "Dutch": "Niederländisch",
    "Italian": "Italienisch",
    "Portuguese": "Portugiesisch",
    "Swedish": "Schwedisch",
    # the customer's trend
    "Frustrated": "Frustriert",
    "Show the customer's mood and sentiment trend": "Stimmung und Stimmungsverlauf anzeigen",
    "Frustrated customer": "Frustrierter Kunde",
    "Their latest message was angry or frustrated.": "Die letzte Nachricht war verärgert oder frustriert.",
    "Latest message": "Letzte Nachricht",
    "Sentiment trend": "Stimmungsverlauf",
    "Average mood per day over the last {days} days, from -1 (negative) to +1 (positive)": (
        "Durchschnittliche Stimmung pro Tag in den letzten {days} Tagen, von -1 (negativ) bis +1 (positiv)"
    ),
    "Last {days} days. Messages: {messages}, negative: {negative}, average: {average}.": (
        "Letzte {days} Tage. Nachrichten: {messages}, negativ: {negative}, Durchschnitt: {average}."
    ),
    "Getting better": "Wird besser",
    "Getting worse": "Wird schlechter",
    "Steady": "Gleichbleibend",
    "Show the days": "Tage anzeigen",
    "Day": "Tag",
    "Average": "Durchschnitt",
    "Messages": "Nachrichten",
    "No mood readings for this customer yet.": "Für diese Person gibt es noch keine Stimmungswerte.",
    # drafts
    "Draft reply": "Antwort entwerfen",
    "The copilot writes a draft into the message box; you edit and send it.": (
        "Der Copilot schreibt einen Entwurf in das Nachrichtenfeld; Sie bearbeiten und senden ihn."
    ),
    "A draft is in the message box. Read and edit it before you send; nothing has been sent.": (
        "Ein Entwurf steht im Nachrichtenfeld. Lesen und bearbeiten Sie ihn vor dem Senden; "
        "nichts wurde gesendet."
    ),
    "It acknowledges the customer's own words:": "Er greift die eigenen Worte des Kunden auf:",
    "Answer taken from:": "Antwort aus:",
    "No article answers this with confidence, so the draft asks a clarifying question.": (
        "Kein Artikel beantwortet das sicher, deshalb stellt der Entwurf eine Rückfrage."
    ),
    "Undo the draft": "Entwurf rückgängig machen",
    # tone check
    "Check tone": "Ton prüfen",
    "Tone check": "Tonprüfung",
    "Tone check: nothing to change.": "Tonprüfung: nichts zu ändern.",
    "Tone check: 1 thing to look at.": "Tonprüfung: 1 Punkt zum Ansehen.",
    "Tone check: {n} things to look at.": "Tonprüfung: {n} Punkte zum Ansehen.",
    "The tone looks good: kind, clear and with a next step.": (
        "Der Ton passt: freundlich, klar und mit einem nächsten Schritt."
    ),
    "{words} words per sentence, reading grade {grade}.": "{words} Wörter pro Satz, Lesestufe {grade}.",
    "Write a reply and its tone is checked as you type. The check never stops you from sending.": (
        "Schreiben Sie eine Antwort; ihr Ton wird beim Tippen geprüft. Die Prüfung hält Sie nie vom "
        "Senden ab."
    ),
    "Internal notes are for the team, so they are not tone-checked.": (
        "Interne Notizen sind für das Team; ihr Ton wird nicht geprüft."
    ),
    "The message is too long to check (over 50,000 characters).": (
        "Die Nachricht ist zu lang für die Prüfung (über 50.000 Zeichen)."
    ),
    "Blame": "Schuldzuweisung",
    "Dismissive": "Abwertend",
    "Jargon": "Fachjargon",
    "Capitals": "Großbuchstaben",
    "Greeting": "Begrüßung",
    "Next step": "Nächster Schritt",
    "Long sentence": "Langer Satz",
    "Readability": "Lesbarkeit",
    "Negative framing": "Negative Formulierung",
    "This puts the blame on the customer.": "Das schiebt dem Kunden die Schuld zu.",
    'Describe the situation, not their mistake: "Here is how to …" / "The next time, you can …".': (
        "Beschreiben Sie die Lage, nicht den Fehler: „So geht es: …“ / „Beim nächsten Mal können Sie …“."
    ),
    "This can sound dismissive or condescending.": "Das kann abweisend oder herablassend klingen.",
    "Acknowledge and explain again kindly, without pointing out that you did already.": (
        "Gehen Sie darauf ein und erklären Sie es freundlich noch einmal, ohne zu betonen, dass Sie es "
        "schon getan haben."
    ),
    "Words in capitals read as shouting.": "Wörter in Großbuchstaben wirken wie Schreien.",
    "Describe what it means for the customer.": "Beschreiben Sie, was es für den Kunden bedeutet.",
    "The reply does not open with a greeting.": "Die Antwort beginnt nicht mit einer Begrüßung.",
    "The reply does not say what happens next or when.": (
        "Die Antwort sagt nicht, was als Nächstes passiert oder wann."
    ),
    "Add the next step and a time, e.g. \"I'll check with our warehouse and update you by tomorrow at "
    '5 pm."': (
        "Nennen Sie den nächsten Schritt und eine Zeit, z. B. „Ich frage bei unserem Lager nach und melde "
        "mich bis morgen um 17 Uhr.“"
    ),
    "Split it into two or three short sentences, one idea each.": (
        "Teilen Sie ihn in zwei oder drei kurze Sätze mit je einem Gedanken."
    ),
    "Use shorter sentences and everyday words.": "Verwenden Sie kürzere Sätze und Alltagswörter.",
    "Negative framing puts the limit first and reads as a refusal.": (
        "Negative Formulierungen stellen die Grenze voran und wirken wie eine Absage."
    ),
    'Lead with what you can do: "What we can do is …" or "We can … once …".': (
        "Beginnen Sie mit dem, was geht: „Was wir tun können, ist …“ oder „Wir können …, sobald …“."
    ),
    'Say what is possible instead: "We can …" / "Here\'s what I can do: …".': (
        "Sagen Sie, was möglich ist: „Wir können …“ / „Das kann ich tun: …“."
    ),
    'Say what you can do: "What I can do is …".': "Sagen Sie, was Sie tun können: „Was ich tun kann, ist …“.",
    'Start with the solution or the option that remains; drop "unfortunately".': (
        "Beginnen Sie mit der Lösung oder der verbleibenden Möglichkeit; lassen Sie „leider“ weg."
    ),
    'Say what is possible: "You can …".': "Sagen Sie, was möglich ist: „Sie können …“.",
    'Say it positively: "Feel free to …".': "Positiv formulieren: „Melden Sie sich gern …“.",
    'Say it positively: "Happy to help" or "Of course".': (
        "Positiv formulieren: „Gern geschehen“ oder „Natürlich“."
    ),
    'Say when or how they can: "You\'ll be able to … once …".': (
        "Sagen Sie, wann oder wie es geht: „Sie können …, sobald …“."
    ),
    # summaries
    "Summary of this conversation ({n} messages)": "Zusammenfassung dieses Gesprächs ({n} Nachrichten)",
    "Show the summary": "Zusammenfassung anzeigen",
    "Nothing to summarise yet.": "Noch nichts zusammenzufassen.",
    "Agent": "Agent",
    "System": "System",
    " (internal note)": " (interne Notiz)",
    # live chat
    "The visitor is typing…": "Der Besucher schreibt …",
    "New chat message from the visitor.": "Neue Chat-Nachricht vom Besucher.",
    "Chat sound": "Chat-Ton",
    "New chat: {subject}": "Neuer Chat: {subject}",
    "New chat message: {subject}": "Neue Chat-Nachricht: {subject}",
    "Dismiss": "Ausblenden",
}
