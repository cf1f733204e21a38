"""Intent classifier that a workspace trains from its own labelled texts.

Two classifiers are trained on the same labels and their log-probabilities summed (late fusion),
with a nearest-neighbour vote over the training embeddings as an optional third opinion:

* a *semantic* one over MiniLM sentence embeddings (standardised): a softmax network with one hidden
  layer (``IntentConfig.semantic_hidden``; 0 gives plain logistic regression), which understands
  paraphrases;
* a *lexical* one, multinomial logistic regression over TF-IDF word 1-2-grams and character
  2-5-grams, which catches the exact words that separate neighbouring intents ("top up" vs
  "transfer") and explains decisions word by word. Alone, it is the baseline ``helpline eval`` reports;
* a *neighbour vote* (:mod:`helpline.assist.neighbours`) over the same standardised embeddings, which
  remembers the training phrasings themselves.

The fusion weights and the out-of-scope threshold are chosen on out-of-fold predictions over the
training data (k-fold), never on the data being evaluated. A training label that is empty or ``None``
marks an out-of-scope example: those are learned as one extra class. A message is declined (label
``None``, "not something I know") when the fused probability of the best intent is below the
threshold or when the out-of-scope class wins.

A trained model saves to a small ``.npz`` file (no pickle) and loads without retraining.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import numpy as np
import numpy.typing as npt

from helpline.assist.neighbours import NeighbourVote
from helpline.assist.softmax import (
    AveragedHeads,
    LinearSoftmax,
    MlpSoftmax,
    log_softmax,
    softmax,
    train_mlp,
    train_softmax,
)
from helpline.assist.tfidf import CHAR_PREFIX, WORD_PREFIX, TfidfVectorizer, words

FloatArray = npt.NDArray[np.float32]
IntArray = npt.NDArray[np.int64]
Progress = Callable[[int, int], None]

OUT_OF_SCOPE = ""  # internal class name of the out-of-scope class
FORMAT_VERSION = 2  # 2: neighbour vote; version 1 files still load


class TextEncoder(Protocol):
    def encode(self, texts: list[str], batch_size: int = 32) -> FloatArray: ...


def default_encoder() -> TextEncoder:
    from helpline.assist.embeddings import Encoder

    return Encoder.get()


@dataclass(frozen=True)
class IntentConfig:
    folds: int = 4
    semantic_l2: float = 1e-3
    semantic_epochs: int = 30
    semantic_lr: float = 0.003
    # > 0: a one-hidden-layer network instead of logistic regression on the embeddings.
    semantic_hidden: int = 1024
    semantic_hidden_epochs: int = 25
    # > 1: that many hidden-layer networks from different seeds, their log-probabilities averaged.
    semantic_members: int = 1
    lexical_l2: float = 1e-5
    lexical_epochs: int = 12
    lexical_lr: float = 0.05
    lexical_batch: int = 512
    lexical_features: int = 10_000
    char_weight: float = 0.6
    fusion_weights: tuple[float, ...] = (0.0, 0.5, 0.75, 1.0, 1.5, 2.0)
    # Nearest-neighbour vote: how many neighbours, how sharply closer ones count, and the weights tried
    # for it in the fusion (chosen out-of-fold together with ``fusion_weights``). 0 neighbours: off.
    neighbours: int = 10
    neighbour_temperature: float = 0.02
    neighbour_weights: tuple[float, ...] = (0.0, 0.25, 0.5, 0.75, 1.0)
    # With no out-of-scope examples to learn from, decline only where out-of-fold predictions at that
    # confidence were right at most this often.
    max_declined_precision: float = 0.3
    # With out-of-scope examples, the threshold may cost at most this much in-scope accuracy
    # (out-of-fold, relative to declining only when the out-of-scope class wins).
    max_accuracy_cost: float = 0.01
    seed: int = 0


@dataclass(frozen=True)
class IntentPrediction:
    label: str | None  # None: out of scope ("not something I know")
    confidence: float  # fused probability of the best in-scope intent
    best: str  # the best in-scope intent, even when declined
    top: list[tuple[str, float]] = field(default_factory=list)

    @property
    def declined(self) -> bool:
        return self.label is None


@dataclass
class _Calibration:
    fusion_weight: float
    threshold: float
    oof_accuracy: float
    oof_oos_recall: float | None
    neighbour_weight: float = 0.0


def _normalise_label(label: str | None) -> str:
    return (label or "").strip()


class IntentClassifier:
    def __init__(self, encoder: TextEncoder | None = None, config: IntentConfig | None = None) -> None:
        self._encoder = encoder
        self.config = config or IntentConfig()
        self.classes: list[str] = []
        self.vectorizer = TfidfVectorizer()
        self.semantic: LinearSoftmax | MlpSoftmax | AveragedHeads | None = None
        self.lexical: LinearSoftmax | None = None
        self.neighbours: NeighbourVote | None = None
        self.mean = np.zeros(0, dtype=np.float32)
        self.scale = np.ones(0, dtype=np.float32)
        self.fusion_weight = 1.0
        self.neighbour_weight = 0.0
        self.threshold = 0.0
        self.baseline_threshold = 0.0
        self.report: dict[str, float | None] = {}

    # -- training ---------------------------------------------------------------------------------

    @property
    def encoder(self) -> TextEncoder:
        if self._encoder is None:
            self._encoder = default_encoder()
        return self._encoder

    @property
    def has_oos_class(self) -> bool:
        return OUT_OF_SCOPE in self.classes

    @property
    def intents(self) -> list[str]:
        return [c for c in self.classes if c != OUT_OF_SCOPE]

    def fit(
        self,
        texts: Sequence[str],
        labels: Sequence[str | None],
        *,
        embeddings: FloatArray | None = None,
        progress: Progress | None = None,
    ) -> IntentClassifier:
        """Train on ``texts``; an empty label marks an out-of-scope example."""
        if len(texts) != len(labels):
            raise ValueError("texts and labels differ in length")
        names = [_normalise_label(label) for label in labels]
        self.classes = sorted(set(names))
        if len(self.intents) < 2:
            raise ValueError("an intent classifier needs at least two labelled intents")
        y = np.array([self.classes.index(n) for n in names], dtype=np.int64)
        if embeddings is None:
            embeddings = self.encoder.encode(list(texts))
        folds = self.config.folds
        steps = folds + 1 if folds >= 2 and len(texts) >= 8 * folds else 1
        done = 0

        def tick() -> None:
            nonlocal done
            done += 1
            if progress is not None:
                progress(done, steps)

        if steps > 1:
            calibration = self._calibrate(list(texts), embeddings, y, tick)
        else:
            calibration = _Calibration(1.0, 0.0, float("nan"), None)
        self.fusion_weight = calibration.fusion_weight
        self.neighbour_weight = calibration.neighbour_weight
        self.threshold = calibration.threshold
        self.report = {
            "fusion_weight": calibration.fusion_weight,
            "neighbour_weight": calibration.neighbour_weight,
            "threshold": calibration.threshold,
            "oof_accuracy": calibration.oof_accuracy,
            "oof_oos_recall": calibration.oof_oos_recall,
        }
        self._fit_models(list(texts), embeddings, y, neighbours=self.neighbour_weight > 0)
        tick()
        return self

    def _fit_models(
        self, texts: list[str], embeddings: FloatArray, y: IntArray, *, neighbours: bool = True
    ) -> None:
        cfg = self.config
        self.mean = embeddings.mean(axis=0).astype(np.float32)
        self.scale = (embeddings.std(axis=0) + 1e-6).astype(np.float32)
        z = self._standardise(embeddings)
        if cfg.semantic_hidden > 0:
            members = [
                train_mlp(
                    z,
                    y,
                    len(self.classes),
                    hidden=cfg.semantic_hidden,
                    epochs=cfg.semantic_hidden_epochs,
                    seed=cfg.seed + k,
                )
                for k in range(max(1, cfg.semantic_members))
            ]
            self.semantic = members[0] if len(members) == 1 else AveragedHeads(members)
        else:
            self.semantic = train_softmax(
                z, y, len(self.classes), l2=cfg.semantic_l2, epochs=cfg.semantic_epochs,
                lr=cfg.semantic_lr, seed=cfg.seed,
            )  # fmt: skip
        self.neighbours = None
        if neighbours and cfg.neighbours > 0:
            self.neighbours = NeighbourVote.fit(
                z, y, len(self.classes), k=cfg.neighbours, temperature=cfg.neighbour_temperature
            )
        self.vectorizer = TfidfVectorizer(max_features=cfg.lexical_features, char_weight=cfg.char_weight).fit(
            texts
        )
        self.lexical = train_softmax(
            self.vectorizer.transform(texts), y, len(self.classes), l2=cfg.lexical_l2,
            epochs=cfg.lexical_epochs, lr=cfg.lexical_lr, batch_size=cfg.lexical_batch, seed=cfg.seed,
        )  # fmt: skip

    def _calibrate(
        self, texts: list[str], embeddings: FloatArray, y: IntArray, tick: Callable[[], None]
    ) -> _Calibration:
        cfg = self.config
        rng = np.random.default_rng(cfg.seed)
        fold = np.empty(len(y), dtype=np.int64)
        for c in range(len(self.classes)):  # stratified folds
            idx = np.flatnonzero(y == c)
            rng.shuffle(idx)
            fold[idx] = np.arange(len(idx)) % cfg.folds
        sem = np.zeros((len(y), len(self.classes)), dtype=np.float32)
        lex = np.zeros_like(sem)
        near = np.zeros_like(sem)
        for k in range(cfg.folds):
            train, held = np.flatnonzero(fold != k), np.flatnonzero(fold == k)
            part = IntentClassifier(self._encoder, cfg)
            part.classes = self.classes
            part._fit_models([texts[i] for i in train], embeddings[train], y[train])
            sem[held], lex[held], near[held] = part._log_probs([texts[i] for i in held], embeddings[held])
            tick()
        oos = self.classes.index(OUT_OF_SCOPE) if self.has_oos_class else -1
        is_oos = y == oos
        best: tuple[float, float, float] | None = None
        neighbour_weights = cfg.neighbour_weights if cfg.neighbours > 0 else (0.0,)
        for weight, vote in itertools.product(cfg.fusion_weights, neighbour_weights):
            pred = (sem + weight * lex + vote * near).argmax(axis=1)
            acc = float((pred[~is_oos] == y[~is_oos]).mean())
            if best is None or acc > best[0] + 1e-9:
                best = (acc, weight, vote)
        assert best is not None
        _, weight, vote = best
        probs = softmax(sem + weight * lex + vote * near)
        conf, choice = _in_scope_choice(probs, oos)
        correct = (choice == y) & ~is_oos
        threshold, oos_recall = _choose_threshold(conf, choice, correct, is_oos, oos, cfg)
        accepted = conf >= threshold
        in_acc = float((correct & accepted)[~is_oos].mean())
        # The TF-IDF model alone (the baseline) gets its own threshold by the same rule.
        lex_conf, lex_choice = _in_scope_choice(softmax(lex.copy()), oos)
        lex_correct = (lex_choice == y) & ~is_oos
        self.baseline_threshold, _ = _choose_threshold(lex_conf, lex_choice, lex_correct, is_oos, oos, cfg)
        return _Calibration(weight, threshold, in_acc, oos_recall, vote)

    # -- inference --------------------------------------------------------------------------------

    def _standardise(self, embeddings: FloatArray) -> FloatArray:
        return ((embeddings - self.mean) / self.scale).astype(np.float32)

    def _log_probs(
        self, texts: list[str], embeddings: FloatArray
    ) -> tuple[FloatArray, FloatArray, FloatArray]:
        """Log-probabilities of the network, the TF-IDF model and the neighbour vote (zeros without)."""
        if self.semantic is None or self.lexical is None:
            raise RuntimeError("the intent classifier is not trained")
        z = self._standardise(embeddings)
        sem = log_softmax(self.semantic.logits(z))
        lex = log_softmax(self.lexical.logits(self.vectorizer.transform(texts)))
        near = self.neighbours.log_probs(z) if self.neighbours is not None else np.zeros_like(sem)
        return sem, lex, near

    def predict_proba(self, texts: Sequence[str], embeddings: FloatArray | None = None) -> FloatArray:
        """Fused probabilities over :attr:`classes` (the out-of-scope class included when trained)."""
        texts = list(texts)
        if embeddings is None:
            embeddings = self.encoder.encode(texts)
        sem, lex, near = self._log_probs(texts, embeddings)
        return softmax(sem + self.fusion_weight * lex + self.neighbour_weight * near)

    def predict(
        self, texts: Sequence[str], embeddings: FloatArray | None = None, top: int = 3
    ) -> list[IntentPrediction]:
        return self._decide(self.predict_proba(texts, embeddings), self.threshold, top)

    def predict_lexical(self, texts: Sequence[str], top: int = 3) -> list[IntentPrediction]:
        """The TF-IDF + logistic regression part alone (the baseline), with its own threshold."""
        if self.lexical is None:
            raise RuntimeError("the intent classifier is not trained")
        probs = self.lexical.proba(self.vectorizer.transform(list(texts)))
        return self._decide(probs, self.baseline_threshold, top)

    def _decide(self, probs: FloatArray, threshold: float, top: int) -> list[IntentPrediction]:
        oos = self.classes.index(OUT_OF_SCOPE) if self.has_oos_class else -1
        conf, choice = _in_scope_choice(probs, oos)
        out: list[IntentPrediction] = []
        for i in range(len(probs)):
            ranked = [int(j) for j in np.argsort(-probs[i]) if j != oos][:top]
            best = self.classes[int(choice[i])] if choice[i] != oos else self.classes[ranked[0]]
            declined = choice[i] == oos or conf[i] < threshold
            out.append(
                IntentPrediction(
                    label=None if declined else best,
                    confidence=float(conf[i]),
                    best=best,
                    top=[(self.classes[j], float(probs[i, j])) for j in ranked],
                )
            )
        return out

    def classify(self, text: str) -> IntentPrediction:
        return self.predict([text])[0]

    def explain(self, text: str, top: int = 5, intent: str | None = None) -> list[tuple[str, float]]:
        """Words of ``text`` that pushed the decision towards ``intent`` (default: the predicted one).

        Each word's weight is its linear contribution in the lexical model (its word n-grams plus the
        character n-grams inside it) relative to the average over the other intents; bigram
        contributions are split between their two words. Positive weights drove the decision.
        """
        if self.lexical is None:
            raise RuntimeError("the intent classifier is not trained")
        target = intent if intent is not None else self.classify(text).best
        if target not in self.classes:
            raise ValueError(f"unknown intent {target!r}")
        k = self.classes.index(target)
        weights = self.lexical.weights
        others = np.ones(len(self.classes), dtype=bool)
        others[k] = False
        row = self.vectorizer.transform([text])
        value = dict(zip(row.indices.tolist(), row.data.tolist(), strict=True))
        contribution = {
            col: v * float(weights[col, k] - weights[col, others].mean()) for col, v in value.items()
        }
        scores: dict[str, float] = {}
        tokens = words(text)
        for token in tokens:
            if token in scores:
                continue
            total = 0.0
            for gram in [WORD_PREFIX + token, *_char_grams(token)]:
                col = self.vectorizer.vocab.get(gram)
                if col is not None and col in contribution:
                    total += contribution[col]
            scores[token] = total
        for a, b in itertools.pairwise(tokens):
            col = self.vectorizer.vocab.get(f"{WORD_PREFIX}{a} {b}")
            if col is not None and col in contribution:
                scores[a] += contribution[col] / 2
                scores[b] += contribution[col] / 2
        ranked = sorted(scores.items(), key=lambda item: -item[1])
        return [(w, round(s, 4)) for w, s in ranked[:top] if s > 0]

    # -- persistence ------------------------------------------------------------------------------

    def save(self, path: Path | str) -> None:
        if self.semantic is None or self.lexical is None:
            raise RuntimeError("the intent classifier is not trained")
        state: dict[str, npt.NDArray[np.generic]] = {
            "format": np.array([FORMAT_VERSION], dtype=np.int64),
            "classes": np.array(self.classes, dtype=np.str_),
            "mean": self.mean,
            "scale": self.scale,
            **_semantic_state(self.semantic),
            "lexical_w": self.lexical.weights.astype(np.float16),
            "lexical_b": self.lexical.bias,
            "calibration": np.array(
                [self.fusion_weight, self.threshold, self.baseline_threshold, self.neighbour_weight]
            ),
            **self.vectorizer.state("tfidf_"),
        }
        if self.neighbours is not None:
            state["neighbour_vectors"] = self.neighbours.vectors.astype(np.float16)
            state["neighbour_labels"] = self.neighbours.labels.astype(np.int32)
            state["neighbour_params"] = np.array([self.neighbours.k, self.neighbours.temperature])
        with open(path, "wb") as handle:
            np.savez_compressed(handle, **state)  # type: ignore[arg-type]

    @classmethod
    def load(cls, path: Path | str, encoder: TextEncoder | None = None) -> IntentClassifier:
        with np.load(path, allow_pickle=False) as data:
            state = {key: data[key] for key in data.files}
        if int(state["format"][0]) not in (1, FORMAT_VERSION):
            raise ValueError(f"{path}: unsupported intent model format {int(state['format'][0])}")
        model = cls(encoder)
        model.classes = [str(c) for c in state["classes"]]
        model.mean = state["mean"].astype(np.float32)
        model.scale = state["scale"].astype(np.float32)
        if "semantic_members" in state:
            model.semantic = AveragedHeads(
                [
                    MlpSoftmax(
                        *(state[f"semantic{i}_{k}"].astype(np.float32) for k in ("w1", "b1", "w2", "b2"))
                    )
                    for i in range(int(state["semantic_members"][0]))
                ]
            )
        elif "semantic_w1" in state:
            model.semantic = MlpSoftmax(
                *(state[f"semantic_{k}"].astype(np.float32) for k in ("w1", "b1", "w2", "b2"))
            )
        else:
            model.semantic = LinearSoftmax(state["semantic_w"].astype(np.float32), state["semantic_b"])
        model.lexical = LinearSoftmax(state["lexical_w"].astype(np.float32), state["lexical_b"])
        calibration = [float(x) for x in state["calibration"]]
        model.fusion_weight, model.threshold, model.baseline_threshold = calibration[:3]
        model.neighbour_weight = calibration[3] if len(calibration) > 3 else 0.0
        if "neighbour_vectors" in state:
            k, temperature = (float(x) for x in state["neighbour_params"])
            model.neighbours = NeighbourVote(
                state["neighbour_vectors"].astype(np.float32),
                state["neighbour_labels"].astype(np.int64),
                len(model.classes),
                int(k),
                temperature,
            )
        model.vectorizer = TfidfVectorizer.from_state(state, "tfidf_")
        return model


def _semantic_state(head: LinearSoftmax | MlpSoftmax | AveragedHeads) -> dict[str, npt.NDArray[np.generic]]:
    if isinstance(head, AveragedHeads):
        state: dict[str, npt.NDArray[np.generic]] = {
            "semantic_members": np.array([len(head.members)], dtype=np.int64)
        }
        for i, member in enumerate(head.members):
            state.update({f"semantic{i}_{k}": v for k, v in _mlp_state(member).items()})
        return state
    if isinstance(head, MlpSoftmax):
        return {f"semantic_{k}": v for k, v in _mlp_state(head).items()}
    return {"semantic_w": head.weights.astype(np.float16), "semantic_b": head.bias}


def _mlp_state(head: MlpSoftmax) -> dict[str, npt.NDArray[np.generic]]:
    return {"w1": head.w1.astype(np.float16), "b1": head.b1, "w2": head.w2.astype(np.float16), "b2": head.b2}


def _char_grams(token: str) -> list[str]:
    padded = f" {token} "
    return [CHAR_PREFIX + padded[i : i + n] for n in range(2, 6) for i in range(len(padded) - n + 1)]


def _in_scope_choice(probs: FloatArray, oos: int) -> tuple[FloatArray, IntArray]:
    """Best class (may be the out-of-scope class) and the probability of the best in-scope intent."""
    choice = probs.argmax(axis=1).astype(np.int64)
    if oos < 0:
        return probs.max(axis=1), choice
    masked = probs.copy()
    masked[:, oos] = -1.0
    return masked.max(axis=1), choice


def _choose_threshold(
    conf: FloatArray, choice: IntArray, correct: npt.NDArray[np.bool_], is_oos: npt.NDArray[np.bool_],
    oos: int, cfg: IntentConfig,
) -> tuple[float, float | None]:  # fmt: skip
    candidates = np.unique(np.round(np.concatenate(([0.0], np.quantile(conf, np.linspace(0, 0.6, 241)))), 4))
    if is_oos.any():
        # Out-of-scope examples exist: the highest threshold (most out-of-scope caught) that costs at
        # most ``max_accuracy_cost`` of in-scope accuracy. Accuracy only falls as the threshold rises.
        def rates(t: float) -> tuple[float, float]:
            declined = (choice == oos) | (conf < t)
            return float((correct & ~declined)[~is_oos].mean()), float(declined[is_oos].mean())

        floor = rates(0.0)[0] - cfg.max_accuracy_cost
        best_t, best_recall = 0.0, rates(0.0)[1]
        for t in candidates:
            accuracy, recall = rates(float(t))
            if accuracy >= floor - 1e-9:
                best_t, best_recall = float(t), recall
        return best_t, best_recall
    # No out-of-scope examples: decline only where guesses were mostly wrong.
    best_t = 0.0
    for t in candidates:
        low = conf < t
        if low.sum() >= 5 and float(correct[low].mean()) <= cfg.max_declined_precision:
            best_t = float(t)
    return best_t, None
