"""A small stderr progress bar (no dependency) for training and evaluation."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class Progress:
    """``progress(done, total)`` redraws one line on stderr; :meth:`stage` starts a new labelled line."""

    def __init__(self, enabled: bool, label: str = "", stream: TextIO | None = None) -> None:
        self.enabled = enabled
        self.label = label
        self.stream = stream or sys.stderr
        self._last = -1
        self._drawn = 0.0
        self._started = time.perf_counter()

    def stage(self, label: str) -> Progress:
        self.label = label
        self._last = -1
        self._drawn = 0.0
        self._started = time.perf_counter()
        return self

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled or total <= 0:
            return
        pct = int(100 * done / total)
        now = time.perf_counter()
        if done < total and (pct == self._last or now - self._drawn < 0.2):
            return
        self._last, self._drawn = pct, now
        bar = "#" * (pct // 4)
        elapsed = time.perf_counter() - self._started
        self.stream.write(f"\r{self.label:<26} [{bar:<25}] {done}/{total} {elapsed:5.1f}s")
        if done >= total:
            self.stream.write("\n")
        self.stream.flush()
