"""In headless Chromium: the admin pages for channels and business settings, and the portal's sign-in
page, are usable by keyboard-and-label and pass axe-core, including with an error on the page."""

from __future__ import annotations

from typing import Any

from tests.browser.conftest import Live, check_accessibility
from tests.browser.test_browser_flows import sign_in


def test_admin_channel_and_business_pages_are_accessible(live: Live, page_factory: Any) -> None:
    page = page_factory()
    page.set_default_timeout(20000)  # sign-in verifies an argon2 hash: slow on a loaded machine
    sign_in(page, live, "ada@helpline.test")
    page.goto(live.url + "/agent/admin/")

    page.get_by_role("link", name="Mailboxes").click()
    page.wait_for_url("**/agent/admin/mailboxes")
    page.get_by_label("Email address").fill("help@shop.test")
    page.get_by_label("Team that receives the mail").select_option(label="Support")
    page.get_by_role("button", name="Save mailbox").click()
    page.get_by_text("Mailbox saved.").wait_for()
    check_accessibility(page, "admin-mailboxes")

    page.goto(live.url + "/agent/admin/chat-widgets")
    page.get_by_label("Name", exact=True).fill("Shop")
    page.get_by_label("Sites allowed to show the chat").fill("https://shop.test/not-an-origin")
    page.get_by_role("button", name="Save chat widget").click()
    page.get_by_role("alert").wait_for()
    check_accessibility(page, "admin-chat-widgets-error")
    page.get_by_label("Sites allowed to show the chat").fill("https://shop.test")
    page.get_by_role("button", name="Save chat widget").click()
    page.get_by_text("Chat widget saved.").wait_for()
    assert "data-widget=" in page.get_by_label("Embed code for Shop").input_value()

    page.goto(live.url + "/agent/admin/business")
    page.get_by_label("Name", exact=True).first.fill("Office")
    page.get_by_label("Time zone").fill("Europe/Berlin")
    page.get_by_label("Monday").fill("09:00-17:00")
    page.get_by_role("button", name="Save business hours").click()
    page.get_by_text("Business hours saved.").wait_for()
    page.locator("#policy-name").fill("Urgent")
    page.get_by_label("First response within (minutes)").fill("60")
    page.get_by_role("button", name="Save SLA policy").click()
    page.get_by_text("SLA policy saved.").wait_for()
    check_accessibility(page, "admin-business")


def test_portal_sign_in_page_is_accessible(live: Live, page_factory: Any) -> None:
    page = page_factory()
    page.set_default_timeout(20000)  # the machine running the tests may be busy
    page.goto(live.url + "/portal/signin")
    check_accessibility(page, "portal-signin")
    page.get_by_label("Email").fill("carla@example.com")
    page.get_by_role("button", name="Email me a sign-in link").click()
    page.get_by_role("status").wait_for()
    check_accessibility(page, "portal-signin-sent")
