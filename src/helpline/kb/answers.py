"""Service actions of the answer bot and KB search over the database: every bot turn is logged."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from helpline.audit.service import record
from helpline.core.actor import Actor
from helpline.core.errors import Forbidden, NotFound
from helpline.kb.bot import DEFAULT_THRESHOLD, AnswerBot, BotAnswer
from helpline.kb.models import KbArticle, KbBotAnswer, KbSettings
from helpline.kb.search import ArticleSearch
from helpline.kb.service import bump_generation
from helpline.outbox.service import emit


@dataclass
class FoundArticle:
    article: KbArticle
    score: float
    semantic: float
    lexical: float


def bot_threshold(session: Session) -> float:
    value = session.scalar(select(KbSettings.bot_threshold).where(KbSettings.id == 1))
    return float(value) if value is not None else DEFAULT_THRESHOLD


def search_articles(
    session: Session, actor: Actor, q: str, *, limit: int = 10, locale: str | None = None
) -> list[FoundArticle]:
    loaded = ArticleSearch.for_session(session)
    result = loaded.index.search(q, k=limit, allowed=loaded.allowed(actor, locale))
    ids = [loaded.article_ids[h.position] for h in result.hits]
    rows = {a.id: a for a in session.scalars(select(KbArticle).where(KbArticle.id.in_(ids)))}
    found = []
    for hit, article_id in zip(result.hits, ids, strict=True):
        row = rows.get(article_id)
        # The index may trail a concurrent unpublish by one request: re-check what is read now.
        if row is None or row.status != "published" or (not actor.is_staff and row.visibility != "public"):
            continue
        found.append(FoundArticle(row, round(hit.score, 4), round(hit.semantic, 4), round(hit.lexical, 4)))
    return found


def ask_bot(session: Session, actor: Actor, question: str, *, locale: str | None = None) -> BotAnswer:
    """The bot's answer from the articles this actor may read; reads only (safe outside a write)."""
    loaded = ArticleSearch.for_session(session)
    bot = AnswerBot(loaded.index, threshold=bot_threshold(session))
    return bot.answer(question, allowed=loaded.allowed(actor, locale))


def log_answer(
    session: Session, actor: Actor, answer: BotAnswer, *, channel: str = "api", ticket_id: int | None = None
) -> KbBotAnswer:
    """Log one bot turn (answered or declined) and emit its event."""
    article_id = int(answer.article_id) if answer.article_id is not None else None
    log = KbBotAnswer(
        question=answer.question[:4000],
        answered=answer.answered,
        confidence=answer.confidence,
        threshold=answer.threshold,
        article_id=article_id,
        reason=answer.reason,
        candidates=[{"article_id": int(c.article_id), "score": c.score} for c in answer.candidates],
        channel=channel,
        ticket_id=ticket_id,
        actor_kind=actor.audit_kind,
        actor_id=actor.id,
    )
    session.add(log)
    session.flush()
    emit(
        session,
        "kb.bot.answered" if answer.answered else "kb.bot.declined",
        {"bot_answer_id": log.id, "article_id": article_id, "reason": answer.reason, "channel": channel},
    )
    return log


def answer_question(
    session: Session, actor: Actor, question: str, *, channel: str = "api", locale: str | None = None
) -> tuple[BotAnswer, KbBotAnswer]:
    """Answer from the articles this actor may read, or decline; log the turn either way."""
    answer = ask_bot(session, actor, question, locale=locale)
    return answer, log_answer(session, actor, answer, channel=channel)


def record_bot_feedback(session: Session, actor: Actor, bot_answer_id: int, *, helped: bool) -> KbBotAnswer:
    """The customer (or an agent) says whether the bot's answer helped.

    A question that was helped becomes an example question of its article in the search index
    (learned questions), so the index is rebuilt when that changes.
    """
    log = session.get(KbBotAnswer, bot_answer_id)
    if log is None or (not actor.is_staff and (log.actor_kind, log.actor_id) != (actor.audit_kind, actor.id)):
        raise NotFound(f"bot answer {bot_answer_id} does not exist")
    if not actor.is_staff and actor.id is None:
        raise Forbidden("sign in to rate an answer")
    before = {"helped": log.helped}
    if log.article_id is not None and (log.helped is True) != helped:
        bump_generation(session)
    log.helped = helped
    record(session, actor, "kb.bot.feedback", "kb_bot_answer", log.id, before, {"helped": helped})
    emit(
        session, "kb.bot.feedback", {"bot_answer_id": log.id, "helped": helped, "article_id": log.article_id}
    )
    return log
