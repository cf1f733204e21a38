"""Read any RFC 822 message we are handed, however broken, into a ``ParsedEmail``.

``parse_message`` never raises: every problem it works around is listed in ``defects`` so an agent
can see why a mail looks odd, and the raw original is always kept by the caller.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import mimetypes
import re
import unicodedata
from dataclasses import dataclass, field
from email import message_from_bytes
from email.header import Header, decode_header, make_header
from email.message import Message
from email.policy import compat32
from email.utils import getaddresses, parsedate_to_datetime

from helpline.email.htmltext import html_to_text, sanitize_html

MAX_ATTACHMENT_BYTES = 25 * 1024 * 1024
MAX_PARTS = 500
_CHARSET_ALIASES = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "ks_c_5601-1987": "cp949",
    "iso-8859-8-i": "iso-8859-8",
    "windows-874": "cp874",
    "x-unknown": "utf-8",
    "unknown-8bit": "utf-8",
    "ansi_x3.4-1968": "ascii",
    "x-user-defined": "cp1252",
}
_ADDRESS = re.compile(r"^[^@\s<>()\[\],;:\"]+@[^@\s<>()\[\],;:\"]+\.[^@\s<>()\[\],;:\"]+$")
_AUTO_SUBJECT = re.compile(
    r"^\s*(auto(matic)?\s*(reply|response|antwort)|out of (the )?office|abwesenheitsnotiz|"
    r"r[ée]ponse automatique|respuesta autom[áa]tica|risposta automatica|automatisch antwoord|"
    r"autosvar|automatisk svar|auto:)",
    re.IGNORECASE,
)
_BOUNCE_SUBJECT = re.compile(
    r"(undeliver|delivery status notification|delivery failure|returned mail|mail delivery failed|"
    r"failure notice|nicht zustellbar|unzustellbar|non remis)",
    re.IGNORECASE,
)
_SNIFF: list[tuple[bytes, str]] = [
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"BM", "image/bmp"),
    (b"PK\x03\x04", "application/zip"),
    (b"\x1f\x8b", "application/gzip"),
    (b"BZh", "application/x-bzip2"),
    (b"MZ", "application/x-msdownload"),
    (b"\x7fELF", "application/x-executable"),
    (b"\xd0\xcf\x11\xe0", "application/x-ole-storage"),
]
_ZIP_FAMILY = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/vnd.oasis.opendocument.text",
    "application/java-archive",
    "application/epub+zip",
}


@dataclass
class ParsedAttachment:
    filename: str
    content_type: str
    data: bytes
    content_id: str | None = None
    inline: bool = False


@dataclass
class ParsedEmail:
    message_id: str | None = None
    in_reply_to: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    subject: str = ""
    from_address: str | None = None
    from_name: str = ""
    to: list[tuple[str, str]] = field(default_factory=list)
    cc: list[tuple[str, str]] = field(default_factory=list)
    reply_to: list[tuple[str, str]] = field(default_factory=list)
    date: dt.datetime | None = None
    text: str = ""
    html: str | None = None
    attachments: list[ParsedAttachment] = field(default_factory=list)
    is_auto_reply: bool = False
    is_bounce: bool = False
    bounce_recipients: list[str] = field(default_factory=list)
    is_list_mail: bool = False
    defects: list[str] = field(default_factory=list)


def decode_bytes(data: bytes, charset: str | None, defects: list[str] | None = None) -> str:
    """Decode with the declared charset, then UTF-8, then Windows-1252; never fails."""
    name = (charset or "").strip().strip('"').lower()
    name = _CHARSET_ALIASES.get(name, name)
    for candidate in [name, "utf-8"] if name else ["utf-8"]:
        try:
            return data.decode(candidate)
        except (LookupError, UnicodeDecodeError):
            continue
    if defects is not None:
        defects.append(f"text was not valid {charset or 'utf-8'}; read as Windows-1252")
    return data.decode("cp1252", errors="replace")


def _header(msg: Message, name: str, defects: list[str]) -> str:
    value = msg.get(name)
    if value is None:
        return ""
    try:
        if isinstance(value, Header):
            chunks = decode_header(value)
        else:
            text = str(value)
            if any("\udc80" <= ch <= "\udcff" for ch in text):  # raw 8-bit bytes in the header
                text = decode_bytes(text.encode("ascii", "surrogateescape"), "utf-8", defects)
            chunks = decode_header(text)
        parts = []
        for chunk, charset in chunks:
            parts.append(decode_bytes(chunk, charset, defects) if isinstance(chunk, bytes) else chunk)
        decoded = "".join(parts) if len(chunks) > 1 else (parts[0] if parts else "")
        if len(chunks) > 1:
            with contextlib.suppress(Exception):  # make_header dislikes unknown charsets
                decoded = str(make_header(chunks))
    except Exception:
        defects.append(f"unreadable {name} header")
        decoded = str(value)
    decoded = decoded.encode("utf-8", "replace").decode("utf-8")
    return " ".join(decoded.split())


def _addresses(value: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    try:
        pairs = getaddresses([value])
    except Exception:
        pairs = []
    for name, address in pairs:
        address = address.strip().strip("<>").lower()
        if _ADDRESS.match(address) and address not in {a for _, a in out}:
            out.append((name.strip().strip('"'), address))
    if not out:  # getaddresses gives up on some junk: look for anything address-shaped
        for found in re.findall(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+", value):
            if found.lower() not in {a for _, a in out}:
                out.append(("", found.lower()))
    return out


def _ids(value: str) -> list[str]:
    found = re.findall(r"<([^<>\s]+)>", value)
    if not found and value.strip():
        found = [v for v in re.split(r"[\s,]+", value) if "@" in v]
    out: list[str] = []
    for item in found:
        item = item.strip("<>")[:512]
        if item and item not in out:
            out.append(item)
    return out


def safe_filename(name: str | None, content_type: str, index: int) -> str:
    """A name that is safe on every disk and in a Content-Disposition header."""
    name = unicodedata.normalize("NFC", name or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = re.sub(r'[<>:"|?*\x00-\x1f]', "_", name).strip().lstrip(".").strip()
    if len(name) > 180:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: 170 - len(ext)] + dot + ext) if dot and len(ext) <= 10 else name[:180]
    if not name:
        ext = mimetypes.guess_extension(content_type) or ".bin"
        name = f"attachment-{index}{ext}"
    return name


def sniff_content_type(data: bytes, declared: str) -> str:
    """Trust the bytes over the label: a PDF labelled text/html is a PDF."""
    for magic, kind in _SNIFF:
        if data.startswith(magic):
            if kind == "application/zip" and declared in _ZIP_FAMILY:
                return declared
            if kind == "application/x-ole-storage" and declared.startswith("application/"):
                return declared
            return kind
    head = data[:512].lstrip().lower()
    if head.startswith((b"<!doctype html", b"<html", b"<script", b"<svg", b"<?xml")):
        return "text/html" if not head.startswith((b"<svg", b"<?xml")) else "image/svg+xml"
    if declared.startswith(("image/", "application/pdf")):
        return "application/octet-stream"  # claims to be an image/PDF but isn't one
    return declared or "application/octet-stream"


def _payload(part: Message, defects: list[str]) -> bytes:
    try:
        data = part.get_payload(decode=True)
    except Exception:
        defects.append("a part's transfer encoding could not be decoded; kept as is")
        data = None
    if isinstance(data, bytes):
        return data
    raw = part.get_payload()
    if isinstance(raw, str):
        return raw.encode("utf-8", "surrogateescape")
    return b""


def _as_bytes(part: Message) -> bytes:
    try:
        return part.as_bytes(policy=compat32)
    except Exception:
        return str(part).encode("utf-8", "replace")


def _bounce_details(msg: Message, parsed: ParsedEmail) -> None:
    failed: list[str] = []
    for part in msg.walk():
        kind = part.get_content_type()
        if kind in {"message/delivery-status", "message/global-delivery-status"}:
            body = part.get_payload()
            text = (
                "\n\n".join(str(b) for b in body)
                if isinstance(body, list)
                else decode_bytes(_payload(part, parsed.defects), "utf-8")
            )
            for block in re.split(r"\n\s*\n", text.replace("\r\n", "\n")):
                recipient = re.search(r"(?im)^(?:final|original)-recipient:\s*[^;]*;\s*<?([^\s>]+)", block)
                action = re.search(r"(?im)^action:\s*(\S+)", block)
                if recipient and (action is None or action.group(1).lower() == "failed"):
                    failed.append(recipient.group(1).lower())
        elif kind in {"text/rfc822-headers", "message/rfc822"}:
            inner = part.get_payload()
            if isinstance(inner, list) and inner and isinstance(inner[0], Message):
                original = inner[0].get("Message-ID", "")
            else:
                original = decode_bytes(_payload(part, parsed.defects), "utf-8")
                match = re.search(r"(?im)^message-id:\s*(<[^>]+>)", original)
                original = match.group(1) if match else ""
            for mid in _ids(str(original)):
                if mid not in parsed.in_reply_to:
                    parsed.in_reply_to.append(mid)
    parsed.bounce_recipients = list(dict.fromkeys(failed))


def _classify(msg: Message, parsed: ParsedEmail) -> None:
    def get(name: str) -> str:
        return _header(msg, name, parsed.defects).lower()

    auto_submitted = get("Auto-Submitted")
    precedence = get("Precedence") or get("X-Precedence")
    suppress = get("X-Auto-Response-Suppress")
    parsed.is_auto_reply = bool(
        (auto_submitted and auto_submitted != "no")
        or get("X-Autoreply")
        or get("X-Autorespond")
        or get("X-Autogenerated")
        or precedence in {"auto_reply", "bulk", "junk"}
        or "oof" in suppress
        or suppress == "all"
        or _AUTO_SUBJECT.search(parsed.subject)
    )
    parsed.is_list_mail = bool(
        get("List-Id") or get("List-Unsubscribe") or get("Mailing-List") or precedence == "list"
    )
    report = msg.get_content_type() == "multipart/report" and "delivery-status" in str(
        msg.get_param("report-type", "") or ""
    )
    daemon = (parsed.from_address or "").split("@")[0] in {"mailer-daemon", "postmaster"}
    if report or (daemon and _BOUNCE_SUBJECT.search(parsed.subject)):
        parsed.is_bounce = True
        parsed.is_auto_reply = True
        _bounce_details(msg, parsed)


def _walk(msg: Message, parsed: ParsedEmail) -> tuple[list[str], list[str]]:
    texts: list[str] = []
    htmls: list[str] = []
    seen = 0
    stack: list[tuple[Message, bool]] = [(msg, False)]
    while stack:
        part, _in_alternative = stack.pop(0)
        seen += 1
        if seen > MAX_PARTS:
            parsed.defects.append(f"more than {MAX_PARTS} MIME parts; the rest are only in the original")
            break
        kind = part.get_content_type()
        payload = part.get_payload()
        if part.is_multipart() and isinstance(payload, list) and kind != "message/rfc822":
            alternative = kind == "multipart/alternative"
            stack[0:0] = [(p, alternative) for p in payload if isinstance(p, Message)]
            continue
        if kind in {"message/delivery-status", "text/rfc822-headers"} and parsed.is_bounce:
            continue
        disposition = (part.get_content_disposition() or "").lower()
        try:
            raw_name = part.get_filename()
        except Exception:
            raw_name = None
        filename = _header_text(raw_name, parsed.defects) if raw_name else None
        if kind in {"text/plain", "text/html"} and disposition != "attachment" and not filename:
            body = decode_bytes(_payload(part, parsed.defects), part.get_content_charset(), parsed.defects)
            (texts if kind == "text/plain" else htmls).append(body)
            continue
        inner = part.get_payload(0) if kind == "message/rfc822" and part.is_multipart() else None
        data = _as_bytes(inner) if isinstance(inner, Message) else b""
        if kind == "message/rfc822" and not data:
            data = _payload(part, parsed.defects) or _as_bytes(part)
        elif kind != "message/rfc822":
            data = _payload(part, parsed.defects)
        if not data:
            continue
        if len(data) > MAX_ATTACHMENT_BYTES:
            parsed.defects.append(
                f"attachment {filename or kind} ({len(data)} bytes) is over the "
                f"{MAX_ATTACHMENT_BYTES // (1024 * 1024)} MB limit; it is kept only in the original"
            )
            continue
        sniffed = "message/rfc822" if kind == "message/rfc822" else sniff_content_type(data, kind)
        if kind == "message/rfc822" and not filename:
            filename = "forwarded-message.eml"
        content_id = str(part.get("Content-ID") or "").strip().strip("<>") or None
        parsed.attachments.append(
            ParsedAttachment(
                filename=safe_filename(filename, sniffed, len(parsed.attachments) + 1),
                content_type=sniffed,
                data=data,
                content_id=content_id,
                inline=disposition == "inline" or (content_id is not None and disposition != "attachment"),
            )
        )
    return texts, htmls


def _header_text(value: str, defects: list[str]) -> str:
    if any("\udc80" <= ch <= "\udcff" for ch in value):
        value = decode_bytes(value.encode("ascii", "surrogateescape"), "utf-8", defects)
    try:
        return str(make_header(decode_header(value)))
    except Exception:
        return value


def parse_message(raw: bytes) -> ParsedEmail:
    """Parse ``raw`` into its parts. Never raises; problems go to ``defects``."""
    parsed = ParsedEmail()
    try:
        msg = message_from_bytes(raw, policy=compat32)
    except Exception as error:  # pragma: no cover - the stdlib parser is very forgiving
        parsed.defects.append(f"not parseable as email: {error}")
        parsed.text = decode_bytes(raw, "utf-8", parsed.defects)
        return parsed
    parsed.defects.extend(type(d).__name__ for d in msg.defects[:10])

    def get(name: str) -> str:
        return _header(msg, name, parsed.defects)

    parsed.subject = get("Subject")[:998]
    senders = _addresses(get("From")) or _addresses(get("Sender")) or _addresses(get("Return-Path"))
    if senders:
        parsed.from_name, parsed.from_address = senders[0]
    else:
        parsed.defects.append("no usable From address")
    parsed.to, parsed.cc = _addresses(get("To")), _addresses(get("Cc"))
    parsed.reply_to = _addresses(get("Reply-To"))
    ids = _ids(get("Message-ID"))
    parsed.message_id = ids[0] if ids else None
    parsed.in_reply_to = _ids(get("In-Reply-To"))
    parsed.references = [r for r in _ids(get("References")) if r not in parsed.in_reply_to]
    date = get("Date")
    if date:
        try:
            when = parsedate_to_datetime(date)
            parsed.date = when if when.tzinfo else when.replace(tzinfo=dt.UTC)
        except Exception:
            parsed.defects.append(f"unreadable Date header: {date[:60]}")
    _classify(msg, parsed)
    try:
        texts, htmls = _walk(msg, parsed)
    except Exception as error:  # a structure the walker did not foresee: fall back to the raw body
        parsed.defects.append(f"MIME structure unreadable ({type(error).__name__}); showing the raw body")
        body = raw.split(b"\r\n\r\n", 1)[-1] if b"\r\n\r\n" in raw else raw.split(b"\n\n", 1)[-1]
        texts, htmls = [decode_bytes(body, "utf-8", parsed.defects)], []
    if htmls:
        parsed.html = sanitize_html("\n<hr>\n".join(htmls))
    text = "\n\n".join(t.strip("\n") for t in texts if t.strip())
    if not text and htmls:
        text = "\n\n".join(html_to_text(h) for h in htmls)
    parsed.text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    return parsed
