"""Extractive conversation summaries for long threads and handovers.

The conversation (public messages and internal notes, merged tickets included) is split into
sentences; greetings, sign-offs and one-word lines are dropped; each remaining sentence is scored by
its TF-IDF centrality (LexRank: the stationary distribution of a random walk over the cosine
similarity graph), with a boost for the first sentence of each message, the customer's first message
(what the ticket is about) and the latest messages (where it stands). The summary opens with the
first sentence of the customer's first message, which states the problem, then adds sentences by
maximal marginal relevance (central, but not a repeat), returned in conversation order with who said
each. With ``HELPLINE_LLM_URL`` set an LLM writes an abstractive summary instead, checked for links
and article ids the conversation does not contain, with the extractive one as fallback.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from helpline.assist.drafting import references
from helpline.assist.llm import LlmError, LlmProvider, provider_from_env
from helpline.core.actor import Actor
from helpline.core.errors import Forbidden, Invalid
from helpline.tickets.access import get_visible_ticket
from helpline.tickets.conversation import conversation_ids
from helpline.tickets.models import Message

_SPLIT = re.compile(r"(?<=[.!?])\s+|\n+")
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_BOILERPLATE = re.compile(
    r"^(?:hi|hello|hey|dear|thanks?|thank you|kind regards|best regards|regards|best|cheers|sincerely|"
    r"hallo|guten tag|liebe[rs]?|viele grüße|mit freundlichen grüßen|danke|vielen dank)\b[\s\w,.!]{0,30}$",
    re.IGNORECASE,
)
_STOP_WORDS = (
    "a an and are as at be but by for from has have i i'm in is it it's me my of on or our so that the "
    "their them there this to was we were what when which who will with you your "
    "der die das und ist ich sie wir ein eine nicht zu mit auf für von es"
)
STOP = frozenset(_STOP_WORDS.split())
DAMPING = 0.85
REDUNDANCY = 0.7
MAX_SENTENCES = 20


@dataclass(frozen=True)
class SummarySentence:
    text: str
    message_id: int
    author_kind: str
    internal: bool
    score: float


@dataclass
class Summary:
    ticket_id: int
    text: str
    sentences: list[SummarySentence]
    source: str  # "extractive" | "llm"
    messages: int
    notes: list[str] = field(default_factory=list)


def _terms(text: str) -> list[str]:
    return [w for w in (m.lower() for m in _WORD.findall(text)) if w not in STOP and len(w) > 1]


Matrix = np.ndarray[tuple[int, ...], np.dtype[np.float64]]


def centrality(sentences: list[str]) -> tuple[Matrix, Matrix]:
    """LexRank scores (summing to 1) of sentences under TF-IDF cosine similarity, and the similarities."""
    n = len(sentences)
    bags = [Counter(_terms(s)) for s in sentences]
    df = Counter(t for bag in bags for t in bag)
    vocab = {t: i for i, t in enumerate(df)}
    matrix = np.zeros((n, max(len(vocab), 1)))
    for row, bag in enumerate(bags):
        for term, count in bag.items():
            matrix[row, vocab[term]] = (1 + math.log(count)) * math.log((1 + n) / (1 + df[term]) + 1)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    matrix /= np.maximum(norms, 1e-12)
    sim = matrix @ matrix.T
    np.fill_diagonal(sim, 0.0)
    rows = sim.sum(axis=1, keepdims=True)
    walk = np.where(rows > 0, sim / np.maximum(rows, 1e-12), 1.0 / n)
    scores = np.full(n, 1.0 / n)
    for _ in range(50):
        scores = (1 - DAMPING) / n + DAMPING * (walk.T @ scores)
    total: float = float(scores.sum())
    return np.asarray(scores / total, dtype=np.float64), sim


def _units(messages: list[Message]) -> list[tuple[str, Message]]:
    out = []
    for message in messages:
        for part in _SPLIT.split(message.text or ""):
            part = part.strip(" ->*\t\u2013\u2014")
            if len(part.split()) < 4 or _BOILERPLATE.match(part) or part.startswith(("--", "__")):
                continue
            out.append((part, message))
    return out


def summarize_messages(messages: list[Message], sentences: int = 3) -> list[SummarySentence]:
    units = _units(messages)
    if not units:
        return []
    scores, sim = centrality([text for text, _ in units])
    first_customer = next((m.id for m in messages if m.author_kind == "customer"), None)
    recent = {m.id for m in messages[-2:]}
    n = len(units)
    boosted = []
    seen: set[int] = set()
    for (text, message), score in zip(units, scores, strict=True):
        boost = 1.0
        if message.id not in seen:  # lead bias: people state their point first
            boost += 0.3
            seen.add(message.id)
        if message.id == first_customer:
            boost += 0.5
        if message.id in recent:
            boost += 0.3
        boosted.append(float(score) * boost * (1.0 + 0.1 * min(len(text.split()), 25) / 25))
    # Maximal marginal relevance: central, but not a repeat of what is already in the summary.
    top = max(boosted)
    opening = [i for i in range(n) if units[i][1].id == first_customer]
    picked: list[int] = opening[:1]  # the customer's opening sentence states the problem
    while len(picked) < min(sentences, n):
        rest = [i for i in range(n) if i not in picked]
        picked.append(
            max(
                rest,
                key=lambda i: boosted[i] - REDUNDANCY * top * max((sim[i, j] for j in picked), default=0),
            )
        )
    chosen = sorted(picked)
    return [
        SummarySentence(
            text=units[i][0],
            message_id=units[i][1].id,
            author_kind=units[i][1].author_kind,
            internal=units[i][1].internal,
            score=round(float(boosted[i]), 5),
        )
        for i in chosen
    ]


def _line(s: SummarySentence) -> str:
    who = {"customer": "Customer", "agent": "Agent", "system": "System"}.get(s.author_kind, s.author_kind)
    return f"{who}{' (note)' if s.internal else ''}: {s.text}"


def summarize_ticket(
    session: Session, actor: Actor, ticket_id: int, sentences: int = 3, *, provider: LlmProvider | None = None
) -> Summary:
    if not actor.is_staff:
        raise Forbidden("summaries are for agents")
    if not 1 <= sentences <= MAX_SENTENCES:
        raise Invalid.field("sentences", f"must be between 1 and {MAX_SENTENCES}")
    ticket = get_visible_ticket(session, actor, ticket_id)
    messages = list(
        session.scalars(
            select(Message).where(Message.ticket_id.in_(conversation_ids(ticket.id))).order_by(Message.id)
        )
    )
    picked = summarize_messages(messages, sentences)
    summary = Summary(ticket.id, "\n".join(_line(s) for s in picked), picked, "extractive", len(messages))
    provider = provider if provider is not None else provider_from_env()
    if provider is None or not messages:
        return summary
    transcript = "\n".join(
        f"{m.author_kind}{' (internal note)' if m.internal else ''}: {m.text.strip()}" for m in messages
    )[-12000:]
    try:
        text = provider.chat(
            [
                {
                    "role": "system",
                    "content": f"Summarise this support conversation for a colleague taking it over, in at "
                    f"most {sentences} sentences: the problem, what was done, what is still open. Use only "
                    "facts from the conversation.",
                },
                {"role": "user", "content": transcript},
            ],
            max_tokens=300,
        )
    except LlmError as error:
        summary.notes.append(f"LLM unavailable, extractive summary used: {error}")
        return summary
    ids, links = references(text)
    known_ids, known_links = references(transcript)
    problems = [f"article {a} is not in the conversation" for a in sorted(ids - known_ids)]
    problems += [f"link {u} is not in the conversation" for u in sorted(links - known_links)]
    if problems:
        summary.notes.append("LLM summary rejected by the grounding check: " + "; ".join(problems))
        return summary
    return Summary(ticket.id, text, picked, "llm", len(messages))
