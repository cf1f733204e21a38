"""Reply drafts for agents: personal, grounded in the knowledge base, kind. Nothing is sent.

``draft_reply(session, actor, ticket_id)`` writes, in the customer's language where templates exist
(English, German):

1. a greeting by first name;
2. when the latest customer message is negative, an acknowledgement quoting a short phrase of theirs;
3. the answer from the best knowledge-base article with its link — only when retrieval is confident
   (the answer bot's threshold) — or a clarifying question (naming the closest article, if any);
4. the next step and when it happens (the ticket's SLA due time when there is one);
5. a polite close with the agent's name.

With ``HELPLINE_LLM_URL`` set, an LLM writes the draft from the same retrieved articles; its draft is
used only if it passes the grounding check (every article link or id it cites was retrieved), and
any error falls back to the offline draft. The offline draft passes the same check.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from helpline.accounts.models import User
from helpline.assist.enrich import is_frustrated, workspace_languages
from helpline.assist.language import LanguageDetector
from helpline.assist.llm import LlmError, LlmProvider, provider_from_env
from helpline.assist.models import MessageInsight
from helpline.assist.sentiment import detect_emotions, lexicon_scores
from helpline.core.actor import Actor
from helpline.core.errors import Forbidden
from helpline.kb.answers import FoundArticle, bot_threshold, search_articles
from helpline.kb.schemas import article_url
from helpline.kb.text import analyze_en, passages, plain_text
from helpline.tickets.access import get_visible_ticket
from helpline.tickets.conversation import conversation_ids
from helpline.tickets.models import Message, Ticket

TEMPLATES: dict[str, dict[str, str]] = {
    "en": {
        "greeting": "Hi {name},",
        "greeting_anon": "Hello,",
        "thanks": "Thank you for getting in touch.",
        "ack": 'You wrote "{quote}". I\'m sorry — I understand how {feeling} that is.',
        "answer": "Here is what to do: {passage}",
        "cite": 'You\'ll find all the details in our article "{title}": {url}',
        "clarify_article": 'To make sure I give you the right answer: is your question about "{title}"? '
        "If not, could you tell me a little more about what happens and when it started?",
        "clarify": "To make sure I give you the right answer, could you tell me a little more? What exactly "
        "happens, when did it start, and is there an order or account number I should look at?",
        "next_answered": "If this doesn't solve it, just reply to this message and I'll pick it up "
        "personally {when}.",
        "next_clarify": "As soon as I hear back from you, I'll look into it and reply {when}.",
        "when_default": "within one business day",
        "when_due": "by {date}",
        "close": "Kind regards,\n{agent}",
        "feeling_anger": "frustrating and upsetting",
        "feeling_anxiety": "worrying",
        "feeling_confusion": "confusing",
        "feeling_default": "frustrating",
    },
    "de": {
        "greeting": "Hallo {name},",
        "greeting_anon": "Guten Tag,",
        "thanks": "vielen Dank für Ihre Nachricht.",
        "ack": "Sie schreiben „{quote}“. Das tut mir leid — ich verstehe, wie {feeling} das ist.",
        "answer": "So können Sie vorgehen: {passage}",
        "cite": "Alle Details finden Sie in unserem Artikel „{title}“: {url}",
        "clarify_article": "Damit ich Ihnen richtig helfe: Geht es um „{title}“? Falls nicht, beschreiben "
        "Sie mir bitte kurz, was genau passiert und seit wann.",
        "clarify": "Damit ich Ihnen richtig helfe: Was genau passiert, und seit wann? Gibt es eine Bestell- "
        "oder Kundennummer, die ich prüfen soll?",
        "next_answered": "Falls das nicht hilft, antworten Sie einfach auf diese Nachricht — ich kümmere "
        "mich persönlich darum und melde mich {when}.",
        "next_clarify": "Sobald ich von Ihnen höre, prüfe ich das und melde mich {when}.",
        "when_default": "innerhalb eines Werktags",
        "when_due": "bis {date}",
        "close": "Viele Grüße\n{agent}",
        "feeling_anger": "ärgerlich",
        "feeling_anxiety": "beunruhigend",
        "feeling_confusion": "verwirrend",
        "feeling_default": "frustrierend",
    },
}
DAYS = {
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
    "de": ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"),
}
_MONTHS_EN = "January February March April May June July August September October November December"
_MONTHS_DE = "Januar Februar März April Mai Juni Juli August September Oktober November Dezember"
MONTHS = {"en": tuple(_MONTHS_EN.split()), "de": tuple(_MONTHS_DE.split())}
MAX_QUOTE_WORDS = 14
NEAR = 0.5  # below the answer threshold but above this share of it: ask whether it is about that article
_CITED_URL = re.compile(r"/help/[\w-]+/articles/(\d+)(?:-[\w-]*)?")
_CITED_ID = re.compile(r"\[(?:KB|kb|article)[ #-]*(\d+)\]")


@dataclass(frozen=True)
class Citation:
    article_id: int
    title: str
    url: str
    score: float


@dataclass
class Draft:
    ticket_id: int
    text: str
    language: str
    source: str  # "offline" | "llm"
    citations: list[Citation] = field(default_factory=list)
    retrieved: list[Citation] = field(default_factory=list)
    acknowledged: str | None = None  # the customer's phrase the draft quotes
    clarifying: bool = False
    grounded: bool = True
    notes: list[str] = field(default_factory=list)


def references(text: str) -> tuple[set[int], set[str]]:
    """The article ids (links to help-centre articles, ``[KB-12]``) and the links a text contains."""
    ids = {int(m.group(1)) for m in _CITED_URL.finditer(text)} | {int(m) for m in _CITED_ID.findall(text)}
    links = {u.rstrip(".,;:)»“\"'") for u in re.findall(r"https?://\S+|/help/\S+", text)}
    return ids, links


def grounding_problems(text: str, citations: list[Citation], retrieved: list[Citation]) -> list[str]:
    """Every article the draft cites (link, ``[KB-12]`` or citation entry) must have been retrieved,
    and every link in it must be a retrieved article's address."""
    ids, links = references(text)
    ids |= {c.article_id for c in citations}
    problems = [
        f"cites article {a}, which was not retrieved" for a in sorted(ids - {c.article_id for c in retrieved})
    ]
    problems += [
        f"links {u}, which is not a retrieved article" for u in sorted(links - {c.url for c in retrieved})
    ]
    return problems


def quote_phrase(text: str, max_words: int = MAX_QUOTE_WORDS) -> str | None:
    """A short phrase in the customer's own words to acknowledge: preferably what went wrong (a clause
    with a frustration, anxiety or confusion cue), else the most negative clause (an outburst)."""
    candidates: list[tuple[float, float, int, str]] = []
    for sentence in re.split(r"(?<=[.!?])\s+|\n+", text):
        parts = [sentence, *re.split(r",\s+|;\s+|\s+(?:and|but|und|aber)\s+", sentence)]
        for part in dict.fromkeys(p.strip().rstrip(".!?,;: ") for p in parts):
            if not 4 <= len(part.split()) <= max_words:
                continue
            emotions = detect_emotions(part)
            situation = max(emotions["frustration"], emotions["anxiety"], emotions["confusion"])
            outburst = emotions["anger"] - min(lexicon_scores(part).compound, 0.0)
            candidates.append((situation, outburst, -len(candidates), part))
    situational = [c for c in candidates if c[0] >= 0.5]
    if situational:
        best = max(situational)
    else:
        negative = [c for c in candidates if c[1] > 0.1]
        if not negative:
            return None
        best = max(negative, key=lambda c: (c[1], c[2]))
    return best[3].replace('"', "'")


def _latest_customer_message(session: Session, ticket_id: int) -> Message | None:
    return session.scalar(
        select(Message)
        .where(
            Message.ticket_id.in_(conversation_ids(ticket_id)),
            Message.author_kind == "customer",
            Message.internal.is_(False),
        )
        .order_by(Message.id.desc())
        .limit(1)
    )


def _language(session: Session, message: Message | None, insight: MessageInsight | None) -> str:
    lang = insight.language if insight is not None else None
    if lang is None and message is not None:
        lang = LanguageDetector(workspace_languages(session)).detect(message.text).language
    return lang or "en"


def _is_negative(message: Message | None, insight: MessageInsight | None) -> tuple[bool, str]:
    if message is None:
        return False, "default"
    if insight is not None:
        emotions = {k: float(v) for k, v in insight.emotions.items()}
        negative = insight.sentiment == "negative" or is_frustrated(
            insight.sentiment, insight.sentiment_score, emotions
        )
    else:
        emotions = detect_emotions(message.text)
        negative = lexicon_scores(message.text).compound <= -0.1 or is_frustrated("", 0.0, emotions)
    strongest = max(("anger", "anxiety", "confusion"), key=lambda e: emotions.get(e, 0.0))
    feeling = strongest if emotions.get(strongest, 0.0) >= 0.5 else "default"
    return negative, feeling


def _best_passage(found: FoundArticle, query: str) -> str:
    body = found.article.published_body or found.article.body
    wanted = set(analyze_en(query))
    chunks = passages(body, max_words=60) or [plain_text(body)]
    best = max(chunks, key=lambda p: (len(wanted & set(analyze_en(p))), -chunks.index(p)))
    best = re.sub(r"\s+", " ", best).strip()
    sentences = re.split(r"(?<=[.!?])\s+", best)
    return " ".join(sentences[:3])


def _when(session: Session, ticket: Ticket, lang: str, t: dict[str, str]) -> str:
    from helpline.sla.models import TicketSla

    state = session.get(TicketSla, ticket.id)
    due = state.next_response_due_at or state.resolution_due_at if state is not None else None
    if due is None:
        return t["when_default"]
    due = due.astimezone(dt.UTC)
    if lang == "de":
        date = f"{DAYS['de'][due.weekday()]}, {due.day}. {MONTHS['de'][due.month - 1]}, {due:%H:%M} Uhr (UTC)"
    else:
        date = f"{DAYS['en'][due.weekday()]}, {due.day} {MONTHS['en'][due.month - 1]} at {due:%H:%M} UTC"
    return t["when_due"].format(date=date)


def _retrieve(session: Session, actor: Actor, query: str, lang: str) -> list[FoundArticle]:
    """Public articles only: a reply to a customer never cites an internal runbook."""
    if not query.strip():
        return []
    found = [f for f in search_articles(session, actor, query, limit=6, locale=lang) if _public(f)]
    if not found:
        found = [f for f in search_articles(session, actor, query, limit=6) if _public(f)]
    return found[:3]


def _public(found: FoundArticle) -> bool:
    return found.article.visibility == "public"


def _agent_name(session: Session, actor: Actor) -> str:
    user = session.get(User, actor.id) if actor.id is not None else None
    name = user.name if user is not None else actor.name
    return name.split()[0] if name.strip() else "Support"


def draft_reply(
    session: Session, actor: Actor, ticket_id: int, *, provider: LlmProvider | None = None
) -> Draft:
    """A reply the agent can edit and send. ``provider`` defaults to ``HELPLINE_LLM_URL`` if set."""
    if not actor.is_staff:
        raise Forbidden("drafts are for agents")
    ticket = get_visible_ticket(session, actor, ticket_id)
    message = _latest_customer_message(session, ticket.id)
    insight = session.get(MessageInsight, message.id) if message is not None else None
    lang = _language(session, message, insight)
    tpl_lang = lang if lang in TEMPLATES else "en"
    t = TEMPLATES[tpl_lang]
    negative, feeling = _is_negative(message, insight)
    query = message.text if message is not None else ticket.subject
    if message is not None and len(message.text.split()) < 6:
        query = f"{ticket.subject}. {message.text}"
    found = _retrieve(session, actor, query, lang)
    threshold = bot_threshold(session)
    retrieved = [Citation(f.article.id, f.article.title, article_url(f.article), f.score) for f in found]
    confident = [f for f in found if f.score >= threshold][:1]

    raw_name = ticket.requester.name.strip() if ticket.requester is not None else ""
    first = raw_name.split()[0] if raw_name and "@" not in raw_name else ""
    parts = [t["greeting"].format(name=first) if first else t["greeting_anon"]]
    quote = quote_phrase(message.text) if negative and message is not None else None
    if quote:
        parts.append(t["ack"].format(quote=quote, feeling=t[f"feeling_{feeling}"]))
    else:
        parts.append(t["thanks"])
    when = _when(session, ticket, tpl_lang, t)
    citations: list[Citation] = []
    if confident:
        best = confident[0]
        cite = Citation(best.article.id, best.article.title, article_url(best.article), best.score)
        citations.append(cite)
        parts.append(t["answer"].format(passage=_best_passage(best, query)))
        parts.append(t["cite"].format(title=cite.title, url=cite.url))
        parts.append(t["next_answered"].format(when=when))
    else:
        near = found[0] if found and found[0].score >= NEAR * threshold else None
        parts.append(t["clarify_article"].format(title=near.article.title) if near else t["clarify"])
        parts.append(t["next_clarify"].format(when=when))
    parts.append(t["close"].format(agent=_agent_name(session, actor)))
    draft = Draft(
        ticket_id=ticket.id,
        text="\n\n".join(parts),
        language=tpl_lang,
        source="offline",
        citations=citations,
        retrieved=retrieved,
        acknowledged=quote,
        clarifying=not confident,
    )
    if tpl_lang != lang:
        draft.notes.append(f"no reply template for language {lang!r}; drafted in English")
    problems = grounding_problems(draft.text, draft.citations, retrieved)
    draft.grounded = not problems
    draft.notes += problems
    provider = provider if provider is not None else provider_from_env()
    if provider is not None and message is not None:
        return _llm_draft(provider, draft, message.text, first, found, query) or draft
    return draft


def _llm_draft(
    provider: LlmProvider,
    offline: Draft,
    customer_text: str,
    first: str,
    found: list[FoundArticle],
    query: str,
) -> Draft | None:
    articles = "\n\n".join(
        f"[KB-{c.article_id}] {c.title} — {c.url}\n{_best_passage(f, query)}"
        for c, f in zip(offline.retrieved, found, strict=True)
    )
    system = (
        "You draft replies for a customer service agent. Write in the language with code "
        f"'{offline.language}'. Greet the customer by first name ({first or 'unknown'}). If they are upset, "
        "acknowledge their feeling quoting a few of their own words. Answer only from the articles given, "
        "citing each one you use by its URL; never cite or invent any other link. If no article answers the "
        "question, ask one clarifying question instead. State the next step and when it will happen. "
        "Close politely. Plain text only."
    )
    user = f"Customer message:\n{customer_text}\n\nArticles:\n{articles or '(none)'}"
    try:
        text = provider.chat([{"role": "system", "content": system}, {"role": "user", "content": user}])
    except LlmError as error:
        offline.notes.append(f"LLM unavailable, offline draft used: {error}")
        return None
    used = [c for c in offline.retrieved if c.url in text or f"KB-{c.article_id}" in text]
    problems = grounding_problems(text, used, offline.retrieved)
    if problems:
        offline.notes.append("LLM draft rejected by the grounding check: " + "; ".join(problems))
        return None
    return Draft(
        ticket_id=offline.ticket_id,
        text=text,
        language=offline.language,
        source="llm",
        citations=used,
        retrieved=offline.retrieved,
        acknowledged=offline.acknowledged,
        clarifying=not used,
        grounded=True,
    )
