"""Fan-out of live events to connected clients: in this process, or across processes via Redis.

A publisher calls ``broker.publish(channel, kind, data)`` (thread-safe, from any thread; after the
database commit, see ``realtime.publish``); every subscription to that channel in every process gets
the event. ``LocalBroker`` fans out inside one process (embedded default); ``RedisBroker`` publishes
to Redis pub/sub and one listener per process hands what arrives to the local subscribers, so N web
processes deliver every event to every client. Events are notifications, not the record: clients
that must not miss anything (chat) read what is new from the database on every event, by id, so a
lost or late notification never leaves a gap and a repeated one never makes a duplicate. When a
subscriber falls behind or the Redis connection drops, it receives a ``resync`` event and catches up.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import threading
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

log = logging.getLogger(__name__)

RESYNC = "resync"


@dataclass(frozen=True)
class Event:
    channel: str
    kind: str
    data: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps({"c": self.channel, "k": self.kind, "d": self.data}, separators=(",", ":"))

    @classmethod
    def from_json(cls, raw: str | bytes) -> Event:
        body = json.loads(raw)
        return cls(str(body["c"]), str(body["k"]), dict(body.get("d") or {}))


class Subscription:
    """One client's queue of events on some channels; use ``async with`` so it is always removed."""

    def __init__(self, broker: LocalBroker, channels: tuple[str, ...], maxsize: int) -> None:
        self.broker = broker
        self.channels = channels
        self.loop = asyncio.get_running_loop()
        self.queue: asyncio.Queue[Event] = asyncio.Queue(maxsize)
        self.lagged = False

    def put(self, event: Event) -> None:  # in the subscription's loop
        try:
            self.queue.put_nowait(event)
        except asyncio.QueueFull:
            self.lagged = True

    async def get(self, timeout: float | None = None) -> Event | None:
        """The next event, or ``None`` after ``timeout`` seconds (time for a heartbeat)."""
        if self.lagged:
            self.lagged = False
            while not self.queue.empty():
                self.queue.get_nowait()
            return Event("", RESYNC)
        try:
            return await asyncio.wait_for(self.queue.get(), timeout)
        except TimeoutError:
            return None

    def pending(self) -> list[Event]:
        """Take every event already queued (to coalesce a burst into one reaction)."""
        out = []
        while not self.queue.empty():
            out.append(self.queue.get_nowait())
        return out

    def close(self) -> None:
        self.broker.unsubscribe(self)

    async def __aenter__(self) -> Subscription:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


class LocalBroker:
    """In-process fan-out. Safe to publish from worker threads and to subscribe from any loop."""

    kind = "local"

    def __init__(self, queue_size: int = 256) -> None:
        self.queue_size = queue_size
        self._subs: dict[str, set[Subscription]] = {}
        self._lock = threading.Lock()

    @property
    def subscribers(self) -> int:
        with self._lock:
            return len({id(s) for subs in self._subs.values() for s in subs})

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def subscribe(self, *channels: str) -> Subscription:
        await self.start()
        sub = Subscription(self, channels, self.queue_size)
        with self._lock:
            for channel in channels:
                self._subs.setdefault(channel, set()).add(sub)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        with self._lock:
            for channel in sub.channels:
                subs = self._subs.get(channel)
                if subs is not None:
                    subs.discard(sub)
                    if not subs:
                        del self._subs[channel]

    def publish(self, channel: str, kind: str, data: dict[str, Any] | None = None) -> None:
        self.dispatch(Event(channel, kind, data or {}))

    async def apublish(self, channel: str, kind: str, data: dict[str, Any] | None = None) -> None:
        """Publish from async code without blocking the loop."""
        self.publish(channel, kind, data)

    def dispatch(self, event: Event) -> None:
        """Hand an event to this process's subscribers of its channel."""
        with self._lock:
            subs = list(self._subs.get(event.channel, ()))
        self._deliver(subs, event)

    def resync_all(self) -> None:
        with self._lock:
            subs = list({id(s): s for group in self._subs.values() for s in group}.values())
        self._deliver(subs, Event("", RESYNC))

    def _deliver(self, subs: list[Subscription], event: Event) -> None:
        try:
            running: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        for sub in subs:
            if sub.loop is running:
                sub.put(event)
                continue
            try:
                sub.loop.call_soon_threadsafe(sub.put, event)
            except RuntimeError:  # its loop is gone: the client went away without closing
                self.unsubscribe(sub)


class RedisBroker(LocalBroker):
    """Publish through Redis pub/sub; one pattern subscription per process feeds local subscribers."""

    kind = "redis"

    def __init__(self, url: str, *, prefix: str = "helpline:rt:", queue_size: int = 256) -> None:
        import redis

        super().__init__(queue_size)
        self.url = url
        self.prefix = prefix
        self._sync = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
        self._task: asyncio.Task[None] | None = None
        self._ready: asyncio.Event | None = None
        self._async: Any = None
        self._start_lock = threading.Lock()
        self.wait_seconds = 5.0

    def publish(self, channel: str, kind: str, data: dict[str, Any] | None = None) -> None:
        self._sync.publish(self.prefix + channel, Event(channel, kind, data or {}).to_json())

    async def apublish(self, channel: str, kind: str, data: dict[str, Any] | None = None) -> None:
        loop = asyncio.get_running_loop()
        if self._async is None or self._task is None or self._task.get_loop() is not loop:
            await asyncio.to_thread(self.publish, channel, kind, data)
            return
        await self._async.publish(self.prefix + channel, Event(channel, kind, data or {}).to_json())

    def _listening(self) -> bool:
        task = self._task
        return task is not None and not task.done() and not task.get_loop().is_closed()

    async def start(self) -> None:
        """Start this process's listener (idempotent); returns once Redis confirmed the subscription."""
        if self._listening() and self._ready is not None:
            if self._task is not None and self._task.get_loop() is asyncio.get_running_loop():
                await self._wait(self._ready)
            return
        with self._start_lock:
            if not self._listening():
                self._ready = asyncio.Event()
                self._task = asyncio.get_running_loop().create_task(self._listen(self._ready))
        task, ready = self._task, self._ready
        if ready is not None and task is not None and task.get_loop() is asyncio.get_running_loop():
            await self._wait(ready)

    async def _wait(self, ready: asyncio.Event) -> None:
        """Wait for Redis a while; if it is down, go on: the listener keeps retrying, and once it is
        back every subscriber gets a ``resync`` and reads what it missed."""
        try:
            await asyncio.wait_for(ready.wait(), self.wait_seconds)
        except TimeoutError:
            log.warning("realtime: Redis at %s is not answering yet; retrying in the background", self.url)

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None and task.get_loop() is asyncio.get_running_loop():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._sync.close()

    async def _listen(self, ready: asyncio.Event) -> None:
        import redis.asyncio as aioredis

        delay, connected_before = 0.1, False
        while True:
            client = aioredis.Redis.from_url(self.url, socket_connect_timeout=5)
            pubsub = client.pubsub()
            try:
                await pubsub.psubscribe(self.prefix + "*")
                await pubsub.get_message(timeout=5)  # the subscription is confirmed
                self._async = client
                if connected_before:
                    self.resync_all()  # events may have been published while we were away
                connected_before, delay = True, 0.1
                ready.set()
                while True:
                    message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=30)
                    if message is None or message.get("type") != "pmessage":
                        continue
                    try:
                        self.dispatch(Event.from_json(message["data"]))
                    except (ValueError, KeyError, TypeError):
                        log.warning("ignored a malformed realtime message on %s", message.get("channel"))
            except asyncio.CancelledError:
                raise
            except Exception as error:
                log.warning("realtime: Redis listener failed (%s); reconnecting in %.1f s", error, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
            finally:
                self._async = None
                with contextlib.suppress(Exception):
                    await pubsub.aclose()  # type: ignore[no-untyped-call]
                with contextlib.suppress(Exception):
                    await client.aclose()


Broker = LocalBroker


def make_broker(redis_url: str = "") -> LocalBroker:
    """Redis pub/sub when a URL is configured, else in-process fan-out."""
    return RedisBroker(redis_url) if redis_url else LocalBroker()
