"""The KB gap report (API and CLI) and `helpline kb import/export` round trips."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from helpline.cli import app as cli
from tests.conftest import World

ARTICLE = {
    "title": "Reset your password",
    "body": "Open Settings, choose Security and press Reset password. A link arrives by email.",
    "visibility": "public",
}


@pytest.fixture
def cli_env(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HELPLINE_DATABASE_URL", database_url)
    monkeypatch.setenv("HELPLINE_DATA_DIR", str(tmp_path))
    return tmp_path


def test_gap_report_groups_declined_and_unhelpful_questions(world: World, client: TestClient) -> None:
    created = world.admin.post("/api/v1/kb/articles", json=ARTICLE).json()
    world.admin.post(f"/api/v1/kb/articles/{created['id']}/publish", json={})
    for question in (
        "Can I pay with PayPal?",
        "Do you accept PayPal payments?",
        "Is paying by PayPal possible?",
        "How do I change my delivery address?",
    ):
        assert client.post("/api/v1/bot/answer", json={"question": question}).status_code == 200
    question = {"question": "How do I reset my password?"}
    answered = world.customer.post("/api/v1/bot/answer", json=question).json()
    assert answered["answered"] is True
    feedback = world.customer.post(f"/api/v1/bot/answers/{answered['id']}/feedback", json={"helped": False})
    assert feedback.status_code == 200, feedback.text

    gaps = world.agent.get("/api/v1/kb/gaps").json()
    assert gaps[0]["count"] == 3 and gaps[0]["declined"] == 3 and "PayPal" in gaps[0]["question"]
    unhelpful = [g for g in gaps if g["unhelpful"]]
    assert unhelpful and unhelpful[0]["articles"] == [created["id"]]
    assert sum(g["count"] for g in gaps) == 5
    assert world.customer.get("/api/v1/kb/gaps").status_code == 403
    assert client.get("/api/v1/kb/gaps").status_code == 401


def test_import_export_round_trip(cli_env: Path) -> None:
    source = cli_env / "kb.jsonl"
    source.write_text(
        "\n".join(
            json.dumps(r)
            for r in [
                {"id": "reset-password", **ARTICLE},
                {"id": "refunds", "title": "Refunds", "body": "Refunds take five working days."},
            ]
        )
    )
    runner = CliRunner()
    result = runner.invoke(cli, ["kb", "import", str(source), "--publish"])
    assert result.exit_code == 0, result.output
    assert "imported 2 article(s)" in result.output
    folder = cli_env / "export"
    result = runner.invoke(cli, ["kb", "export", str(folder)])
    assert result.exit_code == 0, result.output
    written = sorted(p.name for p in folder.rglob("*.md"))
    assert written == ["refunds.md", "reset-password.md"]
    assert "five working days" in (folder / "en" / "refunds.md").read_text()
    out = cli_env / "again.csv"
    assert runner.invoke(cli, ["kb", "export", str(out)]).exit_code == 0
    assert "Refunds" in out.read_text()


def test_a_bad_record_imports_nothing_and_names_the_line(cli_env: Path) -> None:
    source = cli_env / "bad.jsonl"
    source.write_text(json.dumps({"title": "Fine", "body": "ok"}) + "\n" + json.dumps({"body": "no title"}))
    result = CliRunner().invoke(cli, ["kb", "import", str(source)])
    assert result.exit_code == 1
    assert "nothing imported" in result.output and "line 2" in result.output
    listing = CliRunner().invoke(cli, ["kb", "export", str(cli_env / "out.jsonl")])
    assert "exported 0 article(s)" in listing.output


def test_customer_handover_carries_the_bot_conversation(world: World, client: TestClient) -> None:
    created = world.admin.post("/api/v1/kb/articles", json=ARTICLE).json()
    world.admin.post(f"/api/v1/kb/articles/{created['id']}/publish", json={})
    first = world.customer.post("/api/v1/bot/answer", json={"question": "How do I reset my password?"}).json()
    second = world.customer.post("/api/v1/bot/answer", json={"question": "Can I pay with PayPal?"}).json()
    stranger = world.other_customer.post("/api/v1/bot/answer", json={"question": "My secret question"}).json()
    handed = world.customer.post(
        "/api/v1/bot/handover",
        json={
            "question": "I still need help with payment",
            "bot_answer_ids": [first["id"], second["id"], stranger["id"]],
        },
    )
    assert handed.status_code == 201, handed.text
    ticket_id = handed.json()["ticket_id"]
    ticket = world.agent.get(f"/api/v1/tickets/{ticket_id}").json()
    assert "bot-handover" in ticket["tags"] and ticket["requester"]["email"] == "carla@example.com"
    text = world.agent.get(f"/api/v1/tickets/{ticket_id}/messages").json()["items"][0]["text"]
    assert "reset my password" in text and "Reset your password" in text and "PayPal" in text
    assert "declined" in text and "My secret question" not in text
    assert "I still need help with payment" in text


def test_anonymous_handover_needs_an_email_and_keeps_the_transcript(world: World, client: TestClient) -> None:
    body = {"question": "Talk to a person please", "conversation": [{"question": "Where is my parcel?"}]}
    refused = client.post("/api/v1/bot/handover", json=body)
    assert refused.status_code == 422 and "email" in refused.text
    handed = client.post("/api/v1/bot/handover", json={**body, "email": "new.visitor@example.com"})
    assert handed.status_code == 201, handed.text
    messages = world.agent.get(f"/api/v1/tickets/{handed.json()['ticket_id']}/messages").json()["items"]
    assert "Where is my parcel?" in messages[0]["text"]
