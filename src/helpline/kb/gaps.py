"""The KB gap report: what customers asked that the knowledge base could not answer well.

Questions the bot declined, or answered and the customer said did not help, are grouped by meaning
(MiniLM embeddings, greedy single-pass clustering at a cosine threshold) and ranked by how often
they were asked. Each group names a representative question (the one closest to the group's centre)
and, for unhelpful answers, the article that fell short — what to write or fix next.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

import numpy as np
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from helpline.core.actor import Actor
from helpline.core.db import utcnow
from helpline.core.errors import Forbidden
from helpline.kb.models import KbBotAnswer

SIMILARITY = 0.72
MAX_QUESTIONS = 5000


@dataclass
class GapCluster:
    question: str
    count: int
    declined: int
    unhelpful: int
    examples: list[str] = field(default_factory=list)
    articles: list[int] = field(default_factory=list)
    last_asked: dt.datetime | None = None


def _cluster(vectors: np.ndarray, threshold: float) -> list[list[int]]:
    """Greedy clustering: each question joins the closest existing centre above ``threshold``."""
    centres: list[np.ndarray] = []
    members: list[list[int]] = []
    for index, vector in enumerate(vectors):
        if centres:
            sims = np.stack(centres) @ vector
            best = int(np.argmax(sims))
            if sims[best] >= threshold:
                members[best].append(index)
                centre = vectors[members[best]].mean(axis=0)
                centres[best] = centre / (np.linalg.norm(centre) or 1.0)
                continue
        centres.append(vector)
        members.append([index])
    return members


def gap_report(
    session: Session,
    actor: Actor,
    *,
    days: int = 30,
    limit: int = 20,
    threshold: float = SIMILARITY,
) -> list[GapCluster]:
    if not actor.is_staff:
        raise Forbidden("the KB gap report is for agents and admins")
    since = utcnow() - dt.timedelta(days=days)
    rows = list(
        session.scalars(
            select(KbBotAnswer)
            .where(
                KbBotAnswer.created_at >= since,
                or_(KbBotAnswer.answered.is_(False), KbBotAnswer.helped.is_(False)),
            )
            .order_by(KbBotAnswer.id.desc())
            .limit(MAX_QUESTIONS)
        )
    )
    if not rows:
        return []
    from helpline.assist.embeddings import Encoder

    vectors = np.asarray(Encoder.get().encode([r.question for r in rows]), dtype=np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True).clip(min=1e-9)
    clusters: list[GapCluster] = []
    for group in _cluster(vectors, threshold):
        centre = vectors[group].mean(axis=0)
        representative = group[int(np.argmax(vectors[group] @ centre))]
        asked = [rows[i] for i in group]
        distinct = list(dict.fromkeys(r.question.strip() for r in asked))
        articles = Counter(r.article_id for r in asked if r.answered and r.article_id is not None)
        clusters.append(
            GapCluster(
                question=rows[representative].question.strip(),
                count=len(asked),
                declined=sum(1 for r in asked if not r.answered),
                unhelpful=sum(1 for r in asked if r.answered and r.helped is False),
                examples=distinct[:5],
                articles=[a for a, _ in articles.most_common(3)],
                last_asked=max(r.created_at for r in asked),
            )
        )
    clusters.sort(key=lambda c: (-c.count, c.question))
    return clusters[:limit]
