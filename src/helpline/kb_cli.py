"""``helpline kb``: move articles in and out, and see what the knowledge base is missing."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import typer

from helpline.core.actor import SYSTEM
from helpline.core.db import Database
from helpline.core.settings import SettingsError, load_settings

kb_app = typer.Typer(help="Knowledge base: import, export, gap report.", no_args_is_help=True)

Format = Literal["jsonl", "csv", "markdown"]


def _db() -> Database:
    from helpline.core.migrate import upgrade

    try:
        settings = load_settings()
    except SettingsError as error:
        typer.echo(f"helpline: {error}", err=True)
        raise typer.Exit(2) from None
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.effective_database_url)
    return Database(settings.effective_database_url)


def _guess(path: Path) -> Format:
    if path.is_dir():
        return "markdown"
    return "csv" if path.suffix.lower() == ".csv" else "jsonl"


@kb_app.command("import")
def kb_import(
    path: Annotated[Path, typer.Argument(help="A .jsonl or .csv file, or a folder of Markdown files.")],
    fmt: Annotated[Format | None, typer.Option("--format", help="Default: from the path.")] = None,
    publish: Annotated[bool, typer.Option(help="Publish every imported article.")] = False,
) -> None:
    """Import articles (all or nothing: one bad record stops the import and names it)."""
    from helpline.kb import transfer

    if not path.exists():
        typer.echo(f"helpline: {path} does not exist", err=True)
        raise typer.Exit(2)
    kind = fmt or _guess(path)
    importer = {
        "jsonl": transfer.import_jsonl,
        "csv": transfer.import_csv,
        "markdown": transfer.import_markdown,
    }[kind]
    db = _db()
    try:
        with db.transaction() as session:
            created = importer(session, SYSTEM, path, publish=publish, progress=True)
            count = len(created)
    except ValueError as error:
        typer.echo(f"helpline: nothing imported: {error}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"imported {count} article(s) from {path}" + (" and published them" if publish else ""))


@kb_app.command("export")
def kb_export(
    path: Annotated[Path, typer.Argument(help="File (.jsonl, .csv) or folder (Markdown) to write.")],
    fmt: Annotated[Format | None, typer.Option("--format", help="Default: from the path.")] = None,
) -> None:
    """Export every article (drafts and internal ones included)."""
    from helpline.kb import transfer

    kind = fmt or ("markdown" if not path.suffix else _guess(path))
    db = _db()
    with db.read_sessions() as session:
        if kind == "markdown":
            count = transfer.export_markdown(session, SYSTEM, path, progress=True)
        elif kind == "csv":
            count = transfer.export_csv(session, SYSTEM, path, progress=True)
        else:
            count = transfer.export_jsonl(session, SYSTEM, path, progress=True)
    typer.echo(f"exported {count} article(s) to {path}")


@kb_app.command("gaps")
def kb_gaps(
    days: Annotated[int, typer.Option(help="Look back this many days.")] = 30,
    limit: Annotated[int, typer.Option(help="Show at most this many groups.")] = 20,
) -> None:
    """Questions the bot declined or answered unhelpfully, grouped, most asked first."""
    from helpline.kb.gaps import gap_report

    db = _db()
    with db.read_sessions() as session:
        clusters = gap_report(session, SYSTEM, days=days, limit=limit)
    if not clusters:
        typer.echo(f"no declined or unhelpful questions in the last {days} days")
        return
    typer.echo(f"{'asked':>5}  {'declined':>8}  {'unhelpful':>9}  question")
    for c in clusters:
        typer.echo(f"{c.count:>5}  {c.declined:>8}  {c.unhelpful:>9}  {c.question[:90]}")
