"""Knowledge-base articles in the database: versions, visibility, translations, feedback, search, bot."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from helpline.audit.service import entries_for
from helpline.core.actor import SYSTEM
from helpline.core.db import Database
from helpline.core.settings import Settings
from helpline.kb import service, transfer
from helpline.kb.models import KbArticle, KbBotAnswer
from helpline.kb.routes import router as kb_router
from helpline.outbox.models import OutboxItem
from tests.conftest import World


@pytest.fixture(autouse=True)
def kb_wired(app: FastAPI) -> FastAPI:
    """Mount the KB routes unless app.py already does."""
    if not any(getattr(r, "path", "").startswith("/api/v1/kb/") for r in app.routes):
        app.include_router(kb_router, prefix="/api/v1")
    return app


PASSWORD = {
    "title": "Resetting your password",
    "body": "Open the sign-in page and click **Forgot password**. We email you a link valid for one hour.",
    "category": "Account",
    "section": "Signing in",
    "tags": ["password", "login"],
}
REFUNDS = {
    "title": "Refund policy",
    "body": "We refund any order within 30 days of delivery. Send the item back in its original packaging.",
    "category": "Orders",
}
RUNBOOK = {
    "title": "Escalating a refund above 500 dollars",
    "body": "Agents: refunds above 500 dollars need a team lead's approval in the billing console.",
    "visibility": "internal",
}


def _create(world: World, body: dict[str, Any], publish: bool = True) -> dict[str, Any]:
    r = world.agent.post("/api/v1/kb/articles", json=body)
    assert r.status_code == 201, r.text
    article: dict[str, Any] = r.json()
    if publish:
        r = world.agent.post(f"/api/v1/kb/articles/{article['id']}/publish")
        assert r.status_code == 200, r.text
        article = r.json()
    return article


def test_drafts_are_for_staff_only(world: World, client: TestClient) -> None:
    draft = _create(world, PASSWORD, publish=False)
    assert (draft["status"], draft["version"], draft["slug"]) == ("draft", 1, "resetting-your-password")
    assert draft["tags"] == ["login", "password"]
    url = f"/api/v1/kb/articles/{draft['id']}"
    assert world.customer.get(url).status_code == 404
    assert client.get(url).status_code == 404
    assert world.customer.get("/api/v1/kb/articles").json()["items"] == []
    assert world.other_agent.get(url).status_code == 200

    published = world.agent.post(f"{url}/publish").json()
    assert (published["status"], published["published_version"]) == ("published", 1)
    seen = client.get(url).json()
    assert seen["title"] == PASSWORD["title"] and "Forgot password" in seen["body"]
    assert seen["published_body"] is None  # readers get one copy, not the staff fields
    assert world.agent.post(f"{url}/publish").status_code == 409


def test_customers_never_see_internal_articles(world: World, client: TestClient) -> None:
    public = _create(world, REFUNDS)
    internal = _create(world, RUNBOOK)
    for reader in (world.customer.get, client.get):
        assert reader(f"/api/v1/kb/articles/{internal['id']}").status_code == 404
        listed = [a["id"] for a in reader("/api/v1/kb/articles").json()["items"]]
        assert listed == [public["id"]]
        hits = [
            h["id"]
            for h in reader("/api/v1/kb/search", params={"q": "refund above 500 dollars approval"}).json()[
                "items"
            ]
        ]
        assert internal["id"] not in hits and public["id"] in hits
    staff_hits = world.agent.get(
        "/api/v1/kb/search", params={"q": "refund above 500 dollars approval"}
    ).json()["items"]
    assert staff_hits[0]["id"] == internal["id"]
    assert (
        world.agent.get("/api/v1/kb/articles", params={"visibility": "internal"}).json()["items"][0]["id"]
        == internal["id"]
    )


def test_editing_creates_versions_and_readers_see_the_published_one(world: World) -> None:
    article = _create(world, PASSWORD)
    url = f"/api/v1/kb/articles/{article['id']}"
    r = world.agent.patch(
        url,
        json={"body": "Click **Forgot password**; the link is valid for two hours.", "note": "longer link"},
    )
    assert r.status_code == 200, r.text
    assert (r.json()["version"], r.json()["published_version"]) == (2, 1)
    assert "one hour" in world.customer.get(url).json()["body"]
    world.agent.post(f"{url}/publish")
    assert "two hours" in world.customer.get(url).json()["body"]
    versions = world.agent.get(f"{url}/versions").json()
    assert [(v["number"], v["note"]) for v in versions] == [(1, "created"), (2, "longer link")]
    rolled = world.agent.post(f"{url}/publish", json={"version": 1}).json()
    assert rolled["published_version"] == 1 and "one hour" in world.customer.get(url).json()["body"]
    assert world.customer.get(f"{url}/versions").status_code == 403
    # A change of metadata only is no new version.
    assert world.agent.patch(url, json={"category": "Security"}).json()["version"] == 2
    assert world.agent.patch(url, json={"title": None}).status_code == 422


def test_only_staff_write_and_bad_input_is_a_problem(world: World) -> None:
    assert world.customer.post("/api/v1/kb/articles", json=REFUNDS).status_code == 403
    r = world.agent.post("/api/v1/kb/articles", json={**REFUNDS, "visibility": "secret"})
    assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json")
    assert world.agent.post("/api/v1/kb/articles", json={**REFUNDS, "related_ids": [999]}).status_code == 422
    assert world.agent.get("/api/v1/kb/articles/999").status_code == 404


def test_translations_are_linked_and_published_separately(world: World) -> None:
    article = _create(world, PASSWORD)
    r = world.agent.post(
        f"/api/v1/kb/articles/{article['id']}/translations",
        json={
            "locale": "de",
            "title": "Passwort zurücksetzen",
            "body": "Klicken Sie auf **Passwort vergessen**.",
        },
    )
    assert r.status_code == 201, r.text
    german = r.json()
    assert (german["translation_of_id"], german["locale"], german["status"]) == (article["id"], "de", "draft")
    assert german["slug"] == article["slug"]
    again = {"locale": "de", "title": "Noch einmal", "body": ""}
    assert (
        world.agent.post(f"/api/v1/kb/articles/{article['id']}/translations", json=again).status_code == 409
    )
    original = world.agent.get(f"/api/v1/kb/articles/{article['id']}").json()
    assert [t["locale"] for t in original["translations"]] == ["de"]
    assert world.customer.get(f"/api/v1/kb/articles/{article['id']}").json()["translations"] == []
    world.agent.post(f"/api/v1/kb/articles/{german['id']}/publish")
    assert [
        t["locale"] for t in world.customer.get(f"/api/v1/kb/articles/{article['id']}").json()["translations"]
    ] == ["de"]
    hits = world.customer.get("/api/v1/kb/search", params={"q": "Passwort vergessen", "locale": "de"}).json()[
        "items"
    ]
    assert [h["id"] for h in hits] == [german["id"]]


def test_feedback_related_audit_and_events(world: World, client: TestClient, db: Database) -> None:
    refunds = _create(world, REFUNDS)
    password = _create(world, {**PASSWORD, "related_ids": [refunds["id"]]})
    assert password["related_ids"] == [refunds["id"]]
    r = world.customer.post(
        f"/api/v1/kb/articles/{password['id']}/feedback", json={"helpful": False, "comment": "Link expired"}
    )
    assert r.status_code == 201, r.text
    assert (
        client.post(f"/api/v1/kb/articles/{password['id']}/feedback", json={"helpful": True}).status_code
        == 201
    )
    seen = world.agent.get(f"/api/v1/kb/articles/{password['id']}").json()
    assert (seen["helpful_count"], seen["not_helpful_count"]) == (1, 1)
    with db.transaction() as s:
        actions = [e.action for e in entries_for(s, "kb_article", password["id"])]
        events = [
            i.payload["event"]
            for i in s.scalars(select(OutboxItem).where(OutboxItem.kind == "event").order_by(OutboxItem.id))
        ]
    assert actions[:2] == ["kb.article.create", "kb.article.publish"]
    assert actions.count("kb.feedback.record") == 2
    for name in ("kb.article.created", "kb.article.published", "kb.feedback.recorded"):
        assert name in events


def test_bot_answers_with_a_citation_or_hands_over(world: World, client: TestClient, db: Database) -> None:
    article = _create(world, PASSWORD)
    _create(world, REFUNDS)
    _create(world, RUNBOOK)
    r = world.customer.post(
        "/api/v1/bot/answer",
        json={"question": "I forgot my pasword, how do I get back in?", "channel": "chat"},
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["answered"] and not body["handover"]
    assert body["answer"]["article_id"] == article["id"]
    assert body["answer"]["url"].endswith(f"/{article['id']}-resetting-your-password")
    assert "Forgot password" in body["answer"]["excerpt"]

    off = client.post("/api/v1/bot/answer", json={"question": "What is the capital of Mongolia?"}).json()
    assert not off["answered"] and off["handover"] and off["answer"] is None
    assert off["reason"] == "low_confidence" and "person" in off["message"]
    # The customer never gets an answer from an internal runbook, an agent does.
    q = {"question": "who approves refunds above 500 dollars?"}
    cited = world.customer.post("/api/v1/bot/answer", json=q).json()["answer"]
    assert cited is None or cited["title"] != RUNBOOK["title"]
    assert world.agent.post("/api/v1/bot/answer", json=q).json()["answer"]["title"] == RUNBOOK["title"]

    assert (
        world.other_customer.post(
            f"/api/v1/bot/answers/{body['id']}/feedback", json={"helped": True}
        ).status_code
        == 404
    )
    assert (
        world.customer.post(f"/api/v1/bot/answers/{body['id']}/feedback", json={"helped": True}).status_code
        == 200
    )
    with db.transaction() as s:
        log = s.get(KbBotAnswer, body["id"])
        assert (
            log is not None
            and log.helped is True
            and log.channel == "chat"
            and log.article_id == article["id"]
        )
        declined = s.get(KbBotAnswer, off["id"])
        assert declined is not None and not declined.answered and declined.actor_id is None


def test_unpublishing_removes_an_article_from_search_at_once(world: World) -> None:
    article = _create(world, REFUNDS)
    q = {"q": "money back for my order"}
    assert [h["id"] for h in world.customer.get("/api/v1/kb/search", params=q).json()["items"]] == [
        article["id"]
    ]
    assert world.agent.post(f"/api/v1/kb/articles/{article['id']}/unpublish").status_code == 200
    assert world.customer.get("/api/v1/kb/search", params=q).json()["items"] == []


def test_import_and_export_round_trip(db: Database, tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text(
        '{"id": "reset-password", "title": "Resetting your password", "body": "Click Forgot password.", '
        '"tags": ["login"]}\n'
        '{"id": "refunds", "title": "Refund policy", "body": "Within 30 days.", "visibility": "internal"}\n',
        encoding="utf-8",
    )
    with db.transaction() as s:
        created = transfer.import_jsonl(s, SYSTEM, source, publish=True)
        assert [a.slug for a in created] == ["reset-password", "refunds"]
        assert transfer.export_csv(s, SYSTEM, tmp_path / "out.csv") == 2
        assert transfer.export_markdown(s, SYSTEM, tmp_path / "md") == 2
        assert transfer.export_jsonl(s, SYSTEM, tmp_path / "out.jsonl") == 2
    md = (tmp_path / "md" / "en" / "refunds.md").read_text(encoding="utf-8")
    assert md.startswith("---\n") and 'visibility: "internal"' in md
    parsed = transfer.parse_markdown(md)
    assert (parsed["title"], parsed["body"], parsed["id"]) == ("Refund policy", "Within 30 days.", "refunds")
    assert transfer.parse_markdown("# Title here\n\nBody.") == {"title": "Title here", "body": "Body."}

    with db.transaction() as s:
        for article in s.scalars(select(KbArticle)):
            s.delete(article)
    with db.transaction() as s:
        again = transfer.import_csv(s, SYSTEM, tmp_path / "out.csv")
        assert [(a.slug, a.tags, a.visibility, a.status) for a in again] == [
            ("reset-password", ["login"], "public", "published"),
            ("refunds", [], "internal", "published"),
        ]
        assert len(transfer.import_markdown(s, SYSTEM, tmp_path / "md")) == 2  # slugs get a -2 suffix
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"title": "ok", "body": ""}\n{"body": "no title"}\n', encoding="utf-8")
    with db.transaction() as s, pytest.raises(ValueError, match="line 2: a title is required"):
        transfer.import_jsonl(s, SYSTEM, bad)


def test_service_refuses_customers(db: Database, world: World) -> None:
    from helpline.core.errors import Forbidden

    with db.transaction() as s:
        article = service.create_article(s, SYSTEM, title="Hello", body="World")
        service.publish_article(s, SYSTEM, article.id)
    customer = service.ANONYMOUS
    with db.transaction() as s, pytest.raises(Forbidden):
        service.update_article(s, customer, article.id, title="Hacked")


def test_questions_a_bot_answer_helped_with_lift_that_article_later(
    world: World, settings: Settings, db: Database
) -> None:
    article = _create(world, PASSWORD)
    _create(world, REFUNDS)
    asked = "I changed phones and now I can't sign in, my password doesn't work"
    first = world.customer.post("/api/v1/bot/answer", json={"question": asked}).json()
    assert first["answered"] and first["answer"]["article_id"] == article["id"]
    similar = {"question": "new phone and I cannot sign in, password not working"}
    before = world.customer.post("/api/v1/bot/answer", json=similar).json()
    # The vectors of published articles are kept on disk for the next process start.
    assert list((settings.data_dir / "kb").glob("kb-vectors-*/seg-*.npz"))

    r = world.customer.post(f"/api/v1/bot/answers/{first['id']}/feedback", json={"helped": True})
    assert r.status_code == 200, r.text
    after = world.customer.post("/api/v1/bot/answer", json=similar).json()
    assert after["answered"] and after["answer"]["article_id"] == article["id"]
    assert after["confidence"] > before["confidence"]
