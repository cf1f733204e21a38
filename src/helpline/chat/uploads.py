"""Files a visitor sends from the widget: size limit, a safe name, the type read from the bytes.

The declared content type and the file name are only hints: the type is sniffed from the first bytes
(``email.parse.sniff_content_type``, the same rules as email attachments) and must be one a support
team can open safely (images, PDF, plain text/CSV, office documents). HTML, SVG, scripts, archives
and programs are refused with a clear message. Stored files are attachments of the chat ticket's
message and are only ever served as downloads (``Content-Disposition: attachment``).

The widget links a visitor to their own files with a signed address (``file_sig``): it names one
attachment, one visitor and an expiry a day ahead, so it cannot be turned into someone else's file
and a link copied out of the chat stops working.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import mimetypes
import time

from helpline.email.parse import sniff_content_type
from helpline.tickets.conversation import safe_filename
from helpline.tickets.service import NewAttachment

IMAGES = ("image/png", "image/jpeg", "image/gif", "image/webp")
DOCUMENTS = (
    "application/pdf",
    "text/plain",
    "text/csv",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/vnd.oasis.opendocument.text",
    "application/vnd.oasis.opendocument.spreadsheet",
)
ALLOWED = IMAGES + DOCUMENTS
_TEXT_LIKE = ("text/plain", "text/csv")
_TEXT_EXTENSIONS = (".txt", ".log", ".csv")


class UploadRefused(Exception):
    """A file the widget may not send; ``code``/``status`` tell the widget and HTTP why."""

    def __init__(self, code: str, message: str, status: int) -> None:
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


def _size(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MB" if n >= 1024 * 1024 else f"{max(n // 1024, 1)} KB"


def sniff(name: str, declared: str, data: bytes) -> str:
    """The content type the bytes show, with the declared type or the file name as a hint."""
    declared = (declared or "").split(";")[0].strip().lower()
    if not declared or declared == "application/octet-stream":
        declared = mimetypes.guess_type(name)[0] or ""
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    kind = sniff_content_type(data, declared)
    if kind in _TEXT_LIKE or (
        kind in ("", "application/octet-stream") and name.lower().endswith(_TEXT_EXTENSIONS)
    ):
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            return "application/octet-stream"
        if "\x00" in text or text.lstrip()[:1] == "<":
            return "application/octet-stream"
        return "text/csv" if kind == "text/csv" or name.lower().endswith(".csv") else "text/plain"
    return kind


def check_upload(name: str, declared: str, data: bytes, max_bytes: int) -> NewAttachment:
    """The attachment to store, or ``UploadRefused`` with a message the visitor understands."""
    shown = safe_filename(name or "file")
    if len(data) > max_bytes:
        raise UploadRefused("too_large", f"{shown} is larger than the limit of {_size(max_bytes)}.", 413)
    if not data:
        raise UploadRefused("empty", f"{shown} is empty.", 422)
    kind = sniff(shown, declared, data)
    if kind not in ALLOWED:
        raise UploadRefused(
            "unsupported_type",
            f"{shown} can't be sent here: send images (PNG, JPEG, GIF, WebP), PDF, text or office documents.",
            415,
        )
    return NewAttachment(shown, kind, data)


FILE_LINK_SECONDS = 24 * 3600


def _mac(secret_key: str, visitor_public_id: str, attachment_id: int, expires: int) -> str:
    key = hashlib.sha256(("helpline-chat-file:" + secret_key).encode()).digest()
    body = f"{visitor_public_id}:{attachment_id}:{expires}".encode()
    return base64.urlsafe_b64encode(hmac.new(key, body, hashlib.sha256).digest()[:18]).decode()


def file_sig(secret_key: str, visitor_public_id: str, attachment_id: int, now: float | None = None) -> str:
    """The ``s`` parameter of ``/chat/files/{attachment_id}`` for this visitor, good for a day.

    A page that opens the chat gets fresh ones with the replayed history; a link copied out of the
    chat, or kept in a tab open for more than a day, stops working."""
    expires = int(time.time() if now is None else now) + FILE_LINK_SECONDS
    return f"{visitor_public_id}.{expires}.{_mac(secret_key, visitor_public_id, attachment_id, expires)}"


def verify_file_sig(secret_key: str, attachment_id: int, sig: str, now: float | None = None) -> str | None:
    """The visitor's public id if ``sig`` was made for this attachment and has not expired."""
    parts = sig.rsplit(".", 2)
    if len(parts) != 3 or len(sig) > 200 or not (parts[1].isascii() and parts[1].isdecimal()):
        return None
    public_id, expires_text, mac = parts
    expires = int(expires_text)
    if not public_id or not mac or expires < (time.time() if now is None else now):
        return None
    expected = _mac(secret_key, public_id, attachment_id, expires)
    return public_id if hmac.compare_digest(mac, expected) else None
