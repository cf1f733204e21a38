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


class Postings:
    """Term frequencies in compressed sparse rows: the documents of term ``t`` are
    ``doc_ids[indptr[t]:indptr[t + 1]]`` with counts ``tfs[...]`` (one array each, so a whole index
    is a handful of arrays that can be saved and loaded at once, see ``snapshot.py``)."""

    def __init__(
        self,
        terms: list[str],
        indptr: npt.NDArray[np.int64],
        doc_ids: npt.NDArray[np.int32],
        tfs: npt.NDArray[np.float32],
        lengths: npt.NDArray[np.float32],
    ) -> None:
        self.terms = terms
        self.vocab = {term: t for t, term in enumerate(terms)}
        self.indptr = indptr
        self.doc_ids = doc_ids
        self.tfs = tfs
        self.lengths = lengths
        self.n_docs = len(lengths)
        self.df = np.diff(indptr).astype(np.float32)

    @classmethod
    def of(cls, docs: Sequence[Sequence[str]]) -> Postings:
        rows: dict[str, list[tuple[int, int]]] = defaultdict(list)
        lengths = np.zeros(len(docs), dtype=np.float32)
        for i, tokens in enumerate(docs):
            lengths[i] = len(tokens)
            for term, tf in Counter(tokens).items():
                rows[term].append((i, tf))
        terms = list(rows)
        counts = np.fromiter((len(rows[t]) for t in terms), dtype=np.int64, count=len(terms))
        indptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        total = int(indptr[-1])
        doc_ids = np.fromiter((p[0] for t in terms for p in rows[t]), dtype=np.int32, count=total)
        tfs = np.fromiter((p[1] for t in terms for p in rows[t]), dtype=np.float32, count=total)
        return cls(terms, indptr, doc_ids, tfs, lengths)

    def term_of_posting(self) -> npt.NDArray[np.int64]:
        return np.repeat(np.arange(len(self.terms), dtype=np.int64), np.diff(self.indptr))

    @property
    def nbytes(self) -> int:
        return int(self.indptr.nbytes + self.doc_ids.nbytes + self.tfs.nbytes + self.lengths.nbytes)


class BM25:
    """Okapi BM25 over pre-analysed token lists, with trigram typo expansion of unknown terms."""

    def __init__(
        self,
        docs: Sequence[Sequence[str]] = (),
        k1: float = 1.2,
        b: float = 0.75,
        postings: Postings | None = None,
    ) -> None:
        p = postings if postings is not None else Postings.of(docs)
        self.postings = p
        self.n_docs = p.n_docs
        self.k1 = k1
        self.vocab = p.vocab
        n = max(p.n_docs, 1)
        self.idf = np.log(1.0 + (n - p.df + 0.5) / (p.df + 0.5)).astype(np.float32)
        avgdl = float(p.lengths.mean()) if p.n_docs else 1.0
        norm = k1 * (1.0 - b + b * p.lengths / max(avgdl, 1e-9))
        idf = self.idf[p.term_of_posting()] if len(p.doc_ids) else np.zeros(0, dtype=np.float32)
        self.weights = (idf * p.tfs * (k1 + 1.0) / (p.tfs + norm[p.doc_ids])).astype(np.float32)
        self._grams: dict[str, list[int]] | None = None
        self._terms = p.terms

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
        indptr, doc_ids = self.postings.indptr, self.postings.doc_ids
        for term, qw in terms.items():
            t = self.vocab.get(term)
            if t is not None:
                a, b = indptr[t], indptr[t + 1]
                scores[doc_ids[a:b]] += qw * self.weights[a:b]  # a term occurs once per document
        return scores

    @property
    def nbytes(self) -> int:
        return self.postings.nbytes + int(self.weights.nbytes + self.idf.nbytes)

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
        p = Postings.of(docs)
        self.n_docs = p.n_docs
        self.vocab = p.vocab
        self.indptr, self.doc_ids = p.indptr, p.doc_ids
        self.idf = (np.log((1.0 + p.n_docs) / (1.0 + p.df)) + 1.0).astype(np.float32)
        raw = p.tfs * (self.idf[p.term_of_posting()] if len(p.doc_ids) else np.zeros(0, dtype=np.float32))
        sq = np.zeros(p.n_docs, dtype=np.float64)
        np.add.at(sq, p.doc_ids, raw.astype(np.float64) ** 2)
        norms = np.sqrt(np.maximum(sq, 1e-12)).astype(np.float32)
        self.weights = (raw / norms[p.doc_ids]).astype(np.float32)

    def score(self, tokens: Sequence[str]) -> Scores:
        counts = Counter(t for t in tokens if t in self.vocab)
        scores = np.zeros(self.n_docs, dtype=np.float32)
        if not counts:
            return scores
        q = {t: c * float(self.idf[self.vocab[t]]) for t, c in counts.items()}
        qnorm = math.sqrt(sum(v * v for v in q.values()))
        for term, w in q.items():
            t = self.vocab[term]
            a, b = self.indptr[t], self.indptr[t + 1]
            scores[self.doc_ids[a:b]] += (w / qnorm) * self.weights[a:b]
        return scores
