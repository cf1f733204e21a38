"""End to end in headless Chromium: agent works a ticket, customer follows it in the portal."""

from __future__ import annotations

from typing import Any

from helpline.core.actor import SYSTEM
from helpline.tickets.service import update_ticket
from helpline.web import portal_link
from tests.browser.conftest import ARTIFACTS, Live, check_accessibility
from tests.test_web_support import PASSWORD, make_ticket


def sign_in(page: Any, live: Live, email: str = "sam@helpline.test") -> None:
    page.goto(live.url + "/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(live.url + "/agent/")


def test_agent_signs_in_finds_a_ticket_replies_and_adds_a_note(live: Live, page_factory: Any) -> None:
    w = live.web.world
    tid = make_ticket(
        live.web.db, "Kettle not delivered", "My kettle never arrived", team_id=w.support_team_id
    )
    make_ticket(live.web.db, "Lid cracked", "The lid is broken", priority="high")
    page = page_factory()
    page.goto(live.url + "/agent/")
    page.wait_for_url("**/agent/login")
    check_accessibility(page, "agent-login")
    sign_in(page, live)
    check_accessibility(page, "agent-inbox")
    page.get_by_role("searchbox", name="Search tickets").fill("kettle")
    page.keyboard.press("Enter")
    page.wait_for_url("**/agent/?q=kettle")
    assert page.locator("[data-ticket-link]").count() == 1
    page.get_by_role("link", name="Kettle not delivered").click()
    page.wait_for_url(f"**/agent/tickets/{tid}")
    check_accessibility(page, "agent-ticket")

    page.keyboard.press("r")  # shortcut: focus the composer as a public reply
    composer = page.get_by_label("Message", exact=True)
    assert composer.evaluate("el => el === document.activeElement")
    composer.fill("A new kettle is on its way.")
    page.get_by_role("button", name="Send", exact=True).click()
    page.get_by_text("Reply sent.").wait_for()
    page.locator("body").click(position={"x": 5, "y": 400})
    page.keyboard.press("n")  # shortcut: internal note
    assert page.get_by_label("Internal note (team only)").is_checked()
    page.get_by_label("Message", exact=True).fill("Warehouse lost it; claim filed.")
    page.get_by_role("button", name="Send", exact=True).click()
    page.get_by_text("Internal note added.").wait_for()
    note = page.locator(".msg-note").last
    assert "Internal note" in note.inner_text() and "Warehouse lost it" in note.inner_text()

    page.locator("body").click(position={"x": 5, "y": 400})
    page.keyboard.press("a")  # shortcut: assign to me
    page.get_by_text("Assigned to you.").wait_for()
    assert "Owner: Sam Support" in page.locator(".ticket-meta").inner_text()
    page.keyboard.press("?")
    help_dialog = page.get_by_role("dialog", name="Keyboard shortcuts")
    help_dialog.wait_for()
    check_accessibility(page, "agent-help")
    page.keyboard.press("Escape")
    help_dialog.wait_for(state="hidden")
    page.screenshot(path=str(ARTIFACTS / "agent-ticket-worked.png"), full_page=True)


def test_inbox_keyboard_moves_and_solving(live: Live, page_factory: Any) -> None:
    first = make_ticket(live.web.db, "First ticket", priority="urgent")
    second = make_ticket(live.web.db, "Second ticket")
    page = page_factory()
    sign_in(page, live)
    page.goto(live.url + "/agent/?view=open")
    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("k")
    assert page.evaluate("document.activeElement.dataset.ticketId") == str(first)
    page.keyboard.press("x")  # select it for a bulk action
    assert page.get_by_label(f"Select ticket #{first}").is_checked()
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/agent/tickets/{first}")
    page.keyboard.press("s")  # solve
    page.get_by_text("Ticket solved.").wait_for()
    page.keyboard.press("j")  # next ticket of the list the agent came from
    page.wait_for_url(f"**/agent/tickets/{second}")


def test_customer_opens_the_portal_sees_status_and_owner_but_not_the_note(
    live: Live, page_factory: Any
) -> None:
    w = live.web.world
    tid = make_ticket(live.web.db, "Kettle not delivered", team_id=w.support_team_id)
    with live.web.db.transaction() as s:
        update_ticket(s, SYSTEM, tid, assignee_id=w.agent.id)
    agent = page_factory()
    sign_in(agent, live)
    agent.goto(f"{live.url}/agent/tickets/{tid}")
    agent.get_by_label("Message", exact=True).fill("Your new kettle ships today.")
    agent.get_by_role("button", name="Send", exact=True).click()
    agent.get_by_text("Reply sent.").wait_for()
    agent.get_by_label("Internal note (team only)").check()
    agent.get_by_label("Message", exact=True).fill("TOP SECRET courier complaint")
    agent.get_by_role("button", name="Send", exact=True).click()
    agent.get_by_text("Internal note added.").wait_for()

    page = page_factory(viewport={"width": 390, "height": 844})  # a phone
    page.goto(live.url + portal_link(w.customer.id, settings=live.web.app.state.settings))
    page.wait_for_url(live.url + "/portal/")
    check_accessibility(page, "portal-home")
    page.get_by_role("link", name="Kettle not delivered").click()
    page.wait_for_url(f"**/portal/tickets/{tid}")
    text = page.locator("main").inner_text()
    assert "In progress" in text and "Sam Support" in text and "Your new kettle ships today." in text
    assert "TOP SECRET" not in page.content()
    check_accessibility(page, "portal-ticket")
    page.get_by_label("Your message").fill("Thank you, I will be at home.")
    page.get_by_role("button", name="Send reply").click()
    page.get_by_text("Thank you, your message was sent.").wait_for()
    assert "I will be at home" in page.locator(".conversation").inner_text()
    page.get_by_role("link", name="New request").click()
    check_accessibility(page, "portal-new")


def test_the_inbox_updates_itself_when_a_ticket_arrives(live: Live, page_factory: Any) -> None:
    make_ticket(live.web.db, "Already here")
    page = page_factory()
    sign_in(page, live)
    page.goto(live.url + "/agent/?view=open&sort=newest")
    page.get_by_role("link", name="Already here").wait_for()
    page.wait_for_function("() => window.htmx !== undefined")
    page.wait_for_timeout(400)  # the stream has said "ready"
    make_ticket(live.web.db, "Arrived while watching")
    page.get_by_role("link", name="Arrived while watching").wait_for()
    assert page.locator("[data-ticket-link]").count() == 2
    assert page.evaluate("performance.getEntriesByType('navigation').length") == 1  # no reload


def test_admin_pages_are_accessible(live: Live, page_factory: Any) -> None:
    page = page_factory()
    sign_in(page, live, "ada@helpline.test")
    page.get_by_role("link", name="Admin").click()
    page.wait_for_url("**/agent/admin/")
    check_accessibility(page, "admin")
    page.get_by_label("Token name").fill("ci")
    page.get_by_role("button", name="Create a token for me").click()
    assert page.get_by_label("New API token").input_value().startswith("hl_")
