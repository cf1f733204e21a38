"""Rate limits and presence shared through Redis: several web processes act as one."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from fastapi import FastAPI

from helpline.app import create_app
from helpline.core.db import Database
from helpline.core.ratelimit import RateLimiter, TooManyRequests, configure_shared
from helpline.core.settings import Settings
from tests.conftest import World
from tests.test_realtime import REDIS_URL, needs_redis
from tests.test_web_support import Web, make_ticket, setup_web, sign_in


@pytest.fixture
def shared() -> Iterator[str]:
    prefix = f"helpline-test:{uuid.uuid4().hex}"
    configure_shared(REDIS_URL, prefix)
    yield prefix
    configure_shared("")


@needs_redis
def test_two_limiters_on_one_store_count_together(shared: str) -> None:
    first, second = (RateLimiter(3, 60, "widget messages") for _ in range(2))  # two processes
    for _ in range(3):
        first.check("visitor-1")
        first.hit("visitor-1")
    with pytest.raises(TooManyRequests) as refused:
        second.check("visitor-1")
    assert 0 < refused.value.retry_after <= 61
    second.check("visitor-2")  # someone else is not slowed down


def test_an_unreachable_store_falls_back_to_counting_in_the_process() -> None:
    configure_shared("redis://127.0.0.1:9/0")  # nothing listens on the discard port
    try:
        limiter = RateLimiter(2, 60, "requests")
        for _ in range(2):
            limiter.check("client")
            limiter.hit("client")
        with pytest.raises(TooManyRequests):
            limiter.check("client")
    finally:
        configure_shared("")


@needs_redis
def test_an_account_locked_on_one_web_process_is_locked_on_the_other(
    app: FastAPI, db: Database, world: World, settings: Settings
) -> None:
    other_process = create_app(settings.model_copy(update={"redis_url": REDIS_URL}), db, run_worker=False)
    configure_shared(REDIS_URL, f"helpline-test:{uuid.uuid4().hex}")
    try:
        here, there = setup_web(app, db, world), setup_web(other_process, db, world)
        for _attempt in range(5):
            assert sign_in(here.browser(), "sam@helpline.test", "guess-guess").status_code == 401
        locked = sign_in(there.browser(), "sam@helpline.test")
        assert locked.status_code == 429 and "sign-in is paused" in locked.text
        assert sign_in(Web(other_process, db, world).browser(), "bo@helpline.test").status_code == 303
    finally:
        configure_shared("")


@needs_redis
def test_agents_on_two_web_processes_see_each_other_on_a_ticket(
    app: FastAPI, db: Database, world: World, settings: Settings
) -> None:
    with_redis = settings.model_copy(update={"redis_url": REDIS_URL})
    one = setup_web(create_app(with_redis, db, run_worker=False), db, world)
    two = setup_web(create_app(with_redis, db, run_worker=False), db, world)
    try:
        one.app.state.web_presence.prefix = two.app.state.web_presence.prefix = f"t:{uuid.uuid4().hex}"
        tid = make_ticket(db, "Kettle")
        url = f"/agent/tickets/{tid}/presence"
        sam, ada = one.agent(), two.agent("ada@helpline.test")
        assert sam.get(url).text.strip() == ""
        assert "Sam Support is viewing this ticket" in ada.get(url + "?typing=1").text
        assert "Ada Admin is typing on this ticket" in sam.get(url).text
    finally:
        configure_shared("")
