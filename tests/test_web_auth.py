"""Web sign-in: signed session cookies, CSRF on every form, lockout, sign-out, session binding."""

from __future__ import annotations

import pytest
from fastapi import FastAPI

from helpline.accounts.service import update_user
from helpline.core.actor import SYSTEM
from helpline.core.db import Database
from helpline.web.auth import AGENT_COOKIE
from tests.conftest import World
from tests.test_web_support import PASSWORD, Web, csrf_of, setup_web, sign_in


@pytest.fixture
def web(app: FastAPI, db: Database, world: World) -> Web:
    return setup_web(app, db, world)


def test_the_workspace_sends_strangers_to_the_sign_in_page(web: Web) -> None:
    browser = web.browser()
    response = browser.get("/agent/tickets/1")
    assert response.status_code == 303
    assert response.headers["location"] == "/agent/login?next=%2Fagent%2Ftickets%2F1"
    assert browser.get("/").headers["location"] == "/agent/"
    page = browser.get("/agent/login")
    assert page.status_code == 200
    assert '<label for="email">Email</label>' in page.text
    assert page.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]


def test_sign_in_sets_a_signed_http_only_lax_cookie_and_goes_where_asked(web: Web) -> None:
    browser = web.browser()
    response = sign_in(browser, "Sam@Helpline.test", next="/agent/tickets/7")
    assert response.status_code == 303
    assert response.headers["location"] == "/agent/tickets/7"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{AGENT_COOKIE}=")
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie
    inbox = browser.get("/agent/")
    assert inbox.status_code == 200 and "Signed in as Sam Support" in inbox.text


def test_an_offsite_next_is_ignored(web: Web) -> None:
    response = sign_in(web.browser(), "sam@helpline.test", next="//evil.example/agent/")
    assert response.headers["location"] == "/agent/"


def test_wrong_password_is_refused_clearly_and_keeps_the_email(web: Web) -> None:
    response = sign_in(web.browser(), "sam@helpline.test", "not the password")
    assert response.status_code == 401
    assert "Wrong email or password." in response.text
    assert 'value="sam@helpline.test"' in response.text
    assert AGENT_COOKIE + "=" not in response.headers.get("set-cookie", "") or "u" not in response.text


def test_a_form_without_its_csrf_token_is_refused_with_a_clear_message(web: Web) -> None:
    browser = web.browser()
    browser.get("/agent/login")
    response = browser.post("/agent/login", data={"email": "sam@helpline.test", "password": PASSWORD})
    assert response.status_code == 403
    assert "This sign-in form has expired" in response.text
    # Signed in, a reply without the token (as a forged cross-site form would be) changes nothing.
    agent = web.agent()
    forged = agent.post("/agent/tickets/1/messages", data={"text": "Forged reply", "mode": "reply"})
    assert forged.status_code == 403
    assert "could not be verified" in forged.text
    assert "Forged reply" in forged.text  # the typed text is handed back, not lost


def test_a_token_from_another_session_does_not_work(web: Web) -> None:
    mine = web.agent()
    other = web.agent("bo@helpline.test")
    token = csrf_of(other.get("/agent/").text)
    response = mine.post("/agent/logout", data={"csrf_token": token})
    assert response.status_code == 403


def test_repeated_failures_lock_the_account_even_for_the_right_password(web: Web) -> None:
    browser = web.browser()
    for _attempt in range(5):
        assert sign_in(browser, "sam@helpline.test", "guess-guess").status_code == 401
    locked = sign_in(browser, "sam@helpline.test")
    assert locked.status_code == 429
    assert "sign-in is paused" in locked.text
    assert int(locked.headers["retry-after"]) > 0
    # Another account is not locked by someone hammering Sam's.
    assert sign_in(web.browser(), "bo@helpline.test").status_code == 303


def test_sign_out_ends_the_session(web: Web) -> None:
    browser = web.agent()
    token = csrf_of(browser.get("/agent/").text)
    response = browser.post("/agent/logout", data={"csrf_token": token})
    assert response.status_code == 303 and response.headers["location"] == "/agent/login?out=1"
    assert browser.get("/agent/").status_code == 303
    assert "You have signed out." in browser.get("/agent/login?out=1").text


def test_a_tampered_cookie_is_ignored(web: Web) -> None:
    browser = web.agent()
    body, mac = browser.cookies[AGENT_COOKIE].split(".")
    browser.cookies.clear()
    browser.cookies.set(AGENT_COOKIE, body + "x." + mac)
    assert browser.get("/agent/").status_code == 303


def test_changing_the_password_or_deactivating_ends_existing_sessions(web: Web) -> None:
    browser = web.agent()
    assert browser.get("/agent/").status_code == 200
    with web.db.transaction() as s:
        update_user(s, SYSTEM, web.world.agent.id, password="a brand new password")
    assert browser.get("/agent/").status_code == 303
    other = web.agent("bo@helpline.test")
    with web.db.transaction() as s:
        update_user(s, SYSTEM, web.world.other_agent.id, is_active=False)
    assert other.get("/agent/").status_code == 303


def test_the_ui_speaks_german_when_asked(web: Web) -> None:
    browser = web.browser()
    page = browser.get("/agent/login", headers={"Accept-Language": "de-DE,de;q=0.9,en;q=0.5"})
    assert '<html lang="de">' in page.text and "Bei Helpline anmelden" in page.text
    switched = browser.get("/language?to=en&next=/agent/login")
    assert switched.status_code == 303 and switched.headers["location"] == "/agent/login"
    page = browser.get("/agent/login", headers={"Accept-Language": "de"})
    assert "Sign in to Helpline" in page.text  # the explicit choice wins over the browser's
    for offsite in ("//evil.example/", "/\\evil.example/", "https://evil.example/"):
        assert browser.get("/language", params={"to": "de", "next": offsite}).headers["location"] == "/"


def test_an_expired_session_sends_htmx_requests_to_the_sign_in_page(web: Web) -> None:
    response = web.browser().post(
        "/agent/tickets/1/messages", data={"text": "x"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200 and response.headers["hx-redirect"] == "/agent/login"
