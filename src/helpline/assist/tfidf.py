"""TF-IDF over word 1-2-grams and character 2-5-grams, in numpy (no scikit-learn).

Documents become rows of a small CSR matrix (:class:`SparseRows`). The vocabulary keeps n-grams seen
in at least ``min_df`` training texts; word and character blocks are each L2-normalised and weighted
so that a document vector has unit norm.
"""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float32]
IntArray = npt.NDArray[np.int64]

_WORD = re.compile(r"[^\W_]+(?:['\u2019][^\W_]+)*", re.UNICODE)
WORD_PREFIX = "w:"
CHAR_PREFIX = "c:"


def words(text: str) -> list[str]:
    """Lower-cased word tokens (apostrophes inside words are kept: ``can't``, ``l'ordre``)."""
    return [w.replace("\u2019", "'") for w in _WORD.findall(text.lower())]


def word_ngrams(tokens: Sequence[str]) -> list[str]:
    grams = [WORD_PREFIX + t for t in tokens]
    grams += [f"{WORD_PREFIX}{a} {b}" for a, b in itertools.pairwise(tokens)]
    return grams


def char_ngrams(tokens: Sequence[str], low: int = 2, high: int = 5) -> list[str]:
    """Character n-grams inside word boundaries (each word padded with spaces)."""
    grams: list[str] = []
    for token in tokens:
        padded = f" {token} "
        size = len(padded)
        for n in range(low, high + 1):
            if n > size:
                break
            grams.extend(CHAR_PREFIX + padded[i : i + n] for i in range(size - n + 1))
    return grams


@dataclass
class SparseRows:
    """Compressed sparse rows: row ``i`` holds ``data[indptr[i]:indptr[i+1]]`` at ``indices[...]``."""

    indptr: IntArray
    indices: IntArray
    data: FloatArray
    n_cols: int

    @property
    def n_rows(self) -> int:
        return len(self.indptr) - 1

    def take(self, rows: Sequence[int] | IntArray) -> SparseRows:
        rows = np.asarray(rows, dtype=np.int64)
        starts, ends = self.indptr[rows], self.indptr[rows + 1]
        lengths = ends - starts
        indptr = np.zeros(len(rows) + 1, dtype=np.int64)
        np.cumsum(lengths, out=indptr[1:])
        pick = _ranges(starts, lengths)
        return SparseRows(indptr, self.indices[pick], self.data[pick], self.n_cols)

    def dense(self, rows: Sequence[int] | IntArray | None = None) -> FloatArray:
        block = self if rows is None else self.take(rows)
        out = np.zeros((block.n_rows, self.n_cols), dtype=np.float32)
        row_of = np.repeat(np.arange(block.n_rows), np.diff(block.indptr))
        out[row_of, block.indices] = block.data
        return out


def _ranges(starts: IntArray, lengths: IntArray) -> IntArray:
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    offsets = np.repeat(starts - np.concatenate(([0], np.cumsum(lengths)[:-1])), lengths)
    return np.arange(total, dtype=np.int64) + offsets


class TfidfVectorizer:
    """Fit on training texts, then :meth:`transform` any text into a unit-norm sparse row."""

    def __init__(self, min_df: int = 2, char_weight: float = 0.75, max_features: int = 60_000) -> None:
        self.min_df = min_df
        self.char_weight = char_weight
        self.max_features = max_features
        self.vocab: dict[str, int] = {}
        self.terms: list[str] = []
        self.idf: FloatArray = np.zeros(0, dtype=np.float32)

    @staticmethod
    def grams(text: str) -> tuple[list[str], list[str]]:
        tokens = words(text)
        return word_ngrams(tokens), char_ngrams(tokens)

    def fit(self, texts: Sequence[str]) -> TfidfVectorizer:
        df: Counter[str] = Counter()
        for text in texts:
            w, c = self.grams(text)
            df.update(set(w))
            df.update(set(c))
        min_df = self.min_df if len(texts) >= 50 else 1
        kept = [(t, n) for t, n in df.items() if n >= min_df]
        kept.sort(key=lambda item: (-item[1], item[0]))
        kept = kept[: self.max_features]
        self.terms = sorted(t for t, _ in kept)
        self.vocab = {t: i for i, t in enumerate(self.terms)}
        n_docs = len(texts)
        self.idf = np.array(
            [math.log((1 + n_docs) / (1 + df[t])) + 1.0 for t in self.terms], dtype=np.float32
        )
        return self

    def _row(self, text: str) -> tuple[list[int], list[float]]:
        w, c = self.grams(text)
        cols: list[int] = []
        vals: list[float] = []
        for grams, weight in ((w, 1.0 - self.char_weight), (c, self.char_weight)):
            counts = Counter(g for g in grams if g in self.vocab)
            if not counts:
                continue
            idx = [self.vocab[g] for g in counts]
            v = [(1.0 + math.log(n)) * float(self.idf[i]) for i, n in zip(idx, counts.values(), strict=True)]
            norm = math.sqrt(sum(x * x for x in v)) or 1.0
            scale = math.sqrt(weight) / norm
            cols.extend(idx)
            vals.extend(x * scale for x in v)
        return cols, vals

    def transform(self, texts: Iterable[str]) -> SparseRows:
        indptr = [0]
        indices: list[int] = []
        data: list[float] = []
        for text in texts:
            cols, vals = self._row(text)
            indices.extend(cols)
            data.extend(vals)
            indptr.append(len(indices))
        return SparseRows(
            np.array(indptr, dtype=np.int64),
            np.array(indices, dtype=np.int64),
            np.array(data, dtype=np.float32),
            len(self.terms),
        )

    def state(self, prefix: str) -> dict[str, npt.NDArray[np.generic]]:
        return {
            f"{prefix}terms": np.array(self.terms, dtype=np.str_),
            f"{prefix}idf": self.idf,
            f"{prefix}config": np.array([self.min_df, self.char_weight, self.max_features], dtype=np.float64),
        }

    @classmethod
    def from_state(cls, state: dict[str, npt.NDArray[np.generic]], prefix: str) -> TfidfVectorizer:
        min_df, char_weight, max_features = (float(x) for x in state[f"{prefix}config"])
        vec = cls(int(min_df), char_weight, int(max_features))
        vec.terms = [str(t) for t in state[f"{prefix}terms"]]
        vec.vocab = {t: i for i, t in enumerate(vec.terms)}
        vec.idf = np.asarray(state[f"{prefix}idf"], dtype=np.float32)
        return vec
