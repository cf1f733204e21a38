"""German UI strings (English message id → German). Missing entries fall back to English."""

from __future__ import annotations

DE: dict[str, str] = {
    # statuses and priorities
    "status:new": "Neu",
    "status:open": "Offen",
    "status:pending": "Wartend",
    "status:on-hold": "Zurückgestellt",
    "status:solved": "Gelöst",
    "status:closed": "Geschlossen",
    "priority:low": "Niedrig",
    "priority:normal": "Normal",
    "priority:high": "Hoch",
    "priority:urgent": "Dringend",
    # layout
    "Skip to main content": "Zum Hauptinhalt springen",
    "Workspace": "Arbeitsbereich",
    "Inbox": "Posteingang",
    "Search tickets": "Tickets durchsuchen",
    "Search": "Suchen",
    "Signed in as {name}": "Angemeldet als {name}",
    "Shortcuts": "Tastenkürzel",
    "Sign out": "Abmelden",
    "Support": "Support",
    "Portal": "Portal",
    "My requests": "Meine Anfragen",
    "New request": "Neue Anfrage",
    "Language": "Sprache",
    "Keyboard shortcuts": "Tastenkürzel",
    "Next ticket": "Nächstes Ticket",
    "Previous ticket": "Vorheriges Ticket",
    "Open the selected ticket": "Ausgewähltes Ticket öffnen",
    "Write a public reply": "Öffentliche Antwort schreiben",
    "Write an internal note": "Interne Notiz schreiben",
    "Assign the ticket to me": "Ticket mir zuweisen",
    "Solve the ticket": "Ticket lösen",
    "Show this help": "Diese Hilfe anzeigen",
    "Close this help or leave the text box": "Hilfe schließen oder Textfeld verlassen",
    "Close": "Schließen",
    # sign-in
    "Sign in": "Anmelden",
    "Sign in to Helpline": "Bei Helpline anmelden",
    "Email": "E-Mail",
    "Password": "Passwort",
    "You have signed out.": "Sie haben sich abgemeldet.",
    "Wrong email or password.": "E-Mail oder Passwort ist falsch.",
    "Enter your email and password.": "Bitte E-Mail und Passwort eingeben.",
    "This sign-in form has expired. Please sign in again.": (
        "Dieses Anmeldeformular ist abgelaufen. Bitte melden Sie sich erneut an."
    ),
    "Too many failed sign-ins. For your safety, sign-in is paused for {minutes} min.": (
        "Zu viele fehlgeschlagene Anmeldungen. Zu Ihrer Sicherheit ist die Anmeldung "
        "für {minutes} Min. gesperrt."
    ),
    # errors
    "Form expired": "Formular abgelaufen",
    "This form could not be verified (it may be older than your current sign-in, or it was sent from "
    "another site). Nothing was saved. Reload the page and send it again.": (
        "Dieses Formular konnte nicht überprüft werden (es ist älter als Ihre aktuelle Anmeldung oder "
        "wurde von einer anderen Website gesendet). Es wurde nichts gespeichert. Laden Sie die Seite neu "
        "und senden Sie es erneut."
    ),
    "Your text, so that nothing is lost:": "Ihr Text, damit nichts verloren geht:",
    "Back to the start page": "Zurück zur Startseite",
    "Too many attempts": "Zu viele Versuche",
    "Please wait {n} seconds and try again.": "Bitte warten Sie {n} Sekunden und versuchen Sie es erneut.",
    "Please sign in": "Bitte anmelden",
    "Not allowed": "Nicht erlaubt",
    "Not found": "Nicht gefunden",
    "Conflict": "Konflikt",
    "Please check your input": "Bitte prüfen Sie Ihre Eingabe",
    "Something went wrong": "Etwas ist schiefgegangen",
    "This page does not exist or is not yours to see.": (
        "Diese Seite gibt es nicht, oder Sie dürfen sie nicht sehen."
    ),
    "The address or form is incomplete.": "Die Adresse oder das Formular ist unvollständig.",
    "Something went wrong on our side; nothing was saved. Please try again.": (
        "Bei uns ist etwas schiefgegangen; es wurde nichts gespeichert. Bitte versuchen Sie es erneut."
    ),
    # inbox
    "Views": "Ansichten",
    "My tickets": "Meine Tickets",
    "Unassigned": "Nicht zugewiesen",
    "My teams": "Meine Teams",
    "All open": "Alle offenen",
    "Pending": "Wartend",
    "Recently solved": "Kürzlich gelöst",
    "Priority": "Priorität",
    "Waiting longest": "Am längsten wartend",
    "Newest": "Neueste",
    "Recently updated": "Zuletzt geändert",
    "SLA due first": "SLA-Frist zuerst",
    "The answer bot replies first": "Der Antwort-Bot antwortet zuerst",
    "It answers from public help articles with a link to the source, and hands the chat to a person "
    "when it is not sure or the visitor asks for one.": (
        "Er antwortet aus öffentlichen Hilfeartikeln mit einem Link zur Quelle und übergibt den Chat an "
        "einen Menschen, wenn er unsicher ist oder der Besucher danach fragt."
    ),
    "Answer bot": "Antwort-Bot",
    "On": "An",
    "Upset customers waiting": "Verärgerte Kunden warten",
    "Customer's mood": "Stimmung des Kunden",
    "Frustrated or angry": "Frustriert oder verärgert",
    "Negative": "Negativ",
    "Intent": "Anliegen",
    "The topic the assistant detected, e.g. refund.": "Das vom Assistenten erkannte Thema, z. B. refund.",
    "sla:first_response": "Erste Antwort",
    "sla:next_response": "Nächste Antwort",
    "sla:resolution": "Lösung",
    "Breached": "Verletzt",
    "Met": "Eingehalten",
    "Met late": "Verspätet eingehalten",
    "Paused": "Pausiert",
    "{n} min left": "noch {n} Min.",
    "Clocks paused while the ticket waits on the customer.": (
        "Die Uhren ruhen, solange das Ticket auf den Kunden wartet."
    ),
    "SLA": "SLA",
    "{n} min": "{n} Min.",
    "{n} h": "{n} Std.",
    "{n} d": "{n} Tg.",
    "due in {amount}": "fällig in {amount}",
    "overdue by {amount}": "{amount} überfällig",
    "{n} tickets": "{n} Tickets",
    "Search results for “{q}”": "Suchergebnisse für „{q}“",
    "Sort by": "Sortieren nach",
    "Apply": "Anwenden",
    "{n} tickets found": "{n} Tickets gefunden",
    "More than {n} tickets found": "Mehr als {n} Tickets gefunden",
    "Tickets": "Tickets",
    "Subject": "Betreff",
    "Customer": "Kunde",
    "Status": "Status",
    "Assignee": "Bearbeiter",
    "Waiting": "Wartet seit",
    "Unknown": "Unbekannt",
    "No tickets here. Nicely done.": "Hier sind keine Tickets. Gut gemacht.",
    "No ticket matches your search.": "Kein Ticket passt zu Ihrer Suche.",
    "Pages": "Seiten",
    "New activity in your tickets.": "Neue Aktivität in Ihren Tickets.",
    "Refresh the list": "Liste aktualisieren",
    "With the selected tickets": "Mit den ausgewählten Tickets",
    "Choose an action": "Aktion wählen",
    "Set status": "Status setzen",
    "Set priority": "Priorität setzen",
    "Add a tag": "Schlagwort hinzufügen",
    "Tag": "Schlagwort",
    "Apply to selected": "Auf Auswahl anwenden",
    "Select with the checkboxes or the x key.": "Mit den Kontrollkästchen oder der Taste x auswählen.",
    "Select": "Auswählen",
    "Select ticket #{id}": "Ticket #{id} auswählen",
    "Select the ticket for a bulk action": "Ticket für eine Sammelaktion auswählen",
    "Updated {n} tickets.": "{n} Tickets aktualisiert.",
    "Select at least one ticket first.": "Wählen Sie zuerst mindestens ein Ticket aus.",
    "Choose what to do with the selected tickets.": (
        "Wählen Sie, was mit den ausgewählten Tickets geschehen soll."
    ),
    "Previous page": "Vorherige Seite",
    "Next page": "Nächste Seite",
    "Page {n}": "Seite {n}",
    "Give at least one word to search for.": "Geben Sie mindestens ein Suchwort ein.",
    "just now": "gerade eben",
    "{n} min ago": "vor {n} Min.",
    "{n} h ago": "vor {n} Std.",
    "{n} d ago": "vor {n} T.",
    # ticket
    "Owner": "Zuständig",
    "Team": "Team",
    "None": "Keins",
    "Merged into": "Zusammengeführt in",
    "Conversation": "Verlauf",
    "Internal note": "Interne Notiz",
    "(not visible to the customer)": "(für den Kunden nicht sichtbar)",
    "via {channel}": "über {channel}",
    "Show the quoted text": "Zitierten Text anzeigen",
    "Attachments": "Anhänge",
    "Attach files (optional)": "Dateien anhängen (optional)",
    "Reply or add a note": "Antworten oder Notiz hinzufügen",
    "Send as": "Senden als",
    "Public reply to the customer": "Öffentliche Antwort an den Kunden",
    "Internal note (team only)": "Interne Notiz (nur für das Team)",
    "Message": "Nachricht",
    "Then set status to": "Danach Status setzen auf",
    "(leave unchanged)": "(unverändert lassen)",
    "Send": "Senden",
    "Ticket details and customer": "Ticketdetails und Kunde",
    "Quick actions": "Schnellaktionen",
    "Assign to me": "Mir zuweisen",
    "Solve": "Lösen",
    "Ticket fields": "Ticketfelder",
    "Tags": "Schlagwörter",
    "Separate tags with spaces.": "Schlagwörter mit Leerzeichen trennen.",
    "Save fields": "Felder speichern",
    "Reach them at": "Erreichbar unter",
    "Organization": "Organisation",
    "Tier": "Stufe",
    "Notes": "Notizen",
    "Past tickets": "Frühere Tickets",
    "This is their first ticket.": "Dies ist das erste Ticket.",
    "Reply sent.": "Antwort gesendet.",
    "Internal note added.": "Interne Notiz hinzugefügt.",
    "Ticket updated.": "Ticket aktualisiert.",
    "Assigned to you.": "Ihnen zugewiesen.",
    "Ticket solved.": "Ticket gelöst.",
    "Write a message before sending.": "Schreiben Sie eine Nachricht, bevor Sie senden.",
    "{names} wrote on this ticket while you were writing. Read it above, then send again.": (
        "{names} hat in diesem Ticket geschrieben, während Sie geschrieben haben. Lesen Sie es oben "
        "und senden Sie dann erneut."
    ),
    "{name} is viewing this ticket": "{name} sieht sich dieses Ticket an",
    "{name} is typing on this ticket": "{name} schreibt gerade in diesem Ticket",
    # lifecycle events
    "A former colleague": "Ein ehemaliges Teammitglied",
    "The customer": "Der Kunde",
    "Ticket created via {channel}": "Ticket erstellt über {channel}",
    "{who} assigned the ticket to {name}": "{who} hat das Ticket {name} zugewiesen",
    "{who} removed the assignee": "{who} hat die Zuweisung entfernt",
    "{who} changed the status from {old} to {new}": "{who} hat den Status von {old} auf {new} geändert",
    "Reopened by the customer's reply": "Durch die Antwort des Kunden wieder geöffnet",
    "{who} changed the priority from {old} to {new}": "{who} hat die Priorität von {old} auf {new} geändert",
    "{who} moved the ticket to team {team}": "{who} hat das Ticket an das Team {team} übergeben",
    "{who} set the tags to {tags}": "{who} hat die Schlagwörter auf {tags} gesetzt",
    "{who} changed the subject": "{who} hat den Betreff geändert",
    "Ticket #{id} was merged into this one": "Ticket #{id} wurde mit diesem zusammengeführt",
    "Merged into ticket #{id}": "Mit Ticket #{id} zusammengeführt",
    "Reopened by your reply": "Durch Ihre Antwort wieder geöffnet",
    "Status changed to “{status}”": "Status geändert auf „{status}“",
    # admin
    "role:agent": "Agent",
    "role:admin": "Admin",
    "access:teams": "Tickets der eigenen Teams",
    "access:own": "Nur eigene Tickets",
    "access:all": "Alle Tickets",
    "Admin": "Verwaltung",
    "Administration": "Verwaltung",
    "New API token": "Neues API-Token",
    "Agents and admins": "Agenten und Admins",
    "Name": "Name",
    "Role": "Rolle",
    "Sees": "Sieht",
    "Teams": "Teams",
    "Account": "Konto",
    "Active": "Aktiv",
    "Deactivated": "Deaktiviert",
    "Deactivate {name}": "{name} deaktivieren",
    "Reactivate {name}": "{name} reaktivieren",
    "Add a person": "Person hinzufügen",
    "Password (at least 10 characters; leave empty to set it later)": (
        "Passwort (mindestens 10 Zeichen; leer lassen, um es später zu setzen)"
    ),
    "Add person": "Person hinzufügen",
    "Remove {name} from {team}": "{name} aus {team} entfernen",
    "No members yet.": "Noch keine Mitglieder.",
    "Add to {team}": "Zu {team} hinzufügen",
    "Add": "Hinzufügen",
    "Create a team": "Team anlegen",
    "Description (optional)": "Beschreibung (optional)",
    "Create team": "Team anlegen",
    "API tokens": "API-Tokens",
    "Starts with": "Beginnt mit",
    "For": "Für",
    "Last used": "Zuletzt benutzt",
    "Actions": "Aktionen",
    "Customer #{id}": "Kunde #{id}",
    "Never": "Nie",
    "Revoke token {prefix}": "Token {prefix} widerrufen",
    "No API tokens.": "Keine API-Tokens.",
    "Token name": "Name des Tokens",
    "Create a token for me": "Token für mich erstellen",
    "Account created.": "Konto angelegt.",
    "Account updated.": "Konto geändert.",
    "Team created.": "Team angelegt.",
    "Team membership changed.": "Teammitgliedschaft geändert.",
    "Token revoked.": "Token widerrufen.",
    "Token created. Copy it now: it is shown once.": (
        "Token erstellt. Kopieren Sie es jetzt: Es wird nur einmal angezeigt."
    ),
    "Only admins can open the admin pages.": "Nur Admins können die Verwaltung öffnen.",
    "Give the person's name.": "Geben Sie den Namen der Person an.",
    "Give the team a name.": "Geben Sie dem Team einen Namen.",
    "You cannot deactivate your own account.": "Sie können Ihr eigenes Konto nicht deaktivieren.",
    # portal
    "Hello {name}": "Hallo {name}",
    "Your support requests": "Ihre Support-Anfragen",
    "Submit a new request": "Neue Anfrage stellen",
    "Request #{id}": "Anfrage #{id}",
    "updated {ago}": "aktualisiert {ago}",
    "Handled by {name}": "Bearbeitet von {name}",
    "Not yet assigned": "Noch nicht zugewiesen",
    "You have no requests yet.": "Sie haben noch keine Anfragen.",
    "← All my requests": "← Alle meine Anfragen",
    "Request": "Anfrage",
    "Handled by": "Bearbeitet von",
    "Not yet assigned; the next available person will take it.": (
        "Noch nicht zugewiesen; die nächste freie Person übernimmt."
    ),
    "Next step": "Nächster Schritt",
    "Reply": "Antworten",
    "Your message": "Ihre Nachricht",
    "Send reply": "Antwort senden",
    "How can we help?": "Wie können wir helfen?",
    "A few words, for example “Parcel not delivered”.": (
        "Ein paar Worte, zum Beispiel „Paket nicht geliefert“."
    ),
    "Send request": "Anfrage senden",
    "Describe what you need help with.": "Beschreiben Sie, wobei Sie Hilfe brauchen.",
    "Keep the subject under 250 characters.": "Der Betreff darf höchstens 250 Zeichen lang sein.",
    "Thank you, your message was sent.": "Vielen Dank, Ihre Nachricht wurde gesendet.",
    "This link is not valid or has expired.": "Dieser Link ist ungültig oder abgelaufen.",
    "Open the link from the latest email we sent you, or reply to that email and we will send a new one.": (
        "Öffnen Sie den Link aus unserer letzten E-Mail an Sie, oder antworten Sie auf diese E-Mail, "
        "dann senden wir Ihnen einen neuen."
    ),
    "You have signed out of the support portal.": "Sie haben sich vom Support-Portal abgemeldet.",
    "Received": "Eingegangen",
    "In progress": "In Bearbeitung",
    "Waiting for your reply": "Wartet auf Ihre Antwort",
    "On hold": "Zurückgestellt",
    "Solved": "Gelöst",
    "Closed": "Geschlossen",
    "Our team will reply {expected}.": "Unser Team antwortet {expected}.",
    "We are waiting for your answer; reply below.": "Wir warten auf Ihre Antwort; antworten Sie unten.",
    "We are waiting on a third party and will update you.": (
        "Wir warten auf einen Dritten und melden uns bei Ihnen."
    ),
    "If something is still not right, reply below and we will reopen it.": (
        "Wenn noch etwas nicht stimmt, antworten Sie unten, und wir öffnen die Anfrage wieder."
    ),
    "This request is closed; a reply below opens a new one.": (
        "Diese Anfrage ist geschlossen; eine Antwort unten eröffnet eine neue."
    ),
    "within 1 hour": "innerhalb von 1 Stunde",
    "within 4 hours": "innerhalb von 4 Stunden",
    "within 1 business day": "innerhalb von 1 Werktag",
    "within 2 business days": "innerhalb von 2 Werktagen",
    # canned replies, macros, saved views, portal actions
    "A view lists the tickets that match every filter you set; you can share it with a team.": (
        "Eine Ansicht zeigt die Tickets, die alle gesetzten Filter erfüllen. Behalten Sie sie für sich "
        "oder teilen Sie sie mit einem Team."
    ),
    "Each person sees the tickets of a shared view that they may open; “Me” means whoever is looking.": (
        "In einer geteilten Ansicht sieht jede Person die Tickets, die sie öffnen darf; „Ich“ ist, "
        "wer gerade hinschaut."
    ),
    "Everyone in {team}": "Alle in {team}",
    "Only me": "Nur ich",
    "A team can share at most 30 views; delete one first.": (
        "Ein Team kann höchstens 30 Ansichten teilen; löschen Sie zuerst eine."
    ),
    "Team views": "Team-Ansichten",
    "Who sees this view": "Wer diese Ansicht sieht",
    "You can share a view only with a team you belong to.": (
        "Sie können eine Ansicht nur mit einem Team teilen, zu dem Sie gehören."
    ),
    "Only the agent who made a shared view, or an admin, can delete it.": (
        "Nur wer eine geteilte Ansicht angelegt hat oder ein Admin kann sie löschen."
    ),
    "Add a canned reply": "Textbaustein hinzufügen",
    "Add a macro": "Makro hinzufügen",
    "Add tags": "Tags hinzufügen",
    "Any": "Beliebig",
    "Anything else in double braces is left as typed.": (
        "Alles andere in doppelten geschweiften Klammern bleibt unverändert."
    ),
    "Apply macro: {title}": "Makro anwenden: {title}",
    "Ask to escalate": "Eskalation anfordern",
    "Back to administration": "Zurück zur Verwaltung",
    "Back to the inbox": "Zurück zum Posteingang",
    "Canned replies": "Textbausteine",
    "Canned replies and macros": "Textbausteine und Makros",
    "Canned reply": "Textbaustein",
    "Changes": "Änderungen",
    "Channel": "Kanal",
    "Close this request": "Diese Anfrage schließen",
    "Create one": "Eines anlegen",
    "Delete view {name}": "Ansicht {name} löschen",
    "Delete {title}": "{title} löschen",
    "Everyone": "Alle",
    "Everyone (all teams)": "Alle (alle Teams)",
    "Insert into message": "In die Nachricht einfügen",
    "Is your problem solved? Close the request; a reply later reopens it.": (
        "Ist Ihr Problem gelöst? Schließen Sie die Anfrage; eine spätere Antwort öffnet sie wieder."
    ),
    "Macro applied.": "Makro angewendet.",
    "Macros": "Makros",
    "Me": "Ich",
    "Merge into the oldest selected ticket": "In das älteste ausgewählte Ticket zusammenführen",
    "My views": "Meine Ansichten",
    "New view": "Neue Ansicht",
    "New view…": "Neue Ansicht …",
    "No canned replies yet.": "Noch keine Textbausteine.",
    "No macros yet.": "Noch keine Makros.",
    "Not happy with how this is going? Tell us why (optional)": (
        "Nicht zufrieden mit dem Verlauf? Sagen Sie uns, warum (optional)"
    ),
    "Post the text as": "Text senden als",
    "Posts": "Sendet",
    "Public reply": "Öffentliche Antwort",
    "Remove tags": "Tags entfernen",
    "Save canned reply": "Textbaustein speichern",
    "Save macro": "Makro speichern",
    "Save view": "Ansicht speichern",
    "Set assignee": "Bearbeiter setzen",
    "Set team": "Team setzen",
    "Something else?": "Noch etwas?",
    "Status (any if none is ticked)": "Status (beliebig, wenn keiner angekreuzt ist)",
    "Text": "Text",
    "Text to post (optional)": "Zu sendender Text (optional)",
    "The customer asked to escalate this request": "Der Kunde hat die Eskalation dieser Anfrage angefordert",
    "The selected tickets were merged into this one.": (
        "Die ausgewählten Tickets wurden in dieses zusammengeführt."
    ),
    "Title": "Titel",
    "Unknown placeholders were left as typed: {names}. Edit them before sending.": (
        "Unbekannte Platzhalter wurden unverändert gelassen: {names}. Bearbeiten Sie sie vor dem Senden."
    ),
    "Who may use it": "Wer es verwenden darf",
    "Whoever applies the macro": "Wer das Makro anwendet",
    "Words in the conversation": "Wörter in der Unterhaltung",
    "A team lead accepted your request to escalate this. It is now with a more senior team.": (
        "Eine Teamleitung hat Ihrer Bitte um Eskalation zugestimmt. Ihr Anliegen liegt jetzt bei einem "
        "erfahreneren Team."
    ),
    "A team lead looked at your request to escalate this and kept it with the current team, who will "
    "go on helping you.": (
        "Eine Teamleitung hat Ihre Bitte um Eskalation geprüft und das Anliegen beim bisherigen Team "
        "gelassen, das Ihnen weiter hilft."
    ),
    "You asked to escalate this request. A team lead will look at it.": (
        "Sie haben die Eskalation dieser Anfrage angefordert. Eine Teamleitung sieht sie sich an."
    ),
    "whoever applies it": "wer es anwendet",
    "Placeholders filled for each ticket:": "Platzhalter, die für jedes Ticket ausgefüllt werden:",
    "Canned reply saved.": "Textbaustein gespeichert.",
    "Canned reply deleted.": "Textbaustein gelöscht.",
    "Macro saved.": "Makro gespeichert.",
    "Macro deleted.": "Makro gelöscht.",
    "Choose a macro first.": "Wählen Sie zuerst ein Makro.",
    "Give it a title.": "Geben Sie einen Titel an.",
    "Write the text.": "Schreiben Sie den Text.",
    "A macro needs a reply, a note or at least one field change.": (
        "Ein Makro braucht eine Antwort, eine Notiz oder mindestens eine Feldänderung."
    ),
    "Give the view a name.": "Geben Sie der Ansicht einen Namen.",
    "This view no longer exists.": "Diese Ansicht gibt es nicht mehr.",
    "Select at least two tickets to merge.": "Wählen Sie mindestens zwei Tickets zum Zusammenführen.",
    "Your request is closed. Thank you for letting us know.": (
        "Ihre Anfrage ist geschlossen. Danke für Ihre Rückmeldung."
    ),
    "Thank you. A team lead will look at your request.": (
        "Danke. Eine Teamleitung sieht sich Ihre Anfrage an."
    ),
    "channel:email": "E-Mail",
    "channel:chat": "Chat",
    "channel:web": "Web",
    "channel:api": "API",
    "channel:phone": "Telefon",
    "channel:sms": "SMS",
    "channel:social": "Soziale Medien",
}

EN: dict[str, str] = {
    "status:new": "New",
    "status:open": "Open",
    "status:pending": "Pending",
    "status:on-hold": "On hold",
    "status:solved": "Solved",
    "status:closed": "Closed",
    "priority:low": "Low",
    "priority:normal": "Normal",
    "priority:high": "High",
    "priority:urgent": "Urgent",
    "channel:email": "Email",
    "channel:chat": "Chat",
    "channel:web": "Web form",
    "channel:api": "API",
    "channel:phone": "Phone",
    "channel:sms": "SMS",
    "channel:social": "Social",
    "sla:first_response": "First response",
    "sla:next_response": "Next response",
    "sla:resolution": "Resolution",
}
