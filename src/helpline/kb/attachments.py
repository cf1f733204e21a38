"""Files and images of knowledge-base articles.

Staff attach a file to an article and reference it from the Markdown body as ``attachment:NAME``
(``![Diagram](attachment:diagram.png)`` shows an image, ``[the form](attachment:form.pdf)`` links a
file). Names are made safe and unique per article, the content type comes from the bytes rather than
the upload's label, and a file is readable by whoever may read its article. Customers and the public
help center get only the files that the *published* text of a public article refers to, so a file
uploaded for a draft stays private until the draft that uses it is published.
"""

from __future__ import annotations

from urllib.parse import quote

from sqlalchemy import select
from sqlalchemy.orm import Session, defer

from helpline.audit.service import record
from helpline.core.actor import Actor
from helpline.core.errors import Conflict, Invalid, NotFound
from helpline.email.parse import sniff_content_type
from helpline.kb.markdown import FileRef, referenced_files
from helpline.kb.models import KbArticle, KbAttachment
from helpline.kb.service import bump_generation, get_visible_article, visible_articles
from helpline.outbox.service import emit
from helpline.tickets.conversation import safe_filename

MAX_BYTES = 10 * 1024 * 1024
MAX_PER_ARTICLE = 50
# Shown in the page (inline) when they are images a browser draws without running anything; SVG can
# carry script, so it is always a download.
INLINE_IMAGES = ("image/png", "image/jpeg", "image/gif", "image/webp")


def _snapshot(att: KbAttachment) -> dict[str, object]:
    return {"filename": att.filename, "content_type": att.content_type, "size": att.size}


def add_attachment(
    session: Session, actor: Actor, article_id: int, *, filename: str, content_type: str, data: bytes
) -> KbAttachment:
    """Attach a file to an article (staff only); a second file of the same name is refused."""
    if not actor.is_staff:
        raise NotFound("this article does not exist")
    article = get_visible_article(session, actor, article_id, lock=True)
    if not data:
        raise Invalid.field("file", "the file is empty")
    if len(data) > MAX_BYTES:
        raise Invalid.field("file", f"the file is larger than the limit of {MAX_BYTES // (1024 * 1024)} MB")
    name = safe_filename(filename)
    existing = list(
        session.scalars(select(KbAttachment.filename).where(KbAttachment.article_id == article.id))
    )
    if name in existing:
        raise Conflict(f"this article already has a file named {name}; delete it first or rename yours")
    if len(existing) >= MAX_PER_ARTICLE:
        raise Invalid.field("file", f"an article can have at most {MAX_PER_ARTICLE} files")
    att = KbAttachment(
        article_id=article.id,
        filename=name,
        content_type=sniff_content_type(data, (content_type or "").split(";")[0].strip().lower()),
        size=len(data),
        data=data,
        created_by_id=actor.id,
    )
    session.add(att)
    session.flush()
    record(session, actor, "kb.attachment.add", "kb_article", article.id, None, _snapshot(att))
    emit(session, "kb.attachment.added", {"article_id": article.id, "attachment_id": att.id})
    bump_generation(session)
    return att


def delete_attachment(session: Session, actor: Actor, attachment_id: int) -> None:
    att = get_attachment(session, actor, attachment_id)
    if not actor.is_staff:
        raise NotFound("this file does not exist")
    record(session, actor, "kb.attachment.delete", "kb_article", att.article_id, _snapshot(att), None)
    emit(session, "kb.attachment.deleted", {"article_id": att.article_id, "attachment_id": att.id})
    session.delete(att)
    bump_generation(session)


def list_attachments(session: Session, actor: Actor, article_id: int) -> list[KbAttachment]:
    """An article's files without their bytes, for whoever may read the article."""
    article = get_visible_article(session, actor, article_id)
    stmt = select(KbAttachment).where(KbAttachment.article_id == article.id)
    if not actor.is_staff:
        stmt = stmt.where(KbAttachment.filename.in_(referenced_files(article.published_body or "")))
    return list(session.scalars(stmt.options(defer(KbAttachment.data)).order_by(KbAttachment.filename)))


def get_attachment(session: Session, actor: Actor, attachment_id: int) -> KbAttachment:
    """One file, if its article is readable by ``actor`` (404 otherwise, whatever the reason)."""
    found = session.execute(
        select(KbAttachment, KbArticle.published_body)
        .join(KbArticle, KbArticle.id == KbAttachment.article_id)
        .where(KbAttachment.id == attachment_id, visible_articles(actor))
    ).first()
    if found is None:
        raise NotFound("this file does not exist")
    att, published_body = found
    if not actor.is_staff and att.filename not in referenced_files(published_body or ""):
        raise NotFound("this file does not exist")  # uploaded for a draft, or no longer used
    return att


def file_refs(attachments: list[KbAttachment], prefix: str) -> dict[str, FileRef]:
    """``attachment:NAME`` targets for the Markdown renderer, served under ``prefix``."""
    return {
        a.filename: FileRef(f"{prefix}/{a.id}/{quote(a.filename)}", a.content_type in INLINE_IMAGES)
        for a in attachments
    }
