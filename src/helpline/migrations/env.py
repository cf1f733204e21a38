"""Alembic environment: runs against the engine URL that ``helpline.core.migrate`` passes in."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from helpline.core.db import make_engine
from helpline.core.models import Base

config = context.config
target_metadata = Base.metadata


def _include_name(name: str | None, type_: str, _parents: object) -> bool:
    # The full-text index is created by hand per dialect (FTS5 shadow tables on SQLite).
    return not (type_ == "table" and name is not None and name.startswith("ticket_search"))


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_name=_include_name,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(config.get_main_option("sqlalchemy.url") or "")
    try:
        with engine.connect() as conn:
            _run(conn)
    finally:
        engine.dispose()


run_migrations_online()
