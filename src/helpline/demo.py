"""A realistic sample workspace for ``helpline serve --demo``.

Northwind Goods, a small online shop for kitchen appliances with a subscription and an app, has three
teams, an admin, six agents, sixty customers and about three hundred tickets from the last thirty days
on every channel and in every status, and a few knowledge-base articles. Everything is made through
the service actions, so audit rows, events, the search index and the outbox are all real; only the
time stamps of tickets, messages and events are set to the moment of the story they belong to, so the
tickets spread over a month instead of all happening now. Deterministic for a given seed, and
idempotent: a second run finds the demo admin and only issues a fresh API token.
"""

from __future__ import annotations

import datetime as dt
import random
import sys
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from helpline.accounts.models import Team, User
from helpline.accounts.service import (
    actor_for_user,
    add_team_member,
    create_team,
    create_token,
    create_user,
    find_user_by_email,
    list_tokens,
    revoke_token,
)
from helpline.core.actor import SYSTEM, Actor
from helpline.core.db import Database, utcnow
from helpline.customers.models import Customer
from helpline.customers.service import create_customer, identify_or_create
from helpline.tickets.conversation import add_message
from helpline.tickets.models import Message, Ticket, TicketEvent
from helpline.tickets.service import NewMessage, create_ticket, merge_tickets, update_ticket

DOMAIN = "demo.helpline.test"
ADMIN_EMAIL = f"admin@{DOMAIN}"
DEMO_PASSWORD = "demo-password-123"  # noqa: S105 (a published demo password, by design)
TOKEN_NAME = "demo"  # noqa: S105 (a label, not a secret)
SEED = 2026
TICKETS = 300
DAYS = 30

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


@dataclass
class DemoInfo:
    """What ``helpline serve --demo`` tells the person who started it."""

    admin_email: str
    agent_emails: list[str]
    password: str
    token: str
    created: bool
    counts: dict[str, int] = field(default_factory=dict)

    def describe(self, url: str) -> str:
        base = url.rstrip("/")
        what = "loaded" if self.created else "already present, reused"
        summary = ", ".join(f"{n} {k}" for k, n in self.counts.items())
        someone = (self.agent_emails or [self.admin_email])[0]
        return "\n".join(
            [
                f"Demo workspace {what}: {summary}.",
                f"  Open           {url}",
                f"  Admin          {self.admin_email}",
                f"  Agents         {', '.join(self.agent_emails)}",
                f"  Password       {self.password}  (the same for every demo account)",
                f"  API token      {self.token}  (admin; a new one on every start)",
                f"  Try it         curl -H 'Authorization: Bearer {self.token}' "
                f"'{base}/api/v1/tickets?limit=5'",
                f"  More tokens    helpline token create --email {someone}",
            ]
        )


def load_demo(db: Database, *, seed: int = SEED, tickets: int = TICKETS) -> DemoInfo:
    """Create the demo workspace unless it exists, then issue a fresh admin API token."""
    created = False
    with db.transaction() as session:
        if find_user_by_email(session, ADMIN_EMAIL) is None:
            with _no_outbound_email():
                _Builder(session, random.Random(seed), tickets).build()
            created = True
    with db.transaction() as session:
        admin = find_user_by_email(session, ADMIN_EMAIL)
        assert admin is not None
        actor = actor_for_user(session, admin)
        for old in list_tokens(session, actor):
            if old.user_id == admin.id and old.name == TOKEN_NAME:
                revoke_token(session, actor, old.id)
        token = create_token(session, actor, name=TOKEN_NAME).secret
        agents = session.scalars(
            select(User.email).where(User.role == "agent", User.email.like(f"%@{DOMAIN}")).order_by(User.id)
        )
        counts = {
            "tickets": session.scalar(select(func.count()).select_from(Ticket)) or 0,
            "customers": session.scalar(select(func.count()).select_from(Customer)) or 0,
            "teams": session.scalar(select(func.count()).select_from(Team)) or 0,
            "staff": session.scalar(select(func.count()).select_from(User)) or 0,
        }
        return DemoInfo(ADMIN_EMAIL, list(agents), DEMO_PASSWORD, token, created, counts)


@contextmanager
def _no_outbound_email() -> Iterator[None]:
    """Demo replies must never mail the made-up customers, even when a relay is configured."""
    outbound = sys.modules.get("helpline.email.outbound")
    config = getattr(outbound, "CONFIG", None)
    saved = getattr(config, "relay_url", "")
    if config is not None:
        config.relay_url = ""
    try:
        yield
    finally:
        if config is not None:
            config.relay_url = saved


def _pick(rng: random.Random, weighted: list[tuple[str, int]]) -> str:
    return rng.choices([k for k, _ in weighted], [w for _, w in weighted])[0]


def _status_for(rng: random.Random, age_days: float) -> str:
    """Young tickets are mostly new or open, old ones mostly solved or closed."""
    bands = [(1, [35, 35, 15, 5, 10, 0]), (4, [10, 30, 25, 10, 25, 0]), (10, [3, 17, 15, 8, 37, 20])]
    weights = next((w for days, w in bands if age_days < days), [1, 7, 6, 6, 25, 55])
    return rng.choices(["new", "open", "pending", "on-hold", "solved", "closed"], weights)[0]


class _Builder:
    """Builds the workspace in one transaction, each step at its own moment of the past month.

    Service actions stamp rows with the current time; a ``before_flush`` hook gives the tickets,
    messages and events each step inserts the step's time instead (``self.when``).
    """

    def __init__(self, session: Session, rng: random.Random, tickets: int) -> None:
        self.s, self.rng, self.n = session, rng, tickets
        self.now = utcnow().replace(second=0, microsecond=0)
        self.when: dt.datetime | None = None
        self.teams: dict[str, int] = {}
        self.agents: dict[str, list[tuple[Actor, User]]] = {}
        self.customers: list[Customer] = []
        self.admin: Actor = SYSTEM
        self.ctx: dict[str, Any] = {}
        self.last_reply = ""

    def build(self) -> None:
        self._staff()
        self._customers()
        self._knowledge_base()
        duplicates = set(self.rng.sample(range(self.n // 2), 3))
        starts = sorted(self._start_time() for _ in range(self.n - len(duplicates)))
        event.listen(self.s, "before_flush", self._stamp)
        try:
            for i, start in enumerate(starts):
                ticket = self._ticket(start)
                if i in duplicates:
                    self._duplicate(ticket)
        finally:
            event.remove(self.s, "before_flush", self._stamp)

    def _stamp(self, session: Session, _context: Any, _instances: Any) -> None:
        for obj in session.new:
            if self.when is not None and isinstance(obj, (Ticket, Message, TicketEvent)):
                obj.created_at = self.when
                if isinstance(obj, Ticket):
                    obj.updated_at = self.when

    # -- people ---------------------------------------------------------------------------------
    def _staff(self) -> None:
        s = self.s
        admin = create_user(
            s, SYSTEM, email=ADMIN_EMAIL, name="Alex Morgan", role="admin", password=DEMO_PASSWORD
        )
        self.admin = actor_for_user(s, admin)
        for name, about in TEAMS.items():  # a workspace may already have teams with these names
            team_id = s.scalar(select(Team.id).where(Team.name == name))
            self.teams[name] = team_id or create_team(s, self.admin, name=name, description=about).id
        users = []
        for name, local, teams in AGENTS:
            user = create_user(s, self.admin, email=f"{local}@{DOMAIN}", name=name, password=DEMO_PASSWORD)
            for team in teams:
                add_team_member(s, self.admin, self.teams[team], user.id)
            users.append((user, teams))
        for user, teams in users:
            for team in teams:
                self.agents.setdefault(team, []).append((actor_for_user(s, user), user))

    def _customers(self) -> None:
        rng = self.rng
        for lang, names in NAMES.items():
            for full in names.split("|"):
                first, last = full.split(" ", 1)
                plain = unicodedata.normalize("NFKD", f"{first}.{last}".lower())
                local = "".join(c for c in plain if c.isascii() and (c.isalnum() or c == "."))
                orgs = [o for o in ORGS if o[2] == lang]
                org = rng.choice(orgs) if orgs and rng.random() < 0.6 else None
                domain = org[1] if org else rng.choice(["mail.example", "inbox.example", "post.example"])
                identities = [("email", f"{local}@{domain}")]
                if rng.random() < 0.35:
                    identities.append(("phone", f"+4420794{rng.randint(10000, 99999)}"))
                if rng.random() < 0.1:
                    identities.append(("social", f"twitter:@{local.split('.')[0]}{rng.randint(1, 99)}"))
                attributes = {
                    "plan": rng.choice(["Basic", "Plus", "Plus", "Business"]),
                    "lifetime_orders": rng.randint(1, 40),
                    "customer_since": f"{rng.randint(2019, 2025)}-{rng.randint(1, 12):02d}",
                }
                customer = create_customer(
                    self.s,
                    self.admin,
                    name=full,
                    identities=identities,
                    organization=org[0] if org else None,
                    tier="enterprise" if org and rng.random() < 0.3 else _pick(rng, TIERS),
                    language=lang,
                    attributes=attributes,
                )
                since = dt.timedelta(days=rng.randint(DAYS + 5, 900))
                customer.created_at = customer.updated_at = self.now - since
                self.customers.append(customer)

    def _knowledge_base(self) -> None:
        try:
            from helpline.kb.service import create_article, publish_article
        except ImportError:  # a build without the knowledge base
            return
        for title, category, body in KB:
            article = create_article(self.s, self.admin, title=title, body=body, category=category)
            publish_article(self.s, self.admin, article.id)

    # -- text -----------------------------------------------------------------------------------
    def _context(self, customer: Customer) -> dict[str, Any]:
        """One set of details per ticket, so the subject and every message agree."""
        rng = self.rng
        product, product2 = rng.sample(PRODUCTS, 2)
        return {
            "order": f"NW-{rng.randint(40000, 99999)}",
            "invoice": f"INV-2026-{rng.randint(1000, 9999)}",
            "product": product,
            "product2": product2,
            "amount": f"€{rng.randint(19, 480)}.{rng.choice(['00', '50', '99', '95'])}",
            "card": rng.randint(1000, 9999),
            "when": rng.choice(WHEN),
            "city": rng.choice(CITIES),
            "seats": rng.choice([5, 8, 12, 25]),
            "version": f"4.{rng.randint(2, 9)}.{rng.randint(0, 5)}",
            "device": rng.choice(["Pixel 8", "iPhone 14", "Galaxy S23", "iPad Air", "Moto G54"]),
            "browser": rng.choice(["Firefox 133", "Safari 18", "Chrome 131", "Edge 131"]),
            "ref": f"{rng.choice('ABCDEFGH')}{rng.randint(100000, 999999)}",
            "tier": customer.tier,
            "who": rng.choice(
                ["the carrier", "our payment provider", "the Shopify team", "the manufacturer"]
            ),
            "first": customer.name.split(" ")[0],
            "name": customer.name,
        }

    def _customer_text(self, core: str, local: bool = False) -> str:
        opener = "" if local else self.rng.choice(OPENERS)
        closer = self.rng.choice(CLOSERS).format(**self.ctx)
        return "\n\n".join(p for p in (opener, core.format(**self.ctx), closer) if p)

    def _agent_text(self, agent: User, core: str) -> str:
        signed = agent.name.split(" ")[0]
        return f"Hi {self.ctx['first']},\n\n{core.format(**self.ctx)}\n\nBest,\n{signed}"

    def _start_time(self) -> dt.datetime:
        day = self.now - dt.timedelta(days=self.rng.uniform(0, DAYS))
        hour = min(22.5, max(6.0, self.rng.gauss(13, 3.5)))
        at = day.replace(hour=int(hour), minute=int(hour % 1 * 60), second=self.rng.randint(0, 59))
        return min(at, self.now - dt.timedelta(minutes=self.rng.randint(5, 90)))

    # -- tickets --------------------------------------------------------------------------------
    def _ticket(self, start: dt.datetime) -> Ticket:
        rng = self.rng
        customer = rng.choice(self.customers)
        self.ctx = self._context(customer)
        status = _status_for(rng, (self.now - start).total_seconds() / 86400)
        local = LOCALIZED.get(customer.language or "")
        localized = bool(local) and rng.random() < 0.5
        if local and localized:
            team, tags, subject, body = rng.choice(local)
            priority = _pick(rng, PRIORITIES)
        else:
            team, tags, fixed, subject, body = rng.choice(SCENARIOS)
            priority = fixed or _pick(rng, PRIORITIES)
        channel = _pick(rng, CHANNELS)
        kinds = {i.kind for i in customer.identities}
        if "social" in kinds and rng.random() < 0.3:
            channel = "social"
        elif channel in ("phone", "sms") and "phone" not in kinds:
            channel = "email"
        agent_actor, agent = rng.choice(self.agents[team])
        meta: dict[str, Any] = {}
        text = self._customer_text(body, localized)
        if channel == "email":
            email = customer.primary_email or ""
            customer = identify_or_create(self.s, SYSTEM, "email", email, customer.name)
            meta = {"message_id": f"{rng.getrandbits(64):x}@{email.partition('@')[2]}", "from": email}
        elif channel == "phone":
            text = f"Phone call from {customer.name}: {body.format(**self.ctx)}"
        self.when = start
        ticket = create_ticket(
            self.s,
            agent_actor if channel == "phone" else SYSTEM,
            subject=subject.format(**self.ctx),
            requester=customer,
            message=NewMessage(text=text, channel=channel, meta=meta),
            channel=channel,
            priority=priority,
            tags=tags + (["vip"] if customer.tier == "vip" else []),
            team_id=self.teams[team] if status != "new" or rng.random() < 0.5 else None,
        )
        self.s.flush()
        if status != "new":
            self._play(ticket, customer, agent_actor, agent, status, team, start)
        return ticket

    def _play(
        self,
        ticket: Ticket,
        customer: Customer,
        actor: Actor,
        agent: User,
        status: str,
        team: str,
        start: Any,
    ) -> None:
        """Assign, reply, ask, hear back, note, solve, close: whatever leads to ``status``."""
        rng = self.rng
        steps: list[tuple[str, str, str]] = [("assign", "", "")]  # (kind, text, status to set)
        if status != "open" or rng.random() < 0.7:
            asking = status == "pending" or rng.random() < 0.5
            first = rng.choice(FIRST_REPLY[team]) + (" " + rng.choice(ASK) if asking else "")
            steps.append(("agent", first, "pending" if asking else ""))
            if asking and status != "pending":
                steps.append(("customer", rng.choice(FOLLOW_UP), ""))
            elif status == "open" and rng.random() < 0.4:
                steps += [("agent", rng.choice(ASK), "pending"), ("customer", rng.choice(FOLLOW_UP), "")]
        if rng.random() < 0.15:
            steps.append(("note", rng.choice(NOTES), ""))
        if rng.random() < 0.05:
            steps.append(("escalate", "", ""))
        if status == "on-hold":
            steps.append(("note", ON_HOLD_NOTE, "on-hold"))
        if status in ("solved", "closed"):
            steps.append(("agent", rng.choice(SOLVE), "solved"))
            if rng.random() < 0.12:
                steps += [("customer", rng.choice(REOPEN), ""), ("agent", rng.choice(SOLVE), "solved")]
            if rng.random() < 0.3:  # a thank-you reopens the ticket; the agent solves it again
                steps += [("customer", rng.choice(THANKS), ""), ("status", "", "solved")]
        if status == "closed":
            steps.append(("status", "", "closed"))
        # Spread the steps over the time left, most of them early (replies come within hours).
        limit = self.now - dt.timedelta(minutes=2)
        span = max((limit - start).total_seconds(), 600.0) * 0.9
        times = [min(limit, start + dt.timedelta(seconds=90 + rng.random() ** 2.5 * span)) for _ in steps]
        times.sort()
        if status == "closed":
            times[-1] = min(limit, max(times[-1], times[-2] + dt.timedelta(days=4)))
        for (kind, text, new_status), when in zip(steps, times, strict=True):
            self.when = when
            self._step(ticket, customer, actor, agent, kind, text, new_status)
            ticket.updated_at = when
            if new_status == "solved":
                ticket.solved_at = when

    def _step(
        self, ticket: Ticket, customer: Customer, actor: Actor, agent: User, kind: str, text: str, status: str
    ) -> None:
        s = self.s
        kwargs: dict[str, Any] = {"status": status} if status else {}
        if kind == "assign":
            update_ticket(s, actor, ticket.id, assignee_id=agent.id)
        elif kind == "agent":
            self.last_reply = self._agent_text(agent, text)
            add_message(s, actor, ticket.id, NewMessage(text=self.last_reply), **kwargs)
        elif kind == "customer":
            core = full = self._customer_text(text)
            if ticket.channel == "email":
                quoted = "\n".join("> " + line for line in self.last_reply.splitlines())
                full += f"\n\nOn {self.when:%a, %d %b %Y}, Northwind Support wrote:\n{quoted}"
            message = NewMessage(text=core, full_text=full, meta={"from": customer.primary_email})
            add_message(s, SYSTEM, ticket.id, message, on_behalf_of=customer)
        elif kind == "note":
            note = NewMessage(text=text.format(**self.ctx), internal=True)
            add_message(s, actor, ticket.id, note, **kwargs)
        elif kind == "status":
            update_ticket(s, actor, ticket.id, status=status)
        elif kind == "escalate":
            update_ticket(s, actor, ticket.id, priority="urgent", tags=[*ticket.tags, "escalated"])

    def _duplicate(self, original: Ticket) -> None:
        """The same customer writes again about the same thing; an admin merges the two."""
        customer = self.s.get(Customer, original.requester_id)
        assert customer is not None
        last_change = original.updated_at
        self.when = min(self.now - dt.timedelta(minutes=30), original.created_at + dt.timedelta(hours=5))
        text = "I wrote about this earlier and haven't heard back. Could someone look at my first message?"
        dup = create_ticket(
            self.s,
            SYSTEM,
            subject=f"Re: {original.subject}",
            requester=customer,
            message=NewMessage(text=self._customer_text(text)),
            channel="web",
            priority=original.priority,
            team_id=original.team_id,
        )
        self.s.flush()
        self.when += dt.timedelta(minutes=20)
        merge_tickets(self.s, self.admin, dup.id, original.id)
        dup.updated_at = self.when
        original.updated_at = max(last_change, self.when)
        self.s.flush()
