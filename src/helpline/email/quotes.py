"""Split a reply into what the sender newly wrote, the quoted history, and the signature.

Works on plain text (HTML bodies are converted first, with blockquotes as ``>`` lines). Recognises
the attribution lines and header blocks that Gmail, Outlook (desktop, web, mobile), Apple Mail,
Yahoo, Thunderbird and others write, in English and the common European languages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# "On <date>, <name> wrote:" and its translations; the attribution may wrap over up to three lines.
_ATTRIBUTION = re.compile(
    r"^\s*("
    r"on\b.{4,300}\b(wrote|writes|said)"
    r"|am\b.{4,300}\bschrieb"
    r"|le\b.{4,300}\ba\s+[ée]crit"
    r"|op\b.{4,300}\b(schreef|geschreven)"
    r"|el\b.{4,300}\bescribi[óo]"
    r"|il (giorno\b)?.{4,300}\bha\s+scritto"
    r"|(den|d\.)\b.{4,300}\bskrev"
    r"|em\b.{4,300}\bescreveu"
    r"|w dniu\b.{4,300}\bnapisa[łl]"
    r"|dne\b.{4,300}\bnapsal"
    r"|dnia\b.{4,300}\bnapisa[łl]"
    r")(\s.{0,200})?\s*:?\s*$",
    re.IGNORECASE,
)
# The same verbs after any lead-in, e.g. "2012/4/2 Bob <bob@x.com> wrote:"; single lines only.
_ANY_ATTRIBUTION = re.compile(
    r"^.{0,200}\b(wrote|schrieb|a\s+[ée]crit|schreef|escribi[óo]|ha\s+scritto|skrev|escreveu|"
    r"napisa[łl]|napsal|написал[а]?|kirjoitti|írta|yazdı)(\s*\(a\))?\s*:\s*$",
    re.IGNORECASE,
)
# A date-led attribution without a verb: "2026-11-20 10:02 GMT+01:00 Ann <ann@x.com>:".
_DATED = re.compile(r"^\s*\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}.{0,120}(@|<).{0,120}:\s*$")
_SEPARATOR = re.compile(
    r"^\s*(-{2,}\s*(original message|forwarded message|urspr[üu]ngliche nachricht|"
    r"message d'origine|message transf[ée]r[ée]|oorspronkelijk bericht|mensaje original|"
    r"messaggio originale|originalmeddelande|opprinnelig melding|original meddelelse|"
    r"mensagem original|wiadomo[śs][ćc] oryginalna|weitergeleitete nachricht)\s*-{2,})\s*$"
    r"|^\s*(begin forwarded message|anfang der weitergeleiteten nachricht)\s*:?\s*$",
    re.IGNORECASE,
)
_FROM = re.compile(
    r"^\s*\*?(from|von|de|van|da|från|fra|od|od koga|от|发件人|寄件者|差出人|message du)\s*\*?\s*[:：]",
    re.IGNORECASE,
)
_HEADER = re.compile(
    r"^\s*\*?(sent|date|to|subject|cc|gesendet|datum|an|betreff|envoy[ée]|[àa]|objet|date|"
    r"verzonden|aan|onderwerp|enviado|fecha|para|asunto|inviato|data|a|oggetto|skickat|till|"
    r"ämne|sendt|til|emne|wysłane|temat|assunto|sujet|copie à|发送时间|收件人|主题|抄送|日期|"
    r"送信日時|宛先|件名)\s*\*?\s*[:：]",
    re.IGNORECASE,
)
_RULE = re.compile(r"^\s*([_=-])\1{19,}\s*$")
_SIGNATURE_MARK = re.compile(r"^(--|-- |__|—)\s*$")
_MOBILE = re.compile(
    r"^\s*(sent from (my )?\S[^,;]{0,50}|sent with .{1,40}|get outlook for .{1,20}|"
    r"von meinem .{1,40} gesendet|gesendet von .{1,40}|envoy[ée] de mon .{1,40}|"
    r"enviado desde mi .{1,40}|inviato da(l mio)? .{1,40}|verzonden vanaf mijn .{1,40}|"
    r"skickat från min .{1,40}|sendt fra min .{1,40}|enviado do meu .{1,40})\s*$",
    re.IGNORECASE,
)


@dataclass
class Reply:
    new_text: str
    quoted: str
    signature: str


def _quoted(line: str) -> bool:
    return line.lstrip().startswith(">")


def _attribution_at(lines: list[str], index: int) -> int:
    """Number of lines (1-3) forming an attribution that starts at ``index``, else 0."""
    for span in (1, 2, 3):
        window = lines[index : index + span]
        if len(window) < span or not all(line.strip() for line in window):
            break
        chunk = " ".join(line.strip() for line in window)
        generic = span == 1 and _ANY_ATTRIBUTION.match(chunk)
        if len(chunk) <= 400 and (_ATTRIBUTION.match(chunk) or _DATED.match(chunk) or generic):
            follows = lines[index + span : index + span + 3]
            ends_colon = chunk.rstrip().endswith(":")
            if ends_colon or any(_quoted(f) for f in follows if f.strip()):
                return span
    return 0


def _header_block_at(lines: list[str], index: int) -> bool:
    """An Outlook-style 'From: … / Sent: … / To: … / Subject: …' block starts here."""
    if not _FROM.match(lines[index]):
        return False
    following = [line for line in lines[index + 1 : index + 6] if line.strip()]
    return sum(1 for line in following[:4] if _HEADER.match(line)) >= 2


def _cut_point(lines: list[str]) -> tuple[int, bool]:
    """Index where the quoted history begins and whether it is a hard cut (headers) or '>' quoting."""
    for index, line in enumerate(lines):
        stripped = line.strip()
        if not stripped:
            continue
        if _SEPARATOR.match(stripped):
            return index, True
        if _RULE.match(stripped) and index + 1 < len(lines):
            nxt = next((n for n in lines[index + 1 : index + 4] if n.strip()), "")
            if _FROM.match(nxt) or _HEADER.match(nxt):
                return index, True
        if _header_block_at(lines, index):
            return index, True
        if not _quoted(line) and (span := _attribution_at(lines, index)):
            after = next((n for n in lines[index + span :] if n.strip()), "")
            return index, not _quoted(after)  # an unquoted history after "… wrote:" goes whole
        if _MOBILE.match(line) and any(n.strip() for n in lines[index + 1 :]) and index > 0:
            return index + 1, True  # "Sent from my phone", then the old message without quoting
        if _quoted(line):
            return index, False
    return len(lines), True


_LIST_FOOTER = re.compile(r"mailing list|unsubscribe|list-?info|mailman/listinfo", re.IGNORECASE)


def _split_signature(lines: list[str]) -> tuple[list[str], list[str]]:
    for index, line in enumerate(lines):  # a mailing list's footer, wherever the quote left it
        if _RULE.match(line.strip()) and any(_LIST_FOOTER.search(n) for n in lines[index + 1 : index + 4]):
            body, footer = _split_signature(lines[:index])
            return body, footer + lines[index:]
    for index in range(len(lines) - 1, -1, -1):
        line = lines[index]
        if _SIGNATURE_MARK.match(line.rstrip("\n")) and len(lines) - index <= 15:
            return lines[:index], lines[index:]
        if _MOBILE.match(line) and all(not rest.strip() for rest in lines[index + 1 :]):
            return lines[:index], lines[index:]
    return lines, []


def split_reply(text: str) -> Reply:
    """Separate the new text of a reply from quotes and signature. Never loses text: new+quoted+sig
    together hold every line of the input."""
    lines = (text or "").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    cut, hard = _cut_point(lines)
    if hard:
        new, quoted = lines[:cut], lines[cut:]
    else:
        new, quoted = [], []
        index = 0
        while index < len(lines):
            line = lines[index]
            span = 0 if _quoted(line) else _attribution_at(lines, index)
            if span:
                quoted.extend(lines[index : index + span])
                index += span
                continue
            if _quoted(line):
                quoted.append(line)
            else:
                rest_blank = not any(_quoted(x) or x.strip() for x in lines[index:])
                if quoted and not line.strip() and rest_blank:
                    break
                new.append(line)
            index += 1
        # an Outlook header block after the bottom-posted part cuts hard too
        for position, line in enumerate(new):
            if _SEPARATOR.match(line.strip()) or _header_block_at(new, position):
                quoted.extend(new[position:])
                new = new[:position]
                break
    body, signature = _split_signature(new)
    return Reply(
        new_text="\n".join(body).strip("\n").rstrip(),
        quoted="\n".join(quoted).strip("\n"),
        signature="\n".join(signature).strip("\n"),
    )
