"""Enrichment of inbound customer messages: language, sentiment with a score, emotions, intent.

Models are loaded once per process and shared by every job: the MiniLM encoder (one embedding per
message, used by both the sentiment model and the intent classifier), the shipped sentiment model, one
language detector per workspace language list, and the workspace's intent model
(``<data_dir>/assist/intents.npz``, reloaded when the file changes). ``configure`` swaps the data
directory or the encoder (tests pass a tiny fake encoder and use the lexicon alone).
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from helpline.assist.intents import IntentClassifier, IntentConfig, TextEncoder, default_encoder
from helpline.assist.language import WORDS, LanguageDetector
from helpline.assist.models import DEFAULT_LANGUAGES, AssistSettings, MessageInsight, TicketInsight
from helpline.assist.sentiment import SentimentAnalyzer, default_sentiment_model
from helpline.core.db import utcnow
from helpline.core.errors import Invalid
from helpline.outbox.service import emit
from helpline.tickets.models import Message, Ticket, TicketTag

INTENTS_FILE = Path("assist") / "intents.npz"
FRUSTRATION_EMOTION = 0.5  # one clear cue of anger or frustration
FRUSTRATION_SCORE = -0.5  # or a clearly negative message


@dataclass(frozen=True)
class Enrichment:
    language: str | None
    sentiment: str
    sentiment_score: float
    emotions: dict[str, float]
    intent: str | None = None
    intent_confidence: float | None = None
    intent_words: list[tuple[str, float]] = field(default_factory=list)

    @property
    def frustrated(self) -> bool:
        return is_frustrated(self.sentiment, self.sentiment_score, self.emotions)


def is_frustrated(sentiment: str, score: float, emotions: dict[str, Any]) -> bool:
    strongest = max(float(emotions.get("anger", 0.0)), float(emotions.get("frustration", 0.0)))
    return strongest >= FRUSTRATION_EMOTION or (sentiment == "negative" and score <= FRUSTRATION_SCORE)


class _Models:
    """Process-wide, loaded lazily under a lock; cheap to read afterwards."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.data_dir: Path | None = None
        self.encoder: TextEncoder | None = None
        self.use_sentiment_model = True
        self.analyzer: SentimentAnalyzer | None = None
        self.detectors: dict[tuple[str, ...], LanguageDetector] = {}
        self.intents: tuple[Path, int, IntentClassifier] | None = None

    def get_encoder(self) -> TextEncoder:
        if self.encoder is None:
            self.encoder = default_encoder()
        return self.encoder

    def get_analyzer(self) -> SentimentAnalyzer:
        with self.lock:
            if self.analyzer is None:
                model = default_sentiment_model(self.get_encoder()) if self.use_sentiment_model else None
                self.analyzer = SentimentAnalyzer(model)
            return self.analyzer

    def detector(self, languages: Sequence[str]) -> LanguageDetector:
        key = tuple(languages)
        with self.lock:
            found = self.detectors.get(key)
            if found is None:
                found = self.detectors[key] = LanguageDetector(key)
            return found

    def intents_path(self) -> Path:
        if self.data_dir is None:
            from helpline.core.settings import get_settings

            self.data_dir = get_settings().data_dir
        return self.data_dir / INTENTS_FILE

    def intent_model(self) -> IntentClassifier | None:
        path = self.intents_path()
        try:
            mtime = path.stat().st_mtime_ns
        except OSError:
            return None
        with self.lock:
            if self.intents is None or self.intents[0] != path or self.intents[1] != mtime:
                self.intents = (path, mtime, IntentClassifier.load(path, self.get_encoder()))
            return self.intents[2]


MODELS = _Models()


def configure(
    *, data_dir: Path | None = None, encoder: TextEncoder | None = None, sentiment_model: bool = True
) -> None:
    """Set where workspace models live and (tests) which encoder to use; drops loaded models."""
    with MODELS.lock:
        MODELS.data_dir = data_dir
        MODELS.encoder = encoder
        MODELS.use_sentiment_model = sentiment_model
        MODELS.analyzer = None
        MODELS.intents = None


def workspace_languages(session: Session) -> list[str]:
    row = session.get(AssistSettings, 1)
    return list(row.languages) if row is not None and row.languages else list(DEFAULT_LANGUAGES)


def set_workspace_languages(session: Session, languages: list[str]) -> AssistSettings:
    clean = list(dict.fromkeys(code.strip().lower() for code in languages if code.strip()))
    unknown = [code for code in clean if code not in WORDS]
    if not clean or unknown:
        raise Invalid.field("languages", f"choose among {', '.join(sorted(WORDS))}; unknown: {unknown}")
    row = session.get(AssistSettings, 1)
    if row is None:
        row = AssistSettings(id=1)
        session.add(row)
    row.languages = clean
    row.updated_at = utcnow()
    return row


def enrich_texts(texts: Sequence[str], languages: Sequence[str] = DEFAULT_LANGUAGES) -> list[Enrichment]:
    """Analyse texts with the process-wide models: one embedding per text, shared by every model."""
    if not texts:
        return []
    analyzer = MODELS.get_analyzer()
    intents = MODELS.intent_model()
    embeddings = None
    if analyzer.model is not None or intents is not None:
        embeddings = MODELS.get_encoder().encode(list(texts))
    detector = MODELS.detector(languages)
    found_languages = [detector.detect(text).language for text in texts]
    moods = analyzer.analyze_many(texts, embeddings, found_languages)
    predictions = intents.predict(texts, embeddings) if intents is not None else [None] * len(texts)
    out = []
    for text, language, mood, prediction in zip(texts, found_languages, moods, predictions, strict=True):
        intent = prediction.label if prediction is not None else None
        words = intents.explain(text, top=5, intent=intent) if intents is not None and intent else []
        out.append(
            Enrichment(
                language=language,
                sentiment=mood.label,
                sentiment_score=round(float(mood.score), 4),
                emotions={k: round(float(v), 3) for k, v in mood.emotions.items()},
                intent=intent,
                intent_confidence=round(prediction.confidence, 4) if prediction is not None else None,
                intent_words=words,
            )
        )
    return out


def enrich_message(
    session: Session, message_id: int, found: Enrichment | None = None
) -> MessageInsight | None:
    """Store the insight of one inbound customer message and update its ticket's rollup (``found``:
    the message's enrichment when a batch computed it already)."""
    message = session.get(Message, message_id)
    if message is None or message.author_kind != "customer" or message.internal:
        return None
    settings = session.get(AssistSettings, 1)
    if settings is not None and not settings.enrich:
        return None
    if found is None:
        found = enrich_texts([message.text or message.full_text], workspace_languages(session))[0]
    insight = session.get(MessageInsight, message_id)
    if insight is None:
        insight = MessageInsight(message_id=message_id, created_at=message.created_at)
        session.add(insight)
    insight.ticket_id = message.ticket_id
    insight.customer_id = message.author_customer_id
    insight.language = found.language
    insight.sentiment = found.sentiment
    insight.sentiment_score = found.sentiment_score
    insight.emotions = found.emotions
    insight.intent = found.intent
    insight.intent_confidence = found.intent_confidence
    session.flush()
    rollup = _roll_up(session, message, found)
    emit(
        session,
        "message.enriched",
        {
            "ticket_id": message.ticket_id,
            "message_id": message_id,
            "language": found.language,
            "sentiment": found.sentiment,
            "sentiment_score": found.sentiment_score,
            "emotions": [e for e, s in found.emotions.items() if s >= 0.5],
            "intent": found.intent,
            "frustrated": rollup.frustrated if rollup is not None else found.frustrated,
        },
    )
    return insight


def _roll_up(session: Session, message: Message, found: Enrichment) -> TicketInsight | None:
    row = session.get(TicketInsight, message.ticket_id, with_for_update=True)
    if row is not None and row.last_message_id > message.id:
        return row  # a later message was enriched first: it speaks for the ticket now
    negatives = session.scalars(
        select(MessageInsight.sentiment).where(MessageInsight.ticket_id == message.ticket_id)
    ).all()
    if row is None:
        row = TicketInsight(ticket_id=message.ticket_id)
        session.add(row)
    row.last_message_id = message.id
    row.language = found.language or row.language
    row.sentiment = found.sentiment
    row.sentiment_score = found.sentiment_score
    row.emotions = found.emotions
    row.intent = found.intent
    row.frustrated = found.frustrated
    row.negative_messages = sum(1 for s in negatives if s == "negative")
    row.updated_at = utcnow()
    session.flush()
    return row


# -- training from the workspace's own tickets ------------------------------------------------------


@dataclass(frozen=True)
class TrainingReport:
    path: Path
    intents: list[str]
    examples: int
    report: dict[str, float | None]
    kb_examples: int = 0


@dataclass(frozen=True)
class TrainingSet:
    texts: list[str]
    labels: list[str]
    kb_examples: int  # of which titles of published KB articles (category = an intent's tag)

    @property
    def intents(self) -> list[str]:
        return sorted(set(self.labels))


def training_examples(session: Session, *, min_examples: int = 5, max_per_intent: int = 500) -> TrainingSet:
    """The workspace's labelled texts: each ticket's first customer message with its tag as the label.

    A tag becomes an intent when at least ``min_examples`` tickets carry it; a ticket with several
    such tags counts for its most common one. Published knowledge-base articles whose category,
    as a tag, names one of those intents add their titles as examples of it.
    """
    from helpline.kb.models import KbArticle
    from helpline.tickets.service import normalize_tags

    first = (
        select(Message.ticket_id, Message.text)
        .where(Message.author_kind == "customer", Message.internal.is_(False))
        .order_by(Message.ticket_id, Message.id)
    )
    texts: dict[int, str] = {}
    for ticket_id, text in session.execute(first):
        texts.setdefault(ticket_id, text)
    tags: dict[int, list[str]] = {}
    for ticket_id, tag in session.execute(
        select(TicketTag.ticket_id, TicketTag.tag).join(Ticket, Ticket.id == TicketTag.ticket_id)
    ):
        tags.setdefault(ticket_id, []).append(tag)
    counts = Counter(tag for ticket_tags in tags.values() for tag in ticket_tags)
    intents = {tag for tag, n in counts.items() if n >= min_examples}
    per: Counter[str] = Counter()
    x, y = [], []
    for ticket_id, text in texts.items():
        usable = [t for t in tags.get(ticket_id, []) if t in intents]
        if not usable or not text.strip():
            continue
        label = max(usable, key=lambda t: (counts[t], t))
        if per[label] >= max_per_intent:
            continue
        per[label] += 1
        x.append(text)
        y.append(label)
    kb = 0
    articles = select(KbArticle.category, KbArticle.published_title).where(
        KbArticle.status == "published", KbArticle.category != ""
    )
    for category, title in session.execute(articles.order_by(KbArticle.id)):
        try:
            (tag,) = normalize_tags([category])
        except (Invalid, ValueError):
            continue
        if tag in per and title and per[tag] < max_per_intent:
            per[tag] += 1
            x.append(title)
            y.append(tag)
            kb += 1
    return TrainingSet(x, y, kb)


def save_intent_model(model: IntentClassifier, path: Path) -> None:
    """Write next to ``path`` and rename over it: readers see the old model or the new one, whole."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{threading.get_ident()}.tmp.npz")
    try:
        model.save(tmp)
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)


def train_intents_from_tickets(
    session: Session,
    *,
    min_examples: int = 5,
    max_per_intent: int = 500,
    data_dir: Path | None = None,
    encoder: TextEncoder | None = None,
    config: IntentConfig | None = None,
) -> TrainingReport:
    """Train the workspace intent model from :func:`training_examples` and save it to
    ``<data_dir>/assist/intents.npz``, which the enrichment job picks up on its next message.
    (The background retraining in ``retrain.py`` does the same outside any transaction.)"""
    found = training_examples(session, min_examples=min_examples, max_per_intent=max_per_intent)
    if len(found.intents) < 2:
        raise Invalid(f"need at least two tags with {min_examples}+ tickets each to train intents")
    model = IntentClassifier(encoder or MODELS.get_encoder(), config).fit(found.texts, found.labels)
    path = (data_dir / INTENTS_FILE) if data_dir is not None else MODELS.intents_path()
    save_intent_model(model, path)
    return TrainingReport(path, found.intents, len(found.texts), dict(model.report), found.kb_examples)
