"""The sentence encoder: the fast (re-quantized) variant is made once, cached, and stays close to the
exact one; a wrong setting is a clear error; each variant keeps its own stored KB vectors."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import numpy as np
import pytest

from helpline.assist.embeddings import EmbeddingUnavailable, Encoder, cache_dir, configured_variant, model_tag
from helpline.kb.vectors import VectorStore

QUESTIONS = [
    "Why was my card payment declined?",
    "How do I reset my password?",
    "Where is my refund?",
    "Can I change the delivery address of my order?",
]


def test_fast_encoder_is_made_once_and_agrees_with_the_exact_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("HELPLINE_MODEL_CACHE", str(tmp_path))
    caplog.set_level(logging.INFO)
    handlers = list(logging.getLogger().handlers)
    fast = Encoder(variant="fast")
    assert logging.getLogger().handlers == handlers  # the quantizer's advice installs no root handler
    assert [r.name for r in caplog.records] == ["helpline.assist.embeddings"]  # one line, not hundreds
    made = list(tmp_path.glob("minilm-*-q8b*.onnx"))
    assert len(made) == 1 and not list(tmp_path.glob("tmp*"))
    stamp = made[0].stat().st_mtime_ns
    again = Encoder(variant="fast")
    assert made[0].stat().st_mtime_ns == stamp  # reused, not made again

    exact = Encoder(variant="exact")
    texts = [*QUESTIONS, "my card got declined at the shop", "I forgot my password"]
    a, b = fast.encode(texts), exact.encode(texts)
    assert a.shape == b.shape == (len(texts), 384)
    assert np.allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-4)
    assert float((a * b).sum(axis=1).min()) > 0.998
    np.testing.assert_allclose(again.encode(texts), a, atol=1e-5)
    for encoder in (fast, exact):  # a paraphrase still finds its question
        vectors = encoder.encode(texts)
        assert int(np.argmax(vectors[:4] @ vectors[4])) == 0
        assert int(np.argmax(vectors[:4] @ vectors[5])) == 1


def test_unknown_variant_is_refused_with_the_choices(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HELPLINE_ENCODER", "turbo")
    with pytest.raises(EmbeddingUnavailable, match="must be one of fast, exact, not 'turbo'"):
        Encoder()


def test_each_variant_keeps_its_own_stored_vectors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HELPLINE_ENCODER", "exact")
    exact_tag = model_tag()
    exact_dir = VectorStore(tmp_path).directory
    monkeypatch.setenv("HELPLINE_ENCODER", "fast")
    assert model_tag() != exact_tag
    assert VectorStore(tmp_path).directory != exact_dir
    assert VectorStore(tmp_path).directory.name == f"kb-vectors-{model_tag()}"


def test_a_damaged_cached_model_is_made_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HELPLINE_MODEL_CACHE", str(tmp_path))
    expected = Encoder(variant="fast").encode(QUESTIONS)
    (made,) = tmp_path.glob("minilm-*.onnx")
    made.write_bytes(made.read_bytes()[:1000])  # cut short, as by a crash before it reached the disk
    again = Encoder(variant="fast")
    assert made.stat().st_size > 10_000_000
    np.testing.assert_allclose(again.encode(QUESTIONS), expected, atol=1e-5)


def test_an_unwritable_cache_falls_back_to_a_private_temporary_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tempfile

    monkeypatch.setenv("HELPLINE_MODEL_CACHE", "/proc/helpline-cannot-be-made-here")
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    assert cache_dir() == tmp_path / f"helpline-models-{os.getuid()}"
    assert cache_dir().stat().st_mode & 0o777 == 0o700
    Encoder(variant="fast")
    assert list(cache_dir().glob("minilm-*.onnx"))


def test_an_empty_setting_means_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HELPLINE_ENCODER", "")
    assert configured_variant() == "fast"
    monkeypatch.setenv("HELPLINE_ENCODER", "exact")
    assert configured_variant() == "exact" and model_tag() == "minilm-l6-v2-int8"
