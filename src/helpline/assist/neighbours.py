"""A nearest-neighbour vote over the training embeddings, fused into the intent classifier.

The network on the embeddings learns smooth class regions; the neighbour vote remembers the training
phrasings themselves, which helps most where a message is a near-paraphrase of a few training
examples of a small, oddly shaped intent. Fused with the other two models it gained about half a
point out-of-fold on Banking77 (docs/assist.md).

Vectors are the classifier's standardised embeddings, L2-normalised, so similarity is a cosine. A
message's score for an intent is the sum over its ``k`` most similar training texts of that intent of
``exp((sim - best_sim) / temperature)``; the scores are normalised to log-probabilities, with a small
floor so that an intent without a neighbour is unlikely rather than impossible.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float32]
IntArray = npt.NDArray[np.int64]
FLOOR = 1e-4
BLOCK = 1024  # training texts per matrix-vector product
# Training texts kept per intent: the vote's memory and time grow with the texts it keeps (about
# 1.5 KB and 0.03 ms per 1,000 texts), and a workspace may label hundreds of tickets per intent.
MAX_PER_CLASS = 200


def unit_rows(x: FloatArray) -> FloatArray:
    norms = np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)
    return np.asarray(x / norms, dtype=np.float32)


@dataclass
class NeighbourVote:
    vectors: FloatArray  # (texts, dim), unit rows
    labels: IntArray  # (texts,)
    n_classes: int
    k: int = 10
    temperature: float = 0.02

    @classmethod
    def fit(
        cls, x: FloatArray, y: IntArray, n_classes: int, k: int = 10, temperature: float = 0.02
    ) -> NeighbourVote:
        keep = _capped(y, MAX_PER_CLASS)
        return cls(unit_rows(x[keep]), y[keep].astype(np.int64), n_classes, k, temperature)

    def log_probs(self, x: FloatArray, chunk: int = 256) -> FloatArray:
        out = np.empty((x.shape[0], self.n_classes), dtype=np.float32)
        k = min(self.k, self.vectors.shape[0])
        for start in range(0, x.shape[0], chunk):
            sims = self._similarities(unit_rows(x[start : start + chunk]))
            rows = np.arange(sims.shape[0])
            if k < sims.shape[1]:
                top = np.argpartition(-sims, k - 1, axis=1)[:, :k]
            else:
                top = np.broadcast_to(np.arange(sims.shape[1]), sims.shape)
            near = np.take_along_axis(sims, top, axis=1)
            weight = np.exp((near - near.max(axis=1, keepdims=True)) / self.temperature)
            scores = np.full((sims.shape[0], self.n_classes), FLOOR, dtype=np.float64)
            np.add.at(scores, (np.repeat(rows, top.shape[1]), self.labels[top].ravel()), weight.ravel())
            out[start : start + chunk] = np.log(scores / scores.sum(axis=1, keepdims=True))
        return out

    def _similarities(self, u: FloatArray) -> FloatArray:
        """Cosines (rows of ``u``, training texts), as matrix-vector products over blocks of training
        texts. One product over all of them is large enough for OpenBLAS to wake its threads, which
        then compete with the encoder's threads on the next message: measured on 2 cores with 8,078
        training texts, encode + classify went from 2.4 to 8.0 ms per message; in blocks, 3.0 ms."""
        parts = [self.vectors[i : i + BLOCK] @ u.T for i in range(0, self.vectors.shape[0], BLOCK)]
        return np.asarray(np.concatenate(parts).T, dtype=np.float32)


def _capped(y: IntArray, cap: int) -> IntArray:
    """Indices of at most ``cap`` texts per class, spread evenly over each class's texts."""
    keep: list[IntArray] = []
    for c in np.unique(y):
        idx = np.flatnonzero(y == c)
        if len(idx) > cap:
            idx = idx[np.linspace(0, len(idx) - 1, cap).round().astype(np.int64)]
        keep.append(idx)
    return np.sort(np.concatenate(keep)) if keep else np.zeros(0, dtype=np.int64)
