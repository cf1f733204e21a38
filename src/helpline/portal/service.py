"""Sign-in links for the customer portal, requested by email address.

``request_sign_in_link`` answers nothing about whether the address is known: the caller shows the
same page either way. For a known customer it stores the SHA-256 of a fresh random secret and
queues an email with the link through the outbox (sent after commit). ``redeem_sign_in_link``
marks the link used in one conditional UPDATE, so a link signs in once, even with two clicks racing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from helpline.accounts.service import actor_for_customer
from helpline.audit.service import record
from helpline.core.db import utcnow
from helpline.customers.identities import normalize_email
from helpline.customers.models import Customer
from helpline.customers.service import find_by_identity
from helpline.email.outbound import queue_notice
from helpline.portal.models import PortalSignInLink

LINK_MINUTES = 30
LINKS_PER_CUSTOMER_PER_HOUR = 5  # across all web processes (the web layer also limits per process)
SIGNIN_PATH = "/portal/signin/"

EMAILS = {
    "en": (
        "Your sign-in link",
        "Hello {name},\n\n"
        "someone (we hope you) asked to sign in to your support requests. Open this link to sign in:\n\n"
        "{link}\n\n"
        "The link works once and expires in {minutes} minutes. If you did not ask for it, ignore this "
        "email; nothing changes.\n",
    ),
    "de": (
        "Ihr Anmeldelink",
        "Hallo {name},\n\n"
        "jemand (hoffentlich Sie) möchte sich bei Ihren Support-Anfragen anmelden. Mit diesem Link "
        "melden Sie sich an:\n\n"
        "{link}\n\n"
        "Der Link funktioniert einmal und läuft in {minutes} Minuten ab. Wenn Sie ihn nicht "
        "angefordert haben, ignorieren Sie diese E-Mail; es ändert sich nichts.\n",
    ),
}


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _recent_links(session: Session, customer_id: int) -> int:
    since = utcnow() - dt.timedelta(hours=1)
    count = session.scalar(
        select(func.count())
        .select_from(PortalSignInLink)
        .where(PortalSignInLink.customer_id == customer_id, PortalSignInLink.created_at >= since)
    )
    return count or 0


def request_sign_in_link(session: Session, address: str, *, base_url: str = "") -> bool:
    """Send a sign-in link to ``address`` if a customer has it; True if one was queued.

    Raises ``Invalid`` only for text that is not an email address at all. The caller must not
    tell the visitor the result.
    """
    normalized = normalize_email(address)
    customer = find_by_identity(session, "email", normalized)
    if customer is None or _recent_links(session, customer.id) >= LINKS_PER_CUSTOMER_PER_HOUR:
        return False
    token = secrets.token_urlsafe(32)
    now = utcnow()
    link = PortalSignInLink(
        token_hash=_hash(token),
        customer_id=customer.id,
        address=normalized,
        created_at=now,
        expires_at=now + dt.timedelta(minutes=LINK_MINUTES),
    )
    session.add(link)
    session.flush()
    lang = (customer.language or "en").split("-")[0].lower()
    subject, body = EMAILS.get(lang, EMAILS["en"])
    url = base_url.rstrip("/") + SIGNIN_PATH + token
    text = body.format(name=customer.name or normalized, link=url, minutes=LINK_MINUTES)
    queue_notice(session, to=normalized, subject=subject, text=text)
    record(
        session,
        actor_for_customer(customer),
        "portal.signin_link.send",
        "customer",
        customer.id,
        None,
        {"address": normalized, "link_id": link.id},
    )
    return True


def sign_in_link_usable(session: Session, token: str) -> bool:
    """Whether the link could still sign someone in (without using it up)."""
    if not token or len(token) > 100:
        return False
    found = session.scalar(
        select(PortalSignInLink.id).where(
            PortalSignInLink.token_hash == _hash(token),
            PortalSignInLink.used_at.is_(None),
            PortalSignInLink.expires_at > utcnow(),
        )
    )
    return found is not None


def redeem_sign_in_link(session: Session, token: str) -> int | None:
    """Use the link up; the customer it signs in (a merged customer's survivor), or None."""
    if not token or len(token) > 100:
        return None
    now = utcnow()
    used = session.execute(
        update(PortalSignInLink)
        .where(
            PortalSignInLink.token_hash == _hash(token),
            PortalSignInLink.used_at.is_(None),
            PortalSignInLink.expires_at > now,
        )
        .values(used_at=now)
        .returning(PortalSignInLink.id, PortalSignInLink.customer_id)
    ).first()
    if used is None:
        return None
    customer = session.get(Customer, used.customer_id)
    seen: set[int] = set()
    while customer is not None and customer.merged_into_id is not None and customer.id not in seen:
        seen.add(customer.id)
        customer = session.get(Customer, customer.merged_into_id)
    if customer is None:
        return None
    record(
        session,
        actor_for_customer(customer),
        "portal.signin",
        "customer",
        customer.id,
        None,
        {"link_id": used.id},
    )
    return customer.id
