"""Sentiment (negative / neutral / positive with a score) and service emotions, offline.

Two layers:

* :func:`lexicon_scores` — Helpline's own word lists (:mod:`helpline.assist.lexicon`) with negation
  ("not good"), intensifiers ("really bad"), contrast ("nice, but it crashes": the clause after *but*
  counts more), exclamation marks, ALL-CAPS words and emoticons. Instant, explainable, no model.
* :class:`SentimentModel` — multinomial logistic regression over MiniLM sentence embeddings plus the
  lexicon features, trained on labelled texts (a workspace's own rated tickets or ``--train`` CSV);
  a stacked logistic regression, learnt out of fold, combines it with the shipped GoEmotions model.

:class:`SentimentAnalyzer` combines them: with a trained model it uses the model's probabilities; without
one it uses the lexicon alone. Emotions (anger, frustration, confusion, anxiety, gratitude, urgency)
are always rule-based, see :func:`detect_emotions`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt

from helpline.assist.intents import TextEncoder, default_encoder
from helpline.assist.lexicon import (
    CONTRAST,
    EMOTICONS,
    EMOTION_WORDS,
    INTENSIFIERS,
    NEGATIONS,
    PHRASES,
    VALENCE,
)
from helpline.assist.softmax import LinearSoftmax, softmax, train_softmax

FloatArray = npt.NDArray[np.float32]
LABELS = ("negative", "neutral", "positive")
EMOTIONS = ("anger", "frustration", "confusion", "anxiety", "gratitude", "urgency")
FORMAT_VERSION = 1
FOREIGN_LEXICONS = ("de", "fr")  # languages with their own lexicon (``multilingual.py``)

_TOKEN = re.compile(
    r"[a-z0-9]+(?:['\u2019][a-z]+)*|[:;=x>]['-]?[()dp/|\]\[]|</?3|[\U0001F300-\U0001FAFF\u2600-\u27BF]\ufe0f?|[!?]",
    re.IGNORECASE,
)
_STEMS = sorted((k[:-1] for k in VALENCE if k.endswith("*")), key=len, reverse=True)
_PHRASE_LIST = sorted(PHRASES.items(), key=lambda item: -len(item[0]))


@dataclass(frozen=True)
class LexiconResult:
    compound: float  # -1 .. 1
    positive: float  # sum of positive evidence
    negative: float  # sum of negative evidence (as a positive number)
    hits: list[tuple[str, float]] = field(default_factory=list)

    @property
    def label(self) -> str:
        if self.compound >= 0.1:
            return "positive"
        if self.compound <= -0.1:
            return "negative"
        return "neutral"

    def features(self) -> list[float]:
        n_pos = sum(1 for _, v in self.hits if v > 0)
        n_neg = sum(1 for _, v in self.hits if v < 0)
        return [
            self.compound,
            math.log1p(self.positive),
            math.log1p(self.negative),
            float(n_pos > 0),
            float(n_neg > 0),
            float(n_pos > 0 and n_neg > 0),
        ]


def tokens(text: str) -> list[str]:
    return [t.lower().replace("\u2019", "'") for t in _TOKEN.findall(text)]


def _valence(token: str) -> float | None:
    if token in VALENCE:
        return VALENCE[token]
    if token in EMOTICONS:
        return EMOTICONS[token]
    stripped = re.sub(r"(.)\1{2,}", r"\1\1", token)  # "soooo goooood" -> "soo good"
    if stripped != token:
        for candidate in (stripped, re.sub(r"(.)\1+", r"\1", token)):
            if candidate in VALENCE:
                return VALENCE[candidate]
    return None


def lexicon_scores(text: str, language: str | None = None) -> LexiconResult:
    """Lexicon sentiment; German and French texts (``language`` "de"/"fr") use their own lists."""
    if language in ("de", "fr"):
        from helpline.assist.multilingual import score

        return score(text, language)
    raw = text
    toks = tokens(text)
    lowered = " ".join(toks)
    hits: list[tuple[str, float]] = []
    consumed: set[int] = set()
    # Phrases first: mark their tokens as used so their words are not counted again.
    for phrase, phrase_value in _PHRASE_LIST:
        start = 0
        while True:
            found = lowered.find(phrase, start)
            if found < 0:
                break
            end = found + len(phrase)
            if (found == 0 or lowered[found - 1] == " ") and (end == len(lowered) or lowered[end] == " "):
                first = lowered[:found].count(" ")
                span = range(first, first + phrase.count(" ") + 1)
                if not consumed.intersection(span):
                    consumed.update(span)
                    hits.append((phrase, phrase_value * _contrast_weight(toks, first)))
            start = end
    caps = {w.lower() for w in re.findall(r"\b[A-Z]{3,}\b", raw)} if not raw.isupper() else set()
    for i, tok in enumerate(toks):
        if i in consumed or (tok in NEGATIONS and tok not in VALENCE):
            continue
        valence = _valence(tok)
        if valence is None or tok in {"no", "not", "never", "nothing"}:
            continue
        value = valence
        scale = 1.0
        window = toks[max(0, i - 3) : i]
        for prev in reversed(window[-2:]):
            if prev in INTENSIFIERS:
                scale *= INTENSIFIERS[prev]
        negated = any(w in NEGATIONS for w in window)
        if negated:
            # "not good" is mildly negative; "not bad" is mildly positive.
            value = -value * (0.5 if value > 0 else 0.4)
        if tok in caps:
            scale *= 1.3
        hits.append((tok, value * scale * _contrast_weight(toks, i)))
    bangs = min(raw.count("!"), 3)
    positive = sum(v for _, v in hits if v > 0)
    negative = -sum(v for _, v in hits if v < 0)
    total = positive - negative
    if total:
        total += math.copysign(0.3 * bangs, total)
    compound = total / math.sqrt(total * total + 12.0)
    return LexiconResult(compound=compound, positive=positive, negative=negative, hits=hits)


def _contrast_weight(toks: list[str], index: int) -> float:
    """Words after the last contrast word ("but") weigh 1.5, before it 0.5."""
    last = max((i for i, t in enumerate(toks) if t in CONTRAST), default=-1)
    if last < 0:
        return 1.0
    return 1.5 if index > last else 0.5


# -- emotions -------------------------------------------------------------------------------------


def detect_emotions(text: str) -> dict[str, float]:
    """Scores in 0..1 for anger, frustration, confusion, anxiety, gratitude and urgency (0 = absent)."""
    toks = tokens(text)
    lowered = " " + " ".join(toks) + " "
    scores: dict[str, float] = {}
    for emotion, (vocab, phrases) in EMOTION_WORDS.items():
        evidence = 0.0
        for phrase in phrases:
            phrase_toks = " ".join(tokens(phrase))
            if f" {phrase_toks} " in lowered:
                evidence += 1.0
        for i, tok in enumerate(toks):
            if tok in vocab and not any(w in NEGATIONS for w in toks[max(0, i - 2) : i]):
                evidence += 1.0
        scores[emotion] = evidence
    shouting = len(re.findall(r"\b[A-Z]{3,}\b", text)) >= 2 or (text.isupper() and len(text) > 12)
    bangs = text.count("!")
    if shouting:
        scores["anger"] += 0.7
        scores["urgency"] += 0.3
    if bangs >= 2:
        scores["anger"] += 0.3 if scores["anger"] or scores["frustration"] else 0.0
        scores["urgency"] += 0.3 if scores["urgency"] else 0.0
    if text.count("?") >= 2:
        scores["confusion"] += 0.5
    if re.search(r"\bthanks? for nothing\b", text, re.IGNORECASE):
        scores["gratitude"] = 0.0
        scores["anger"] += 1.0
    if re.search(r"\b(no rush|no hurry|whenever you can|not urgent)\b", text, re.IGNORECASE):
        scores["urgency"] = 0.0
    return {e: round(1.0 - math.exp(-0.8 * scores[e]), 3) for e in EMOTIONS}


# -- learned model --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sentiment:
    label: str  # negative | neutral | positive
    score: float  # -1 (very negative) .. 1 (very positive)
    probabilities: dict[str, float]
    emotions: dict[str, float]
    words: list[tuple[str, float]] = field(default_factory=list)  # lexicon evidence

    @property
    def strong_emotions(self) -> list[str]:
        return [e for e, s in self.emotions.items() if s >= 0.5]


def lexicon_features(texts: Sequence[str]) -> FloatArray:
    return np.array([lexicon_scores(t).features() for t in texts], dtype=np.float32).reshape(len(texts), -1)


class SentimentModel:
    """Logistic regression over [standardised MiniLM embedding, lexicon features], its log-probabilities
    combined with the shipped model's by a small stacked logistic regression learnt out of fold."""

    FOLDS = 4
    STACK_L2 = 1e-3

    def __init__(
        self, encoder: TextEncoder | None = None, l2: float = 1e-2, lexicon_weight: float = 3.0
    ) -> None:
        self._encoder = encoder
        self.l2 = l2
        self.lexicon_weight = lexicon_weight
        # The shipped model, when ``fit(..., prior=...)`` was given it (enough data to calibrate).
        self.prior: SentimentModel | None = None
        # Maps [this model's log-probabilities, the prior's] (3 or 6 numbers) to the final logits.
        # Learnt by k-fold on the training data, so it sees how this head and the prior err on texts
        # they were not trained on: how much to trust each, per class, and where this data set draws
        # the line to neutral. None: this head's probabilities as they are.
        self.stacker: LinearSoftmax | None = None
        # Models saved before the stacker (2026-11-28) fused by a weight and per-class offsets instead;
        # they still load and predict that way.
        self.prior_weight = 0.0
        self.offsets = np.zeros(len(LABELS), dtype=np.float32)
        self.mean = np.zeros(0, dtype=np.float32)
        self.scale = np.ones(0, dtype=np.float32)
        self.model: LinearSoftmax | None = None

    @property
    def encoder(self) -> TextEncoder:
        if self._encoder is None:
            self._encoder = default_encoder()
        return self._encoder

    def _features(self, texts: Sequence[str], embeddings: FloatArray | None) -> FloatArray:
        if embeddings is None:
            embeddings = self.encoder.encode(list(texts))
        lex = lexicon_features(texts) * self.lexicon_weight
        return np.hstack([embeddings, lex]).astype(np.float32)

    def fit(
        self,
        texts: Sequence[str],
        labels: Sequence[str],
        embeddings: FloatArray | None = None,
        on_epoch: Callable[[int, int], None] | None = None,
        prior: SentimentModel | None = None,
        calibrate: bool = True,
    ) -> SentimentModel:
        """Train on labelled texts. By k-fold over these texts, also learn the stacker that combines
        this head with ``prior`` (usually :func:`default_sentiment_model`) so that macro recall is
        best. ``calibrate=False`` skips that (the head alone, balanced classes)."""
        unknown = sorted({label for label in labels if label not in LABELS})
        if unknown:
            raise ValueError(f"sentiment labels must be negative, neutral or positive, not {unknown[:3]}")
        y = np.array([LABELS.index(label) for label in labels], dtype=np.int64)
        if embeddings is None:
            embeddings = self.encoder.encode(list(texts))
        self.prior, self.stacker, self.prior_weight = None, None, 0.0
        self.offsets = np.zeros(len(LABELS), dtype=np.float32)
        if calibrate and len(texts) >= 10 * self.FOLDS:
            self.stacker = self._stack(list(texts), embeddings, y, prior)
            self.prior = prior
        self._fit_head(texts, embeddings, y, on_epoch)
        return self

    def _stack(
        self,
        texts: list[str],
        embeddings: FloatArray,
        y: npt.NDArray[np.int64],
        prior: SentimentModel | None,
    ) -> LinearSoftmax:
        """Out-of-fold log-probabilities of the head (and the prior's), then a logistic regression
        from them to the labels with balanced classes (macro recall is what triage needs)."""
        fold = np.random.default_rng(0).permutation(len(y)) % self.FOLDS
        own = np.zeros((len(y), len(LABELS)), dtype=np.float32)
        for k in range(self.FOLDS):
            train, held = np.flatnonzero(fold != k), np.flatnonzero(fold == k)
            part = SentimentModel(self._encoder, self.l2, self.lexicon_weight)
            part._fit_head([texts[i] for i in train], embeddings[train], y[train], None)
            own[held] = part.predict_proba([texts[i] for i in held], embeddings[held])
        inputs = [np.log(own + 1e-7)]
        if prior is not None:
            inputs.append(np.log(prior.predict_proba(texts, embeddings) + 1e-7))
        return train_softmax(
            np.hstack(inputs).astype(np.float32), y, len(LABELS), l2=self.STACK_L2, epochs=60, lr=0.01,
            batch_size=64, sample_weight=_balanced(y),
        )  # fmt: skip

    def _fit_head(
        self,
        texts: Sequence[str],
        embeddings: FloatArray,
        y: npt.NDArray[np.int64],
        on_epoch: Callable[[int, int], None] | None,
    ) -> None:
        x = self._features(texts, embeddings)
        self.mean = x.mean(axis=0)
        self.scale = x.std(axis=0) + 1e-6
        n_lex = lexicon_features(["x"]).shape[1]
        self.scale[-n_lex:] = 1.0  # lexicon features keep their own scale
        self.mean[-n_lex:] = 0.0
        # Balanced classes: macro recall is what matters for triage.
        self.model = train_softmax(
            (x - self.mean) / self.scale, y, len(LABELS), l2=self.l2, epochs=40, lr=0.003,
            batch_size=128, sample_weight=_balanced(y), on_epoch=on_epoch,
        )  # fmt: skip

    def predict_proba(self, texts: Sequence[str], embeddings: FloatArray | None = None) -> FloatArray:
        if self.model is None:
            raise RuntimeError("the sentiment model is not trained")
        if embeddings is None:
            embeddings = self.encoder.encode(list(texts))
        x = self._features(texts, embeddings)
        logits = self.model.logits(((x - self.mean) / self.scale).astype(np.float32))
        if self.stacker is not None:
            inputs = [np.log(softmax(logits) + 1e-7)]
            if self.stacker.weights.shape[0] > len(LABELS):
                if self.prior is None:
                    raise RuntimeError("this sentiment model needs the shipped model, which is missing")
                inputs.append(np.log(self.prior.predict_proba(texts, embeddings) + 1e-7))
            return softmax(self.stacker.logits(np.hstack(inputs).astype(np.float32)))
        if (self.prior is None or self.prior_weight <= 0) and not self.offsets.any():
            return softmax(logits)
        fused = np.log(softmax(logits) + 1e-7) + self.offsets
        if self.prior is not None and self.prior_weight > 0:
            fused += self.prior_weight * np.log(self.prior.predict_proba(texts, embeddings) + 1e-7)
        return softmax(fused.astype(np.float32))

    def save(self, path: Path | str) -> None:
        if self.model is None:
            raise RuntimeError("the sentiment model is not trained")
        arrays: dict[str, npt.NDArray[np.generic]] = {
            "format": np.array([FORMAT_VERSION]),
            "mean": self.mean,
            "scale": self.scale,
            "weights": self.model.weights,
            "bias": self.model.bias,
            "config": np.array([self.l2, self.lexicon_weight, self.prior_weight]),
            "offsets": self.offsets,
        }
        if self.stacker is not None:
            arrays.update(stack_weights=self.stacker.weights, stack_bias=self.stacker.bias)
        with open(path, "wb") as handle:
            np.savez_compressed(handle, **arrays)  # type: ignore[arg-type]  # numbers only

    @classmethod
    def load(cls, path: Path | str, encoder: TextEncoder | None = None) -> SentimentModel:
        with np.load(path, allow_pickle=False) as data:
            if int(data["format"][0]) != FORMAT_VERSION:
                raise ValueError(f"{path}: unsupported sentiment model format")
            config = [float(v) for v in data["config"]]
            model = cls(encoder, l2=config[0], lexicon_weight=config[1])
            model.prior_weight = config[2] if len(config) > 2 else 0.0
            if "stack_weights" in data.files:
                model.stacker = LinearSoftmax(
                    data["stack_weights"].astype(np.float32), data["stack_bias"].astype(np.float32)
                )
            stacked_prior = model.stacker is not None and model.stacker.weights.shape[0] > len(LABELS)
            if model.prior_weight > 0 or stacked_prior:  # the prior is the shipped model, loaded with it
                model.prior = default_sentiment_model(encoder)
                if model.prior is None:
                    if stacked_prior:
                        raise ValueError(f"{path}: needs the shipped sentiment model, which is missing")
                    model.prior_weight = 0.0
            if "offsets" in data.files:
                model.offsets = data["offsets"].astype(np.float32)
            model.mean = data["mean"].astype(np.float32)
            model.scale = data["scale"].astype(np.float32)
            model.model = LinearSoftmax(data["weights"].astype(np.float32), data["bias"].astype(np.float32))
        return model


def _balanced(y: npt.NDArray[np.int64]) -> FloatArray:
    """Per-example weights that give each class the same total weight."""
    counts = np.bincount(y, minlength=len(LABELS)).astype(np.float32)
    return (len(y) / (len(LABELS) * np.maximum(counts, 1)))[y].astype(np.float32)


class SentimentAnalyzer:
    """Sentiment with a score plus emotions for each message; uses the model when one is given."""

    def __init__(self, model: SentimentModel | None = None) -> None:
        self.model = model

    def analyze(self, text: str) -> Sentiment:
        return self.analyze_many([text])[0]

    def analyze_many(
        self,
        texts: Sequence[str],
        embeddings: FloatArray | None = None,
        languages: Sequence[str | None] | None = None,
    ) -> list[Sentiment]:
        """``languages``: each text's detected language; German and French texts are scored by their
        own lexicon (the model and the English lexicon read English only)."""
        langs = list(languages) if languages is not None else [None] * len(texts)
        own = [lang in FOREIGN_LEXICONS for lang in langs]
        lex = [lexicon_scores(t, lang) for t, lang in zip(texts, langs, strict=True)]
        if self.model is not None and not all(own):
            probs = self.model.predict_proba(texts, embeddings)
        else:
            probs = np.zeros((len(texts), 3), dtype=np.float32)
        out: list[Sentiment] = []
        for text, result, p, by_lexicon in zip(texts, lex, probs, own, strict=True):
            if self.model is None or by_lexicon:
                p = np.array(_lexicon_probabilities(result), dtype=np.float32)
            label = LABELS[int(np.argmax(p))]
            score = float(p[2] - p[0]) if self.model is not None and not by_lexicon else result.compound
            out.append(
                Sentiment(
                    label=label,
                    score=round(score, 4),
                    probabilities={name: round(float(v), 4) for name, v in zip(LABELS, p, strict=True)},
                    emotions=detect_emotions(text),
                    words=[(w, round(v, 2)) for w, v in result.hits],
                )
            )
        return out


def _lexicon_probabilities(result: LexiconResult) -> list[float]:
    c = result.compound
    logits = np.array([-6.0 * c - 0.6, 0.0 - 4.0 * abs(c) + 0.4, 6.0 * c - 0.6], dtype=np.float32)
    return [float(v) for v in softmax(logits[None, :])[0]]


DEFAULT_MODEL = Path(__file__).resolve().parent / "vendor" / "sentiment_goemotions.npz"


def default_sentiment_model(encoder: TextEncoder | None = None) -> SentimentModel | None:
    """The model shipped with Helpline (trained by :mod:`helpline.assist.train_sentiment`), if present."""
    if not DEFAULT_MODEL.is_file():
        return None
    return SentimentModel.load(DEFAULT_MODEL, encoder)
