"""The search index's analysis is kept between runs: a restart or an edit re-analyses only the
articles that changed, and ranks exactly like an index built from scratch."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

from helpline.core.db import Database
from helpline.kb.analysis import AnalysisFile
from helpline.kb.retrieval import Article, HybridIndex, SearchConfig
from helpline.kb.search import ArticleSearch, CachingEncoder
from helpline.kb.vectors import VectorStore
from tests.conftest import World
from tests.test_kb_answers import ARTICLES, PARAPHRASES, CountingEncoder


def same_ranking(a: HybridIndex, b: HybridIndex) -> None:
    for question, _ in PARAPHRASES:
        mine = [(h.article.id, round(h.score, 5), round(h.lexical, 5)) for h in a.search(question, k=7).hits]
        theirs = [
            (h.article.id, round(h.score, 5), round(h.lexical, 5)) for h in b.search(question, k=7).hits
        ]
        assert mine == theirs, question


def test_an_edited_article_set_reuses_the_rest_and_ranks_like_a_fresh_build(tmp_path: Path) -> None:
    encoder = CachingEncoder(CountingEncoder(), VectorStore(tmp_path))
    first = HybridIndex(ARTICLES, encoder=encoder)
    edited = [
        ARTICLES[3],  # reordered
        Article("refunds", "Refunds and returns", ARTICLES[2].body + " Returns are free."),  # edited
        *ARTICLES[4:],
        ARTICLES[0],
        Article("gift-cards", "Gift cards", "Gift cards never expire and work on every order."),  # new
    ]  # ARTICLES[1] (delete-account) is gone
    again = HybridIndex(edited, encoder=encoder, previous=first.analysis)
    scratch = HybridIndex(edited, encoder=encoder)
    assert again.analysis.reused == len(edited) - 2 and scratch.analysis.reused == 0
    assert np.array_equal(again.analysis.passage_keys, scratch.analysis.passage_keys)
    assert np.array_equal(again.passage_vectors, scratch.passage_vectors)
    assert sorted(again.bm25.vocab) == sorted(scratch.bm25.vocab)  # the deleted article's words go
    assert "eras" not in again.bm25.vocab and "gift" in again.bm25.vocab
    same_ranking(again, scratch)
    assert again.search("do gift cards expire").hits[0].article.id == "gift-cards"
    assert "Returns are free." in again.best_passage(1, "are returns free", again.encode_query("x"))[0]


def test_the_analysis_file_survives_a_restart_and_a_damaged_one_is_rebuilt(tmp_path: Path) -> None:
    built = HybridIndex(ARTICLES)
    stored = AnalysisFile(tmp_path, "workspace", SearchConfig())
    stored.save(built.analysis)
    loaded = stored.load()
    assert loaded is not None
    restarted = HybridIndex(ARTICLES, previous=loaded)
    assert restarted.analysis.reused == len(ARTICLES)
    same_ranking(restarted, built)
    assert AnalysisFile(tmp_path, "workspace", SearchConfig(passage_words=60)).load() is None  # other shape
    stored.path.write_bytes(stored.path.read_bytes()[:200])
    assert stored.load() is None


def _publish(world: World, title: str, body: str) -> int:
    made = world.agent.post("/api/v1/kb/articles", json={"title": title, "body": body})
    assert made.status_code == 201, made.text
    assert world.agent.post(f"/api/v1/kb/articles/{made.json()['id']}/publish").status_code == 200
    return int(made.json()["id"])


def _top(world: World, q: str) -> Any:
    found = world.customer.get("/api/v1/kb/search", params={"q": q})
    assert found.status_code == 200, found.text
    return found.json()["items"][0]["title"] if found.json()["items"] else None


def test_a_restarted_process_serves_search_from_the_stored_analysis_and_follows_edits(
    world: World, client: TestClient, db: Database, tmp_path: Path
) -> None:
    for article in ARTICLES:
        _publish(world, article.title, article.body)
    assert _top(world, "how do i reset my pasword") == "Resetting your password"
    [stored] = (tmp_path / "kb").glob("kb-analysis-*.npz")

    ArticleSearch.configure(tmp_path / "kb")  # what a new process starts with: nothing in memory
    assert _top(world, "how do i reset my pasword") == "Resetting your password"
    with db.read_sessions() as s:
        assert ArticleSearch.for_session(s).index.analysis.reused == len(ARTICLES)

    refund = _publish(
        world, "Store credit", "Instead of a refund you may take store credit worth 110 percent."
    )
    assert _top(world, "can I get store credit instead") == "Store credit"
    edit = world.agent.patch(
        f"/api/v1/kb/articles/{refund}", json={"body": "Store credit is worth 120 percent of the order."}
    )
    assert edit.status_code == 200, edit.text
    assert world.agent.post(f"/api/v1/kb/articles/{refund}/publish").status_code == 200
    ArticleSearch.configure(tmp_path / "kb")
    with db.read_sessions() as s:
        loaded = ArticleSearch.for_session(s)
    assert loaded.index.analysis.reused == len(ARTICLES)  # only the edited article was analysed again
    assert "120" in loaded.index.passages_of(len(ARTICLES))[0]
    assert stored.exists()


@pytest.fixture(autouse=True)
def _forget_indexes() -> Any:
    yield
    ArticleSearch.configure(None)
