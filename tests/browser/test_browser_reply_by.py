"""In headless Chromium: the portal shows the promised reply time in the customer's own time zone."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from helpline.web import portal_link
from tests.browser.conftest import Live, check_accessibility
from tests.test_sla_policies import _policy, _sla, _when
from tests.test_sla_portal import WEEKDAYS, _berlin_hours
from tests.test_web_support import make_ticket


def test_the_promised_reply_time_is_shown_in_the_readers_time_zone(live: Live, page_factory: Any) -> None:
    w = live.web.world
    _berlin_hours(w)
    _policy(w, name="Everyone", position=0, first_response_minutes=240)
    tid = make_ticket(live.web.db, "Kettle not delivered", team_id=w.support_team_id)
    due = _when(_sla(w.customer, tid)["targets"][0]["due_at"])
    new_york = due.astimezone(ZoneInfo("America/New_York"))

    page = page_factory(timezone_id="America/New_York", locale="en-US")
    page.goto(live.url + portal_link(w.customer.id, settings=live.web.app.state.settings))
    page.goto(f"{live.url}/portal/tickets/{tid}")
    promise = page.locator("#reply-by time")
    text = promise.text_content() or ""
    assert text.endswith("(your time)"), text
    assert WEEKDAYS[new_york.weekday()] in text and f"{new_york:%I}:{new_york:%M}" in text
    assert "(Europe/Berlin)" in (promise.get_attribute("title") or "")  # the business time stays at hand
    assert page.locator("#reply-by").text_content().startswith("Our team will reply by")  # type: ignore[union-attr]
    check_accessibility(page, "portal-reply-by")
