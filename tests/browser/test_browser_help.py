"""The public help center and the agent's KB panel in headless Chromium, with axe-core."""

from __future__ import annotations

from typing import Any

from tests.browser.conftest import Live, check_accessibility
from tests.browser.test_browser_flows import sign_in
from tests.test_web_support import make_ticket

ARTICLE = {
    "title": "Reset your password",
    "body": "Open **Settings**, choose *Security* and press Reset password.\n\n- A link arrives by email.",
    "category": "Account",
}


def test_help_center_and_kb_panel(live: Live, page_factory: Any) -> None:
    world = live.web.world
    created = world.admin.post("/api/v1/kb/articles", json=ARTICLE).json()
    world.admin.post(f"/api/v1/kb/articles/{created['id']}/publish", json={})

    page = page_factory()
    page.goto(live.url + "/help/")
    check_accessibility(page, "help-home")
    page.get_by_label("Search the help center").fill("forgot password")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name="Reset your password").click()
    check_accessibility(page, "help-article")
    page.get_by_label("No").check()
    page.get_by_label("What could be better? (optional)").fill("More screenshots")
    page.get_by_role("button", name="Send feedback").click()
    page.get_by_text("Thank you for your feedback.").wait_for()

    team = world.support_team_id
    ticket = make_ticket(live.web.db, "Cannot sign in", "I forgot my password.", team_id=team)
    agent = page_factory()
    sign_in(agent, live)
    agent.goto(f"{live.url}/agent/tickets/{ticket}")
    agent.get_by_role("button", name="Insert excerpt").first.click()
    assert "Open Settings" in agent.locator("#composer-text").input_value()
    check_accessibility(agent, "ticket-with-kb-panel")


def test_new_request_form_suggests_an_article_while_the_customer_types(live: Live, page_factory: Any) -> None:
    from helpline.web import portal_link

    world = live.web.world
    created = world.admin.post("/api/v1/kb/articles", json=ARTICLE).json()
    world.admin.post(f"/api/v1/kb/articles/{created['id']}/publish", json={})

    page = page_factory()
    page.goto(live.url + portal_link(world.customer.id, settings=live.web.app.state.settings))
    page.wait_for_url(live.url + "/portal/")
    page.goto(live.url + "/portal/new")
    page.wait_for_function("() => window.htmx !== undefined")
    page.get_by_label("Subject").fill("Forgot my password")
    page.get_by_label("How can we help?").press_sequentially(
        "I can't remember my password, how do I reset it?"
    )
    suggestion = page.get_by_role("link", name="Reset your password")
    suggestion.wait_for()
    assert "These articles may answer your question" in page.locator("#kb-suggest").inner_text()
    # What the customer typed stays; the request can still be sent.
    assert "how do I reset it?" in page.get_by_label("How can we help?").input_value()
    check_accessibility(page, "portal-new-with-suggestions")
    page.get_by_role("button", name="Send request").click()
    page.wait_for_url("**/portal/tickets/*")
