"""Normalising identities so that one person on one channel is always one row."""

from __future__ import annotations

import re
from functools import lru_cache

from email_validator import EmailNotValidError, validate_email

from helpline.core.errors import Invalid

KINDS = ("email", "phone", "chat", "social")
_PHONE = re.compile(r"^\+?[0-9]{5,20}$")
_SOCIAL = re.compile(r"^[a-z0-9_.-]{1,30}:[^\s:]{1,100}$")


@lru_cache(maxsize=4096)
def normalize_email(value: str, field: str = "email") -> str:
    """The canonical form of an address (cached: email intake asks for the same senders all day)."""
    try:
        result = validate_email(value.strip(), check_deliverability=False, test_environment=True)
    except EmailNotValidError as error:
        raise Invalid.field(field, f"{value!r} is not a valid email address ({error})") from None
    return result.normalized.lower()


def normalize(kind: str, value: str, field: str = "value") -> str:
    if kind not in KINDS:
        raise Invalid.field("kind", f"must be one of {', '.join(KINDS)}")
    value = value.strip()
    if not value:
        raise Invalid.field(field, "must not be empty")
    if kind == "email":
        return normalize_email(value, field)
    if kind == "phone":
        digits = re.sub(r"[\s().-]", "", value)
        if not _PHONE.match(digits):
            raise Invalid.field(field, f"{value!r} is not a phone number (digits, optional leading +)")
        return digits
    if kind == "social":
        lowered = value.lower()
        if not _SOCIAL.match(lowered):
            raise Invalid.field(field, "must look like network:handle, e.g. twitter:@ada")
        return lowered
    if len(value) > 254:
        raise Invalid.field(field, "must be at most 254 characters")
    return value
