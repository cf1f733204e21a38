"""German strings of the admin pages for channels and business settings, and of portal sign-in
(merged into the German catalog)."""

from __future__ import annotations

ADMIN_DE: dict[str, str] = {
    # mailboxes
    "Mailboxes": "Postfächer",
    "Addresses": "Adressen",
    "Address": "Adresse",
    "Sender name": "Absendername",
    "Sender name (optional)": "Absendername (optional)",
    "Acknowledgement": "Eingangsbestätigung",
    "State": "Zustand",
    "Sent": "Wird gesendet",
    "Not sent": "Wird nicht gesendet",
    "Disabled": "Deaktiviert",
    "Fetched by IMAP from {host}": "Per IMAP abgeholt von {host}",
    "Edit {name}": "{name} bearbeiten",
    "Disable {name}": "{name} deaktivieren",
    "Enable {name}": "{name} aktivieren",
    "No mailboxes yet.": "Noch keine Postfächer.",
    "Add a mailbox": "Postfach hinzufügen",
    "Email address": "E-Mail-Adresse",
    "Team that receives the mail": "Team, das die E-Mails erhält",
    "Send an acknowledgement for each new request": "Für jede neue Anfrage eine Eingangsbestätigung senden",
    "The acknowledgement gives the ticket number and when to expect a reply.": (
        "Die Eingangsbestätigung nennt die Ticketnummer und wann eine Antwort zu erwarten ist."
    ),
    "Save mailbox": "Postfach speichern",
    "Cancel": "Abbrechen",
    "Mail sent to one of these addresses becomes a ticket in its team's queue. Replies go out from "
    "the team's address.": (
        "E-Mails an eine dieser Adressen werden zu Tickets in der Warteschlange ihres Teams. "
        "Antworten gehen von der Adresse des Teams aus."
    ),
    "Mailbox saved.": "Postfach gespeichert.",
    "Mailbox disabled: mail to it no longer goes to its team.": (
        "Postfach deaktiviert: E-Mails daran gehen nicht mehr an sein Team."
    ),
    "Mailbox enabled.": "Postfach aktiviert.",
    "Give the email address customers write to.": "Geben Sie die Adresse an, an die Kunden schreiben.",
    "Choose one of the listed teams.": "Wählen Sie eines der aufgeführten Teams.",
    # chat widgets
    "Chat widgets": "Chat-Widgets",
    "Widgets": "Widgets",
    "Allowed sites": "Erlaubte Websites",
    "None yet: the chat will not open anywhere": "Noch keine: Der Chat öffnet sich nirgends",
    "Pre-chat form": "Formular vor dem Chat",
    "Email follow-up after": "E-Mail-Nachfassen nach",
    "{n} min": "{n} Min.",
    "Embed code for {name}": "Einbettungscode für {name}",
    "No chat widgets yet.": "Noch keine Chat-Widgets.",
    "Add a chat widget": "Chat-Widget hinzufügen",
    "Sites allowed to show the chat": "Websites, die den Chat zeigen dürfen",
    "One origin per line, like https://www.example.com (no path). * allows any site.": (
        "Ein Origin pro Zeile, etwa https://www.example.com (ohne Pfad). * erlaubt jede Website."
    ),
    "Team that answers": "Team, das antwortet",
    "Minutes without an answer before the chat becomes an email follow-up": (
        "Minuten ohne Antwort, bevor der Chat als E-Mail weitergeführt wird"
    ),
    "Save chat widget": "Chat-Widget speichern",
    "Chat widget saved.": "Chat-Widget gespeichert.",
    "No form: visitors start chatting at once": "Kein Formular: Besucher chatten sofort los",
    "Ask for name and email, visitors may skip it": (
        "Nach Name und E-Mail fragen, Besucher dürfen überspringen"
    ),
    "Ask for name and email before the chat starts": "Vor dem Chat nach Name und E-Mail fragen",
    "Give a whole number of minutes between 0 and 1440.": (
        "Geben Sie eine ganze Zahl von Minuten zwischen 0 und 1440 an."
    ),
    # business hours, holidays, SLA policies
    "Business hours and SLAs": "Geschäftszeiten und SLAs",
    "Business hours": "Geschäftszeiten",
    "Time zone": "Zeitzone",
    "Week": "Woche",
    "Holidays": "Feiertage",
    "closed": "geschlossen",
    "No business hours yet: every team works around the clock (UTC).": (
        "Noch keine Geschäftszeiten: Jedes Team arbeitet rund um die Uhr (UTC)."
    ),
    "Add business hours": "Geschäftszeiten hinzufügen",
    "An IANA time zone, like Europe/Berlin or America/New_York.": (
        "Eine IANA-Zeitzone, etwa Europe/Berlin oder America/New_York."
    ),
    "Opening hours per day": "Öffnungszeiten pro Tag",
    "Like 09:00-17:00, or 09:00-12:00, 13:00-17:00. Leave empty for closed; 24:00 ends a day.": (
        "Etwa 09:00-17:00 oder 09:00-12:00, 13:00-17:00. Leer lassen für geschlossen; 24:00 "
        "beendet einen Tag."
    ),
    "Monday": "Montag",
    "Tuesday": "Dienstag",
    "Wednesday": "Mittwoch",
    "Thursday": "Donnerstag",
    "Friday": "Freitag",
    "Saturday": "Samstag",
    "Sunday": "Sonntag",
    "Holiday calendar": "Feiertagskalender",
    "Save business hours": "Geschäftszeiten speichern",
    "Teams' business hours": "Geschäftszeiten der Teams",
    "Business hours of {team}": "Geschäftszeiten von {team}",
    "Around the clock (UTC)": "Rund um die Uhr (UTC)",
    "Set for {team}": "Für {team} festlegen",
    "Holiday calendars": "Feiertagskalender",
    "every year": "jedes Jahr",
    "No holidays yet.": "Noch keine Feiertage.",
    "Holiday": "Feiertag",
    "First day": "Erster Tag",
    "Last day (optional)": "Letzter Tag (optional)",
    "Every year": "Jedes Jahr",
    "Add to {name}": "Zu {name} hinzufügen",
    "Remove {name} on {date}": "{name} am {date} entfernen",
    "Holiday added.": "Feiertag hinzugefügt.",
    "Holiday removed.": "Feiertag entfernt.",
    "Give the holiday a name.": "Geben Sie dem Feiertag einen Namen.",
    "Give the date like 2026-12-24.": "Geben Sie das Datum wie 2026-12-24 an.",
    "The last day cannot come before the first day.": "Der letzte Tag kann nicht vor dem ersten liegen.",
    "iCalendar file for {name}": "iCalendar-Datei für {name}",
    "Replace the holidays": "Feiertage ersetzen",
    "Import into {name}": "In {name} importieren",
    "No holiday calendars yet.": "Noch keine Feiertagskalender.",
    "Add a holiday calendar": "Feiertagskalender hinzufügen",
    "iCalendar file (optional)": "iCalendar-Datei (optional)",
    "All-day events and yearly repeats are imported; timed events are skipped and listed.": (
        "Ganztägige Termine und jährliche Wiederholungen werden importiert; Termine mit Uhrzeit werden "
        "übersprungen und aufgelistet."
    ),
    "These events were not imported (only all-day dates and yearly repeats are):": (
        "Diese Termine wurden nicht importiert (nur ganztägige Daten und jährliche Wiederholungen):"
    ),
    "Save holiday calendar": "Feiertagskalender speichern",
    "SLA policies": "SLA-Richtlinien",
    "Policies are tried in order; the first whose conditions all match a ticket applies. An empty "
    "condition matches anything.": (
        "Richtlinien werden der Reihe nach geprüft; es gilt die erste, deren Bedingungen alle auf das "
        "Ticket passen. Eine leere Bedingung passt auf alles."
    ),
    "Order": "Reihenfolge",
    "Applies to": "Gilt für",
    "Targets": "Ziele",
    "Off": "Aus",
    "Channel": "Kanal",
    "Tags": "Tags",
    "Customer tier": "Kundenstufe",
    "Every ticket": "Jedes Ticket",
    "the team's": "die des Teams",
    "No SLA policies yet.": "Noch keine SLA-Richtlinien.",
    "Add an SLA policy": "SLA-Richtlinie hinzufügen",
    "Order (lower is tried first)": "Reihenfolge (kleinere wird zuerst geprüft)",
    "In use": "In Gebrauch",
    "Any of these tags": "Eines dieser Tags",
    "Separate several with spaces; leave empty to match any.": (
        "Mehrere durch Leerzeichen trennen; leer lassen, um auf alle zu passen."
    ),
    "First response within (minutes)": "Erste Antwort innerhalb von (Minuten)",
    "Next response within (minutes)": "Nächste Antwort innerhalb von (Minuten)",
    "Resolution within (minutes)": "Lösung innerhalb von (Minuten)",
    "Business minutes; give at least one target. 480 is one 8-hour business day.": (
        "Geschäftsminuten; mindestens ein Ziel angeben. 480 sind ein 8-Stunden-Arbeitstag."
    ),
    "Warn when this share of the time is used (%)": "Warnen, wenn dieser Anteil der Zeit verbraucht ist (%)",
    "Or warn this many minutes before the due time": "Oder so viele Minuten vor der Fälligkeit warnen",
    "Count time in these business hours": "Zeit in diesen Geschäftszeiten zählen",
    "The ticket team's business hours": "Die Geschäftszeiten des Ticket-Teams",
    "Save SLA policy": "SLA-Richtlinie speichern",
    "Business hours saved.": "Geschäftszeiten gespeichert.",
    "Business hours deleted.": "Geschäftszeiten gelöscht.",
    "The team's business hours are set.": "Die Geschäftszeiten des Teams sind festgelegt.",
    "Holiday calendar saved.": "Feiertagskalender gespeichert.",
    "Holiday calendar deleted.": "Feiertagskalender gelöscht.",
    "SLA policy saved.": "SLA-Richtlinie gespeichert.",
    "SLA policy deleted.": "SLA-Richtlinie gelöscht.",
    "Choose one of the listed business hours.": "Wählen Sie eine der aufgeführten Geschäftszeiten.",
    "Choose one of the listed holiday calendars.": "Wählen Sie einen der aufgeführten Feiertagskalender.",
    "Choose an iCalendar (.ics) file to import.": "Wählen Sie eine iCalendar-Datei (.ics) zum Importieren.",
    "The calendar file is larger than 1 MB.": "Die Kalenderdatei ist größer als 1 MB.",
    "The calendar file is not UTF-8 text (an .ics file).": (
        "Die Kalenderdatei ist kein UTF-8-Text (keine .ics-Datei)."
    ),
    "Give the business hours a name.": "Geben Sie den Geschäftszeiten einen Namen.",
    "Give the holiday calendar a name.": "Geben Sie dem Feiertagskalender einen Namen.",
    "Give the policy a name.": "Geben Sie der Richtlinie einen Namen.",
    "Give a time zone like Europe/Berlin.": "Geben Sie eine Zeitzone wie Europe/Berlin an.",
    # canned replies and macros
    "Canned reply updated.": "Textbaustein aktualisiert.",
    "Macro updated.": "Makro aktualisiert.",
    # portal sign-in
    "Sign in to your support requests": "Bei Ihren Support-Anfragen anmelden",
    "Enter the email address you write to us from. We will send you a link that signs you in.": (
        "Geben Sie die E-Mail-Adresse ein, von der Sie uns schreiben. Wir senden Ihnen einen Link, "
        "mit dem Sie sich anmelden."
    ),
    "Email me a sign-in link": "Anmeldelink per E-Mail senden",
    "Nothing arrived? Check your spam folder, or ask again in a few minutes.": (
        "Nichts angekommen? Sehen Sie im Spam-Ordner nach oder fragen Sie in einigen Minuten erneut."
    ),
    "This link signs you in once. Press the button to continue.": (
        "Dieser Link meldet Sie einmal an. Drücken Sie die Schaltfläche, um fortzufahren."
    ),
    "Get a new sign-in link by email": "Neuen Anmeldelink per E-Mail anfordern",
    "If {address} belongs to one of our customers, we have sent a sign-in link to it. It works "
    "once, for {minutes} minutes.": (
        "Falls {address} zu einem unserer Kunden gehört, haben wir einen Anmeldelink dorthin gesendet. "
        "Er funktioniert einmal und {minutes} Minuten lang."
    ),
    "Enter the email address you write to us from.": (
        "Geben Sie die E-Mail-Adresse ein, von der Sie uns schreiben."
    ),
    "Too many sign-in links were asked for. Please wait {minutes} min and try again.": (
        "Es wurden zu viele Anmeldelinks angefordert. Bitte warten Sie {minutes} Min. und "
        "versuchen Sie es erneut."
    ),
    # removing a chat widget
    "Remove {name}": "{name} entfernen",
    "The chat stops opening on these sites at once. Its chats, visitors and tickets are kept.": (
        "Der Chat öffnet sich auf diesen Websites sofort nicht mehr. Seine Chats, Besucher und "
        "Tickets bleiben erhalten."
    ),
    "Tick the box to confirm that the chat should stop working on these sites.": (
        "Kreuzen Sie das Feld an, um zu bestätigen, dass der Chat auf diesen Websites nicht mehr "
        "funktionieren soll."
    ),
    "Chat widget removed: it no longer opens on any site. Its chats and tickets are kept.": (
        "Chat-Widget entfernt: Es öffnet sich auf keiner Website mehr. Seine Chats und Tickets "
        "bleiben erhalten."
    ),
    # IMAP on the mailbox page
    "Fetch mail from an existing mailbox (IMAP, optional)": (
        "E-Mails aus einem bestehenden Postfach abholen (IMAP, optional)"
    ),
    "Helpline checks the folder every minute and files each new message once. Leave the server "
    "empty if mail reaches Helpline's own SMTP server instead.": (
        "Helpline prüft den Ordner jede Minute und legt jede neue Nachricht genau einmal ab. Lassen "
        "Sie den Server leer, wenn die E-Mails stattdessen Helplines eigenen SMTP-Server erreichen."
    ),
    "IMAP server": "IMAP-Server",
    "Port (empty: 993, or 143 without TLS)": "Port (leer: 993, oder 143 ohne TLS)",
    "Connection security": "Verbindungssicherheit",
    "TLS (IMAPS)": "TLS (IMAPS)",
    "STARTTLS": "STARTTLS",
    "None (only on a trusted network)": "Keine (nur in einem vertrauenswürdigen Netz)",
    "Username": "Benutzername",
    "Password (saved encrypted; leave empty to keep it)": (
        "Passwort (verschlüsselt gespeichert; leer lassen, um es zu behalten)"
    ),
    "Folder": "Ordner",
    "Last fetch failed: {error}": "Letzter Abruf fehlgeschlagen: {error}",
    "Last fetched {when}": "Zuletzt abgerufen {when}",
    "Not fetched yet": "Noch nicht abgerufen",
    "Give the port as a number, e.g. 993.": "Geben Sie den Port als Zahl an, z. B. 993.",
    "IMAP polling needs a username and a password": "Der IMAP-Abruf braucht Benutzername und Passwort.",
    "Give a port number between 1 and 65535.": "Geben Sie eine Portnummer zwischen 1 und 65535 an.",
    "Enter the password again to use it with the new server or account.": (
        "Geben Sie das Passwort erneut ein, um es mit dem neuen Server oder Konto zu verwenden."
    ),
}
