"""Hybrid article search: MiniLM semantic similarity fused with BM25 (typo tolerant).

Scores are kept on absolute scales so the bot can threshold them:

- ``semantic`` = ``title_weight * cos(question, title)`` + ``(1 - title_weight) * max cos(question,
  passage)``; each passage is embedded with its article title in front, so a passage such as
  "Click Settings, then Delete" keeps its subject;
- ``lexical``: BM25 over the article (title counted twice) divided by the score a document holding
  every query term would get, so about 0..1; unknown query words are matched to close vocabulary
  words by character trigrams (typo tolerance);
- ``learned``: optional example questions linked to articles (from agents or from bot answers the
  customer found helpful), compared to the question by cosine;
- ``confidence`` (``base_scores``) = ``semantic + w_lexical * lexical``, lifted towards ``learned``
  when that is higher: what the bot's threshold applies to;
- ``score`` (``rerank``), the ranking: the best candidates by confidence mixed with a word-piece
  match of the question against their titles (MaxSim, ``w_title_tokens``), each question piece
  weighted by its idf in the help centre (``piece_weights``).

Weights were tuned on StackFAQ + CovidFAQ (see README.md beside this file). The index lives in
memory: 1.5 KB per title, passage or article vector (384 float32) plus the postings.

Small indexes (up to ``SearchConfig.exact_limit`` passages) score every passage for every search. Larger ones
search in two steps: one matrix product over per-article vectors (``w * title + (1 - w) * mean of
passages``) and the BM25 postings pick candidates, which are then scored exactly like the small
path; ``bench/kb_search.py`` measures both on 100k articles.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from helpline.kb.analysis import Analysis, analyse, article_passages, article_texts
from helpline.kb.lexical import BM25
from helpline.kb.text import analyzer

Vectors = npt.NDArray[np.float32]
PieceSplitter = Callable[[list[str]], list[npt.NDArray[np.int64]]]  # texts -> word-piece ids each
ENCODE_BATCH = 4
EXACT_LIMIT = 50_000  # passages; past this, search scores candidates only (SearchConfig.exact_limit)
SEMANTIC_CANDIDATES = 300
LEXICAL_CANDIDATES = 100
TITLE_TOKEN_CACHE = 20_000  # titles whose word-piece vectors are kept (about 10 KB each)
PIECE_SAMPLE = 2_000  # articles whose word pieces are counted for the token match's weights
PIECE_WORDS = 100  # of each sampled article: the title and the first words of the body


class TextEncoder(Protocol):
    def encode(self, texts: list[str], batch_size: int = 32) -> Vectors: ...


def default_encoder() -> TextEncoder:
    from helpline.assist.embeddings import Encoder

    return Encoder.get()


@dataclass(frozen=True)
class Article:
    id: str
    title: str
    body: str
    language: str = "en"
    meta: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True)
class SearchConfig:
    """Fusion weights and analysis settings, tuned on StackFAQ + CovidFAQ (see README.md beside this file)."""

    title_weight: float = 0.3
    w_lexical: float = 0.03
    w_learned: float = 0.5
    w_title_tokens: float = 0.5
    token_candidates: int = 30
    piece_idf_offset: float = 0.5  # weight of a question word piece = its idf in the KB + this
    title_repeat: int = 2
    k1: float = 1.2
    b: float = 0.75
    passage_words: int = 90
    max_passages: int = 24
    fuzzy: bool = True
    language: str = "en"
    exact_limit: int = EXACT_LIMIT


@dataclass
class Hit:
    article: Article
    position: int
    score: float
    semantic: float
    lexical: float
    confidence: float = 0.0  # the fused score the bot's threshold applies to (``base_scores``)
    passage: str = ""


@dataclass
class SearchResult:
    hits: list[Hit]
    query_vector: Vectors
    seconds: float


class HybridIndex:
    """Build once from articles; ``search`` is thread-safe (read-only after construction)."""

    def __init__(
        self,
        articles: Sequence[Article],
        config: SearchConfig | None = None,
        encoder: TextEncoder | None = None,
        progress: Callable[[int, int], None] | None = None,
        examples: Sequence[tuple[str, str]] = (),
        previous: Analysis | None = None,
    ) -> None:
        """``previous``: the analysis of an earlier build (``index.analysis``, or ``AnalysisFile``):
        articles whose content is unchanged are not analysed again."""
        self.config = c = config or SearchConfig()
        self.articles = list(articles)
        self.position = {a.id: i for i, a in enumerate(self.articles)}
        if len(self.position) != len(self.articles):
            raise ValueError("article ids must be unique")
        self._encoder = encoder
        self._analyze = analyzer(c.language)
        self.analysis = analyse(self.articles, c, self._analyze, previous)
        self.bm25 = BM25(k1=c.k1, b=c.b, postings=self.analysis.postings)
        counts = self.analysis.passage_counts
        self.passage_start: list[int] = self.analysis.passage_starts.tolist()
        self._starts = self.analysis.passage_starts
        self.owners = np.repeat(np.arange(len(self.articles), dtype=np.int64), counts)
        every = self._vectors(progress)
        self.title_vectors = every[: len(self.articles)]
        self.passage_vectors = every[len(self.articles) :]
        self.analysis.fresh = {}  # the texts were only needed to encode what the store lacked
        self._title_token_cache: dict[int, npt.NDArray[np.float16]] = {}
        self._piece_idf: tuple[dict[int, float], float] | None = None
        self.article_vectors: Vectors | None = None
        if len(self.passage_vectors) > c.exact_limit:
            means = np.add.reduceat(self.passage_vectors, self._starts, axis=0) / counts[:, None].astype(
                np.float32
            )
            w = c.title_weight
            self.article_vectors = (w * self.title_vectors + (1.0 - w) * means).astype(np.float32)
        known = [(self.position[a], q) for a, q in examples if a in self.position and q.strip()]
        self.example_owners = np.asarray([i for i, _ in known], dtype=np.int64)
        self.example_vectors = self._encode_all([q for _, q in known], None)

    def _vectors(self, progress: Callable[[int, int], None] | None) -> Vectors:
        """Title vectors, then passage vectors: by key from the encoder's store where it has them,
        encoded from the texts (analysed again for reused articles) where it does not."""
        a = self.analysis
        keys = np.concatenate([a.title_keys, a.passage_keys])
        if not len(keys):
            return np.zeros((0, 384), dtype=np.float32)
        lookup = getattr(self._encoder, "lookup", None)  # a CachingEncoder: vectors by text key
        found: dict[bytes, Vectors] = lookup([k.tobytes() for k in keys]) if lookup is not None else {}
        n = len(self.articles)
        rows = (
            [r for r, k in enumerate(keys) if k.tobytes() not in found] if found else list(range(len(keys)))
        )
        if not rows:
            return np.stack([found[k.tobytes()] for k in keys]).astype(np.float32)
        texts_of: dict[int, tuple[str, list[str]]] = {}
        missing_texts: list[str] = []
        for r in rows:
            i = r if r < n else int(self.owners[r - n])
            if i not in texts_of:
                texts_of[i] = a.fresh.get(i) or article_texts(self.articles[i], self.config)
            title, texts = texts_of[i]
            missing_texts.append(title if r < n else texts[r - n - self.passage_start[i]])
        encoded = self._encode_all(missing_texts, progress)
        if not found:
            return encoded
        out = np.zeros((len(keys), encoded.shape[1] if len(encoded) else 384), dtype=np.float32)
        for r, k in enumerate(keys):
            v = found.get(k.tobytes())
            if v is not None:
                out[r] = v
        out[np.asarray(rows, dtype=np.int64)] = encoded
        return out

    def passages_of(self, position: int) -> list[str]:
        return article_passages(self.articles[position], self.config)

    @property
    def encoder(self) -> TextEncoder:
        if self._encoder is None:
            self._encoder = default_encoder()
        return self._encoder

    def _encode_all(self, texts: list[str], progress: Callable[[int, int], None] | None) -> Vectors:
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        step = 256
        parts = []
        for start in range(0, len(texts), step):
            # Small batches: onnxruntime keeps its peak buffers, and 32 x 256-token passages cost
            # ~800 MB of RSS against ~110 MB at 4 (and 4 is no slower on 2 cores).
            parts.append(self.encoder.encode(texts[start : start + step], batch_size=ENCODE_BATCH))
            if progress is not None:
                progress(min(start + step, len(texts)), len(texts))
        return np.concatenate(parts).astype(np.float32)

    def __len__(self) -> int:
        return len(self.articles)

    @property
    def memory_bytes(self) -> int:
        arrays: list[npt.NDArray[Any]] = [
            self.title_vectors,
            self.passage_vectors,
            self.example_vectors,
            self.owners,
        ]
        if self.article_vectors is not None:
            arrays.append(self.article_vectors)
        postings = self.bm25.nbytes
        return int(sum(a.nbytes for a in arrays) + postings)

    def encode_query(self, query: str) -> Vectors:
        vector: Vectors = self.encoder.encode([" ".join(query.split())])[0]
        return vector

    def semantic_scores(self, qvec: Vectors) -> npt.NDArray[np.float32]:
        # Every article has at least one passage and its passages are contiguous, so a reduceat
        # over the passage starts gives each article's best passage (np.maximum.at is ~4x slower).
        best = np.maximum.reduceat(self.passage_vectors @ qvec, self._starts)
        w = self.config.title_weight
        return (w * (self.title_vectors @ qvec) + (1.0 - w) * best).astype(np.float32)

    def semantic_scores_of(self, qvec: Vectors, positions: npt.NDArray[np.int64]) -> npt.NDArray[np.float32]:
        """``semantic_scores`` for some articles only (the second step of a large search)."""
        starts = self._starts[positions]
        ends = np.append(self._starts, len(self.passage_vectors))[positions + 1]
        rows = np.concatenate([np.arange(a, b) for a, b in zip(starts, ends, strict=True)])
        offsets = np.concatenate([[0], np.cumsum(ends - starts)[:-1]])
        best = np.maximum.reduceat(self.passage_vectors[rows] @ qvec, offsets)
        w = self.config.title_weight
        return (w * (self.title_vectors[positions] @ qvec) + (1.0 - w) * best).astype(np.float32)

    def learned_scores(self, qvec: Vectors) -> npt.NDArray[np.float32] | None:
        if not len(self.example_owners):
            return None
        best = np.full(len(self.articles), -1.0, dtype=np.float32)
        np.maximum.at(best, self.example_owners, self.example_vectors @ qvec)
        return best

    def lexical_scores(self, query: str) -> npt.NDArray[np.float32]:
        terms = self.bm25.query_terms(self._analyze(query), fuzzy=self.config.fuzzy)
        ceiling = self.bm25.ceiling(terms)
        if ceiling <= 0:
            return np.zeros(len(self.articles), dtype=np.float32)
        scores: npt.NDArray[np.float32] = np.minimum(self.bm25.score(terms) / ceiling, 1.0).astype(np.float32)
        return scores

    def score_all(
        self, query: str, qvec: Vectors | None = None, allowed: npt.NDArray[np.bool_] | None = None
    ) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32], npt.NDArray[np.float32], Vectors]:
        """(ranking, semantic, lexical) scores for every article, and the query vector."""
        fused, sem, lex, qvec = self.base_scores(query, qvec, allowed)
        return self.rerank(query, fused, allowed), sem, lex, qvec

    def rerank(
        self, query: str, fused: npt.NDArray[np.float32], allowed: npt.NDArray[np.bool_] | None = None
    ) -> npt.NDArray[np.float32]:
        """The ranking score: the best ``token_candidates`` by ``fused`` get ``(1 - w) * fused + w *
        token match`` of the question to their title, every other article ``(1 - w) * fused``.

        The token match is MaxSim ("late interaction"): each word piece of the question takes its
        best cosine to a word piece of the title, averaged over the question with idf weights
        (``piece_weights``). It sees that "where did the coronavirus come from" asks *where from*
        even when every title names the virus. Without a token encoder (the bench's hashing one)
        the ranking is ``fused`` itself.
        """
        w = self.config.w_title_tokens
        tokens = self._token_encoder()
        if w <= 0 or tokens is None or not len(fused) or not query.strip():
            return fused
        pool = fused if allowed is None else np.where(allowed, fused, -np.inf)
        count = min(self.config.token_candidates, int(np.isfinite(pool).sum()))
        if count == 0:
            return fused
        cand = np.argpartition(-pool, count - 1)[:count]
        text = " ".join(query.split())
        question = tokens([text])[0]
        weights = self.piece_weights(text, len(question))
        titles = self._title_tokens(cand, tokens)
        match = np.array([float((question @ t.T).max(axis=1) @ weights) for t in titles], dtype=np.float32)
        ranked = ((1.0 - w) * fused).astype(np.float32)
        ranked[cand] += w * match
        return ranked

    def piece_weights(self, text: str, count: int) -> npt.NDArray[np.float32]:
        """Weights (summing to 1) of the question's ``count`` word pieces in the token match: the
        piece's inverse document frequency in the help centre plus ``piece_idf_offset``, so a piece
        every article shares ("co ##rona ##virus" in a COVID-19 FAQ) counts less than one that tells
        the articles apart ("dog", "where"). Uniform without a tokenizer."""
        uniform = np.full(count, 1.0 / max(count, 1), dtype=np.float32)
        split = self._piece_splitter()
        if split is None or count == 0:
            return uniform
        if self._piece_idf is None:
            self._piece_idf = self._count_pieces(split)
        idf, unseen = self._piece_idf
        pieces = split([text])[0]
        if len(pieces) != count:  # a question of punctuation only: encode_tokens kept [CLS]
            return uniform
        raw = np.array([idf.get(p, unseen) for p in pieces.tolist()], dtype=np.float32)
        raw += self.config.piece_idf_offset
        weights: npt.NDArray[np.float32] = (raw / max(float(raw.sum()), 1e-9)).astype(np.float32)
        return weights

    def _count_pieces(self, split: PieceSplitter) -> tuple[dict[int, float], float]:
        """idf = log((n + 1) / (df + 1)) of word pieces (by vocabulary id) over the title and first
        ``PIECE_WORDS`` words of up to ``PIECE_SAMPLE`` evenly spaced articles, and the idf of a
        piece none of them holds."""
        n = len(self.articles)
        picked = sorted({int(p) for p in np.linspace(0, n - 1, min(n, PIECE_SAMPLE))}) if n else []
        texts = [
            " ".join([self.articles[p].title, *self.articles[p].body.split()[:PIECE_WORDS]]) for p in picked
        ]
        if not texts:
            return {}, 0.0
        every = np.concatenate([np.unique(ids) for ids in split(texts)])
        ids, df = np.unique(every, return_counts=True)
        size = len(texts)
        idf = np.log((size + 1) / (df + 1.0))
        return dict(zip(ids.tolist(), idf.tolist(), strict=True)), float(np.log(size + 1))

    def _piece_splitter(self) -> PieceSplitter | None:
        encoder = self.encoder
        if hasattr(encoder, "piece_splitter"):  # a CachingEncoder: its inner encoder's, if any
            found: PieceSplitter | None = encoder.piece_splitter
            return found
        return getattr(encoder, "piece_ids", None)

    def _token_encoder(self) -> Callable[[list[str]], list[Vectors]] | None:
        encoder = self.encoder
        if hasattr(encoder, "token_encoder"):  # a CachingEncoder: its inner encoder's, if any
            found: Callable[[list[str]], list[Vectors]] | None = encoder.token_encoder
            return found
        return getattr(encoder, "encode_tokens", None)

    def _title_tokens(
        self, positions: npt.NDArray[np.int64], tokens: Callable[[list[str]], list[Vectors]]
    ) -> list[Vectors]:
        cache = self._title_token_cache
        missing = [int(p) for p in positions if int(p) not in cache]
        if missing:
            if len(cache) + len(missing) > TITLE_TOKEN_CACHE:
                cache.clear()
            titles = [" ".join(self.articles[p].title.split()) or self.passages_of(p)[0] for p in missing]
            for p, vecs in zip(missing, tokens(titles), strict=True):
                cache[p] = vecs.astype(np.float16)
        return [cache[int(p)].astype(np.float32) for p in positions]

    def base_scores(
        self, query: str, qvec: Vectors | None = None, allowed: npt.NDArray[np.bool_] | None = None
    ) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32], npt.NDArray[np.float32], Vectors]:
        """(fused, semantic, lexical) scores for every article, and the query vector. ``fused`` is
        what the bot's confidence threshold is calibrated on.

        On a large index (``article_vectors`` set) only candidates get a score; the others are
        ``-inf``. ``allowed`` restricts the candidates (articles outside it may still be scored).
        """
        if qvec is None:
            qvec = self.encode_query(query)
        lex = self.lexical_scores(query)
        learned = self.learned_scores(qvec)
        if self.article_vectors is None:
            sem = self.semantic_scores(qvec)
        else:
            sem = np.full(len(self.articles), -np.inf, dtype=np.float32)
            cand = self._candidates(self.article_vectors @ qvec, lex, learned, allowed)
            sem[cand] = self.semantic_scores_of(qvec, cand)
        fused = sem + self.config.w_lexical * lex
        if learned is not None:
            w = self.config.w_learned
            fused = (1.0 - w) * fused + w * np.maximum(learned, fused)
        return fused.astype(np.float32), sem, lex, qvec

    def _candidates(
        self,
        coarse: npt.NDArray[np.float32],
        lex: npt.NDArray[np.float32],
        learned: npt.NDArray[np.float32] | None,
        allowed: npt.NDArray[np.bool_] | None,
    ) -> npt.NDArray[np.int64]:
        picked = []
        for scores, count in ((coarse, SEMANTIC_CANDIDATES), (lex, LEXICAL_CANDIDATES), (learned, 50)):
            if scores is None:
                continue
            if allowed is not None:
                scores = np.where(allowed, scores, -np.inf)
            count = min(count, len(scores))
            picked.append(np.argpartition(-scores, count - 1)[:count])
        return np.unique(np.concatenate(picked)).astype(np.int64)

    def search(
        self,
        query: str,
        k: int = 10,
        allowed: npt.NDArray[np.bool_] | None = None,
        qvec: Vectors | None = None,
    ) -> SearchResult:
        started = time.perf_counter()
        n = len(self.articles)
        if n == 0 or not query.strip():
            return SearchResult([], np.zeros(384, dtype=np.float32), time.perf_counter() - started)
        fused, sem, lex, qvec = self.base_scores(query, qvec, allowed)
        ranked = self.rerank(query, fused, allowed)
        if allowed is not None:
            ranked = np.where(allowed, ranked, -np.inf).astype(np.float32)
        k = max(1, min(k, n))
        top = np.argpartition(-ranked, k - 1)[:k] if k < n else np.arange(n)
        top = top[np.argsort(-ranked[top], kind="stable")]
        hits = [
            Hit(self.articles[i], int(i), float(ranked[i]), float(sem[i]), float(lex[i]), float(fused[i]))
            for i in top
            if np.isfinite(ranked[i])
        ]
        return SearchResult(hits, qvec, time.perf_counter() - started)

    def best_passage(self, position: int, query: str, qvec: Vectors) -> tuple[str, float]:
        """The passage of one article that answers the query best.

        Every passage vector carries the article title, so passages are told apart by semantic
        similarity plus the idf-weighted share of the question's non-title words they contain.
        """
        chunks = self.passages_of(position)
        start = self.passage_start[position]
        sims = self.passage_vectors[start : start + len(chunks)] @ qvec
        in_title = set(self._analyze(self.articles[position].title))
        wanted = {t: self.bm25.idf_of(t) or 1.0 for t in self._analyze(query) if t not in in_title}
        total = sum(wanted.values())
        if total > 0:
            overlap = np.array(
                [sum(w for t, w in wanted.items() if t in set(self._analyze(c))) / total for c in chunks],
                dtype=np.float32,
            )
            sims = sims + 0.3 * overlap
        best = int(np.argmax(sims))
        return chunks[best], float(sims[best])


def rank_of(ids: Sequence[str], relevant: set[str]) -> int | None:
    """1-based rank of the first relevant id, or None."""
    for rank, article_id in enumerate(ids, start=1):
        if article_id in relevant:
            return rank
    return None
