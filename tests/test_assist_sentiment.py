"""Sentiment with a score, service emotions and language detection — all offline."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from helpline.assist.language import LanguageDetector, detect_language
from helpline.assist.sentiment import (
    SentimentAnalyzer,
    SentimentModel,
    default_sentiment_model,
    detect_emotions,
    lexicon_scores,
)
from helpline.cli import app as cli


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("This is terrible, I want a refund NOW!!!", "negative"),
        ("Thank you so much, you solved it in minutes!", "positive"),
        ("The product is not good at all", "negative"),
        ("Not bad at all, it works", "positive"),
        ("The app is nice but it crashes every time I open it", "negative"),
        ("My order number is 12345 and I placed it on Monday.", "neutral"),
    ],
)
def test_lexicon_handles_negation_contrast_and_neutral_text(text: str, label: str) -> None:
    assert lexicon_scores(text).label == label


def test_intensifiers_and_negation_move_the_score() -> None:
    assert lexicon_scores("really bad").compound < lexicon_scores("bad").compound < 0
    assert lexicon_scores("not happy").compound < 0 < lexicon_scores("happy").compound


@pytest.fixture(scope="module")
def analyzer() -> SentimentAnalyzer:
    return SentimentAnalyzer(default_sentiment_model())


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("I am not happy with the service", "negative"),
        ("I love how fast the support team answered", "positive"),
        ("This is the worst experience I've ever had", "negative"),
        ("Please update the billing address on invoice 4411.", "neutral"),
    ],
)
def test_shipped_model_reads_clear_messages(analyzer: SentimentAnalyzer, text: str, label: str) -> None:
    result = analyzer.analyze(text)
    assert result.label == label
    assert -1.0 <= result.score <= 1.0
    assert abs(sum(result.probabilities.values()) - 1.0) < 1e-3
    if label == "negative":
        assert result.score < 0


@pytest.mark.parametrize(
    ("text", "emotion"),
    [
        ("This is OUTRAGEOUS, you people are INCOMPETENT!!", "anger"),
        ("I'm still waiting, this is the third time I ask and nobody replies", "frustration"),
        ("I don't understand what this charge on my statement means", "confusion"),
        ("I'm worried someone used my card without permission", "anxiety"),
        ("Thanks so much for your help, really appreciated", "gratitude"),
        ("Please fix this asap, it's urgent", "urgency"),
    ],
)
def test_emotions(text: str, emotion: str) -> None:
    scores = detect_emotions(text)
    assert scores[emotion] >= 0.5
    assert max(scores, key=lambda e: scores[e]) == emotion or scores[emotion] >= 0.7


def test_emotions_respect_negation_and_reassurance() -> None:
    assert detect_emotions("No rush, whenever you can is fine")["urgency"] == 0.0
    assert detect_emotions("I'm not angry, just curious")["anger"] == 0.0
    calm = detect_emotions("Please send me the invoice for March.")
    assert all(score == 0.0 for score in calm.values())


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("My card still hasn't arrived, can you check the order?", "en"),
        ("Meine Karte ist immer noch nicht angekommen, bitte helfen Sie mir", "de"),
        ("Ma carte n'est toujours pas arrivée, pouvez-vous m'aider ?", "fr"),
        ("Mi tarjeta todavía no ha llegado, ¿me pueden ayudar?", "es"),
        ("Mijn kaart is nog steeds niet aangekomen, kunnen jullie helpen?", "nl"),
        ("La mia carta non è ancora arrivata, potete aiutarmi?", "it"),
        ("Meu cartão ainda não chegou, vocês podem me ajudar?", "pt"),
        ("Mitt kort har fortfarande inte kommit, kan ni hjälpa mig?", "sv"),
    ],
)
def test_language_detection(text: str, language: str) -> None:
    assert detect_language(text).language == language


def test_language_detector_is_limited_to_configured_languages() -> None:
    detector = LanguageDetector(["en", "de"])
    assert detector.detect("Ma carte n'est toujours pas arrivée").language in {"en", "de"}
    assert detector.detect("!!!").language is None
    with pytest.raises(ValueError, match="no language profile"):
        LanguageDetector(["xx"])


def test_model_trains_from_labelled_texts_and_round_trips(tmp_path: Path) -> None:
    texts = [
        "great service, thank you", "love it, works perfectly", "fantastic support, very happy",
        "awful, it broke after a day", "terrible support, nobody answers", "I hate this, refund me",
        "the parcel was sent on Monday", "my account number is 1234", "the meeting is at 3pm",
    ] * 2  # fmt: skip
    labels = (["positive"] * 3 + ["negative"] * 3 + ["neutral"] * 3) * 2
    model = SentimentModel().fit(texts, labels)
    analyzer = SentimentAnalyzer(model)
    assert analyzer.analyze("thank you, great help").label == "positive"
    assert analyzer.analyze("terrible, it broke again").label == "negative"
    path = tmp_path / "sentiment.npz"
    model.save(path)
    again = SentimentAnalyzer(SentimentModel.load(path))
    assert again.analyze("terrible, it broke again").probabilities == pytest.approx(
        analyzer.analyze("terrible, it broke again").probabilities, abs=1e-3
    )
    with pytest.raises(ValueError, match="negative, neutral or positive"):
        SentimentModel().fit(["x"], ["angry"])


def test_cli_eval_sentiment_json(tmp_path: Path) -> None:
    rows = [
        ("I love this, thank you!", "positive"),
        ("Great job, very happy with it", "positive"),
        ("This is awful and broken", "negative"),
        ("Worst support ever, I'm furious", "negative"),
        ("The store opens at 9 on weekdays", "neutral"),
        ("My ticket number is 5521", "neutral"),
    ]
    test = tmp_path / "test.csv"
    with open(test, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "label"])
        writer.writerows(rows)
    result = CliRunner().invoke(cli, ["eval", "sentiment", "--test", str(test), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["macro_recall"] >= 0.8
    for key in ("accuracy", "latency_ms_p50", "baseline_macro_recall", "baseline_accuracy"):
        assert key in report
    with_train = CliRunner().invoke(
        cli, ["eval", "sentiment", "--test", str(test), "--train", str(test), "--json"]
    )
    assert with_train.exit_code == 0, with_train.output
    assert "TF-IDF" in json.loads(with_train.stdout)["baseline_model"]


def test_training_can_lean_on_the_shipped_model(tmp_path: Path) -> None:
    shipped = default_sentiment_model()
    assert shipped is not None
    texts = [
        "thanks, that fixed it", "wonderful, really happy now", "brilliant support as always",
        "still broken, this is awful", "I'm fed up with this app", "terrible, nobody answers",
        "the parcel ships on Monday", "my customer number is 778", "I'm writing about invoice 12",
        "the office is closed today", "excellent help, thank you", "worst service ever",
    ] * 4  # fmt: skip
    labels = (["positive"] * 3 + ["negative"] * 3 + ["neutral"] * 4 + ["positive", "negative"]) * 4
    model = SentimentModel().fit(texts, labels, prior=shipped)
    # The stacker reads this head's and the shipped model's log-probabilities (3 + 3 inputs).
    assert model.prior is shipped
    assert model.stacker is not None and model.stacker.weights.shape == (6, 3)
    path = tmp_path / "with_prior.npz"
    model.save(path)
    loaded = SentimentModel.load(path)
    # The stacker learnt by k-fold travels with the model, so its decisions do too.
    assert loaded.prior is not None and loaded.stacker is not None
    assert loaded.stacker.weights.tolist() == model.stacker.weights.tolist()
    message = "ok I guess, it arrived late"
    assert SentimentAnalyzer(loaded).analyze(message).probabilities == pytest.approx(
        SentimentAnalyzer(model).analyze(message).probabilities, abs=1e-3
    )
    assert SentimentAnalyzer(model).analyze("awful, it is broken again").label == "negative"
    alone = SentimentModel().fit(texts, labels)
    assert alone.prior is None and alone.stacker is not None and alone.stacker.weights.shape == (3, 3)
    plain = SentimentModel().fit(texts, labels, calibrate=False)
    assert plain.prior is None and plain.stacker is None
    assert not plain.offsets.any()


def test_models_saved_with_a_prior_weight_and_offsets_still_load(tmp_path: Path) -> None:
    shipped = default_sentiment_model()
    assert shipped is not None
    texts = ["thanks, great help", "awful, still broken", "the parcel ships on Monday"] * 4
    labels = ["positive", "negative", "neutral"] * 4
    old = SentimentModel().fit(texts, labels, calibrate=False)
    # What fit() chose before the stacker: a weight for the shipped model and class offsets.
    old.prior, old.prior_weight = shipped, 1.5
    old.offsets = np.array([1.0, 0.0, 0.25], dtype=np.float32)
    path = tmp_path / "old.npz"
    old.save(path)
    loaded = SentimentModel.load(path)
    assert loaded.stacker is None and loaded.prior is not None and loaded.prior_weight == 1.5
    assert loaded.offsets.tolist() == [1.0, 0.0, 0.25]
    assert SentimentAnalyzer(loaded).analyze("slow reply").probabilities == pytest.approx(
        SentimentAnalyzer(old).analyze("slow reply").probabilities, abs=1e-3
    )
