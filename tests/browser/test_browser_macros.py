"""In headless Chromium: an admin sets up a canned reply and a macro (page checked with axe-core),
an agent inserts the canned reply at the cursor and applies the macro with one click."""

from __future__ import annotations

from typing import Any

from helpline.core.db import Database
from helpline.tickets.models import Ticket
from tests.browser.conftest import Live, check_accessibility
from tests.browser.test_browser_flows import sign_in
from tests.test_web_support import make_ticket


def _ticket(db: Database, ticket_id: int) -> Ticket:
    with db.read_sessions() as s:
        ticket = s.get(Ticket, ticket_id)
        assert ticket is not None
        _ = ticket.tags
        return ticket


def test_admin_sets_up_macros_and_an_agent_uses_them(live: Live, page_factory: Any) -> None:
    w = live.web.world
    tid = make_ticket(live.web.db, "Kettle not delivered", "Where is my kettle?", team_id=w.support_team_id)

    admin = page_factory()
    admin.set_default_timeout(20000)  # sign-in verifies an argon2 hash: slow on a loaded CI machine
    sign_in(admin, live, "ada@helpline.test")
    admin.goto(live.url + "/agent/admin/")
    admin.get_by_role("link", name="Canned replies and macros").click()
    admin.wait_for_url("**/agent/admin/macros")
    check_accessibility(admin, "admin-macros-empty")
    admin.get_by_label("Title").first.fill("Greeting")
    admin.locator("#reply-body").fill("Hi {{customer.first_name}}, ")
    admin.get_by_role("button", name="Save canned reply").click()
    admin.get_by_text("Canned reply saved.").wait_for()
    admin.locator("#macro-title").fill("Waiting on courier")
    admin.locator("#macro-body").fill("We chased the courier for you, {{customer.first_name}}.")
    admin.get_by_label("Set status").select_option("pending")
    admin.get_by_label("Add tags").fill("courier")
    admin.get_by_role("button", name="Save macro").click()
    admin.get_by_text("Macro saved.").wait_for()
    check_accessibility(admin, "admin-macros")

    page = page_factory()
    page.set_default_timeout(20000)
    sign_in(page, live)
    page.goto(f"{live.url}/agent/tickets/{tid}")
    page.get_by_label("Message", exact=True).fill("thanks for waiting.")
    page.get_by_label("Message", exact=True).evaluate("el => el.setSelectionRange(0, 0)")
    page.get_by_label("Canned reply").select_option(label="Greeting")
    page.get_by_role("button", name="Insert into message").click()
    page.wait_for_function(
        "() => document.getElementById('composer-text').value === 'Hi Carla, thanks for waiting.'"
    )
    assert page.url.endswith(f"/agent/tickets/{tid}")  # inserted in place, no navigation

    page.get_by_role("button", name="Apply macro: Waiting on courier").click()
    page.get_by_text("Macro applied.").wait_for()
    conversation = page.locator(".conversation")
    conversation.get_by_text("We chased the courier for you, Carla.").wait_for()
    assert "Pending" in page.locator(".ticket-meta").inner_text()
    assert page.get_by_label("Tags").input_value() == "courier"
    # The draft in the composer survives the in-place update.
    assert page.get_by_label("Message", exact=True).input_value() == "Hi Carla, thanks for waiting."
    check_accessibility(page, "agent-ticket-macro")
    ticket = _ticket(live.web.db, tid)
    assert ticket.status == "pending" and ticket.tags == ["courier"]


def test_agent_saves_an_inbox_view(live: Live, page_factory: Any) -> None:
    w = live.web.world
    make_ticket(live.web.db, "Urgent kettle", priority="urgent", team_id=w.support_team_id)
    make_ticket(live.web.db, "Calm kettle", priority="low", team_id=w.support_team_id)
    page = page_factory()
    page.set_default_timeout(20000)
    sign_in(page, live)
    page.get_by_role("link", name="New view…").click()
    page.wait_for_url("**/agent/views/new")
    check_accessibility(page, "agent-new-view")
    page.get_by_label("Name").fill("Urgent ones")
    page.get_by_label("Priority").select_option("urgent")
    page.get_by_role("button", name="Save view").click()
    page.get_by_role("heading", name="Urgent ones").wait_for()
    assert page.locator("[data-ticket-link]").all_inner_texts() == ["Urgent kettle"]
    link = page.get_by_role("navigation", name="Views").get_by_role("link", name="Urgent ones 1")
    assert link.get_attribute("aria-current") == "page"
    check_accessibility(page, "agent-inbox-saved-view")
