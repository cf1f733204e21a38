"""``helpline eval intents|sentiment``: measure the assist models on the user's own labelled CSVs.

Both reports put a simple baseline measured in the same run next to the model (keys ``baseline_*``):
TF-IDF word+character n-grams with logistic regression for intents (and for sentiment when ``--train``
is given), the lexicon alone for sentiment without training data.
"""

from __future__ import annotations

import csv
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from helpline.assist.intents import IntentClassifier, TextEncoder, default_encoder
from helpline.assist.progress import Progress
from helpline.assist.sentiment import (
    LABELS,
    SentimentAnalyzer,
    SentimentModel,
    default_sentiment_model,
    lexicon_scores,
)
from helpline.assist.softmax import train_softmax
from helpline.assist.tfidf import TfidfVectorizer

FloatArray = npt.NDArray[np.float32]
ENCODE_CHUNK = 256
LATENCY_SAMPLE = 300


def read_labelled_csv(path: Path, what: str, label_column: str = "label") -> tuple[list[str], list[str]]:
    """Rows of a ``text,label`` CSV; raises ValueError with a readable message on bad input."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            fields = [f.strip().lower() for f in reader.fieldnames or []]
            if "text" not in fields or label_column not in fields:
                raise ValueError(f"{what} file {path} needs a header with columns text,{label_column}")
            reader.fieldnames = fields
            texts: list[str] = []
            labels: list[str] = []
            for line, row in enumerate(reader, start=2):
                text = (row.get("text") or "").strip()
                if not text:
                    raise ValueError(f"{what} file {path}, line {line}: empty text")
                texts.append(text)
                labels.append((row.get(label_column) or "").strip())
    except UnicodeDecodeError as error:
        raise ValueError(f"{what} file {path} is not UTF-8 text: {error}") from None
    except csv.Error as error:
        raise ValueError(f"{what} file {path} is not valid CSV: {error}") from None
    if not texts:
        raise ValueError(f"{what} file {path} has no rows")
    return texts, labels


def encode_all(encoder: TextEncoder, texts: Sequence[str], progress: Progress) -> FloatArray:
    parts: list[FloatArray] = []
    for start in range(0, len(texts), ENCODE_CHUNK):
        parts.append(encoder.encode(list(texts[start : start + ENCODE_CHUNK])))
        progress(min(len(texts), start + ENCODE_CHUNK), len(texts))
    return np.concatenate(parts) if parts else np.zeros((0, 384), dtype=np.float32)


def _percentiles(samples_ms: list[float]) -> tuple[float, float]:
    if not samples_ms:
        return 0.0, 0.0
    p50, p95 = np.percentile(np.array(samples_ms), [50, 95])
    return round(float(p50), 3), round(float(p95), 3)


def _latency(
    fn: Callable[[str], object], texts: Sequence[str], progress: Progress
) -> tuple[float, float, float]:
    """Wall-clock p50 and p95 of one message at a time, and the median CPU time of this process per
    message (which, unlike the wall clock, does not grow when other processes load the machine)."""
    sample = list(texts[:LATENCY_SAMPLE])
    for text in sample[:5]:  # warm-up
        fn(text)
    times: list[float] = []
    cpu: list[float] = []
    for i, text in enumerate(sample, start=1):
        start, start_cpu = time.perf_counter(), time.process_time()
        fn(text)
        times.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
        progress(i, len(sample))
    p50, p95 = _percentiles(times)
    return p50, p95, _percentiles(cpu)[0]


# -- intents --------------------------------------------------------------------------------------


def intent_metrics(gold: Sequence[str], predicted: Sequence[str | None]) -> dict[str, float | None]:
    """In-scope accuracy (a decline counts as an error), macro-F1 over intents, OOS recall/precision.

    ``gold`` uses "" for out-of-scope; ``predicted`` uses None for a decline.
    """
    gold_arr = np.array(gold, dtype=object)
    pred_arr = np.array(["" if p is None else p for p in predicted], dtype=object)
    in_scope = gold_arr != ""
    out: dict[str, float | None] = {}
    out["in_scope_accuracy"] = (
        float((pred_arr[in_scope] == gold_arr[in_scope]).mean()) if in_scope.any() else None
    )
    intents = sorted({g for g in gold if g})
    f1s = []
    for intent in intents:
        tp = float(((pred_arr == intent) & (gold_arr == intent)).sum())
        fp = float(((pred_arr == intent) & (gold_arr != intent)).sum())
        fn = float(((pred_arr != intent) & (gold_arr == intent)).sum())
        f1s.append(2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0)
    out["macro_f1"] = float(np.mean(f1s)) if f1s else None
    declined = pred_arr == ""
    oos = ~in_scope
    out["oos_recall"] = float(declined[oos].mean()) if oos.any() else None
    out["oos_precision"] = float(oos[declined].mean()) if declined.any() else None
    out["declined_in_scope"] = float(declined[in_scope].mean()) if in_scope.any() else None
    return out


def _rounded(metrics: dict[str, float | None], prefix: str = "") -> dict[str, float | None]:
    return {prefix + k: (round(v, 4) if isinstance(v, float) else v) for k, v in metrics.items()}


def evaluate_intents(
    train_csv: Path,
    test_csv: Path,
    progress: bool = False,
    encoder: TextEncoder | None = None,
) -> dict[str, Any]:
    train_texts, train_labels = read_labelled_csv(Path(train_csv), "train")
    test_texts, test_labels = read_labelled_csv(Path(test_csv), "test")
    known = {label for label in train_labels if label}
    if len(known) < 2:
        raise ValueError(f"train file {train_csv} needs at least two different labels")
    unseen = sorted({label for label in test_labels if label and label not in known})
    if unseen:
        raise ValueError(f"test labels not in the training data: {', '.join(unseen[:5])}")
    bar = Progress(progress)
    encoder = encoder or default_encoder()

    started = time.perf_counter()
    train_emb = encode_all(encoder, train_texts, bar.stage("encoding train"))
    model = IntentClassifier(encoder)
    model.fit(
        train_texts, train_labels, embeddings=train_emb, progress=bar.stage("training (k-fold + final)")
    )
    train_seconds = time.perf_counter() - started

    test_emb = encode_all(encoder, test_texts, bar.stage("encoding test"))
    predictions = model.predict(test_texts, embeddings=test_emb)
    baseline = model.predict_lexical(test_texts)
    p50, p95, cpu50 = _latency(model.classify, test_texts, bar.stage("latency (model)"))
    b50, b95, _ = _latency(lambda t: model.predict_lexical([t]), test_texts, bar.stage("latency (baseline)"))

    metrics = _rounded(intent_metrics(test_labels, [p.label for p in predictions]))
    in_scope = [p.best == g for p, g in zip(predictions, test_labels, strict=True) if g]
    forced = float(np.mean(in_scope)) if in_scope else 0.0
    result: dict[str, Any] = {
        "model": "MiniLM embeddings + TF-IDF, logistic regression (late fusion), calibrated decline",
        "train_examples": len(train_texts),
        "test_examples": len(test_texts),
        "intents": len(known),
        "test_out_of_scope": sum(1 for g in test_labels if not g),
        **metrics,
        "in_scope_accuracy_no_decline": round(forced, 4),
        "threshold": round(model.threshold, 4),
        "fusion_weight": model.fusion_weight,
        "neighbour_weight": model.neighbour_weight,
        "oof_accuracy": _rounded({"x": model.report.get("oof_accuracy")})["x"],
        "train_seconds": round(train_seconds, 1),
        "latency_ms_p50": p50,
        "latency_ms_p95": p95,
        "latency_cpu_ms_p50": cpu50,
        "baseline_model": "TF-IDF word 1-2-grams + char 2-5-grams, logistic regression",
        **_rounded(intent_metrics(test_labels, [p.label for p in baseline]), "baseline_"),
        "baseline_threshold": round(model.baseline_threshold, 4),
        "baseline_latency_ms_p50": b50,
        "baseline_latency_ms_p95": b95,
    }
    return result


# -- sentiment ------------------------------------------------------------------------------------


def sentiment_metrics(gold: Sequence[str], predicted: Sequence[str]) -> dict[str, Any]:
    gold_arr = np.array(gold, dtype=object)
    pred_arr = np.array(predicted, dtype=object)
    recalls = {
        label: float((pred_arr[gold_arr == label] == label).mean())
        for label in LABELS
        if (gold_arr == label).any()
    }
    return {
        "macro_recall": round(float(np.mean(list(recalls.values()))), 4),
        "accuracy": round(float((gold_arr == pred_arr).mean()), 4),
        "recall": {k: round(v, 4) for k, v in recalls.items()},
    }


def _check_sentiment_labels(labels: list[str], path: Path, what: str) -> list[str]:
    lowered = [label.lower() for label in labels]
    bad = sorted({label for label in lowered if label not in LABELS})
    if bad:
        raise ValueError(f"{what} file {path}: labels must be negative, neutral or positive, found {bad[:3]}")
    return lowered


def evaluate_sentiment(
    test_csv: Path,
    train_csv: Path | None = None,
    progress: bool = False,
    encoder: TextEncoder | None = None,
) -> dict[str, Any]:
    test_texts, raw = read_labelled_csv(Path(test_csv), "test")
    test_labels = _check_sentiment_labels(raw, Path(test_csv), "test")
    bar = Progress(progress)
    encoder = encoder or default_encoder()
    result: dict[str, Any] = {"test_examples": len(test_texts)}

    started = time.perf_counter()
    if train_csv is not None:
        train_texts, raw_train = read_labelled_csv(Path(train_csv), "train")
        train_labels = _check_sentiment_labels(raw_train, Path(train_csv), "train")
        train_emb = encode_all(encoder, train_texts, bar.stage("encoding train"))
        trained = SentimentModel(encoder).fit(
            train_texts,
            train_labels,
            embeddings=train_emb,
            on_epoch=bar.stage("training"),
            prior=default_sentiment_model(encoder),
        )
        model: SentimentModel | None = trained
        result["model"] = "MiniLM embeddings + lexicon features, logistic regression trained on --train" + (
            ", stacked with the shipped model" if trained.prior is not None else ""
        )
        if trained.stacker is not None:  # rows: inputs (own, then shipped log-probabilities)
            result["stacker_weights"] = [[round(float(v), 2) for v in row] for row in trained.stacker.weights]
        result["train_examples"] = len(train_texts)
    else:
        model = default_sentiment_model(encoder)
        result["model"] = (
            "MiniLM embeddings + lexicon features, logistic regression shipped with Helpline"
            if model is not None
            else "lexicon"
        )
    result["train_seconds"] = round(time.perf_counter() - started, 1)

    analyzer = SentimentAnalyzer(model)
    test_emb = encode_all(encoder, test_texts, bar.stage("encoding test")) if model is not None else None
    predicted = [s.label for s in analyzer.analyze_many(test_texts, embeddings=test_emb)]
    result.update(sentiment_metrics(test_labels, predicted))
    p50, p95, cpu50 = _latency(analyzer.analyze, test_texts, bar.stage("latency (model)"))
    result["latency_ms_p50"], result["latency_ms_p95"], result["latency_cpu_ms_p50"] = p50, p95, cpu50

    lexicon = [lexicon_scores(t).label for t in test_texts]
    if train_csv is not None:
        baseline = _tfidf_baseline(train_texts, train_labels, test_texts)
        result["baseline_model"] = "TF-IDF word 1-2-grams + char 2-5-grams, logistic regression"
        result.update({f"baseline_{k}": v for k, v in sentiment_metrics(test_labels, baseline).items()})
    result["lexicon_model"] = "Helpline lexicon with negation, intensifiers and contrast"
    result.update({f"lexicon_{k}": v for k, v in sentiment_metrics(test_labels, lexicon).items()})
    if train_csv is None:
        result["baseline_model"] = result["lexicon_model"]
        result.update({f"baseline_{k}": v for k, v in sentiment_metrics(test_labels, lexicon).items()})
    return result


def _tfidf_baseline(train_texts: list[str], train_labels: list[str], test_texts: list[str]) -> list[str]:
    vectorizer = TfidfVectorizer(max_features=20_000).fit(train_texts)
    y = np.array([LABELS.index(label) for label in train_labels], dtype=np.int64)
    counts = np.bincount(y, minlength=len(LABELS)).astype(np.float32)
    weight = (len(y) / (len(LABELS) * np.maximum(counts, 1)))[y].astype(np.float32)
    model = train_softmax(
        vectorizer.transform(train_texts), y, len(LABELS), l2=1e-4, epochs=15, lr=0.03, batch_size=256,
        sample_weight=weight,
    )  # fmt: skip
    return [LABELS[int(i)] for i in model.logits(vectorizer.transform(test_texts)).argmax(axis=1)]
