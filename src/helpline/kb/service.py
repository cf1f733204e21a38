"""Service actions on the knowledge base. Only this module changes KB state; each action writes its
audit row and emits its event, in the caller's transaction."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from sqlalchemy import ColumnElement, and_, func, select, true, update
from sqlalchemy.orm import Session

from helpline.audit.service import changes, record
from helpline.core.actor import Actor, ActorKind
from helpline.core.db import utcnow
from helpline.core.errors import Conflict, Forbidden, Invalid, NotFound
from helpline.kb.models import (
    STATUSES,
    VISIBILITIES,
    KbArticle,
    KbArticleVersion,
    KbFeedback,
    KbRelated,
    KbSettings,
)
from helpline.outbox.service import emit, enqueue

UNSET: Any = object()
ANONYMOUS = Actor(ActorKind.CUSTOMER, None, "anonymous")
_TAG = re.compile(r"^[a-z0-9][a-z0-9_.:-]{0,63}$")
_LOCALE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")
MAX_TAGS = 20


def visible_articles(actor: Actor) -> ColumnElement[bool]:
    """Staff see every article (drafts and internal ones too); everyone else only published public ones."""
    if actor.is_staff:
        return true()
    return and_(KbArticle.status == "published", KbArticle.visibility == "public")


def get_visible_article(session: Session, actor: Actor, article_id: int, *, lock: bool = False) -> KbArticle:
    stmt = select(KbArticle).where(KbArticle.id == article_id, visible_articles(actor))
    if lock:
        stmt = stmt.with_for_update()
    article = session.scalar(stmt)
    if article is None:
        raise NotFound(f"article {article_id} does not exist")
    return article


def _staff(actor: Actor, what: str) -> None:
    if not actor.is_staff:
        raise Forbidden(f"only agents and admins can {what}")


def slugify(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")[:120] or "article"


def _unique_slug(session: Session, wanted: str, locale: str, exclude_id: int | None = None) -> str:
    base = slugify(wanted)
    taken = set(
        session.scalars(
            select(KbArticle.slug).where(
                KbArticle.locale == locale,
                KbArticle.slug.like(f"{base}%"),
                KbArticle.id != (exclude_id or 0),
            )
        )
    )
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def normalize_tags(tags: list[str]) -> list[str]:
    clean: list[str] = []
    for raw in tags:
        tag = raw.strip().lower().replace(" ", "-")
        if not _TAG.match(tag):
            raise Invalid.field("tags", f"{raw!r} is not a tag: use letters, digits, '-', '_', ':' or '.'")
        if tag not in clean:
            clean.append(tag)
    if len(clean) > MAX_TAGS:
        raise Invalid.field("tags", f"at most {MAX_TAGS} tags per article")
    return sorted(clean)


def _check(name: str, value: str, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise Invalid.field(name, f"{value!r} is not one of {', '.join(choices)}")


def _check_locale(locale: str) -> str:
    if not _LOCALE.match(locale):
        raise Invalid.field("locale", f"{locale!r} is not a language tag such as en, de or pt-BR")
    return locale


def _set_related(session: Session, article: KbArticle, related_ids: list[int]) -> None:
    wanted = sorted(set(related_ids) - {article.id})
    if wanted:
        found = set(session.scalars(select(KbArticle.id).where(KbArticle.id.in_(wanted))))
        missing = [i for i in wanted if i not in found]
        if missing:
            raise Invalid.field("related_ids", f"article(s) {missing} do not exist")
    article.related_rows = [r for r in article.related_rows if r.related_id in wanted] + [
        KbRelated(article_id=article.id, related_id=i) for i in wanted if i not in article.related_ids
    ]


def snapshot(a: KbArticle) -> dict[str, Any]:
    return {
        "title": a.title,
        "slug": a.slug,
        "locale": a.locale,
        "category": a.category,
        "section": a.section,
        "tags": list(a.tags or []),
        "visibility": a.visibility,
        "status": a.status,
        "version": a.version,
        "published_version": a.published_version,
        "related_ids": a.related_ids,
    }


def bump_generation(session: Session) -> None:
    """Tell every process that its search index is stale."""
    now = utcnow()
    done = session.execute(
        update(KbSettings)
        .where(KbSettings.id == 1)
        .values(generation=KbSettings.generation + 1, updated_at=now)
    )
    if getattr(done, "rowcount", 0) == 0:
        session.add(KbSettings(id=1, generation=1, updated_at=now))
        session.flush()


def intent_example(article: KbArticle) -> tuple[str, str] | None:
    """The (title, category) example this article gives the intent model, if any: a published
    article's title is an example of its category's intent (``assist.enrich.training_examples``)."""
    if article.status != "published" or not article.category or not article.published_title:
        return None
    try:  # compared as the tag it would be ("Billing" is "billing")
        (tag,) = normalize_tags([article.category])
    except Invalid:  # a category that is no tag is no intent's example
        return None
    return article.published_title, tag


def _count_label_change(session: Session, article: KbArticle, before: tuple[str, str] | None) -> None:
    """Publishing, unpublishing, re-titling or re-filing a categorised article changes the intent
    model's examples, so it counts towards retraining it, as a ticket's tag does (``assist/retrain.py``)."""
    from helpline.assist.retrain import LABELS_JOB

    if intent_example(article) != before:
        enqueue(session, LABELS_JOB, {"article_id": article.id})


def _add_version(session: Session, actor: Actor, article: KbArticle, note: str = "") -> None:
    session.add(
        KbArticleVersion(
            article_id=article.id,
            number=article.version,
            title=article.title,
            body=article.body,
            note=note[:500],
            actor_kind=actor.audit_kind,
            actor_id=actor.id,
        )
    )


def create_article(
    session: Session,
    actor: Actor,
    *,
    title: str,
    body: str,
    category: str = "",
    section: str = "",
    tags: list[str] | None = None,
    visibility: str = "public",
    locale: str = "en",
    slug: str | None = None,
    related_ids: list[int] | None = None,
    translation_of_id: int | None = None,
) -> KbArticle:
    _staff(actor, "write articles")
    _check("visibility", visibility, VISIBILITIES)
    title = " ".join(title.split())
    if not title:
        raise Invalid.field("title", "must not be empty")
    locale = _check_locale(locale)
    now = utcnow()
    article = KbArticle(
        slug=_unique_slug(session, slug or title, locale),
        locale=locale,
        translation_of_id=translation_of_id,
        title=title[:250],
        body=body,
        category=category.strip()[:120],
        section=section.strip()[:120],
        tags=normalize_tags(tags or []),
        visibility=visibility,
        status="draft",
        version=1,
        created_by_id=actor.id if actor.kind in (ActorKind.ADMIN, ActorKind.AGENT) else None,
        created_at=now,
        updated_at=now,
    )
    session.add(article)
    session.flush()
    _set_related(session, article, related_ids or [])
    _add_version(session, actor, article, "created")
    record(session, actor, "kb.article.create", "kb_article", article.id, None, snapshot(article))
    emit(session, "kb.article.created", {"article_id": article.id, "locale": locale})
    bump_generation(session)
    return article


def update_article(
    session: Session,
    actor: Actor,
    article_id: int,
    *,
    title: str = UNSET,
    body: str = UNSET,
    category: str = UNSET,
    section: str = UNSET,
    tags: list[str] = UNSET,
    visibility: str = UNSET,
    slug: str = UNSET,
    related_ids: list[int] = UNSET,
    note: str = "",
) -> KbArticle:
    """Change an article; a new title or body is a new version (a draft until published)."""
    _staff(actor, "edit articles")
    article = get_visible_article(session, actor, article_id, lock=True)
    before = snapshot(article)
    example = intent_example(article)
    content_changed = False
    if title is not UNSET:
        title = " ".join(title.split())
        if not title:
            raise Invalid.field("title", "must not be empty")
        content_changed |= title != article.title
    if body is not UNSET:
        content_changed |= body != article.body
    if content_changed:
        article.version += 1
        article.title = title[:250] if title is not UNSET else article.title
        article.body = body if body is not UNSET else article.body
        _add_version(session, actor, article, note)
    if category is not UNSET:
        article.category = category.strip()[:120]
    if section is not UNSET:
        article.section = section.strip()[:120]
    if tags is not UNSET:
        article.tags = normalize_tags(tags)
    if visibility is not UNSET:
        _check("visibility", visibility, VISIBILITIES)
        article.visibility = visibility
    if slug is not UNSET:
        article.slug = _unique_slug(session, slug, article.locale, exclude_id=article.id)
    if related_ids is not UNSET:
        _set_related(session, article, related_ids)
    old, new = changes(before, snapshot(article))
    if not new:
        return article
    article.updated_at = utcnow()
    record(session, actor, "kb.article.update", "kb_article", article.id, old, new)
    emit(session, "kb.article.updated", {"article_id": article.id, "changes": sorted(new)})
    _count_label_change(session, article, example)
    bump_generation(session)
    return article


def publish_article(session: Session, actor: Actor, article_id: int, version: int | None = None) -> KbArticle:
    """Make the current version (or an earlier one, to roll back) what readers see."""
    _staff(actor, "publish articles")
    article = get_visible_article(session, actor, article_id, lock=True)
    before = snapshot(article)
    example = intent_example(article)
    number = version or article.version
    row = session.scalar(
        select(KbArticleVersion).where(
            KbArticleVersion.article_id == article.id, KbArticleVersion.number == number
        )
    )
    if row is None:
        raise Invalid.field("version", f"article {article_id} has no version {number}")
    if article.status == "published" and article.published_version == number:
        raise Conflict(f"version {number} of article {article_id} is already published")
    now = utcnow()
    article.status = "published"
    article.published_version = number
    article.published_title = row.title
    article.published_body = row.body
    article.published_at = now
    article.updated_at = now
    old, new = changes(before, snapshot(article))
    record(session, actor, "kb.article.publish", "kb_article", article.id, old, new)
    emit(session, "kb.article.published", {"article_id": article.id, "version": number})
    _count_label_change(session, article, example)
    bump_generation(session)
    return article


def unpublish_article(session: Session, actor: Actor, article_id: int) -> KbArticle:
    _staff(actor, "unpublish articles")
    article = get_visible_article(session, actor, article_id, lock=True)
    if article.status != "published":
        raise Conflict(f"article {article_id} is not published")
    before = snapshot(article)
    example = intent_example(article)
    article.status = "draft"
    article.updated_at = utcnow()
    old, new = changes(before, snapshot(article))
    record(session, actor, "kb.article.unpublish", "kb_article", article.id, old, new)
    emit(session, "kb.article.unpublished", {"article_id": article.id})
    _count_label_change(session, article, example)
    bump_generation(session)
    return article


def translate_article(
    session: Session, actor: Actor, article_id: int, *, locale: str, title: str, body: str
) -> KbArticle:
    """A translation is its own article (own versions, own publishing) linked to the original."""
    _staff(actor, "translate articles")
    source = get_visible_article(session, actor, article_id)
    original_id = source.translation_of_id or source.id
    original = session.get(KbArticle, original_id)
    assert original is not None
    locale = _check_locale(locale)
    if locale == original.locale:
        raise Invalid.field("locale", f"the original article is already in {locale}")
    exists = session.scalar(
        select(KbArticle.id).where(KbArticle.translation_of_id == original_id, KbArticle.locale == locale)
    )
    if exists is not None:
        raise Conflict(f"article {original_id} already has a {locale} translation: article {exists}")
    article = create_article(
        session,
        actor,
        title=title,
        body=body,
        category=original.category,
        section=original.section,
        tags=list(original.tags or []),
        visibility=original.visibility,
        locale=locale,
        slug=original.slug,
        translation_of_id=original_id,
    )
    record(
        session,
        actor,
        "kb.article.translate",
        "kb_article",
        original_id,
        None,
        {"translation_id": article.id},
    )
    emit(session, "kb.article.translated", {"article_id": original_id, "translation_id": article.id})
    return article


def translations_of(session: Session, actor: Actor, article: KbArticle) -> list[KbArticle]:
    original_id = article.translation_of_id or article.id
    stmt = (
        select(KbArticle)
        .where(
            (KbArticle.id == original_id) | (KbArticle.translation_of_id == original_id),
            KbArticle.id != article.id,
            visible_articles(actor),
        )
        .order_by(KbArticle.locale)
    )
    return list(session.scalars(stmt))


def record_feedback(
    session: Session, actor: Actor, article_id: int, *, helpful: bool, comment: str = ""
) -> KbFeedback:
    """Anyone who can read the article can say whether it helped (anonymous readers too)."""
    article = get_visible_article(session, actor, article_id)
    row = KbFeedback(
        article_id=article.id,
        helpful=helpful,
        comment=comment.strip()[:2000],
        actor_kind=actor.audit_kind,
        actor_id=actor.id,
    )
    session.add(row)
    column = KbArticle.helpful_count if helpful else KbArticle.not_helpful_count
    session.execute(update(KbArticle).where(KbArticle.id == article.id).values({column: column + 1}))
    session.flush()
    record(
        session,
        actor,
        "kb.feedback.record",
        "kb_article",
        article.id,
        None,
        {"helpful": helpful, "feedback_id": row.id},
    )
    emit(
        session, "kb.feedback.recorded", {"article_id": article.id, "helpful": helpful, "feedback_id": row.id}
    )
    return row


def set_bot_threshold(
    session: Session, actor: Actor, threshold: float, calibration: dict[str, Any] | None = None
) -> None:
    """Store the workspace's answer-bot confidence threshold (e.g. from ``calibrate_threshold``)."""
    if not actor.is_admin:
        raise Forbidden("only admins can change the answer bot's threshold")
    if not 0.0 <= threshold <= 1.0:
        raise Invalid.field("threshold", "must be between 0 and 1")
    row = session.get(KbSettings, 1)
    before = {"bot_threshold": row.bot_threshold if row else None}
    if row is None:
        row = KbSettings(id=1, generation=0)
        session.add(row)
    row.bot_threshold = threshold
    row.calibration = calibration
    row.updated_at = utcnow()
    record(session, actor, "kb.bot.threshold", "kb_settings", 1, before, {"bot_threshold": threshold})
    emit(session, "kb.bot.threshold_changed", {"threshold": threshold})


def article_counts(session: Session, actor: Actor) -> dict[str, int]:
    rows = session.execute(
        select(KbArticle.status, func.count()).where(visible_articles(actor)).group_by(KbArticle.status)
    )
    out = dict.fromkeys(STATUSES, 0)
    out.update({status: int(n) for status, n in rows})
    return out
