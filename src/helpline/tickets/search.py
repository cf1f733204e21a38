"""Full-text search over tickets: SQLite FTS5 embedded, PostgreSQL tsvector with GIN in production.

Public text (subject and public messages) and internal notes are indexed in separate columns so a
customer's search can never match words that only appear in an internal note.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, select, text
from sqlalchemy.orm import Session

from helpline.tickets.models import Message, Ticket

MAX_TERMS = 12


def _document(session: Session, ticket_id: int, subject: str | None = None) -> tuple[str, str]:
    if subject is None:
        subject = session.scalar(select(Ticket.subject).where(Ticket.id == ticket_id)) or ""
    conversation = select(Ticket.id).where((Ticket.id == ticket_id) | (Ticket.merged_into_id == ticket_id))
    rows = session.execute(
        select(Message.internal, Message.full_text)
        .where(Message.ticket_id.in_(conversation))
        .order_by(Message.id)
    ).all()
    public = [subject, *(r.full_text for r in rows if not r.internal)]
    internal = [r.full_text for r in rows if r.internal]
    return "\n".join(public), "\n".join(internal)


def index_ticket(session: Session, ticket_id: int, subject: str | None = None) -> None:
    """(Re)index a ticket's text; ``subject`` when the caller holds the ticket (saves reading it)."""
    public, internal = _document(session, ticket_id, subject)
    params = {"id": ticket_id, "public": public, "internal": internal}
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text("DELETE FROM ticket_search WHERE rowid = :id"), {"id": ticket_id})
        session.execute(
            text("INSERT INTO ticket_search (rowid, public, internal) VALUES (:id, :public, :internal)"),
            params,
        )
        return
    session.execute(
        text(
            "INSERT INTO ticket_search (ticket_id, public, internal) VALUES (:id, :public, :internal) "
            "ON CONFLICT (ticket_id) DO UPDATE SET public = excluded.public, internal = excluded.internal"
        ),
        params,
    )


def terms(query: str) -> list[str]:
    return [t for t in query.split() if t.strip("\"'*^():-")][:MAX_TERMS]


def matching_tickets(session: Session, query: str, *, include_internal: bool) -> ColumnElement[bool]:
    """A WHERE clause selecting tickets whose text contains every word of ``query``."""
    words = terms(query)
    if session.get_bind().dialect.name == "sqlite":
        quoted = " ".join('"' + w.replace('"', '""') + '"' for w in words)
        expr = quoted if include_internal else "{public} : (" + quoted + ")"
        sub = text("SELECT rowid FROM ticket_search WHERE ticket_search MATCH :fts").bindparams(fts=expr)
        return Ticket.id.in_(sub)
    column = "all_tsv" if include_internal else "public_tsv"  # stored, GIN-indexed (migration 0005)
    sub = text(
        f"SELECT ticket_id FROM ticket_search WHERE {column} @@ plainto_tsquery('simple', :fts)"  # noqa: S608
    ).bindparams(fts=" ".join(words))
    return Ticket.id.in_(sub)
