"""In headless Chromium: an agent's tabs share one inbox stream and one chat-alerts stream, so a
browser's handful of connections per site is not used up by three tabs; every tab still updates and
alerts, and closing the tab that holds the streams hands them to another tab."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from tests.browser.conftest import Live
from tests.browser.test_browser_copilot import _chat
from tests.browser.test_browser_flows import sign_in
from tests.test_web_support import make_ticket

STREAMS = ("/agent/events", "/agent/chat-alerts")


def test_tabs_share_the_event_streams_and_hand_them_over(live: Live, page_factory: Any) -> None:
    first = page_factory()
    first.set_default_timeout(10000)
    opened: list[str] = []
    urls: list[str] = []
    first.context.on("request", lambda r: opened.extend(s for s in STREAMS if urlsplit(r.url).path == s))
    first.context.on("request", lambda r: urls.append(r.url) if urlsplit(r.url).path in STREAMS else None)
    sign_in(first, live)
    first.goto(live.url + "/agent/?view=open&sort=newest")
    first.wait_for_function("document.documentElement.dataset.streamLeader === 'true'")
    first.wait_for_timeout(600)  # the streams say "ready"
    assert set(opened[-2:]) == set(STREAMS)
    before = len(opened)
    second = first.context.new_page()
    second.set_default_timeout(10000)
    second.goto(live.url + "/agent/?view=open&sort=newest")
    third = first.context.new_page()
    third.goto(live.url + "/agent/?view=open&sort=newest")
    for page in (second, third):
        page.wait_for_function("() => window.htmx !== undefined")
    second.wait_for_timeout(600)
    assert len(opened) == before  # three tabs, still one stream of each
    assert second.evaluate("document.documentElement.dataset.streamLeader") is None

    make_ticket(live.web.db, "Seen in every tab")
    for page in (first, second, third):
        page.get_by_role("link", name="Seen in every tab").wait_for()
    _chat(live, "Is the shop open on Sunday?")
    for page in (first, second, third):
        page.locator("#chat-alerts a", has_text="New chat").wait_for()

    first.close()  # the tab holding the streams goes away: another takes them over
    leader = "document.documentElement.dataset.streamLeader === 'true'"
    for _ in range(50):
        if second.evaluate(leader) or third.evaluate(leader):
            break
        second.wait_for_timeout(100)
    assert second.evaluate(leader) != third.evaluate(leader)  # exactly one took over
    second.wait_for_timeout(600)
    assert len(opened) == before + 2 and set(opened[before:]) == set(STREAMS)
    assert all("last_event_id=" in url for url in urls[-2:])  # resumed where the old holder was
    make_ticket(live.web.db, "After the hand-over")
    second.get_by_role("link", name="After the hand-over").wait_for()
    third.get_by_role("link", name="After the hand-over").wait_for()
    _visitor, _ticket = _chat(live, "And on Monday?")
    for page in (second, third):
        page.locator("#chat-alerts a", has_text="New chat").nth(1).wait_for()
