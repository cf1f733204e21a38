"""The answer bot: answer from the knowledge base with a citation, or hand over to a person.

The bot answers only when the best article's fused score (``retrieval.HybridIndex``) reaches the
workspace's confidence threshold; below it the bot says it is not sure and hands over, carrying the
question so the customer never repeats it.

``DEFAULT_THRESHOLD`` was chosen once, by ``calibrate_threshold`` on one development mix
(StackFAQ articles; its 630 questions answerable, CovidFAQ's 693 questions unanswerable: 0.3984,
rounded to 0.40) and then checked unchanged on the reverse mix (CovidFAQ articles, StackFAQ
questions unanswerable). A workspace can calibrate its own threshold from labelled questions with
the same function and store it (``kb_settings.bot_threshold``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from helpline.kb.retrieval import HybridIndex

DEFAULT_THRESHOLD = 0.40
MIN_THRESHOLD, MAX_THRESHOLD = 0.0, 1.0
MAX_EXCERPT_CHARS = 700

DECLINE_MESSAGES = {
    "empty_question": "Could you tell me a little more about what you need?",
    "no_articles": "I don't have any help articles to answer from yet, so I'm passing you to a person.",
    "low_confidence": "I'm not sure I have the right answer for this, so I'm passing you to a person "
    "who can help. They will see your question, so you won't need to repeat it.",
}


@dataclass
class Citation:
    article_id: str
    title: str
    score: float


@dataclass
class BotAnswer:
    question: str
    answered: bool
    confidence: float
    threshold: float
    article_id: str | None = None
    title: str | None = None
    excerpt: str | None = None
    reason: str | None = None
    message: str = ""
    candidates: list[Citation] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def handover(self) -> bool:
        return not self.answered


class AnswerBot:
    def __init__(self, index: HybridIndex, threshold: float = DEFAULT_THRESHOLD) -> None:
        if not MIN_THRESHOLD <= threshold <= MAX_THRESHOLD:
            raise ValueError(f"threshold must be between {MIN_THRESHOLD} and {MAX_THRESHOLD}")
        self.index = index
        self.threshold = threshold

    def answer(self, question: str, allowed: npt.NDArray[np.bool_] | None = None, k: int = 5) -> BotAnswer:
        question = " ".join(question.split())
        if not any(c.isalnum() for c in question):
            return self._decline(question, "empty_question", 0.0, [])
        if len(self.index) == 0 or (allowed is not None and not allowed.any()):
            return self._decline(question, "no_articles", 0.0, [])
        result = self.index.search(question, k=k, allowed=allowed)
        if not result.hits:
            return self._decline(question, "no_articles", 0.0, [], result.seconds)
        cands = [Citation(h.article.id, h.article.title, round(h.score, 4)) for h in result.hits]
        best = result.hits[0]
        confidence = float(min(max(best.confidence, 0.0), 1.0))
        if confidence < self.threshold:
            return self._decline(question, "low_confidence", confidence, cands, result.seconds)
        passage, _ = self.index.best_passage(best.position, question, result.query_vector)
        return BotAnswer(
            question=question,
            answered=True,
            confidence=round(confidence, 4),
            threshold=self.threshold,
            article_id=best.article.id,
            title=best.article.title,
            excerpt=excerpt(passage),
            message=f"From “{best.article.title}”:",
            candidates=cands,
            seconds=result.seconds,
        )

    def _decline(
        self, question: str, reason: str, confidence: float, cands: list[Citation], seconds: float = 0.0
    ) -> BotAnswer:
        return BotAnswer(
            question=question,
            answered=False,
            confidence=round(confidence, 4),
            threshold=self.threshold,
            reason=reason,
            message=DECLINE_MESSAGES[reason],
            candidates=cands,
            seconds=seconds,
        )


def excerpt(passage: str, limit: int = MAX_EXCERPT_CHARS) -> str:
    """Whole sentences up to ``limit`` characters; an ellipsis marks a cut."""
    if len(passage) <= limit:
        return passage
    cut = passage[:limit]
    end = max(m.end() for m in re.finditer(r"[.!?](\s|$)", cut)) if re.search(r"[.!?](\s|$)", cut) else 0
    if end < limit // 3:
        end = cut.rfind(" ") if " " in cut else limit
    return cut[:end].rstrip() + " …"


def calibrate_threshold(
    answerable: Sequence[float], unanswerable: Sequence[float], min_answer_rate: float = 0.8
) -> float:
    """The confidence threshold that best separates labelled questions.

    With unanswerable examples: maximise answer rate + decline rate (Youden's J) among thresholds
    that still answer at least ``min_answer_rate`` of the answerable questions (if none does, the one
    that comes closest), and return the middle of the best plateau, so the threshold sits between
    the two groups rather than on one of their points. Without unanswerable examples there is nothing
    to separate: the threshold is set so that ``min_answer_rate`` of the answerable ones pass, capped
    at ``DEFAULT_THRESHOLD``.
    """
    pos = np.sort(np.asarray(answerable, dtype=np.float64))
    neg = np.sort(np.asarray(unanswerable, dtype=np.float64))
    if not len(pos):
        raise ValueError("calibration needs at least one answerable question")
    if not len(neg):
        return float(min(np.quantile(pos, 1.0 - min_answer_rate), DEFAULT_THRESHOLD))
    cuts = np.unique(np.concatenate([pos, neg, [0.0, 1.0]]))
    answer = 1.0 - np.searchsorted(pos, cuts, side="left") / len(pos)
    decline = np.searchsorted(neg, cuts, side="left") / len(neg)
    ok = answer >= min_answer_rate - 1e-9
    if not ok.any():
        ok = answer >= answer.max() - 1e-9
    j = np.where(ok, answer + decline, -1.0)
    best = np.flatnonzero(j >= j.max() - 1e-9)
    # A threshold t answers scores >= t, so every t in (cuts[i-1], cuts[i]] decides like cuts[i]:
    # the first run of best cuts i..e spans (cuts[i-1], cuts[e]]; take its middle.
    first = last = int(best[0])
    while last + 1 < len(cuts) and j[last + 1] >= j.max() - 1e-9:
        last += 1
    low = cuts[first - 1] if first > 0 else cuts[first]
    return float(round((low + cuts[last]) / 2.0, 4))
