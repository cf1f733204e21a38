"""Opaque cursors for keyset pagination: ``{"items": [...], "next_cursor": "..." | null}``."""

from __future__ import annotations

import base64
import json
from typing import Any

from helpline.core.errors import Invalid


def encode_cursor(values: list[Any]) -> str:
    raw = json.dumps(values, separators=(",", ":"), default=str).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None, arity: int) -> list[Any] | None:
    if not cursor:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, UnicodeDecodeError):
        raise Invalid.field("cursor", "is not a cursor this API issued") from None
    if not isinstance(values, list) or len(values) != arity:
        raise Invalid.field("cursor", "is not a cursor this API issued")
    return values
