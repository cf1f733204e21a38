from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints

from helpline.core.actor import Actor
from helpline.core.schemas import Out, Strict, sent_fields
from helpline.kb.bot import BotAnswer
from helpline.kb.models import KbArticle, KbArticleVersion, KbAttachment
from helpline.kb.text import plain_text

Visibility = Literal["public", "internal"]
Channel = Literal["chat", "web", "email", "api", "portal"]
Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=250)]
Body = Annotated[str, StringConstraints(max_length=500_000)]
Label = Annotated[str, StringConstraints(strip_whitespace=True, max_length=120)]
Tag = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
Locale = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=16)]
Slug = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=160)]


class ArticleCreate(Strict):
    title: Title
    body: Body = ""
    category: Label = ""
    section: Label = ""
    tags: list[Tag] = Field(default_factory=list, max_length=20)
    visibility: Visibility = "public"
    locale: Locale = "en"
    slug: Slug | None = None
    related_ids: list[int] = Field(default_factory=list, max_length=50)


class ArticleUpdate(Strict):
    title: Title | None = None
    body: Body | None = None
    category: Label | None = None
    section: Label | None = None
    tags: list[Tag] | None = Field(default=None, max_length=20)
    visibility: Visibility | None = None
    slug: Slug | None = None
    related_ids: list[int] | None = Field(default=None, max_length=50)
    note: Annotated[str, StringConstraints(max_length=500)] = ""

    def changes(self) -> dict[str, Any]:
        return sent_fields(self)


class PublishIn(Strict):
    version: int | None = Field(default=None, ge=1, description="Publish an earlier version (roll back)")


class TranslateIn(Strict):
    locale: Locale
    title: Title
    body: Body = ""


class FeedbackIn(Strict):
    helpful: bool
    comment: Annotated[str, StringConstraints(max_length=2000)] = ""


class BotQuestionIn(Strict):
    question: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
    locale: Locale | None = None
    channel: Channel = "api"


class BotFeedbackIn(Strict):
    helped: bool


def article_url(a: KbArticle) -> str:
    return f"/help/{a.locale}/articles/{a.id}-{a.slug}"


class TranslationRef(Out):
    id: int
    locale: str
    title: str
    status: str


class ArticleOut(Out):
    id: int
    slug: str
    locale: str
    url: str
    translation_of_id: int | None
    title: str
    body: str
    category: str
    section: str
    tags: list[str]
    visibility: str
    status: str
    version: int | None
    published_version: int | None
    published_title: str | None = None
    published_body: str | None = None
    related_ids: list[int]
    helpful_count: int
    not_helpful_count: int
    created_at: dt.datetime
    updated_at: dt.datetime
    published_at: dt.datetime | None
    translations: list[TranslationRef] = Field(default_factory=list)

    @classmethod
    def of(cls, a: KbArticle, actor: Actor, translations: list[KbArticle] | None = None) -> ArticleOut:
        staff = actor.is_staff
        return cls(
            id=a.id,
            slug=a.slug,
            locale=a.locale,
            url=article_url(a),
            translation_of_id=a.translation_of_id,
            # Readers see the published copy; staff see the working copy and the published one.
            title=a.title if staff else a.published_title or "",
            body=a.body if staff else a.published_body or "",
            category=a.category,
            section=a.section,
            tags=list(a.tags or []),
            visibility=a.visibility,
            status=a.status,
            version=a.version if staff else a.published_version,
            published_version=a.published_version,
            published_title=a.published_title if staff else None,
            published_body=a.published_body if staff else None,
            related_ids=a.related_ids,
            helpful_count=a.helpful_count,
            not_helpful_count=a.not_helpful_count,
            created_at=a.created_at,
            updated_at=a.updated_at,
            published_at=a.published_at,
            translations=[
                TranslationRef(
                    id=t.id,
                    locale=t.locale,
                    title=t.title if staff else t.published_title or "",
                    status=t.status,
                )
                for t in translations or []
            ],
        )


class ArticlePage(Out):
    items: list[ArticleOut]
    next_cursor: str | None


class VersionOut(Out):
    number: int
    title: str
    body: str
    note: str
    actor_kind: str
    actor_id: int | None
    created_at: dt.datetime

    @classmethod
    def of(cls, v: KbArticleVersion) -> VersionOut:
        return cls.model_validate(v)


class SearchHitOut(Out):
    id: int
    title: str
    slug: str
    locale: str
    url: str
    category: str
    section: str
    visibility: str
    snippet: str
    score: float


class SearchPage(Out):
    items: list[SearchHitOut]
    next_cursor: None = None


class CitedArticle(Out):
    article_id: int
    title: str
    excerpt: str
    url: str


class BotAnswerOut(Out):
    id: int
    question: str
    answered: bool
    handover: bool
    confidence: float
    threshold: float
    message: str
    reason: str | None
    answer: CitedArticle | None
    suggestions: list[SearchHitOut]

    @classmethod
    def of(
        cls, log_id: int, a: BotAnswer, cited: KbArticle | None, suggestions: list[SearchHitOut]
    ) -> BotAnswerOut:
        answer = None
        if a.answered and cited is not None:
            answer = CitedArticle(
                article_id=cited.id, title=a.title or "", excerpt=a.excerpt or "", url=article_url(cited)
            )
        return cls(
            id=log_id,
            question=a.question,
            answered=answer is not None,
            handover=answer is None,
            confidence=a.confidence,
            threshold=a.threshold,
            message=a.message,
            reason=a.reason,
            answer=answer,
            suggestions=suggestions,
        )


def hit_out(a: KbArticle, score: float) -> SearchHitOut:
    text = plain_text(a.published_body or "")
    snippet = text if len(text) <= 240 else text[:240].rsplit(" ", 1)[0] + " …"
    return SearchHitOut(
        id=a.id,
        title=a.published_title or a.title,
        slug=a.slug,
        locale=a.locale,
        url=article_url(a),
        category=a.category,
        section=a.section,
        visibility=a.visibility,
        snippet=snippet,
        score=score,
    )


class AttachmentOut(Out):
    id: int
    article_id: int
    filename: str
    content_type: str
    size: int
    created_at: dt.datetime
    reference: str = Field(description="what to write in the article body: attachment:NAME")
    url: str = Field(description="where the API serves the file (bearer token as for the article)")

    @classmethod
    def of(cls, att: KbAttachment) -> AttachmentOut:
        return cls(
            id=att.id,
            article_id=att.article_id,
            filename=att.filename,
            content_type=att.content_type,
            size=att.size,
            created_at=att.created_at,
            reference=f"attachment:{att.filename}",
            url=f"/api/v1/kb/attachments/{att.id}",
        )
