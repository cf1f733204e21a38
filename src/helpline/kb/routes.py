"""HTTP adapters for the knowledge base, its search and the answer bot. Thin: parse, call, shape.

Reading articles, searching and asking the bot work without a token (an anonymous reader sees what
a customer sees: published public articles); anonymous callers are rate limited per client address.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status
from pydantic import Field, StringConstraints
from sqlalchemy import or_, select

from helpline.core.actor import Actor
from helpline.core.deps import AppSettings, DbSession, StaffActor, get_actor
from helpline.core.pagination import decode_cursor, encode_cursor
from helpline.core.ratelimit import RateLimiter
from helpline.core.schemas import Email, Out, Strict
from helpline.kb import answers, service
from helpline.kb.gaps import gap_report
from helpline.kb.handover import Turn, hand_over_to_agent
from helpline.kb.models import KbArticle, KbArticleVersion
from helpline.kb.schemas import (
    ArticleCreate,
    ArticleOut,
    ArticlePage,
    ArticleUpdate,
    BotAnswerOut,
    BotFeedbackIn,
    BotQuestionIn,
    Channel,
    FeedbackIn,
    PublishIn,
    SearchPage,
    TranslateIn,
    VersionOut,
    hit_out,
)

router = APIRouter(tags=["knowledge base"])
ANONYMOUS_PER_MINUTE = 60


def reader(request: Request, session: DbSession) -> Actor:
    """The caller if a token is sent, else an anonymous reader (rate limited per client address)."""
    if request.headers.get("authorization"):
        return get_actor(request, session)
    state = request.app.state
    limiter = getattr(state, "kb_anonymous_limiter", None)
    if limiter is None:
        limiter = RateLimiter(limit=ANONYMOUS_PER_MINUTE, window_seconds=60, what="requests without a token")
        state.kb_anonymous_limiter = limiter
    client = request.client.host if request.client else "unknown"
    limiter.check(client)
    limiter.hit(client)
    return service.ANONYMOUS


Reader = Annotated[Actor, Depends(reader)]


def _out(session: DbSession, actor: Actor, article: KbArticle) -> ArticleOut:
    return ArticleOut.of(article, actor, service.translations_of(session, actor, article))


@router.get("/kb/articles", response_model=ArticlePage, summary="List the articles you may read")
def list_articles(
    session: DbSession,
    actor: Reader,
    settings: AppSettings,
    q: Annotated[str | None, Query(max_length=200)] = None,
    category: str | None = None,
    section: str | None = None,
    locale: str | None = None,
    status_: Annotated[str | None, Query(alias="status")] = None,
    visibility: str | None = None,
    limit: Annotated[int, Query(ge=1)] = 50,
    cursor: str | None = None,
) -> ArticlePage:
    limit = min(limit, settings.page_size_max)
    stmt = select(KbArticle).where(service.visible_articles(actor)).order_by(KbArticle.id.desc())
    for column, value in (
        (KbArticle.category, category),
        (KbArticle.section, section),
        (KbArticle.locale, locale),
        (KbArticle.status, status_),
        (KbArticle.visibility, visibility),
    ):
        if value is not None:
            stmt = stmt.where(column == value)
    if q:
        like = f"%{q.replace('%', '').replace('_', '')}%"
        if actor.is_staff:
            stmt = stmt.where(or_(KbArticle.title.ilike(like), KbArticle.body.ilike(like)))
        else:
            stmt = stmt.where(
                or_(KbArticle.published_title.ilike(like), KbArticle.published_body.ilike(like))
            )
    after = decode_cursor(cursor, 1)
    if after:
        stmt = stmt.where(KbArticle.id < int(after[0]))
    rows = list(session.scalars(stmt.limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return ArticlePage(
        items=[ArticleOut.of(a, actor) for a in rows],
        next_cursor=encode_cursor([rows[-1].id]) if more else None,
    )


@router.post(
    "/kb/articles",
    status_code=status.HTTP_201_CREATED,
    response_model=ArticleOut,
    summary="Write an article (a draft)",
)
def create_article(
    body: ArticleCreate, session: DbSession, actor: StaffActor, response: Response
) -> ArticleOut:
    article = service.create_article(session, actor, **body.model_dump())
    session.flush()
    response.headers["Location"] = f"/api/v1/kb/articles/{article.id}"
    return _out(session, actor, article)


@router.get("/kb/articles/{article_id}", response_model=ArticleOut)
def get_article(article_id: int, session: DbSession, actor: Reader) -> ArticleOut:
    return _out(session, actor, service.get_visible_article(session, actor, article_id))


@router.patch(
    "/kb/articles/{article_id}", response_model=ArticleOut, summary="Edit; new content is a new draft version"
)
def patch_article(article_id: int, body: ArticleUpdate, session: DbSession, actor: StaffActor) -> ArticleOut:
    fields = body.changes()
    article = service.update_article(session, actor, article_id, **fields)
    session.flush()
    return _out(session, actor, article)


@router.post(
    "/kb/articles/{article_id}/publish",
    response_model=ArticleOut,
    summary="Publish the current (or a given) version",
)
def publish_article(
    article_id: int, session: DbSession, actor: StaffActor, body: PublishIn | None = None
) -> ArticleOut:
    article = service.publish_article(session, actor, article_id, body.version if body else None)
    session.flush()
    return _out(session, actor, article)


@router.post("/kb/articles/{article_id}/unpublish", response_model=ArticleOut)
def unpublish_article(article_id: int, session: DbSession, actor: StaffActor) -> ArticleOut:
    article = service.unpublish_article(session, actor, article_id)
    session.flush()
    return _out(session, actor, article)


@router.get("/kb/articles/{article_id}/versions", response_model=list[VersionOut], summary="Version history")
def get_versions(article_id: int, session: DbSession, actor: StaffActor) -> list[VersionOut]:
    service.get_visible_article(session, actor, article_id)
    stmt = (
        select(KbArticleVersion)
        .where(KbArticleVersion.article_id == article_id)
        .order_by(KbArticleVersion.number)
    )
    return [VersionOut.of(v) for v in session.scalars(stmt)]


@router.post(
    "/kb/articles/{article_id}/translations",
    status_code=status.HTTP_201_CREATED,
    response_model=ArticleOut,
    summary="Add a translation (a draft article linked to the original)",
)
def translate_article(
    article_id: int, body: TranslateIn, session: DbSession, actor: StaffActor
) -> ArticleOut:
    article = service.translate_article(
        session, actor, article_id, locale=body.locale, title=body.title, body=body.body
    )
    session.flush()
    return _out(session, actor, article)


@router.post(
    "/kb/articles/{article_id}/feedback", status_code=status.HTTP_201_CREATED, summary="Was this helpful?"
)
def post_feedback(
    article_id: int, body: FeedbackIn, session: DbSession, actor: Reader
) -> dict[str, int | bool]:
    row = service.record_feedback(session, actor, article_id, helpful=body.helpful, comment=body.comment)
    return {"id": row.id, "helpful": row.helpful}


@router.get("/kb/search", response_model=SearchPage, summary="Hybrid search over the articles you may read")
def search(
    session: DbSession,
    actor: Reader,
    q: Annotated[str, Query(min_length=1, max_length=500)],
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
    locale: str | None = None,
) -> SearchPage:
    found = answers.search_articles(session, actor, q, limit=limit, locale=locale)
    return SearchPage(items=[hit_out(f.article, f.score) for f in found])


@router.post(
    "/bot/answer", response_model=BotAnswerOut, summary="Answer from the KB with a citation, or hand over"
)
def bot_answer(body: BotQuestionIn, session: DbSession, actor: Reader) -> BotAnswerOut:
    answer, log = answers.answer_question(
        session, actor, body.question, channel=body.channel, locale=body.locale
    )
    cited = session.get(KbArticle, log.article_id) if log.article_id is not None else None
    suggestions = []
    if not answer.answered and answer.reason == "low_confidence":
        ids = [int(c.article_id) for c in answer.candidates[:3]]
        rows = {a.id: a for a in session.scalars(select(KbArticle).where(KbArticle.id.in_(ids)))}
        suggestions = [
            hit_out(rows[int(c.article_id)], c.score)
            for c in answer.candidates[:3]
            if int(c.article_id) in rows
        ]
    return BotAnswerOut.of(log.id, answer, cited, suggestions)


@router.post("/bot/answers/{answer_id}/feedback", summary="Did the bot's answer help?")
def bot_feedback(
    answer_id: int, body: BotFeedbackIn, session: DbSession, actor: Reader
) -> dict[str, int | bool | None]:
    log = answers.record_bot_feedback(session, actor, answer_id, helped=body.helped)
    return {"id": log.id, "helped": log.helped}


class GapOut(Out):
    question: str
    count: int
    declined: int
    unhelpful: int
    examples: list[str]
    articles: list[int]
    last_asked: dt.datetime | None


@router.get(
    "/kb/gaps",
    response_model=list[GapOut],
    summary="Questions the bot declined or answered unhelpfully, grouped by meaning, most asked first",
)
def kb_gaps(
    session: DbSession,
    actor: StaffActor,
    days: Annotated[int, Query(ge=1, le=365)] = 30,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> list[GapOut]:
    return [
        GapOut.model_validate(c, from_attributes=True)
        for c in gap_report(session, actor, days=days, limit=limit)
    ]


class HandoverTurn(Strict):
    question: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
    answer: Annotated[str, StringConstraints(max_length=2000)] = ""


class HandoverIn(Strict):
    question: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]
    conversation: Annotated[list[HandoverTurn], Field(max_length=20)] = []
    bot_answer_ids: Annotated[list[int], Field(max_length=20)] = []
    email: Email | None = None
    name: Annotated[str, StringConstraints(strip_whitespace=True, max_length=120)] = ""
    channel: Channel = "web"


class HandoverOut(Out):
    ticket_id: int
    status: str


@router.post(
    "/bot/handover",
    status_code=status.HTTP_201_CREATED,
    response_model=HandoverOut,
    summary="Hand the conversation to a person: opens a ticket carrying everything already said",
)
def bot_handover(body: HandoverIn, session: DbSession, actor: Reader) -> HandoverOut:
    ticket = hand_over_to_agent(
        session,
        actor,
        question=body.question,
        turns=[Turn(t.question, t.answer) for t in body.conversation],
        bot_answer_ids=body.bot_answer_ids,
        email=body.email,
        name=body.name,
        channel=body.channel,
    )
    return HandoverOut(ticket_id=ticket.id, status=ticket.status)
