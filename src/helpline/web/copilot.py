"""What the copilot adds to the agent's ticket view: each inbound message's mood, language and intent,
the ticket's frustration flag and the customer's sentiment trend as a small inline chart.

Everything here reads what the enrichment job already stored (``helpline.assist.insights``, scoped by
``visible_tickets``); nothing is computed per page view except the words behind an intent, and only
when the workspace has trained an intent model. The handlers that act (draft, tone check, summary)
live in ``web/assist_panel.py``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from helpline.assist.enrich import MODELS, is_frustrated
from helpline.assist.insights import TrendPoint, sentiment_trend, ticket_insights
from helpline.assist.models import MessageInsight
from helpline.core.actor import Actor
from helpline.tickets.models import Message

log = logging.getLogger(__name__)

STRONG_EMOTION = 0.5  # one clear cue (the scale of ``detect_emotions``)
LONG_THREAD = 6  # messages in the conversation before the summary panel is offered
TREND_DAYS = 90
INTENT_WORDS = 4
CHART_WIDTH, CHART_HEIGHT, CHART_PAD = 200.0, 48.0, 4.0

# English labels (message ids of the UI catalog); templates translate them with ``_(label)``.
SENTIMENTS = {"negative": "Negative", "neutral": "Neutral", "positive": "Positive"}
EMOTIONS = {
    "anger": "Anger",
    "frustration": "Frustration",
    "confusion": "Confusion",
    "anxiety": "Anxiety",
    "gratitude": "Gratitude",
    "urgency": "Urgency",
}
LANGUAGES = {
    "en": "English",
    "de": "German",
    "fr": "French",
    "es": "Spanish",
    "nl": "Dutch",
    "it": "Italian",
    "pt": "Portuguese",
    "sv": "Swedish",
}
DIRECTIONS = {
    "better": "Getting better",
    "worse": "Getting worse",
    "steady": "Steady",
}
TONE_KINDS = {
    "blame": "Blame",
    "dismissive": "Dismissive",
    "jargon": "Jargon",
    "caps": "Capitals",
    "greeting": "Greeting",
    "next_step": "Next step",
    "long_sentence": "Long sentence",
    "readability": "Readability",
    "negative_framing": "Negative framing",
}
LABELS = {
    "sentiments": SENTIMENTS,
    "emotions": EMOTIONS,
    "languages": LANGUAGES,
    "directions": DIRECTIONS,
    "tone_kinds": TONE_KINDS,
}


@dataclass(frozen=True)
class Mood:
    """One inbound message as the agent sees it next to the text."""

    sentiment: str
    score: float
    emotions: list[str]  # strong ones, strongest first
    language: str | None
    intent: str | None
    confidence: float | None
    words: list[str] = field(default_factory=list)  # what drove the intent, strongest first

    @property
    def intent_label(self) -> str:
        return (self.intent or "").replace("_", " ").replace("-", " ")


@dataclass(frozen=True)
class Trend:
    """The customer's average mood per day, drawn as a sparkline (coordinates in SVG units)."""

    points: list[TrendPoint]
    days: int
    line: str  # "x,y x,y ..." for a <polyline>
    dots: list[tuple[float, float, TrendPoint]]
    zero_y: float
    messages: int
    negative: int
    average: float
    direction: str  # key of DIRECTIONS, or "" with fewer than two days
    width: float = CHART_WIDTH
    height: float = CHART_HEIGHT


def _words_behind(rows: list[MessageInsight], texts: dict[int, str]) -> dict[int, list[str]]:
    """The words that pushed each message towards its intent (workspace intent model only)."""
    wanted = [r for r in rows if r.intent and texts.get(r.message_id)]
    if not wanted:
        return {}
    try:
        model = MODELS.intent_model()
    except Exception:  # a broken model file must not break the ticket view
        log.exception("intent model could not be loaded for explanations")
        return {}
    if model is None:
        return {}
    out: dict[int, list[str]] = {}
    for row in wanted:
        try:
            ranked = model.explain(texts[row.message_id], top=INTENT_WORDS, intent=row.intent)
        except ValueError:  # the intent is no longer in the retrained model
            continue
        out[row.message_id] = [word for word, weight in ranked if weight > 0]
    return out


def _strong(raw: dict[str, Any] | None) -> list[str]:
    emotions = {k: float(v) for k, v in (raw or {}).items()}
    return sorted((k for k, v in emotions.items() if v >= STRONG_EMOTION), key=lambda k: -emotions[k])


def mood_of(row: MessageInsight, words: list[str] | None = None) -> Mood:
    return Mood(
        sentiment=row.sentiment,
        score=float(row.sentiment_score),
        emotions=_strong(row.emotions),
        language=row.language,
        intent=row.intent,
        confidence=row.intent_confidence,
        words=words or [],
    )


def trend_of(points: list[TrendPoint], days: int = TREND_DAYS) -> Trend | None:
    """Lay the points out on a ``CHART_WIDTH`` x ``CHART_HEIGHT`` box: days left to right, the score
    (-1 … +1) bottom to top."""
    if not points:
        return None
    first, last = points[0].day, points[-1].day
    span = max((last - first).days, 1)
    inner_w, inner_h = CHART_WIDTH - 2 * CHART_PAD, CHART_HEIGHT - 2 * CHART_PAD

    def y_of(score: float) -> float:
        return round(CHART_PAD + (1 - max(-1.0, min(1.0, score))) / 2 * inner_h, 1)

    dots = []
    for p in points:
        x = CHART_PAD + inner_w * ((p.day - first).days / span if len(points) > 1 else 0.5)
        dots.append((round(x, 1), y_of(p.average), p))
    messages = sum(p.messages for p in points)
    average = sum(p.average * p.messages for p in points) / messages if messages else 0.0
    direction = ""
    if len(points) >= 2:
        half = len(points) // 2
        early = sum(p.average for p in points[:half]) / half
        late = sum(p.average for p in points[half:]) / (len(points) - half)
        direction = "better" if late - early > 0.2 else "worse" if early - late > 0.2 else "steady"
    return Trend(
        points=points,
        days=days,
        line=" ".join(f"{x},{y}" for x, y, _ in dots),
        dots=dots,
        zero_y=y_of(0.0),
        messages=messages,
        negative=sum(p.negative for p in points),
        average=round(average, 2),
        direction=direction,
    )


def copilot_context(session: Session, messages: list[Message]) -> dict[str, Any]:
    """Template values of the copilot for one ticket page: one query, whatever the thread's length.

    ``messages`` are the conversation as the agent may see it (``list_messages``), so reading the
    insights of exactly those messages is scoped by construction. The ticket's mood is that of its
    latest enriched customer message, as in the ``ticket_insights`` rollup.
    """
    texts = {m.id: m.text for m in messages if m.author_kind == "customer" and not m.internal}
    rows = (
        list(
            session.scalars(
                select(MessageInsight)
                .where(MessageInsight.message_id.in_(list(texts)))
                .order_by(MessageInsight.message_id)
            )
        )
        if texts
        else []
    )
    words = _words_behind(rows, texts)
    latest = rows[-1] if rows else None
    return {
        "moods": {row.message_id: mood_of(row, words.get(row.message_id)) for row in rows},
        "frustrated": latest is not None
        and is_frustrated(latest.sentiment, latest.sentiment_score, latest.emotions or {}),
        "long_thread": len(messages) >= LONG_THREAD,
        "labels": LABELS,
        "mood_panel": None,
        "tone": None,
        "draft": None,
        "summary": None,
    }


@dataclass(frozen=True)
class MoodPanel:
    """The sidebar's mood section: the ticket's latest mood, the frustration flag, the trend."""

    latest: Mood | None
    frustrated: bool
    trend: Trend | None


def mood_panel(session: Session, actor: Actor, ticket_id: int, customer_id: int) -> MoodPanel:
    rollup, _rows = ticket_insights(session, actor, ticket_id)
    trend = trend_of(sentiment_trend(session, actor, customer_id, days=TREND_DAYS))
    if rollup is None:
        return MoodPanel(None, False, trend)
    emotions = {k: float(v) for k, v in (rollup.emotions or {}).items()}
    strong = sorted((k for k, v in emotions.items() if v >= STRONG_EMOTION), key=lambda k: -emotions[k])
    latest = Mood(
        rollup.sentiment, float(rollup.sentiment_score), strong, rollup.language, rollup.intent, None
    )
    return MoodPanel(latest, rollup.frustrated, trend)
