"""Encrypting credentials we must be able to read back (IMAP passwords): Fernet under the secret key.

Passwords of our own users and API tokens are hashed instead; this is only for secrets that Helpline
has to present to another system. Changing HELPLINE_SECRET_KEY makes stored credentials unreadable,
and they must be entered again.
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken


def _fernet(secret_key: str) -> Fernet:
    key = hashlib.sha256(("helpline-credentials:" + secret_key).encode()).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def seal(secret_key: str, plaintext: str) -> str:
    return _fernet(secret_key).encrypt(plaintext.encode()).decode()


def unseal(secret_key: str, token: str) -> str:
    try:
        return _fernet(secret_key).decrypt(token.encode()).decode()
    except InvalidToken:
        raise ValueError("stored credential cannot be decrypted; was HELPLINE_SECRET_KEY changed?") from None
