"""Intent classifier: learns from a few labelled texts, declines what it does not know, explains itself."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from helpline.assist.intents import IntentClassifier, IntentConfig
from helpline.assist.neighbours import NeighbourVote
from helpline.cli import app as cli

TRAIN: dict[str, list[str]] = {
    "card_arrival": [
        "my new card has not arrived yet",
        "when will my card arrive",
        "still waiting for the card you sent",
        "the card never came in the mail",
        "how long does card delivery take",
        "card delivery is late",
        "I ordered a card two weeks ago and nothing arrived",
        "where is my card, it should be here by now",
    ],
    "refund": [
        "I want my money back",
        "please refund my order",
        "how do I get a refund for this purchase",
        "return the item and refund me",
        "can I get reimbursed for the broken product",
        "refund status of my return",
        "you charged me and I want a refund",
        "money back for the cancelled order please",
    ],
    "password_reset": [
        "I forgot my password",
        "reset my password please",
        "can't log in, need a new password",
        "password reset link does not work",
        "how do I change my password",
        "locked out of my account after wrong password",
        "send me a password reset email",
        "my login password stopped working",
    ],
    "delivery_address": [
        "change the delivery address of my order",
        "I moved, update my shipping address",
        "ship to a different address please",
        "wrong address on my parcel",
        "can I edit the address for delivery",
        "update the postal address for shipping",
        "deliver my order to my office instead",
        "the shipping address is outdated",
    ],
}
OUT_OF_SCOPE = [
    "what's the weather in Paris tomorrow",
    "tell me a joke",
    "who won the football game last night",
    "play some music",
    "what is the capital of Australia",
    "recommend a good movie",
    "how tall is mount everest",
    "set an alarm for 7am",
]


def _data() -> tuple[list[str], list[str]]:
    texts = [t for examples in TRAIN.values() for t in examples] + OUT_OF_SCOPE
    labels = [label for label, examples in TRAIN.items() for _ in examples] + [""] * len(OUT_OF_SCOPE)
    return texts, labels


@pytest.fixture(scope="module")
def model() -> IntentClassifier:
    texts, labels = _data()
    return IntentClassifier().fit(texts, labels)


def test_learns_intents_from_a_few_examples(model: IntentClassifier) -> None:
    assert model.classify("my card still hasn't shown up").label == "card_arrival"
    assert model.classify("I would like a refund for my purchase").label == "refund"
    assert model.classify("I can't remember my password").label == "password_reset"
    assert model.classify("please send the parcel to my new address").label == "delivery_address"


def test_declines_what_it_does_not_know(model: IntentClassifier) -> None:
    prediction = model.classify("what will the weather be like this weekend")
    assert prediction.declined
    assert prediction.label is None
    assert prediction.best in model.intents  # the closest intent is still named for the agent


def test_explain_names_the_driving_words(model: IntentClassifier) -> None:
    words = [w for w, _ in model.explain("please refund me, the product was broken")]
    assert "refund" in words[:2]
    reasons = model.explain("reset my password", intent="password_reset")
    assert reasons[0][0] == "password"
    assert all(score > 0 for _, score in reasons)


def test_save_and_load_keep_the_decisions(model: IntentClassifier, tmp_path: Path) -> None:
    path = tmp_path / "intents.npz"
    model.save(path)
    loaded = IntentClassifier.load(path)
    texts = ["card never arrived", "refund please", "tell me a joke about cats"]
    assert [p.label for p in loaded.predict(texts)] == [p.label for p in model.predict(texts)]
    assert loaded.threshold == pytest.approx(model.threshold)


def test_averaged_networks_save_and_load(tmp_path: Path) -> None:
    texts, labels = _data()
    averaged = IntentClassifier(config=IntentConfig(semantic_members=3)).fit(texts, labels)
    path = tmp_path / "averaged.npz"
    averaged.save(path)
    loaded = IntentClassifier.load(path)
    probes = ["my card never came", "please give me a refund", "who wrote hamlet"]
    assert [p.label for p in loaded.predict(probes)] == [p.label for p in averaged.predict(probes)]
    assert loaded.predict_proba(probes) == pytest.approx(averaged.predict_proba(probes), abs=1e-2)
    assert loaded.classify("I forgot my password").label == "password_reset"


def test_neighbour_vote_follows_the_closest_training_texts() -> None:
    x = np.array([[1, 0], [0.9, 0.1], [0, 1], [0.1, 0.9], [0.2, 1.0]], dtype=np.float32)
    vote = NeighbourVote.fit(x, np.array([0, 0, 1, 1, 1]), 3, k=2, temperature=0.05)
    logp = vote.log_probs(np.array([[1.0, 0.05], [0.05, 1.0]], dtype=np.float32))
    assert logp.argmax(axis=1).tolist() == [0, 1]
    assert np.exp(logp).sum(axis=1) == pytest.approx([1.0, 1.0], abs=1e-5)
    assert np.isfinite(logp[:, 2]).all()  # an intent without neighbours is unlikely, not impossible


def test_neighbour_vote_saves_and_loads(tmp_path: Path) -> None:
    texts, labels = _data()
    voting = IntentClassifier(config=IntentConfig(neighbour_weights=(1.0,))).fit(texts, labels)
    assert voting.neighbours is not None and voting.neighbour_weight == 1.0
    path = tmp_path / "voting.npz"
    voting.save(path)
    loaded = IntentClassifier.load(path)
    assert loaded.neighbours is not None and loaded.neighbour_weight == 1.0
    probes = ["my card never came", "please give me a refund", "who wrote hamlet"]
    assert [p.label for p in loaded.predict(probes)] == [p.label for p in voting.predict(probes)]
    assert loaded.predict_proba(probes) == pytest.approx(voting.predict_proba(probes), abs=1e-2)


def test_version_1_models_still_load(model: IntentClassifier, tmp_path: Path) -> None:
    path = tmp_path / "v2.npz"
    model.save(path)
    with np.load(path, allow_pickle=False) as data:
        state = {key: data[key] for key in data.files if not key.startswith("neighbour_")}
    state["format"] = np.array([1], dtype=np.int64)
    state["calibration"] = state["calibration"][:3]  # version 1 had no neighbour weight
    old = tmp_path / "v1.npz"
    with open(old, "wb") as handle:
        np.savez_compressed(handle, **state)
    loaded = IntentClassifier.load(old)
    assert loaded.neighbours is None and loaded.neighbour_weight == 0.0
    assert loaded.classify("I forgot my password").label == "password_reset"


def test_needs_two_intents() -> None:
    with pytest.raises(ValueError, match="two labelled intents"):
        IntentClassifier().fit(["a", "b"], ["x", "x"])


def _write(path: Path, rows: list[tuple[str, str]]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "label"])
        writer.writerows(rows)
    return path


def test_cli_eval_intents_json(tmp_path: Path) -> None:
    texts, labels = _data()
    train = _write(tmp_path / "train.csv", list(zip(texts, labels, strict=True)))
    test = _write(
        tmp_path / "test.csv",
        [
            ("my card did not arrive", "card_arrival"),
            ("give me my money back", "refund"),
            ("forgot the password for my account", "password_reset"),
            ("new shipping address for the order", "delivery_address"),
            ("what's the weather like in Rome", ""),
        ],
    )
    result = CliRunner().invoke(
        cli, ["eval", "intents", "--train", str(train), "--test", str(test), "--json"]
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    for key in (
        "in_scope_accuracy", "macro_f1", "oos_recall", "oos_precision", "latency_ms_p50", "latency_ms_p95",
        "baseline_in_scope_accuracy", "baseline_macro_f1", "baseline_oos_recall",
    ):  # fmt: skip
        assert key in report
    assert report["test_examples"] == 5
    assert report["in_scope_accuracy"] >= 0.75
    assert 0.0 <= report["oos_recall"] <= 1.0


def test_cli_eval_intents_rejects_a_bad_csv(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("sentence,intent\nhello,greet\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["eval", "intents", "--train", str(bad), "--test", str(bad)])
    assert result.exit_code == 2
    assert "text,label" in result.output


def test_the_neighbour_vote_keeps_at_most_its_cap_per_intent() -> None:
    from helpline.assist.neighbours import MAX_PER_CLASS, NeighbourVote

    rng = np.random.default_rng(0)
    y = np.array([0] * (MAX_PER_CLASS * 3) + [1] * 5, dtype=np.int64)
    x = rng.normal(size=(len(y), 8)).astype(np.float32)
    vote = NeighbourVote.fit(x, y, 2)
    assert np.bincount(vote.labels).tolist() == [MAX_PER_CLASS, 5]
    assert vote.log_probs(x[-5:]).argmax(axis=1).tolist() == [1] * 5  # a text is its own nearest
