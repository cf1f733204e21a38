"""A small sliding-window limiter for public doors (failed logins, unknown tokens, widgets).

Counts live in the process by default. When ``HELPLINE_REDIS_URL`` is set, ``configure_shared`` makes
every limiter keep its windows in Redis (one sorted set per key), so N web processes behind one
address enforce one limit together instead of N. If Redis stops answering, a limiter falls back to
its own in-process counts rather than failing the request.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections import defaultdict, deque
from typing import Any

from helpline.core.errors import DomainError

log = logging.getLogger(__name__)


class SharedWindows:
    """Sliding windows in Redis: members are hits, scores their wall-clock time."""

    def __init__(self, url: str, prefix: str = "helpline:ratelimit") -> None:
        import redis

        self.client: Any = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self.prefix = prefix

    def _key(self, what: str, key: str) -> str:
        return f"{self.prefix}:{what}:{key}"

    def oldest_if_full(self, what: str, key: str, limit: int, window: float) -> float | None:
        """The time of the oldest hit in the window when the window is full, else None."""
        name, now = self._key(what, key), time.time()
        pipe = self.client.pipeline()
        pipe.zremrangebyscore(name, "-inf", now - window)
        pipe.zrange(name, 0, 0, withscores=True)
        pipe.zcard(name)
        _, oldest, count = pipe.execute()
        if count >= limit and oldest:
            return float(oldest[0][1]) - now + time.monotonic()
        return None

    def add(self, what: str, key: str, window: float) -> None:
        name = self._key(what, key)
        pipe = self.client.pipeline()
        pipe.zadd(name, {uuid.uuid4().hex: time.time()})
        pipe.expire(name, int(window) + 1)
        pipe.execute()


_shared: SharedWindows | None = None


def configure_shared(redis_url: str, prefix: str = "helpline:ratelimit") -> None:
    """Share every limiter's counts through Redis (or, with an empty URL, keep them per process)."""
    global _shared
    _shared = SharedWindows(redis_url, prefix) if redis_url else None


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
        shared = _shared
        if shared is not None:
            try:
                oldest = shared.oldest_if_full(self.what, key, self.limit, self.window)
            except Exception:  # Redis is down: the local window still protects this process
                log.warning("rate limit store unreachable; counting in this process", exc_info=True)
            else:
                if oldest is not None:
                    retry = int(oldest + self.window - now) + 1
                    raise TooManyRequests(f"too many {self.what}; try again in {retry} s", retry)
                return
        with self._lock:
            hits = self._trim(key, now)
            if len(hits) >= self.limit:
                retry = int(hits[0] + self.window - now) + 1
                raise TooManyRequests(f"too many {self.what}; try again in {retry} s", retry)

    def hit(self, key: str) -> None:
        shared = _shared
        if shared is not None:
            try:
                shared.add(self.what, key, self.window)
                return
            except Exception:
                log.warning("rate limit store unreachable; counting in this process", exc_info=True)
        with self._lock:
            self._trim(key, time.monotonic()).append(time.monotonic())
