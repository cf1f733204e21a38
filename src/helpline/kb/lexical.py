"""Sparse lexical indexes in numpy: BM25 with typo tolerance, and plain TF-IDF (the baseline).

Postings are one (doc ids, weights) pair of arrays per term, so a query costs one vector add per
query term: well under a millisecond on 100k short documents. Unknown query terms are matched to
vocabulary terms that share most of their character trigrams ("pasword" → "password").
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from helpline.kb.text import trigrams

Scores = npt.NDArray[np.float32]


class _Postings:
    def __init__(self, docs: Sequence[Sequence[str]]) -> None:
        self.n_docs = len(docs)
        rows: dict[str, list[tuple[int, int]]] = defaultdict(list)
        self.lengths = np.zeros(self.n_docs, dtype=np.float32)
        for i, tokens in enumerate(docs):
            self.lengths[i] = len(tokens)
            for term, tf in Counter(tokens).items():
                rows[term].append((i, tf))
        self.vocab: dict[str, int] = {}
        self.doc_ids: list[npt.NDArray[np.int32]] = []
        self.tfs: list[npt.NDArray[np.float32]] = []
        for term, pairs in rows.items():
            self.vocab[term] = len(self.doc_ids)
            self.doc_ids.append(np.fromiter((p[0] for p in pairs), dtype=np.int32, count=len(pairs)))
            self.tfs.append(np.fromiter((p[1] for p in pairs), dtype=np.float32, count=len(pairs)))
        self.df = np.array([len(d) for d in self.doc_ids], dtype=np.float32)


class BM25:
    """Okapi BM25 over pre-analysed token lists, with trigram typo expansion of unknown terms."""

    def __init__(self, docs: Sequence[Sequence[str]], k1: float = 1.2, b: float = 0.75) -> None:
        p = _Postings(docs)
        self.n_docs = p.n_docs
        self.k1 = k1
        self.vocab = p.vocab
        n = max(p.n_docs, 1)
        self.idf = np.log(1.0 + (n - p.df + 0.5) / (p.df + 0.5)).astype(np.float32)
        avgdl = float(p.lengths.mean()) if p.n_docs else 1.0
        norm = k1 * (1.0 - b + b * p.lengths / max(avgdl, 1e-9))
        self.doc_ids = p.doc_ids
        self.weights = [
            (self.idf[t] * tf * (k1 + 1.0) / (tf + norm[p.doc_ids[t]])).astype(np.float32)
            for t, tf in enumerate(p.tfs)
        ]
        self._grams: dict[str, list[int]] | None = None
        self._terms = list(self.vocab)

    def _gram_index(self) -> dict[str, list[int]]:
        if self._grams is None:
            grams: dict[str, list[int]] = defaultdict(list)
            for i, term in enumerate(self._terms):
                if len(term) >= 4 and term.isalpha():
                    for g in trigrams(term):
                        grams[g].append(i)
            self._grams = dict(grams)
        return self._grams

    def expand(self, term: str, min_similarity: float = 0.55, limit: int = 3) -> list[tuple[str, float]]:
        """Vocabulary terms close to ``term`` by trigram Dice similarity (for typos)."""
        if term in self.vocab:
            return [(term, 1.0)]
        if len(term) < 4 or not term.isalpha():
            return []
        mine = trigrams(term)
        counts: Counter[int] = Counter()
        index = self._gram_index()
        for g in mine:
            counts.update(index.get(g, ()))
        found: list[tuple[str, float]] = []
        for i, shared in counts.most_common(50):
            other = self._terms[i]
            dice = 2.0 * shared / (len(mine) + len(trigrams(other)))
            if dice >= min_similarity:
                found.append((other, dice))
        found.sort(key=lambda pair: -pair[1])
        return found[:limit]

    def query_terms(self, tokens: Sequence[str], fuzzy: bool = True) -> dict[str, float]:
        """Query term → weight; typos contribute their closest vocabulary terms, discounted."""
        out: dict[str, float] = {}
        for token in dict.fromkeys(tokens):
            matches = self.expand(token) if fuzzy else [(token, 1.0)] if token in self.vocab else []
            for term, sim in matches:
                out[term] = max(out.get(term, 0.0), sim * sim)
        return out

    def score(self, terms: dict[str, float]) -> Scores:
        scores = np.zeros(self.n_docs, dtype=np.float32)
        for term, qw in terms.items():
            t = self.vocab.get(term)
            if t is not None:
                scores[self.doc_ids[t]] += qw * self.weights[t]
        return scores

    def ceiling(self, terms: dict[str, float]) -> float:
        """The most any document could score for these terms: normalises scores to about 0..1."""
        total = 0.0
        for term, qw in terms.items():
            t = self.vocab.get(term)
            if t is not None:
                total += qw * float(self.idf[t]) * (self.k1 + 1.0)
        return total

    def idf_of(self, term: str) -> float:
        t = self.vocab.get(term)
        return float(self.idf[t]) if t is not None else 0.0


class TfIdf:
    """Plain TF-IDF cosine (smoothed idf, l2-normalised documents): the baseline to beat."""

    def __init__(self, docs: Sequence[Sequence[str]]) -> None:
        p = _Postings(docs)
        self.n_docs = p.n_docs
        self.vocab = p.vocab
        self.idf = (np.log((1.0 + p.n_docs) / (1.0 + p.df)) + 1.0).astype(np.float32)
        sq = np.zeros(p.n_docs, dtype=np.float64)
        raw = []
        for t, tf in enumerate(p.tfs):
            w = tf * self.idf[t]
            raw.append(w)
            np.add.at(sq, p.doc_ids[t], w.astype(np.float64) ** 2)
        norms = np.sqrt(np.maximum(sq, 1e-12)).astype(np.float32)
        self.doc_ids = p.doc_ids
        self.weights = [w / norms[p.doc_ids[t]] for t, w in enumerate(raw)]

    def score(self, tokens: Sequence[str]) -> Scores:
        counts = Counter(t for t in tokens if t in self.vocab)
        scores = np.zeros(self.n_docs, dtype=np.float32)
        if not counts:
            return scores
        q = {t: c * float(self.idf[self.vocab[t]]) for t, c in counts.items()}
        qnorm = math.sqrt(sum(v * v for v in q.values()))
        for term, w in q.items():
            t = self.vocab[term]
            scores[self.doc_ids[t]] += (w / qnorm) * self.weights[t]
        return scores
