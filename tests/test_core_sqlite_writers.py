"""SQLite writers of one process take turns first come, first served, so none waits forever."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from sqlalchemy import text

from helpline.core.db import Database, WriterQueue


def test_writers_are_served_in_arrival_order() -> None:
    queue = WriterQueue(timeout=5)
    assert queue.enter()
    served: list[int] = []
    started = []

    def writer(n: int) -> None:
        assert queue.enter()
        served.append(n)
        queue.leave()

    for n in range(5):  # each one queues up behind the holder, in this order
        t = threading.Thread(target=writer, args=(n,))
        t.start()
        started.append(t)
        deadline = time.monotonic() + 5
        while len(queue._waiting) < n + 1 and time.monotonic() < deadline:
            time.sleep(0.001)
    queue.leave()
    for t in started:
        t.join(5)
    assert served == [0, 1, 2, 3, 4]


def test_a_writer_never_hangs_in_the_queue() -> None:
    queue = WriterQueue(timeout=0.05)
    assert queue.enter()
    assert not queue.enter()  # the holder's own second write goes on (SQLite's timeout decides)
    other: list[bool] = []
    t = threading.Thread(target=lambda: other.append(queue.enter()))
    t.start()
    t.join(5)
    assert other == [False]  # waited its timeout, then went on without a turn
    queue.leave()
    assert queue.enter()  # and the queue still works
    queue.leave()


def test_four_threads_writing_flat_out_all_commit(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'w.db'}")
    with db.transaction() as s:
        s.execute(text("CREATE TABLE hits (thread INTEGER, n INTEGER)"))

    def write(thread: int) -> int:
        for n in range(40):
            with db.transaction() as s:
                s.execute(text("INSERT INTO hits VALUES (:t, :n)"), {"t": thread, "n": n})
                time.sleep(0.002)  # hold the write lock a little, as a real request does
        return thread

    try:
        with ThreadPoolExecutor(4) as pool:
            assert sorted(pool.map(write, range(4))) == [0, 1, 2, 3]
        with db.read_sessions() as s:
            assert s.scalar(text("SELECT count(*) FROM hits")) == 160
    finally:
        db.dispose()
