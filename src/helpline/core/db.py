"""Engine, sessions and the declarative base shared by every feature package."""

from __future__ import annotations

import datetime as dt
import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import JSON, DateTime, Engine, MetaData, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite stores naive values)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {dt.datetime: UTCDateTime(), dict[str, Any]: JSON(), list[str]: JSON()}


BUSY_TIMEOUT_S = 10.0


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cursor = dbapi_conn.cursor()
    cursor.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_S * 1000)}")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


class WriterQueue:
    """First come, first served among one process's SQLite writers.

    SQLite's busy handler is not fair: a writer that finds the database locked sleeps and polls
    (up to 100 ms apart), so a thread that commits and at once begins its next write takes the lock
    again ahead of the sleepers. Under a steady stream of writes from a few threads one of them
    could wait past the busy timeout and fail with "database is locked". Writers of this process
    therefore queue here in arrival order before ``BEGIN IMMEDIATE``; the busy timeout still
    arbitrates between processes. A writer that waits longer than ``timeout`` (or a thread that
    already holds the turn and opens a second write transaction) goes on without its turn and is
    left to the busy timeout, so nothing can hang here.
    """

    def __init__(self, timeout: float = BUSY_TIMEOUT_S) -> None:
        self.timeout = timeout
        self._lock = threading.Lock()
        self._holder: int | None = None
        self._waiting: deque[tuple[int, threading.Event]] = deque()

    def enter(self) -> bool:
        """Wait for this thread's turn; ``False`` if it goes on without one."""
        me = threading.get_ident()
        with self._lock:
            if self._holder is None:
                self._holder = me
                return True
            if self._holder == me:
                return False
            turn = threading.Event()
            self._waiting.append((me, turn))
        if turn.wait(self.timeout):
            return True
        with self._lock:
            if turn.is_set():
                return True
            self._waiting.remove((me, turn))
            return False

    def leave(self) -> None:
        with self._lock:
            if self._waiting:
                self._holder, turn = self._waiting.popleft()
                turn.set()
            else:
                self._holder = None


def _sqlite_writers(engine: Engine) -> None:
    queue = WriterQueue()

    def begin(conn: Any) -> None:
        # Writers take the write lock up front (BEGIN IMMEDIATE), in turn, so that two writers
        # queue instead of failing with "database is locked" on a lock upgrade; readers stay
        # deferred so they never wait for a writer under WAL.
        if not conn.get_execution_options().get("helpline_write"):
            conn.exec_driver_sql("BEGIN")
            return
        if queue.enter():
            conn.info["helpline_turn"] = True
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            end(conn)
            raise

    def end(conn: Any) -> None:
        if conn.info.pop("helpline_turn", False):
            queue.leave()

    event.listen(engine, "begin", begin)
    event.listen(engine, "commit", end)
    event.listen(engine, "rollback", end)


def make_engine(url: str, **kwargs: Any) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "isolation_level": None}, **kwargs
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        _sqlite_writers(engine)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20, **kwargs)


class Database:
    """One engine and its session factory; the app and the worker each hold one."""

    def __init__(self, url: str, **engine_kwargs: Any) -> None:
        self.url = url
        self.engine = make_engine(url, **engine_kwargs)
        writer = self.engine.execution_options(helpline_write=True)
        self.sessions = sessionmaker(writer, expire_on_commit=False)
        self.read_sessions = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One unit of work: commit on success, roll back on any error."""
        with self.sessions() as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    def dispose(self) -> None:
        self.engine.dispose()
