"""The public help center: categories, search and articles at readable URLs, with "was this helpful?".

Anyone may read it; it shows what a customer may see (published, public articles). URLs are
``/help/`` (categories), ``/help/search?q=…``, ``/help/<locale>/<slug>`` and the articles' files at
``/help/files/<id>/<name>`` (raster images inline, anything else a download). Feedback forms carry a
CSRF token bound to a small anonymous session cookie, and are rate limited per client address.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, Response
from sqlalchemy import select

from helpline.core.deps import DbSession
from helpline.core.errors import NotFound
from helpline.core.files import file_response
from helpline.core.ratelimit import RateLimiter
from helpline.kb import answers, attachments, service
from helpline.kb.markdown import render_markdown
from helpline.kb.models import KbArticle
from helpline.web import i18n
from helpline.web.auth import new_session, read_session, write_session
from helpline.web.render import WebRoute, choose_language, redirect, render

router = APIRouter(prefix="/help", include_in_schema=False, route_class=WebRoute)
HELP_COOKIE = "hl_help"
FEEDBACK_PER_MINUTE = 10


def _published(locale: str) -> Any:
    return (
        select(KbArticle)
        .where(service.visible_articles(service.ANONYMOUS), KbArticle.locale == locale)
        .order_by(KbArticle.category, KbArticle.section, KbArticle.published_title)
    )


def _page(request: Request, template: str, context: dict[str, Any], status: int = 200) -> Response:
    web = read_session(request, HELP_COOKIE) or new_session()
    settings = request.app.state.settings
    response = render(
        request, template, {"area": "help", "csrf": web.csrf_token(settings), **context}, status=status
    )
    if web.fresh:
        write_session(request, response, HELP_COOKIE, web)
    return response


@router.get("/")
def home(request: Request, session: DbSession) -> Response:
    locale = choose_language(request)
    categories: dict[str, list[KbArticle]] = defaultdict(list)
    for article in session.scalars(_published(locale).limit(2000)):
        categories[article.category or i18n.gettext("General")].append(article)
    return _page(request, "help_home.html", {"categories": dict(categories), "locale": locale})


@router.get("/search")
def search(request: Request, session: DbSession, q: str = "") -> Response:
    locale = choose_language(request)
    query = q.strip()[:500]
    found = (
        answers.search_articles(session, service.ANONYMOUS, query, limit=10, locale=locale) if query else []
    )
    return _page(request, "help_search.html", {"q": query, "found": found, "locale": locale})


def _article(session: DbSession, locale: str, slug: str) -> KbArticle:
    article = session.scalar(
        select(KbArticle).where(
            service.visible_articles(service.ANONYMOUS), KbArticle.locale == locale, KbArticle.slug == slug
        )
    )
    if article is None:
        raise NotFound("this article does not exist or is not published")
    return article


def _body(session: DbSession, article: KbArticle) -> str:
    body = article.published_body or ""
    if "attachment:" not in body:
        return render_markdown(body)
    files = attachments.list_attachments(session, service.ANONYMOUS, article.id)
    return render_markdown(body, files=attachments.file_refs(files, "/help/files"))


@router.get("/files/{attachment_id}/{filename}")
def article_file(session: DbSession, attachment_id: int, filename: str) -> Response:
    att = attachments.get_attachment(session, service.ANONYMOUS, attachment_id)
    if att.filename != filename:
        raise NotFound("this file does not exist")
    inline = att.content_type if att.content_type in attachments.INLINE_IMAGES else None
    return file_response(att.filename, att.data, inline_type=inline, cache="public, max-age=3600")


@router.get("/{locale}/{slug}")
def article_page(request: Request, session: DbSession, locale: str, slug: str, thanks: str = "") -> Response:
    article = _article(session, locale, slug)
    translations = service.translations_of(session, service.ANONYMOUS, article)
    body = _body(session, article)
    context = {
        "article": article,
        "body": body,
        "translations": translations,
        "thanks": thanks,
        "preferred_language": article.locale,
    }
    return _page(request, "help_article.html", context)


@router.post("/{locale}/{slug}/feedback")
def feedback(
    request: Request,
    session: DbSession,
    locale: str,
    slug: str,
    helpful: Annotated[str, Form(max_length=3)] = "",
    comment: Annotated[str, Form(max_length=2000)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    article = _article(session, locale, slug)
    web = read_session(request, HELP_COOKIE)
    if web is None or not web.csrf_ok(request.app.state.settings, csrf_token):
        error = i18n.gettext("This form has expired. Please try again.")
        return _page(request, "help_article.html", _error(session, article, error, comment), status=403)
    if helpful not in {"yes", "no"}:
        error = i18n.gettext("Please choose Yes or No.")
        return _page(request, "help_article.html", _error(session, article, error, comment), status=422)
    limiter = getattr(request.app.state, "help_feedback_limiter", None)
    if limiter is None:
        limiter = RateLimiter(limit=FEEDBACK_PER_MINUTE, window_seconds=60, what="feedback messages")
        request.app.state.help_feedback_limiter = limiter
    client = request.client.host if request.client else "unknown"
    limiter.check(client)
    limiter.hit(client)
    service.record_feedback(session, service.ANONYMOUS, article.id, helpful=helpful == "yes", comment=comment)
    return redirect(f"/help/{article.locale}/{article.slug}?thanks=1#feedback")


def _error(session: DbSession, article: KbArticle, error: str, comment: str) -> dict[str, Any]:
    return {
        "article": article,
        "body": _body(session, article),
        "translations": service.translations_of(session, service.ANONYMOUS, article),
        "error": error,
        "comment": comment,
        "preferred_language": article.locale,
    }
