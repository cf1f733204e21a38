"""Tone check of an agent's reply before sending: never blocks, always explains.

``check_tone(text)`` returns findings, each with what was found (``kind`` and the character
``span``), why it matters (``message``) and what to write instead (``suggestion``):

* ``blame`` — "you should have", "your fault", "Sie hätten …";
* ``dismissive`` — "calm down", "as I already said", "obviously", "wie bereits gesagt";
* ``jargon`` — internal and ticket-system words the customer does not use ("SLA", "backend",
  "escalation queue", "tier 2");
* ``caps`` — words in ALL CAPS (read as shouting), known acronyms excepted;
* ``greeting`` / ``next_step`` — no greeting at the start; no next step or time frame;
* ``long_sentence`` / ``readability`` — sentences over 25 words; a Flesch-Kincaid grade over 10;
* ``negative_framing`` — "we can't", "unfortunately we are unable", "don't hesitate", with a
  positive rewrite.

English and German phrases are covered; everything is rule-based, explainable and instant.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_SENTENCE_WORDS = 25
MAX_GRADE = 10.0

BLAME = [
    r"you should(?: have|'ve)\b",
    r"you (?:didn't|did not|failed to|forgot to|neglected to)\b",
    r"you were supposed to\b",
    r"(?:it'?s|it is|that'?s|that is) your (?:fault|mistake|responsibility)\b",
    r"your (?:fault|mistake)\b",
    r"if you had (?:read|followed|checked)\b",
    r"you (?:need|have) to read\b",
    r"(?:(?:sie|du) hätte(?:n|st)|hätte(?:n|st) (?:sie|du))\b[^.!?]{0,60}\b(?:sollen|müssen)\b",
    r"(?:ihr|ihre|dein|deine) (?:fehler|schuld)\b",
    r"(?:sie haben|du hast) (?:vergessen|nicht gelesen)\b",
]
DISMISSIVE = [
    r"calm down\b",
    r"relax\b",
    r"as i (?:already |have already |previously )?(?:said|stated|mentioned|explained|told you)\b",
    r"as (?:previously|already) (?:stated|mentioned|explained)\b",
    r"i (?:already|have already) (?:told|explained)\b",
    r"per my (?:last|previous) (?:email|message)\b",
    r"obviously\b",
    r"clearly,? you\b",
    r"(?:that'?s|that is|it'?s|it is) not (?:our|my) problem\b",
    r"there(?:'s| is) nothing (?:we|i) can do\b",
    r"you need to understand\b",
    r"with all due respect\b",
    r"beruhigen sie sich\b",
    r"beruhig dich\b",
    r"wie (?:ich )?(?:bereits|schon) "
    r"(?:gesagt|erwähnt|erklärt|geschrieben|sagte|schrieb|erwähnte|erklärte)\b",
    r"offensichtlich\b",
    r"(?:das ist )?nicht (?:unser|mein) problem\b",
    r"(?:da )?können wir (?:leider )?nichts (?:machen|tun)\b",
]
JARGON = {
    "SLA": "the time we promise to answer in",
    "SLAs": "our response times",
    "backend": "our system",
    "back-end": "our system",
    "escalation queue": "our specialist team",
    "ticket queue": "our list of requests",
    "queue": "our list of requests",
    "tier 2": "our specialist team",
    "tier-2": "our specialist team",
    "L2": "our specialist team",
    "L1": "our support team",
    "triage": "review",
    "root cause": "cause",
    "RCA": "investigation",
    "hotfix": "fix",
    "deploy": "release",
    "deployed": "released",
    "prod": "the live system",
    "staging": "our test system",
    "repro": "reproduce the problem",
    "P1": "urgent",
    "P2": "high priority",
    "sev1": "urgent",
    "JIRA": "our tracker",
    "internal note": "note",
    "macro": "",
    "edge case": "unusual case",
    "dev team": "our engineers",
    "on-call": "the engineer on duty",
    "config": "settings",
    "cache": "stored data",
    "DB": "database",
}
ACRONYMS = {
    "PDF",
    "URL",
    "FAQ",
    "USA",
    "EU",
    "UK",
    "VAT",
    "IBAN",
    "BIC",
    "ID",
    "OK",
    "CSV",
    "PIN",
    "SMS",
    "TV",
}
ACRONYMS |= {"UTC", "GMT", "CET", "CEST", "EST", "PST", "CC", "BCC"}
ACRONYMS |= {"USB", "IT", "GDPR", "DSGVO", "MWST", "AGB", "GMBH", "AG", "CEO", "HTML", "API", "IMAP", "SMTP"}
GREETING = re.compile(
    r"^\s*(?:hi|hello|hey|dear|good (?:morning|afternoon|evening)|greetings|thanks? (?:you )?for|"
    r"hallo|guten (?:tag|morgen|abend)|liebe[rs]?|sehr geehrte[rs]?|moin|servus|grüß|"
    r"vielen dank für|danke für)\b",
    re.IGNORECASE,
)
NEXT_STEP = re.compile(
    r"\b(?:i will|i'll|we will|we'll|i am going to|i'm going to|next step|within \d|within (?:one|two|a|the)|"
    r"by (?:tomorrow|tonight|monday|tuesday|wednesday|thursday|friday|saturday|sunday|the end|\d)|"
    r"please (?:reply|let me know|send|try|check|confirm)|let me know|reply to this|once you|as soon as|"
    r"get back to you|follow up|you can now|you will (?:receive|get|see)|you'll (?:receive|get|see)|"
    r"expect|ich werde|wir werden|melde mich|melden uns|bis morgen|innerhalb|nächste[rn]? schritt|"
    r"sobald|lassen sie (?:mich|uns) wissen|antworten sie|bitte (?:senden|schicken|prüfen|versuchen))\b",
    re.IGNORECASE,
)
NEGATIVE_FRAMING: list[tuple[str, str]] = [
    (
        r"unfortunately,? we (?:are|were) (?:unable|not able) to\b",
        'Lead with what you can do: "What we can do is …" or "We can … once …".',
    ),
    (
        r"\bwe (?:can't|cannot|can not|are unable to|are not able to|won't be able to)\b",
        'Say what is possible instead: "We can …" / "Here\'s what I can do: …".',
    ),
    (
        r"\bi (?:can't|cannot|can not|am unable to|am not able to)\b",
        'Say what you can do: "What I can do is …".',
    ),
    (r"\bunfortunately\b", 'Start with the solution or the option that remains; drop "unfortunately".'),
    (
        r"\b(?:it'?s|it is|that'?s|that is) (?:not possible|impossible)\b",
        'Say what is possible: "You can …".',
    ),
    (r"\bdon'?t hesitate to\b", 'Say it positively: "Feel free to …".'),
    (r"\bno problem\b", 'Say it positively: "Happy to help" or "Of course".'),
    (r"\byou (?:won't|will not) be able to\b", 'Say when or how they can: "You\'ll be able to … once …".'),
    (
        r"\b(?:wir können|können wir) (?:leider )?nicht\b",
        'Sagen Sie, was möglich ist: "Wir können …" / "Was ich tun kann: …".',
    ),
    (
        r"\bleider\b",
        'Beginnen Sie mit der Lösung oder der verbleibenden Möglichkeit; lassen Sie "leider" weg.',
    ),
    (r"\bnicht möglich\b", 'Sagen Sie, was möglich ist: "Sie können …".'),
    (r"\bzögern sie nicht\b", 'Positiv formulieren: "Melden Sie sich gern …".'),
]
_SENTENCE = re.compile(r"[^.!?\n]+(?:[.!?]+|$)", re.MULTILINE)
_WORD = re.compile(r"[^\W\d_]+(?:['\u2019-][^\W\d_]+)*")
_CAPS = re.compile(r"\b[A-ZÄÖÜ]{3,}\b")


@dataclass(frozen=True)
class Finding:
    kind: str
    span: tuple[int, int] | None  # character offsets in the text; None for the reply as a whole
    text: str  # the words found ("" for whole-reply findings)
    message: str  # why it matters
    suggestion: str  # what to write instead


def _phrases(text: str, patterns: list[str], kind: str, message: str, suggestion: str) -> list[Finding]:
    return [
        Finding(kind, (m.start(), m.end()), m.group(0), message, suggestion)
        for pattern in patterns
        for m in re.finditer(r"(?<![\w'])" + pattern, text, re.IGNORECASE)
    ]


def _jargon(text: str) -> list[Finding]:
    found: list[Finding] = []
    for term, plain in sorted(JARGON.items(), key=lambda item: -len(item[0])):
        flags = 0 if term.isupper() or term[:1].isupper() else re.IGNORECASE
        for m in re.finditer(rf"(?<![\w-]){re.escape(term)}(?![\w-])", text, flags):
            if any(f.span and f.span[0] <= m.start() < f.span[1] for f in found):
                continue  # "escalation queue" already covers "queue"
            instead = f'Say "{plain}" instead.' if plain else "Describe what it means for the customer."
            found.append(
                Finding(
                    "jargon",
                    (m.start(), m.end()),
                    m.group(0),
                    f'"{m.group(0)}" is an internal term the customer may not know.',
                    instead,
                )
            )
    return found


def _caps(text: str, skip: list[Finding]) -> list[Finding]:
    taken = [f.span for f in skip if f.span]
    found = []
    for m in _CAPS.finditer(text):
        word = m.group(0)
        if word in ACRONYMS or any(a <= m.start() < b for a, b in taken):
            continue
        found.append(
            Finding(
                "caps",
                (m.start(), m.end()),
                word,
                "Words in capitals read as shouting.",
                f'Write "{word.capitalize() if len(word) > 3 else word.lower()}", or use bold for emphasis.',
            )
        )
    return found


def syllables(word: str) -> int:
    groups = re.findall(r"[aeiouyäöüàâéèêëîïôûù]+", word.lower())
    count = len(groups)
    if word.lower().endswith("e") and count > 1 and not word.lower().endswith(("le", "ee")):
        count -= 1
    return max(count, 1)


def readability(text: str) -> tuple[float, float]:
    """(words per sentence, Flesch-Kincaid grade) of a text."""
    sentences = [s for s in _SENTENCE.findall(text) if _WORD.search(s)]
    words = _WORD.findall(text)
    if not sentences or not words:
        return 0.0, 0.0
    per_sentence = len(words) / len(sentences)
    per_word = sum(syllables(w) for w in words) / len(words)
    return round(per_sentence, 1), round(0.39 * per_sentence + 11.8 * per_word - 15.59, 1)


def _structure(text: str, customer_name: str | None) -> list[Finding]:
    found = []
    first_name = (customer_name or "").split()[0] if (customer_name or "").strip() else ""
    if not GREETING.search(text):
        hello = f"Hi {first_name}," if first_name else "Hi there,"
        found.append(
            Finding(
                "greeting",
                None,
                "",
                "The reply does not open with a greeting.",
                f'Start with "{hello}" — a greeting by name makes the reply feel personal.',
            )
        )
    elif first_name and first_name.lower() not in text[:120].lower():
        found.append(
            Finding(
                "greeting",
                None,
                "",
                f"The greeting does not use {first_name}'s name.",
                f'Greet them by name: "Hi {first_name},".',
            )
        )
    if not NEXT_STEP.search(text):
        found.append(
            Finding(
                "next_step",
                None,
                "",
                "The reply does not say what happens next or when.",
                "Add the next step and a time, e.g. \"I'll check with our warehouse and update you by "
                'tomorrow at 5 pm."',
            )
        )
    for m in _SENTENCE.finditer(text):
        n = len(_WORD.findall(m.group(0)))
        if n > MAX_SENTENCE_WORDS:
            start = m.start() + len(m.group(0)) - len(m.group(0).lstrip())
            found.append(
                Finding(
                    "long_sentence",
                    (start, m.end()),
                    m.group(0).strip(),
                    f"This sentence has {n} words; over {MAX_SENTENCE_WORDS} is hard to follow.",
                    "Split it into two or three short sentences, one idea each.",
                )
            )
    per_sentence, grade = readability(text)
    if len(_WORD.findall(text)) >= 30 and grade > MAX_GRADE:
        found.append(
            Finding(
                "readability",
                None,
                "",
                f"Reading grade {grade} (Flesch-Kincaid), {per_sentence} words per sentence; "
                f"aim for {MAX_GRADE:g} or lower.",
                "Use shorter sentences and everyday words.",
            )
        )
    return found


def _negative_framing(text: str) -> list[Finding]:
    found: list[Finding] = []
    for pattern, rewrite in NEGATIVE_FRAMING:
        for m in re.finditer(pattern, text, re.IGNORECASE):
            if any(f.span and f.span[0] <= m.start() < f.span[1] for f in found):
                continue  # "unfortunately we are unable" already reported as a whole
            found.append(
                Finding(
                    "negative_framing",
                    (m.start(), m.end()),
                    m.group(0),
                    "Negative framing puts the limit first and reads as a refusal.",
                    rewrite,
                )
            )
    return found


def check_tone(text: str, *, customer_name: str | None = None) -> list[Finding]:
    """Everything worth a second look in a reply, in reading order (whole-reply findings first)."""
    if not text.strip():
        return []
    findings = _phrases(
        text,
        BLAME,
        "blame",
        "This puts the blame on the customer.",
        'Describe the situation, not their mistake: "Here is how to …" / "The next time, you can …".',
    )
    findings += _phrases(
        text,
        DISMISSIVE,
        "dismissive",
        "This can sound dismissive or condescending.",
        "Acknowledge and explain again kindly, without pointing out that you did already.",
    )
    jargon = _jargon(text)
    findings += jargon + _caps(text, jargon) + _negative_framing(text) + _structure(text, customer_name)
    return sorted(findings, key=lambda f: (f.span is not None, f.span or (0, 0)))
