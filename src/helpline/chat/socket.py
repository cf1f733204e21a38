"""The visitor's WebSocket (``/chat/ws?widget=KEY``): JSON frames both ways.

Visitor → server: ``hello {token, last_id[, identity]}`` (first), ``details {name, email}``,
``message {text, client_id}``, ``typing {on}``, ``transcript`` (email it to me), ``ping``.
Server → visitor: ``welcome {token, visitor, prechat, status, limits, identity}``, ``message {id,
author, name, text, at, client_id[, attachments]}``, ``ack {client_id, id}``, ``typing {on, name}``,
``transcript {to}``, ``ping``, ``reconnect``, and ``error {code, message[, retry_after]}``. Errors
after which the widget must not reconnect close the socket with a 44xx code (4403 origin not
allowed, 4404 unknown widget, 4400 no hello). Files are sent over HTTP (``POST /chat/upload``) and
come back as a ``message`` with ``attachments`` (each with a signed download ``url``).

Delivery: the socket subscribes to the visitor's channel before reading the transcript. A message
event carries the message and the id of the visitor's public message before it: when the socket has
sent that one, it sends the carried frame straight away; otherwise (and on a resync, and every
few heartbeats) it reads the messages after the last id it sent. Every message reaches the widget exactly
once, in order, across reconnects (the widget sends the last id it saw).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from fastapi import WebSocket, WebSocketDisconnect
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as SQLAlchemyTimeoutError
from starlette.concurrency import run_in_threadpool

from helpline.chat import identity
from helpline.chat.models import ChatVisitor, ChatWidget
from helpline.chat.service import (
    ChatConfig,
    channel_of,
    messages_after,
    open_visitor,
    origin_allowed,
    send_message,
    set_details,
    widget_by_key,
)
from helpline.chat.status import StatusCache
from helpline.chat.transcript import TranscriptRefused, email_transcript
from helpline.chat.uploads import file_sig
from helpline.core.db import Database
from helpline.core.errors import DomainError
from helpline.core.ratelimit import RateLimiter, TooManyRequests
from helpline.realtime import RESYNC, Event, LocalBroker, Subscription, broker_of

log = logging.getLogger(__name__)

# Catch-up reads get their own threads: they must not queue behind request handlers that wait for
# the database writer lock in the shared pool, or delivery would stall exactly when agents are busy.
READERS = ThreadPoolExecutor(max_workers=8, thread_name_prefix="helpline-chat-read")
BUSY = "We're very busy right now; your message will be sent again in a moment."


class Fatal(Exception):
    def __init__(self, code: str, message: str, close: int) -> None:
        super().__init__(message)
        self.code, self.message, self.close = code, message, close


class VisitorSocket:
    def __init__(self, websocket: WebSocket) -> None:
        app = websocket.app
        self.ws = websocket
        self.db: Database = app.state.db
        self.cfg: ChatConfig = app.state.chat_config
        self.limiter: RateLimiter = app.state.chat_limiter
        self.new_visitors: RateLimiter = app.state.chat_new_visitors
        self.transcripts: RateLimiter = app.state.chat_transcripts
        self.status_cache: StatusCache = app.state.chat_status
        self.secret: str = app.state.settings.secret_key
        self.broker: LocalBroker = broker_of(app)
        self.send_lock = asyncio.Lock()
        self.last_id = 0
        self.visitor_id = 0
        self.public_id = ""
        self.visitor_name = ""
        self.identity: dict[str, Any] | None = None
        self.prechat = "off"
        self.has_email = False
        self.last_typing = 0.0

    async def send(self, frame: dict[str, Any]) -> None:
        async with self.send_lock:
            await self.ws.send_text(json.dumps(frame, separators=(",", ":")))

    async def send_message_frame(self, frame: dict[str, Any]) -> None:
        """A message frame, with this visitor's signed download address on each file."""
        if frame.get("attachments"):
            files = []
            for att in frame["attachments"]:
                sig = file_sig(self.secret, self.public_id, int(att["id"]))
                files.append({**att, "url": f"/chat/files/{att['id']}?s={sig}"})
            frame = {**frame, "attachments": files}
        await self.send(frame)
        self.last_id = int(frame["id"])

    async def error(self, code: str, message: str, **extra: Any) -> None:
        await self.send({"type": "error", "code": code, "message": message, **extra})

    # -- the conversation ----------------------------------------------------------------------
    async def run(self) -> None:
        key = self.ws.query_params.get("widget", "")
        origin = self.ws.headers.get("origin")
        widget = await run_in_threadpool(self._widget, key)
        await self.ws.accept()
        try:
            if widget is None:
                raise Fatal("unknown_widget", "This chat widget does not exist (check data-widget).", 4404)
            if not origin_allowed(widget, origin):
                where = origin or "a page without an origin"
                raise Fatal(
                    "origin_not_allowed",
                    f"This chat is not enabled on {where}. The site owner can add it to the widget's "
                    "allowed origins.",
                    4403,
                )
            hello = await self._hello()
            token = await self._open_visitor(widget, hello)
            async with await self.broker.subscribe(channel_of(self.visitor_id)) as sub:
                await self.send(
                    {
                        "type": "welcome",
                        "token": token,
                        "visitor": {"name": self.visitor_name, "has_email": self.has_email},
                        "prechat": self.prechat,
                        "limits": {
                            "max_chars": self.cfg.max_chars,
                            "max_upload_bytes": self.cfg.upload_max_bytes,
                        },
                        "status": await run_in_threadpool(self._status, widget.id),
                        "identity": self.identity,
                    }
                )
                if self.identity and self.identity["status"] == "refused":
                    await self.error(self.identity["code"], self.identity["message"])
                pump = asyncio.create_task(self._pump(sub))
                try:
                    await self._read(pump)
                finally:
                    pump.cancel()
                    with contextlib.suppress(asyncio.CancelledError, Exception):
                        await pump
        except Fatal as fatal:
            with contextlib.suppress(Exception):
                await self.error(fatal.code, fatal.message)
                await self.ws.close(fatal.close, fatal.code)
        except WebSocketDisconnect:
            return

    def _widget(self, key: str) -> ChatWidget | None:
        with self.db.read_sessions() as session:
            return widget_by_key(session, key)

    def _status(self, widget_id: int) -> dict[str, Any]:
        with self.db.read_sessions() as session:
            widget = session.get(ChatWidget, widget_id)
            return self.status_cache.get(session, widget) if widget else {}

    async def _hello(self) -> dict[str, Any]:
        try:
            raw = await asyncio.wait_for(self.ws.receive_text(), self.cfg.hello_timeout)
            hello = json.loads(raw)
        except TimeoutError:
            raise Fatal("bad_request", "Send a hello frame first.", 4400) from None
        except (ValueError, KeyError):
            raise Fatal("bad_request", "Frames are JSON objects with a type.", 4400) from None
        if not isinstance(hello, dict) or hello.get("type") != "hello":
            raise Fatal("bad_request", "The first frame must be {type: 'hello'}.", 4400)
        try:
            self.last_id = max(int(hello.get("last_id") or 0), 0)
        except (TypeError, ValueError):
            raise Fatal("bad_request", "last_id must be a message id (a number).", 4400) from None
        return hello

    async def _open_visitor(self, widget: ChatWidget, hello: dict[str, Any]) -> str:
        address = self.ws.client.host if self.ws.client else "?"
        refusal: Fatal | None = None
        try:
            self.new_visitors.check(address)
        except TooManyRequests as error:
            refusal = Fatal("rate_limited", str(error), 4429)
        may_create = refusal is None
        claims: identity.Claims | None = None
        if hello.get("identity") is not None:
            try:
                claims = identity.verify(widget, hello["identity"], max_age=self.cfg.identity_max_age)
                self.identity = {"status": "verified"}
            except identity.IdentityRefused as refused:
                message = f"{refused.message} You are chatting as a guest."
                self.identity = {"status": "refused", "code": refused.code, "message": message}

        def work() -> tuple[ChatVisitor | None, str]:
            with self.db.transaction() as session:
                return open_visitor(
                    session, widget, hello.get("token"), self.secret, may_create=may_create, claims=claims
                )

        visitor, token = await run_in_threadpool(work)
        if visitor is None:
            assert refusal is not None
            raise refusal
        if token and hello.get("token") != token:
            self.new_visitors.hit(address)
        self.visitor_id, self.visitor_name = visitor.id, visitor.name
        self.public_id = visitor.public_id
        self.has_email, self.prechat = bool(visitor.email), widget.prechat
        return token

    async def _pump(self, sub: Subscription) -> None:
        """Send what is new: on each event, on each heartbeat; end the socket when its time is up."""
        ends = time.monotonic() + self.cfg.lifetime
        await self._catch_up()
        beats = 0
        while (left := ends - time.monotonic()) > 0:
            event = await sub.get(timeout=min(self.cfg.heartbeat, left))
            if event is None:
                await self.send({"type": "ping"})
                beats += 1
                if beats % self.cfg.recheck_beats == 0:  # the backstop for a lost event
                    await self._catch_up()
            else:
                await self._deliver([event, *sub.pending()])
        await self.send({"type": "reconnect", "reason": "lifetime"})
        await self.ws.close(4000, "lifetime")

    async def _deliver(self, events: list[Event]) -> None:
        """Send what a burst of events carries; read from the database only if something is missing."""
        read = False
        for event in events:
            if event.kind == "typing" and event.data.get("who") == "agent":
                typing = {
                    "type": "typing",
                    "on": bool(event.data.get("on")),
                    "name": event.data.get("name", ""),
                }
                await self.send(typing)
            elif event.kind == RESYNC:
                read = True
            elif event.kind == "message":
                frame, msg_id, prev = event.data.get("frame"), event.data.get("id"), event.data.get("prev")
                if not isinstance(frame, dict) or not isinstance(msg_id, int) or not isinstance(prev, int):
                    read = True
                elif read or msg_id <= self.last_id:
                    continue
                elif prev <= self.last_id:
                    await self.send_message_frame(frame)
                else:
                    read = True
        if read:
            await self._catch_up()

    async def _catch_up(self) -> None:
        while True:
            loop = asyncio.get_running_loop()
            frames = await loop.run_in_executor(READERS, self._after, self.last_id)
            for frame in frames:
                await self.send_message_frame(frame)
            if len(frames) < self.cfg.history_limit:
                return

    def _after(self, after_id: int) -> list[dict[str, Any]]:
        with self.db.read_sessions() as session:
            return messages_after(session, self.visitor_id, after_id, self.cfg.history_limit)

    async def _read(self, pump: asyncio.Task[None]) -> None:
        while not pump.done():
            receive = asyncio.ensure_future(self.ws.receive())
            done, _ = await asyncio.wait({receive, pump}, return_when=asyncio.FIRST_COMPLETED)
            if receive not in done:
                receive.cancel()
                return
            message = receive.result()
            if message["type"] == "websocket.disconnect":
                return
            raw = message.get("text")
            if raw is None:
                await self.error("bad_request", "Send text frames with JSON, not binary.")
                continue
            await self._handle(raw)

    async def _handle(self, raw: str) -> None:
        if len(raw.encode()) > self.cfg.max_frame_bytes:
            await self.error("too_large", f"Messages can be at most {self.cfg.max_chars} characters.")
            return
        try:
            frame = json.loads(raw)
            kind = frame["type"]
        except (ValueError, KeyError, TypeError):
            await self.error("bad_request", "Frames are JSON objects with a type.")
            return
        if kind == "message":
            await self._message(frame)
        elif kind == "typing":
            await self._typing(bool(frame.get("on")))
        elif kind == "details":
            await self._details(frame)
        elif kind == "transcript":
            await self._transcript()
        elif kind == "ping":
            await self.send({"type": "pong"})
        else:
            await self.error("bad_request", f"Unknown frame type {str(kind)[:40]!r}.")

    async def _message(self, frame: dict[str, Any]) -> None:
        text = frame.get("text")
        client_id = frame.get("client_id")
        echo = {"client_id": client_id} if isinstance(client_id, str) else {}
        if not isinstance(text, str) or not text.strip():
            await self.error("empty", "Write a message first.", **echo)
            return
        text = text.strip()
        if len(text) > self.cfg.max_chars:
            await self.error(
                "too_large",
                f"Messages can be at most {self.cfg.max_chars} characters; this one has {len(text)}.",
                **echo,
            )
            return
        if self.prechat == "required" and not self.has_email:
            await self.error("details_required", "Please leave your email address first.", **echo)
            return
        key = f"v{self.visitor_id}"
        try:
            self.limiter.check(key)
        except TooManyRequests as error:
            await self.error("rate_limited", str(error), retry_after=error.retry_after, **echo)
            return

        def work() -> tuple[int, bool]:
            with self.db.transaction() as session:
                return send_message(session, self.visitor_id, text, client_id if echo else None)

        try:
            message_id, new = await run_in_threadpool(work)
        except DomainError as error:
            await self.error("invalid", str(error), **echo)
            return
        except (OperationalError, SQLAlchemyTimeoutError) as error:  # the database is overloaded
            log.warning("chat: message not stored, database busy: %s", error)
            await self.error("busy", BUSY, retry_after=1, **echo)
            return
        if new:
            self.limiter.hit(key)
        await self.send({"type": "ack", "id": message_id, **echo})

    async def _typing(self, on: bool) -> None:
        now = time.monotonic()
        if on and now - self.last_typing < self.cfg.typing_interval:
            return
        self.last_typing = now if on else 0.0
        data = {"who": "visitor", "on": on, "visitor_id": self.visitor_id}
        try:
            await self.broker.apublish(channel_of(self.visitor_id), "typing", data)
        except Exception as error:  # a typing hint is not worth failing the chat over
            log.warning("chat: typing indicator not published: %s", error)

    async def _details(self, frame: dict[str, Any]) -> None:
        name, email = frame.get("name") or "", frame.get("email") or ""
        if not isinstance(name, str) or not isinstance(email, str):
            await self.error("bad_request", "name and email are text.")
            return

        def work() -> ChatVisitor:
            with self.db.transaction() as session:
                visitor = session.get(ChatVisitor, self.visitor_id)
                assert visitor is not None
                return set_details(session, visitor, name=name, email=email)

        try:
            visitor = await run_in_threadpool(work)
        except DomainError as error:
            await self.error("invalid", str(error), field="email" if email else "name")
            return
        self.visitor_name, self.has_email = visitor.name, bool(visitor.email)
        await self.send({"type": "details", "name": visitor.name, "has_email": self.has_email})

    async def _transcript(self) -> None:
        key = f"v{self.visitor_id}"
        try:
            self.transcripts.check(key)
        except TooManyRequests as error:
            await self.error("rate_limited", str(error), retry_after=error.retry_after)
            return

        def work() -> str:
            with self.db.transaction() as session:
                visitor = session.get(ChatVisitor, self.visitor_id)
                assert visitor is not None
                return email_transcript(session, visitor)

        try:
            to = await run_in_threadpool(work)
        except TranscriptRefused as refused:
            await self.error(refused.code, refused.detail)
            return
        self.transcripts.hit(key)
        await self.send({"type": "transcript", "to": to})


async def visitor_socket(websocket: WebSocket) -> None:
    try:
        await VisitorSocket(websocket).run()
    except WebSocketDisconnect:
        return
    except Exception:
        log.exception("chat socket failed")
        with contextlib.suppress(Exception):
            await websocket.close(1011, "internal error")
