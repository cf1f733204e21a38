"""The public help center: categories, search, article pages, feedback; nothing unpublished or internal."""

from __future__ import annotations

import re

from fastapi import FastAPI
from fastapi.testclient import TestClient

from helpline.core.db import Database
from helpline.kb.markdown import render_markdown
from tests.conftest import World
from tests.test_web_support import make_ticket, setup_web

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def _article(world: World, **fields: object) -> dict:
    body = {"title": "Reset your password", "body": "Open **Settings**.", "category": "Account", **fields}
    created = world.admin.post("/api/v1/kb/articles", json=body).json()
    if fields.get("visibility") != "draft":
        world.admin.post(f"/api/v1/kb/articles/{created['id']}/publish", json={})
    return created


def _browser(app: FastAPI, db: Database, world: World) -> TestClient:
    setup_web(app, db, world)
    if not any(getattr(r, "path", "").startswith("/help/") for r in app.routes):
        from helpline.web.helpcenter import router

        app.include_router(router)
    return TestClient(app, raise_server_exceptions=False, follow_redirects=False)


def test_categories_search_and_article_pages(app: FastAPI, db: Database, world: World) -> None:
    public = _article(world)
    _article(world, title="Refund runbook for agents", body="Internal steps", visibility="internal")
    world.admin.post(
        "/api/v1/kb/articles", json={"title": "Unfinished draft", "body": "x", "category": "Account"}
    )
    browser = _browser(app, db, world)

    home = browser.get("/help/")
    assert home.status_code == 200 and "Account" in home.text and "Reset your password" in home.text
    assert "Refund runbook" not in home.text and "Unfinished draft" not in home.text

    page = browser.get(f"/help/en/{public['slug']}")
    assert page.status_code == 200 and "<strong>Settings</strong>" in page.text
    assert page.headers["content-security-policy"].startswith("default-src 'self'")

    found = browser.get("/help/search", params={"q": "forgot my password"})
    assert f"/help/en/{public['slug']}" in found.text
    assert "Refund runbook" not in browser.get("/help/search", params={"q": "refund runbook"}).text
    assert browser.get("/help/en/no-such-article").status_code == 404


def test_feedback_is_recorded_and_needs_a_valid_form(app: FastAPI, db: Database, world: World) -> None:
    article = _article(world)
    browser = _browser(app, db, world)
    url = f"/help/en/{article['slug']}"
    token = _CSRF.search(browser.get(url).text)
    assert token is not None
    forged = browser.post(f"{url}/feedback", data={"helpful": "no", "csrf_token": "forged", "comment": "hm"})
    assert forged.status_code == 403 and "expired" in forged.text and "hm" in forged.text
    unanswered = browser.post(f"{url}/feedback", data={"csrf_token": token.group(1), "comment": "kept"})
    assert unanswered.status_code == 422 and "Yes or No" in unanswered.text and "kept" in unanswered.text
    sent = browser.post(
        f"{url}/feedback", data={"helpful": "no", "csrf_token": token.group(1), "comment": "Link expired"}
    )
    assert sent.status_code == 303
    assert "Thank you" in browser.get(sent.headers["location"]).text
    stored = world.admin.get(f"/api/v1/kb/articles/{article['id']}").json()
    assert stored["not_helpful_count"] == 1


def test_german_pages_and_safe_markdown(app: FastAPI, db: Database, world: World) -> None:
    browser = _browser(app, db, world)
    german = browser.get("/help/", headers={"accept-language": "de"})
    assert "Wie können wir helfen?" in german.text
    html = render_markdown("<script>x</script> [a](javascript:alert(1)) [b](https://ok.example)")
    assert "<script>" not in html and "javascript:" not in html.split("[a]")[0]
    assert '<a href="https://ok.example">b</a>' in html


def test_agent_kb_panel_suggests_articles_for_the_ticket(app: FastAPI, db: Database, world: World) -> None:
    public = _article(world)
    _article(world, title="Password reset runbook", body="Check the audit log first.", visibility="internal")
    web = setup_web(app, db, world)
    if not any(getattr(r, "path", "").startswith("/agent/tickets/{ticket_id}/kb") for r in app.routes):
        from helpline.web.kb_panel import router

        app.include_router(router)
    team = world.support_team_id
    ticket = make_ticket(db, "Cannot log in", "I forgot my password and cannot sign in.", team_id=team)
    panel = web.agent().get(f"/agent/tickets/{ticket}/kb")
    assert panel.status_code == 200
    assert "Reset your password" in panel.text and f"/help/en/{public['slug']}" in panel.text
    assert "Insert excerpt" in panel.text and "Open Settings" in panel.text
    assert "Password reset runbook" in panel.text and "read it, don" in panel.text
    searched = web.agent().get(f"/agent/tickets/{ticket}/kb", params={"q": "audit log"})
    assert "Password reset runbook" in searched.text
    assert web.agent("bo@helpline.test").get(f"/agent/tickets/{ticket}/kb").status_code == 404
    assert web.browser().get(f"/agent/tickets/{ticket}/kb").status_code == 303
