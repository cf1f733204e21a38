"""A small sliding-window limiter for public doors (failed logins, unknown tokens, widgets)."""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque

from helpline.core.errors import DomainError


class TooManyRequests(DomainError):
    def __init__(self, detail: str, retry_after: int) -> None:
        super().__init__(detail, status=429, title="Too many requests", kind="rate-limited")
        self.retry_after = retry_after


class RateLimiter:
    def __init__(self, limit: int, window_seconds: float, what: str) -> None:
        self.limit = limit
        self.window = window_seconds
        self.what = what
        self._hits: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def _trim(self, key: str, now: float) -> deque[float]:
        hits = self._hits[key]
        while hits and hits[0] <= now - self.window:
            hits.popleft()
        return hits

    def check(self, key: str) -> None:
        now = time.monotonic()
        with self._lock:
            hits = self._trim(key, now)
            if len(hits) >= self.limit:
                retry = int(hits[0] + self.window - now) + 1
                raise TooManyRequests(f"too many {self.what}; try again in {retry} s", retry)

    def hit(self, key: str) -> None:
        with self._lock:
            self._trim(key, time.monotonic()).append(time.monotonic())
