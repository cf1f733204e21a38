"""The story of the demo workspace: teams, people, products and what customers write about."""

from __future__ import annotations

TEAMS = {
    "Support": "Orders, deliveries, returns and product questions",
    "Billing": "Invoices, refunds, payments and subscriptions",
    "Technical": "Sign-in, the app, the website, the API and integrations",
}
AGENTS = [  # name, email local part, teams
    ("Priya Nair", "priya", ["Support"]),
    ("Tom Becker", "tom", ["Support"]),
    ("Lucía Fernández", "lucia", ["Support", "Billing"]),
    ("Marcus Reid", "marcus", ["Billing"]),
    ("Yuki Tanaka", "yuki", ["Technical"]),
    ("Omar Haddad", "omar", ["Technical", "Support"]),
]
ORGS = [  # name, domain, language
    ("Brightleaf Café", "brightleaf.example", "en"),
    ("Harbor & Pine Hotels", "harborpine.example", "en"),
    ("Northgate Dental", "northgate-dental.example", "en"),
    ("Lumen Studio", "lumenstudio.example", "en"),
    ("Greenfield Schools", "greenfield-schools.example", "en"),
    ("Kessler Bau GmbH", "kessler-bau.example", "de"),
    ("Atelier Moreau", "atelier-moreau.example", "fr"),
    ("Soluciones Vega", "solucionesvega.example", "es"),
    ("Casa Rossi", "casarossi.example", "it"),
    ("Van Dijk Fietsen", "vandijk.example", "nl"),
    ("Lisboa Sabores", "lisboasabores.example", "pt"),
]
NAMES = {
    "en": "Emma Clarke|Liam Walsh|Olivia Bennett|Noah Patel|Ava Thompson|James O'Connor|Sophia Reyes|"
    "Ethan Brooks|Mia Johnson|Lucas Wright|Amelia Scott|Henry Adams|Grace Kim|Daniel Lee|Chloe Turner|"
    "Samuel Green|Isla Morgan|Jack Robinson|Ella Hughes|Leo Carter|Ruby Evans|Oscar Hall|Zoe Mitchell|"
    "Aiden Foster|Hannah Price|Caleb Ward|Lily Cooper|Nathan Bell|Freya Murphy|Adam Shaw",
    "de": "Anna Schmidt|Jonas Müller|Lena Fischer|Felix Wagner|Marie Hoffmann|Paul Schäfer|Laura Koch|"
    "Tim Richter",
    "fr": "Camille Laurent|Louis Dubois|Chloé Bernard|Hugo Lefèvre|Léa Martin|Jules Girard|Manon Roux",
    "es": "Sofía García|Mateo López|Valentina Ruiz|Diego Torres|Carmen Navarro|Pablo Romero|Elena Castro",
    "pt": "Beatriz Silva|João Costa|Inês Santos|Tiago Pereira",
    "nl": "Daan de Vries|Sanne Jansen",
    "it": "Giulia Bianchi|Marco Conti",
}
TIERS = [("free", 18), ("standard", 45), ("premium", 20), ("enterprise", 10), ("vip", 7)]
CHANNELS = [("email", 38), ("chat", 19), ("web", 16), ("api", 10), ("phone", 12), ("sms", 5)]
PRIORITIES = [("low", 18), ("normal", 52), ("high", 22), ("urgent", 8)]
PRODUCTS = [
    "Aero 2 kettle", "Brewmaster grinder", "Sona cast-iron pan", "Terra blender", "Luma toaster",
    "Frost water filter", "Nimbus air fryer", "Pico kitchen scale", "Vela espresso machine",
]  # fmt: skip
WHEN = ["last Monday", "on the 3rd", "two weeks ago", "last Friday", "ten days ago", "this month"]
CITIES = ["Leeds", "Bristol", "Hamburg", "Lyon", "Valencia", "Utrecht", "Porto", "Milan", "Boston"]

# fmt: off
# team, tags, priority (None = random), subject, body. Placeholders are filled per ticket.
SCENARIOS: list[tuple[str, list[str], str | None, str, str]] = [
    ("Support", ["delivery", "where-is-my-order"], None, "Order {order} hasn't arrived",
     "I ordered the {product} {when} and the tracking page hasn't changed for five days. The estimated "
     "delivery date has passed. Could you check what is happening with order {order}?"),
    ("Support", ["delivery", "lost-parcel"], "high", "Parcel marked as delivered but I never got it",
     "The tracking for order {order} says it was delivered yesterday at 14:12, but nothing was left at my"
     " door or with the neighbours. I was home all afternoon."),
    ("Support", ["wrong-item", "returns"], None, "Wrong item in my package",
     "Order {order} arrived today but the box contained a {product2} instead of the {product} I paid for."
     " How do I send it back and get the right one?"),
    ("Support", ["returns"], "low", "Return request for {product}",
     "I'd like to return the {product} from order {order}. It works fine, it is just bigger than I "
     "expected. It is unused and in the original box."),
    ("Support", ["damaged", "returns"], "high", "{product} arrived damaged",
     "The {product} from order {order} arrived with a cracked housing and the box was crushed on one "
     "corner. I have photos if you need them. I'd prefer a replacement rather than a refund."),
    ("Support", ["delivery", "address-change"], "high", "Change delivery address for {order}",
     "I just noticed order {order} is going to my old address. Can you change it to my new flat in {city}"
     " before it ships? The new address is in my account profile."),
    ("Support", ["cancellation"], None, "Can I cancel order {order}?",
     "I placed order {order} an hour ago by mistake (I already have a {product}). Please cancel it if it "
     "has not been dispatched yet."),
    ("Support", ["warranty"], None, "Warranty question about my {product}",
     "My {product} stopped heating properly after eight months. Is this covered by the warranty, and do I"
     " need to send it in or can it be repaired locally?"),
    ("Support", ["product-question", "presales"], "low", "Does the {product} work on induction?",
     "Before I order: does the {product} work on an induction hob, and is it dishwasher safe? The product"
     " page doesn't say."),
    ("Support", ["missing-part"], None, "Missing part in the {product} box",
     "The {product} from order {order} came without the lid and the measuring cup shown in the manual. "
     "Everything else is there."),
    ("Support", ["promo"], "low", "Discount code not applied",
     "I used the code SPRING15 at checkout for order {order} but the total didn't change. The code was in"
     " your newsletter and should still be valid."),
    ("Support", ["b2b", "presales"], None, "Bulk order for our office kitchens",
     "We are refurbishing four office kitchens and would like 12 units of the {product}. Do you offer "
     "business pricing and delivery to one address in {city}?"),
    ("Billing", ["double-charge", "refund"], "high", "Charged twice for order {order}",
     "My card ending {card} was charged {amount} twice for order {order}. Please refund the duplicate "
     "payment. I can send a screenshot of my bank statement."),
    ("Billing", ["refund"], None, "Refund for returned {product} not received",
     "I returned the {product} {when} and the tracking shows you received it, but I still haven't got the"
     " {amount} refund."),
    ("Billing", ["invoice", "vat"], None, "Invoice {invoice} needs our VAT number",
     "Our accounts team can't book invoice {invoice} without our VAT number on it. Could you reissue it "
     "with the number from our company profile?"),
    ("Billing", ["invoice"], "low", "Copy of invoice {invoice}",
     "Could you send me a PDF copy of invoice {invoice}? I can't find it in my account."),
    ("Billing", ["payment-failed"], None, "Card declined at checkout",
     "My card keeps getting declined at checkout, although it works everywhere else and my bank says they"
     " don't see any attempt. I'm trying to pay {amount}."),
    ("Billing", ["subscription", "cancellation"], None, "Cancel my Northwind Plus subscription",
     "Please cancel my Northwind Plus subscription at the end of the current period. I can't find the "
     "button in the app."),
    ("Billing", ["subscription", "upgrade"], None, "Upgrade to the Business plan",
     "We'd like to move from Plus to the Business plan for {seats} seats. Is the price prorated for the "
     "rest of this month?"),
    ("Billing", ["subscription", "renewal"], "high", "Unexpected renewal charge of {amount}",
     "I was charged {amount} for a yearly renewal, but I thought I had switched to monthly billing. Can "
     "this be reversed?"),
    ("Billing", ["account"], "low", "Update our billing email address",
     "Please send invoices to accounts@ our domain from now on instead of my personal address."),
    ("Technical", ["login", "password-reset"], None, "Can't log in to my account",
     "The password reset email never arrives. I've tried three times and checked my spam folder."),
    ("Technical", ["2fa", "login"], "high", "Two-factor codes are rejected",
     "Since I changed phones, every two-factor code from my authenticator app is rejected. I still have "
     "the old phone but it is reset."),
    ("Technical", ["app", "crash"], None, "App crashes on start after update {version}",
     "Since the update to {version} the app closes immediately after the splash screen on my {device}. "
     "Reinstalling didn't help."),
    ("Technical", ["api", "rate-limit"], None, "API returns 429 Too Many Requests",
     "Our order sync gets HTTP 429 from /v2/orders after about 50 requests, well below the documented "
     "limit. Request id of the last failure: {ref}."),
    ("Technical", ["api", "webhooks"], "high", "Webhook deliveries failing with 401",
     "Since yesterday every webhook to our endpoint fails with 401. We didn't rotate the secret. Can you "
     "check what signature you are sending? Example delivery id {ref}."),
    ("Technical", ["website", "bug"], "low", "Order history page is blank in {browser}",
     "The order history page stays blank in {browser}. It works in other browsers. There is a console "
     "error about a missing script."),
    ("Technical", ["integration", "sync"], "high", "Shopify integration stopped syncing orders",
     "Orders from our Shopify store haven't appeared since {when}. The integration page says 'connected' "
     "and shows no error."),
    ("Technical", ["privacy", "gdpr"], None, "Delete my account and personal data",
     "Under GDPR, please delete my account and all personal data you hold about me, and confirm when it "
     "is done."),
    ("Technical", ["outage", "website"], "urgent", "Store checkout shows error 502",
     "Our customers get 'Error 502 Bad Gateway' on the checkout page since about 20 minutes ago. We are "
     "losing orders. Please look at this urgently."),
]
LOCALIZED: dict[str, list[tuple[str, list[str], str, str]]] = {
    "de": [
        ("Support", ["delivery"], "Bestellung {order} noch nicht angekommen",
         "Meine Bestellung {order} ist seit einer Woche unterwegs und die Sendungsverfolgung zeigt nichts"
         " Neues. Können Sie bitte nachsehen?"),
        ("Billing", ["invoice"], "Rechnung {invoice} mit falscher Adresse",
         "Auf der Rechnung {invoice} steht noch unsere alte Firmenadresse. Bitte schicken Sie uns eine "
         "korrigierte Rechnung."),
    ],
    "fr": [
        ("Support", ["delivery"], "Commande {order} toujours pas livrée",
         "J'ai commandé un {product} il y a dix jours et je n'ai toujours rien reçu. Pouvez-vous vérifier"
         " le suivi de la commande {order} ?"),
        ("Billing", ["refund"], "Remboursement non reçu",
         "J'ai renvoyé mon {product} il y a deux semaines mais je n'ai pas encore été remboursé de "
         "{amount}. Merci de vérifier."),
    ],
    "es": [
        ("Support", ["delivery"], "Mi pedido {order} no ha llegado",
         "Hice el pedido {order} hace más de una semana y todavía no ha llegado. ¿Me pueden decir dónde "
         "está?"),
        ("Billing", ["double-charge"], "Cobro duplicado en mi tarjeta",
         "Me han cobrado dos veces {amount} por el pedido {order}. Por favor, devuélvanme el cargo "
         "duplicado."),
    ],
}
FIRST_REPLY = {
    "Support": [
        "Thanks for getting in touch. I've opened a trace with the carrier for your order and will update"
        " you as soon as they answer, usually within one working day.",
        "Sorry about this. I've checked the order and passed it to our warehouse team; you'll hear from "
        "me again shortly.",
        "Thank you for the details. I'm looking into it now and will come back to you today.",
    ],
    "Billing": [
        "Thanks for reaching out. I can see the payment on our side and I'm checking it with our payment "
        "provider now.",
        "Sorry for the trouble. I've taken this over and I'm reviewing your account and invoices.",
    ],
    "Technical": [
        "Thanks for the report. I've reproduced part of this on our side and I'm digging into the logs "
        "now.",
        "Thanks, I'm on it. I've shared this with our engineers and will keep you posted.",
    ],
}
ASK = [
    "Could you send me a photo of the item and of the shipping label?",
    "Could you confirm the last four digits of the card and the date of the charge?",
    "Could you tell me the exact time it happened and send a screenshot of the error?",
    "Could you confirm the email address on the account so I can verify it?",
    "Which browser and device are you using, and which version of the app?",
]
SOLVE = [
    "Good news: this is sorted. A replacement is on its way and you'll get a tracking link by email.",
    "I've issued the refund; it should show on your statement within 3 to 5 working days.",
    "I've corrected this on your account. Everything should look right now; let me know if not.",
    "Our engineers deployed a fix this morning and I've confirmed it works for your account.",
    "The corrected invoice is attached to your account under Billing > Invoices.",
    "Your request is complete and you'll receive a confirmation email shortly.",
]
FOLLOW_UP = [
    "Thanks for the quick answer. Here are the details you asked for, and a photo is attached to my other"
    " email.",
    "It happened around 9 this morning. Card ending {card}, charged {when}.",
    "Thanks! Is there anything else you need from me?",
    "Still no change on my side, unfortunately. Any news?",
    "I'm using {browser} on my {device}. The app version is {version}.",
]
REOPEN = [
    "Sorry, it is happening again since this morning.",
    "The replacement arrived but it has the same problem.",
    "I haven't received the refund yet, could you check again?",
]
THANKS = [
    "Great, thank you very much!",
    "That worked, thanks for your help.",
    "Perfect, thanks!",
]
NOTES = [
    "Carrier trace opened, reference {ref}. Check again in 24h.",
    "Customer is on the {tier} tier; approved a goodwill voucher of 10%.",
    "Looks like the same issue as last week's payment gateway incident. Linking for reference.",
    "Escalated to engineering ({ref}). Don't promise a date yet.",
    "Warehouse confirms stock; replacement can ship tomorrow.",
]
ON_HOLD_NOTE = "Waiting on a third party ({who}); putting this on hold. Ref {ref}."
OPENERS = ["Hi,", "Hello,", "Hi there,", "Good morning,", "Dear support team,", ""]
CLOSERS = ["Thanks,\n{first}", "Best regards,\n{name}", "Cheers,\n{first}", "Thank you!", "{name}"]
KB = [  # title, category, body
    ("Where is my order?", "Orders",
     "Most orders ship within one working day. Your tracking link is in the shipping email and under "
     "Account > Orders. If the tracking has not changed for five working days, contact us and we will "
     "open a trace with the carrier."),
    ("Returning an item", "Orders",
     "You can return any unused item within 30 days. Start a return under Account > Orders, print the "
     "label and drop the parcel at any post office. Refunds are issued within 5 days of arrival."),
    ("Refunds: when will I get my money?", "Billing",
     "Refunds go back to the original payment method. Card refunds take 3 to 5 working days to show on "
     "your statement; bank transfers up to 7."),
    ("Adding a VAT number to invoices", "Billing",
     "Add your VAT number under Account > Company. New invoices show it automatically; for older "
     "invoices, ask us to reissue them."),
    ("Resetting your password", "Account",
     "Use 'Forgot password' on the sign-in page. The email comes from no-reply@northwind.example; check "
     "your spam folder and allow a few minutes."),
    ("Setting up two-factor authentication", "Account",
     "Open Account > Security, scan the QR code with an authenticator app and enter the code. Keep the "
     "recovery codes somewhere safe: they let you in if you lose your phone."),
    ("API rate limits", "Developers",
     "The API allows 600 requests per minute per token. A 429 answer carries a Retry-After header; wait "
     "that many seconds before retrying."),
]
# fmt: on
