"""Live chat: the embeddable widget, the visitor socket, and chat tickets answered by agents.

``install(app)`` adds the chat to an app: ``/chat/ws`` (visitor WebSocket), ``/chat/widget.js`` (the
widget, one ``<script>`` tag), ``/chat/upload`` and ``/chat/files/{id}`` (the visitor's files), the
agent side (``/chat/agent/tickets/{id}/events`` and ``…/typing``), ``/api/v1/chat/widgets``
(admins), the reply hook and the email follow-up job. It installs the real-time broker too
(``helpline.realtime.install``).
"""

from __future__ import annotations

from fastapi import FastAPI

__all__ = ["install"]


def install(app: FastAPI, *, api_prefix: str = "/api/v1") -> None:
    """Add the chat to ``app`` (idempotent)."""
    if getattr(app.state, "helpline_chat_installed", False):
        return
    from helpline import realtime
    from helpline.chat import hooks as _hooks  # noqa: F401  (reply hook and follow-up job)
    from helpline.chat.routes import api, public
    from helpline.chat.service import ChatConfig
    from helpline.chat.status import StatusCache
    from helpline.core.ratelimit import RateLimiter

    realtime.install(app)
    config = ChatConfig()
    app.state.helpline_chat_installed = True
    app.state.chat_config = config
    app.state.chat_limiter = RateLimiter(config.rate_limit, config.rate_window, "chat messages")
    app.state.chat_new_visitors = RateLimiter(
        config.new_visitors_per_minute, 60, "new chats from this address"
    )
    app.state.chat_transcripts = RateLimiter(config.transcripts_per_hour, 3600, "transcript emails")
    app.state.chat_status = StatusCache(config.status_ttl)
    app.include_router(public)
    app.include_router(api, prefix=api_prefix)
