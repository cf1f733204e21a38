"""Files and images of knowledge-base articles: upload, who may read them, how they are served."""

from __future__ import annotations

import base64
from typing import Any

from fastapi.testclient import TestClient

from helpline.audit.service import entries_for
from helpline.core.db import Database
from helpline.kb.markdown import FileRef, referenced_files, render_markdown
from tests.conftest import Persona, World

# A real 1x1 PNG.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def _article(world: World, body: str, **extra: Any) -> int:
    fields = {"title": "Setting up the router", "body": body, **extra}
    r = world.agent.post("/api/v1/kb/articles", json=fields)
    assert r.status_code == 201, r.text
    article_id: int = r.json()["id"]
    return article_id


def _upload(persona: Persona | TestClient, article_id: int, name: str, data: bytes, kind: str) -> Any:
    return persona.post(f"/api/v1/kb/articles/{article_id}/attachments", files={"file": (name, data, kind)})


def _publish(world: World, article_id: int) -> None:
    assert world.agent.post(f"/api/v1/kb/articles/{article_id}/publish").status_code == 200


def test_an_article_shows_its_image_and_links_its_file_in_the_help_center(
    world: World, client: TestClient, db: Database
) -> None:
    body = "Plug it in as shown:\n\n![The back of the router](attachment:router.png)\n\n"
    body += "Then fill in [the setup form](attachment:setup-form.pdf)."
    aid = _article(world, body)
    image = _upload(world.agent, aid, "router.png", PNG, "image/png")
    assert image.status_code == 201, image.text
    assert image.json()["reference"] == "attachment:router.png"
    assert image.json()["content_type"] == "image/png"
    pdf = _upload(world.agent, aid, "setup-form.pdf", PDF, "application/pdf").json()
    # A draft's files are for staff only.
    assert world.customer.get(f"/api/v1/kb/articles/{aid}/attachments").status_code == 404
    assert client.get(f"/help/files/{pdf['id']}/setup-form.pdf").status_code == 404
    _publish(world, aid)

    page = client.get("/help/en/setting-up-the-router").text
    img_url = f"/help/files/{image.json()['id']}/router.png"
    assert f'<img src="{img_url}" alt="The back of the router" loading="lazy">' in page
    assert f'<a href="/help/files/{pdf["id"]}/setup-form.pdf">the setup form</a>' in page

    shown = client.get(img_url)
    assert shown.status_code == 200 and shown.content == PNG
    assert shown.headers["content-type"] == "image/png"
    assert shown.headers["content-disposition"].startswith("inline")
    assert shown.headers["x-content-type-options"] == "nosniff"
    download = client.get(f"/help/files/{pdf['id']}/setup-form.pdf")
    assert download.headers["content-disposition"].startswith("attachment")
    assert download.headers["content-type"] == "application/octet-stream"
    assert [a["filename"] for a in world.customer.get(f"/api/v1/kb/articles/{aid}/attachments").json()] == [
        "router.png",
        "setup-form.pdf",
    ]
    with db.read_sessions() as s:
        assert "kb.attachment.add" in [e.action for e in entries_for(s, "kb_article", aid)]


def test_disguised_and_unsafe_uploads_are_defused(world: World, client: TestClient) -> None:
    aid = _article(world, "![Looks like a picture](attachment:cat.png)")
    disguised = _upload(world.agent, aid, "cat.png", b"<html><script>alert(1)</script></html>", "image/png")
    assert disguised.status_code == 201 and disguised.json()["content_type"] == "text/html"
    sneaky = _upload(world.agent, aid, "../../etc/passwd", b"root:x:0:0", "text/plain")
    assert sneaky.json()["filename"] == "passwd"
    _publish(world, aid)
    page = client.get("/help/en/setting-up-the-router").text
    assert "<img" not in page  # not an image after all: a link, never drawn in our origin
    served = client.get(f"/help/files/{disguised.json()['id']}/cat.png")
    assert served.headers["content-disposition"].startswith("attachment")
    assert served.headers["content-type"] == "application/octet-stream"
    assert client.get(f"/help/files/{disguised.json()['id']}/other-name.png").status_code == 404


def test_bad_uploads_get_clear_errors(world: World) -> None:
    aid = _article(world, "Body")
    empty = _upload(world.agent, aid, "empty.txt", b"", "text/plain")
    assert empty.status_code == 422 and "empty" in empty.text
    huge = _upload(world.agent, aid, "huge.bin", b"\0" * (10 * 1024 * 1024 + 1), "application/octet-stream")
    assert huge.status_code == 422 and "10 MB" in huge.text
    assert _upload(world.agent, aid, "a.txt", b"one", "text/plain").status_code == 201
    again = _upload(world.agent, aid, "a.txt", b"two", "text/plain")
    assert again.status_code == 409 and "already has a file named a.txt" in again.text
    assert _upload(world.customer, aid, "b.txt", b"x", "text/plain").status_code in (403, 404)
    missing = world.agent.post(f"/api/v1/kb/articles/{aid}/attachments")
    assert missing.status_code == 422


def test_internal_articles_keep_their_files_internal_and_staff_can_delete(
    world: World, client: TestClient
) -> None:
    aid = _article(world, "[runbook](attachment:runbook.txt)", visibility="internal")
    att = _upload(world.agent, aid, "runbook.txt", b"step 1", "text/plain").json()
    _publish(world, aid)
    assert client.get(f"/help/files/{att['id']}/runbook.txt").status_code == 404
    assert world.customer.get(f"/api/v1/kb/attachments/{att['id']}").status_code == 404
    assert world.other_agent.get(f"/api/v1/kb/attachments/{att['id']}").content == b"step 1"
    assert world.customer.delete(f"/api/v1/kb/attachments/{att['id']}").status_code in (403, 404)
    assert world.agent.delete(f"/api/v1/kb/attachments/{att['id']}").status_code == 204
    assert world.agent.get(f"/api/v1/kb/attachments/{att['id']}").status_code == 404


def test_a_file_for_the_next_draft_stays_private_until_that_draft_is_published(
    world: World, client: TestClient
) -> None:
    aid = _article(world, "Plug it in.")
    _publish(world, aid)
    # The editor starts the next version with a new file; the published text doesn't use it yet.
    draft = "Plug it in.\n\nNew model: [the recall notice](attachment:recall.pdf)"
    assert world.agent.patch(f"/api/v1/kb/articles/{aid}", json={"body": draft}).status_code == 200
    notice = _upload(world.agent, aid, "recall.pdf", PDF, "application/pdf").json()
    assert client.get(f"/help/files/{notice['id']}/recall.pdf").status_code == 404
    assert world.customer.get(f"/api/v1/kb/attachments/{notice['id']}").status_code == 404
    assert world.customer.get(f"/api/v1/kb/articles/{aid}/attachments").json() == []
    assert world.agent.get(f"/api/v1/kb/attachments/{notice['id']}").content == PDF  # staff preview it
    _publish(world, aid)
    assert client.get(f"/help/files/{notice['id']}/recall.pdf").content == PDF


def test_an_alt_text_cannot_break_out_of_its_image() -> None:
    files = {"d.png": FileRef("/help/files/1/d.png", True)}
    html = render_markdown("![[z](attachment:d.png)](/x/onload=alert(1)//)", files=files)
    html += render_markdown('![a" onerror="alert(1)](attachment:d.png)', files=files)
    assert "onload=" not in html.split("alt=")[1].split('"')[0]
    assert 'onerror="' not in html and "<a " not in html.split("<img")[1].split(">")[0]


def test_the_files_an_article_uses_are_those_its_rendering_links() -> None:
    body = "See [the recall\nnotice](attachment:recall.pdf).\n\nNot `[this](attachment:draft.png)` though."
    body += "\n\n```\n![diagram](attachment:code.png)\n```\n"
    assert referenced_files(body) == {"recall.pdf"}
