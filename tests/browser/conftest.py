"""Browser tests: a real uvicorn server in a thread and Debian's headless Chromium via Playwright.

Skipped cleanly when /usr/bin/chromium or the playwright package is missing (never downloads a
browser). Screenshots go to $HELPLINE_ARTIFACTS (default /tmp/helpline-artifacts), never into git.
"""

from __future__ import annotations

import json
import os
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI

from helpline.core.db import Database
from helpline.web.live import StreamTiming
from tests.conftest import World
from tests.test_web_support import Web, setup_web

CHROMIUM = Path("/usr/bin/chromium")
AXE = Path(__file__).parent / "vendor" / "axe.min.js"
ARTIFACTS = Path(os.environ.get("HELPLINE_ARTIFACTS", "/tmp/helpline-artifacts"))  # noqa: S108
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip("Debian chromium is not installed (apt-get install -y chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("the playwright package is not installed")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        yield browser
        browser.close()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Live:
    url: str
    web: Web


@pytest.fixture
def live(app: FastAPI, db: Database, world: World) -> Iterator[Live]:
    web = setup_web(app, db, world)
    app.state.web_stream_timing = StreamTiming(interval=0.25, lifetime=10)
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            app, host="127.0.0.1", port=port, log_level="warning", lifespan="off", timeout_graceful_shutdown=1
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield Live(f"http://127.0.0.1:{port}", web)
    finally:
        server.should_exit = True
        thread.join(timeout=5)


@pytest.fixture
def page_factory(chromium: Any) -> Iterator[Any]:
    contexts: list[Any] = []

    def new_page(**options: Any) -> Any:
        # bypass_csp only so that the test can inject axe-core; the app's CSP stays on for users.
        settings = {"viewport": {"width": 1280, "height": 900}, **options}
        context = chromium.new_context(bypass_csp=True, **settings)
        context.set_default_timeout(5000)
        contexts.append(context)
        return context.new_page()

    yield new_page
    for context in contexts:
        context.close()


def check_accessibility(page: Any, name: str) -> None:
    """Run axe-core on the page; fail on any serious or critical violation; save a screenshot."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        AXE_TAGS,
    )
    bad = [v for v in result["violations"] if v["impact"] in ("serious", "critical")]
    summary = [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": [n["target"] for n in v["nodes"][:3]],
        }
        for v in bad
    ]
    assert not bad, f"{name}: " + json.dumps(summary, indent=1)
