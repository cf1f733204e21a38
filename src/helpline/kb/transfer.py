"""Import and export articles: JSON lines, CSV, or a folder of Markdown files with front matter.

JSON lines and CSV use the evaluation format's fields (``id``, ``title``, ``body``) plus optional
``category``, ``section``, ``tags`` (a list, or ``;``-separated in CSV), ``visibility``, ``locale``
and ``status``. The incoming ``id`` becomes the slug. Each imported article goes through
``create_article`` (and ``publish_article`` when asked), so it is audited like any other.
A bad record stops the import with its line number; the caller's transaction then rolls back.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from helpline.core.actor import Actor
from helpline.core.errors import DomainError
from helpline.kb.models import KbArticle
from helpline.kb.progress import Progress
from helpline.kb.service import create_article, publish_article, visible_articles

FIELDS = ("id", "title", "body", "category", "section", "tags", "visibility", "locale", "status")
csv.field_size_limit(10_000_000)


def _record(article: KbArticle) -> dict[str, Any]:
    return {
        "id": article.slug,
        "title": article.title,
        "body": article.body,
        "category": article.category,
        "section": article.section,
        "tags": list(article.tags or []),
        "visibility": article.visibility,
        "locale": article.locale,
        "status": article.status,
    }


def _articles(session: Session, actor: Actor) -> list[KbArticle]:
    return list(session.scalars(select(KbArticle).where(visible_articles(actor)).order_by(KbArticle.id)))


def export_jsonl(session: Session, actor: Actor, path: Path, progress: bool = False) -> int:
    rows = _articles(session, actor)
    bar = Progress(progress, "exporting articles")
    with path.open("w", encoding="utf-8") as out:
        for n, article in enumerate(rows, start=1):
            out.write(json.dumps(_record(article), ensure_ascii=False) + "\n")
            bar(n, len(rows))
    return len(rows)


def export_csv(session: Session, actor: Actor, path: Path, progress: bool = False) -> int:
    rows = _articles(session, actor)
    bar = Progress(progress, "exporting articles")
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=FIELDS)
        writer.writeheader()
        for n, article in enumerate(rows, start=1):
            record = _record(article)
            record["tags"] = ";".join(record["tags"])
            writer.writerow(record)
            bar(n, len(rows))
    return len(rows)


def export_markdown(session: Session, actor: Actor, folder: Path, progress: bool = False) -> int:
    """One ``<locale>/<slug>.md`` per article, with its fields as front matter."""
    rows = _articles(session, actor)
    bar = Progress(progress, "exporting articles")
    for n, article in enumerate(rows, start=1):
        record = _record(article)
        body = record.pop("body")
        target = folder / article.locale / f"{article.slug}.md"
        target.parent.mkdir(parents=True, exist_ok=True)
        front = "\n".join(f"{k}: {json.dumps(v, ensure_ascii=False)}" for k, v in record.items())
        target.write_text(f"---\n{front}\n---\n\n{body}\n", encoding="utf-8")
        bar(n, len(rows))
    return len(rows)


def _jsonl_records(path: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as error:
            raise ValueError(f"{path}, line {number}: not JSON ({error.msg})") from None
        if not isinstance(row, dict):
            raise ValueError(f"{path}, line {number}: expected a JSON object")
        yield f"{path}, line {number}", row


def _csv_records(path: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        if not reader.fieldnames or "title" not in reader.fieldnames:
            raise ValueError(f"{path}: the first line must name the columns, including title and body")
        for number, row in enumerate(reader, start=2):
            record: dict[str, Any] = {k: v for k, v in row.items() if k in FIELDS and v is not None}
            if isinstance(record.get("tags"), str):
                record["tags"] = [t for t in record["tags"].split(";") if t.strip()]
            yield f"{path}, line {number}", record


def parse_markdown(text: str) -> dict[str, Any]:
    record: dict[str, Any] = {}
    body = text
    if text.startswith("---\n"):
        end = text.find("\n---", 4)
        if end == -1:
            raise ValueError("front matter starts with --- but never ends")
        for line in text[4:end].splitlines():
            key, sep, value = line.partition(":")
            if not sep:
                continue
            value = value.strip()
            try:
                record[key.strip()] = json.loads(value)
            except json.JSONDecodeError:
                record[key.strip()] = value
        body = text[end + 4 :].lstrip("\n")
    if "title" not in record:
        first = body.lstrip().splitlines()[0] if body.strip() else ""
        if first.startswith("# "):
            record["title"] = first[2:].strip()
            body = body.lstrip()[len(first) :].lstrip("\n")
    record["body"] = body.rstrip("\n")
    return record


def _markdown_records(folder: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    for path in sorted(folder.rglob("*.md")):
        try:
            record = parse_markdown(path.read_text(encoding="utf-8"))
        except ValueError as error:
            raise ValueError(f"{path}: {error}") from None
        record.setdefault("id", path.stem)
        yield str(path), record


def _import(
    session: Session,
    actor: Actor,
    records: Iterable[tuple[str, dict[str, Any]]],
    publish: bool,
    progress: bool,
) -> list[KbArticle]:
    items = list(records)
    bar = Progress(progress, "importing articles")
    created: list[KbArticle] = []
    for n, (where, r) in enumerate(items, start=1):
        title = r.get("title")
        if not isinstance(title, str) or not title.strip():
            raise ValueError(f"{where}: a title is required")
        tags = r.get("tags") or []
        if not isinstance(tags, list):
            raise ValueError(f"{where}: tags must be a list")
        try:
            article = create_article(
                session,
                actor,
                title=title,
                body=str(r.get("body") or ""),
                category=str(r.get("category") or ""),
                section=str(r.get("section") or ""),
                tags=[str(t) for t in tags],
                visibility=str(r.get("visibility") or "public"),
                locale=str(r.get("locale") or "en"),
                slug=str(r["id"]) if r.get("id") not in (None, "") else None,
            )
            if publish or r.get("status") == "published":
                publish_article(session, actor, article.id)
        except DomainError as error:
            raise ValueError(f"{where}: {error.detail}") from None
        created.append(article)
        bar(n, len(items))
    return created


def import_jsonl(
    session: Session, actor: Actor, path: Path, *, publish: bool = False, progress: bool = False
) -> list[KbArticle]:
    return _import(session, actor, _jsonl_records(path), publish, progress)


def import_csv(
    session: Session, actor: Actor, path: Path, *, publish: bool = False, progress: bool = False
) -> list[KbArticle]:
    return _import(session, actor, _csv_records(path), publish, progress)


def import_markdown(
    session: Session, actor: Actor, folder: Path, *, publish: bool = False, progress: bool = False
) -> list[KbArticle]:
    if not folder.is_dir():
        raise ValueError(f"{folder} is not a folder")
    return _import(session, actor, _markdown_records(folder), publish, progress)
