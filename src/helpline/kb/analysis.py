"""What the search index derives from article texts, apart from vectors — kept on disk between runs.

Analysing 100k articles (tokens, stems, passages, BM25 postings) costs the better part of a minute
in Python, so ``HybridIndex`` starts from the previous ``Analysis`` whenever it can: every article
carries the SHA-1 of its content (language, title, body), an article whose hash is unchanged keeps
its postings, length and passage keys, and only new or edited articles are analysed again. Vectors
are not part of it: they are looked up by the passage and title keys in the vector store
(``vectors.py``).

``AnalysisFile`` keeps the latest analysis of one workspace as a single ``.npz`` of plain arrays
(written atomically; any unreadable or foreign file is ignored and rebuilt), so a restarted process
reuses it after reading the articles and hashing them. Its name carries ``FORMAT`` and the
settings that shape analysis, so a change of either never reuses stale postings; change ``FORMAT``
whenever the analyser (``text.py``) or the passage splitter changes what they produce.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from helpline.kb.lexical import Postings
from helpline.kb.text import passages, plain_text
from helpline.kb.vectors import KEY_BYTES, text_key

if TYPE_CHECKING:
    from helpline.kb.retrieval import Article, SearchConfig

FORMAT = 1
Keys = npt.NDArray[np.uint8]  # (n, 20) SHA-1 digests


def content_hash(article: Article) -> bytes:
    text = f"{article.language}\0{article.title}\0{article.body}"
    return hashlib.sha1(text.encode("utf-8"), usedforsecurity=False).digest()


def keys_of(texts: Sequence[str]) -> Keys:
    return np.frombuffer(b"".join(text_key(t) for t in texts), dtype=np.uint8).reshape(len(texts), KEY_BYTES)


def article_texts(article: Article, config: SearchConfig) -> tuple[str, list[str]]:
    """The title and the passage texts of an article exactly as they are embedded."""
    title = " ".join(article.title.split())
    chunks = passages(article.body, config.passage_words)[: config.max_passages] or [title]
    return title or chunks[0], [f"{title}. {chunk}" if title else chunk for chunk in chunks]


def article_passages(article: Article, config: SearchConfig) -> list[str]:
    """The passages of an article as shown to readers (without the title in front)."""
    title = " ".join(article.title.split())
    return passages(article.body, config.passage_words)[: config.max_passages] or [title]


@dataclass
class Analysis:
    hashes: Keys  # one content hash per article, in index order
    postings: Postings  # BM25 term frequencies and document lengths
    passage_counts: npt.NDArray[np.int64]
    title_keys: Keys
    passage_keys: Keys  # article after article, ``passage_counts`` each
    # Texts analysed in this run (article position -> (title, passage texts)); never saved.
    fresh: dict[int, tuple[str, list[str]]] = field(default_factory=dict, repr=False)
    reused: int = 0

    @property
    def passage_starts(self) -> npt.NDArray[np.int64]:
        return np.concatenate([[0], np.cumsum(self.passage_counts)[:-1]]).astype(np.int64)


def analyse(
    articles: Sequence[Article],
    config: SearchConfig,
    analyze: Callable[[str], list[str]],
    previous: Analysis | None = None,
) -> Analysis:
    """The analysis of ``articles``, reusing what ``previous`` holds for unchanged ones."""
    n = len(articles)
    if previous is not None and not len(previous.hashes):
        previous = None
    hashes = np.frombuffer(b"".join(content_hash(a) for a in articles), dtype=np.uint8).reshape(n, KEY_BYTES)
    if (
        previous is not None
        and previous.hashes.shape == hashes.shape
        and np.array_equal(previous.hashes, hashes)
    ):
        return Analysis(hashes, previous.postings, previous.passage_counts, previous.title_keys,
                        previous.passage_keys, reused=n)  # fmt: skip
    source = np.full(n, -1, dtype=np.int64)  # old position of each article, -1 when analysed anew
    if previous is not None:
        old = {row.tobytes(): j for j, row in enumerate(previous.hashes)}
        for i, row in enumerate(hashes):
            j = old.pop(row.tobytes(), None)  # each old row serves one article only
            if j is not None:
                source[i] = j
    fresh_positions = np.flatnonzero(source < 0)
    fresh: dict[int, tuple[str, list[str]]] = {}
    tokens: list[list[str]] = []
    for i in fresh_positions.tolist():
        a = articles[i]
        fresh[i] = article_texts(a, config)
        tokens.append(analyze(" ".join([a.title] * config.title_repeat + [plain_text(a.body)])))
    new_postings = Postings.of(tokens)

    # Postings: the old ones of reused articles (renumbered) plus the new ones, sorted by term.
    terms = list(previous.postings.terms) if previous is not None else []
    vocab = {t: k for k, t in enumerate(terms)}
    for t in new_postings.terms:
        if t not in vocab:
            vocab[t] = len(terms)
            terms.append(t)
    lengths = np.zeros(n, dtype=np.float32)
    parts_term, parts_doc, parts_tf = [], [], []
    if previous is not None:
        p = previous.postings
        old_to_new = np.full(p.n_docs, -1, dtype=np.int64)
        reused = np.flatnonzero(source >= 0)
        old_to_new[source[reused]] = reused
        lengths[reused] = p.lengths[source[reused]]
        docs = old_to_new[p.doc_ids]
        keep = docs >= 0
        parts_term.append(p.term_of_posting()[keep])
        parts_doc.append(docs[keep])
        parts_tf.append(p.tfs[keep])
    if len(fresh_positions):
        lengths[fresh_positions] = new_postings.lengths
        term_ids = np.array([vocab[t] for t in new_postings.terms], dtype=np.int64)
        parts_term.append(term_ids[new_postings.term_of_posting()])
        parts_doc.append(fresh_positions[new_postings.doc_ids])
        parts_tf.append(new_postings.tfs)
    postings = _merge(terms, parts_term, parts_doc, parts_tf, lengths)

    # Passage and title keys: gathered from the old arrays, or computed for what was analysed now.
    counts = np.zeros(n, dtype=np.int64)
    title_keys = np.zeros((n, KEY_BYTES), dtype=np.uint8)
    fresh_texts: list[str] = []
    fresh_start = np.zeros(n, dtype=np.int64)
    for i, (_title, texts) in fresh.items():
        counts[i] = len(texts)
        fresh_start[i] = len(fresh_texts)
        fresh_texts.extend(texts)
    if fresh:
        title_keys[fresh_positions] = keys_of([fresh[i][0] for i in fresh_positions.tolist()])
    fresh_keys = keys_of(fresh_texts) if fresh_texts else np.zeros((0, KEY_BYTES), dtype=np.uint8)
    pool = fresh_keys
    from_start = fresh_start.copy()
    if previous is not None:
        reused = np.flatnonzero(source >= 0)
        counts[reused] = previous.passage_counts[source[reused]]
        title_keys[reused] = previous.title_keys[source[reused]]
        pool = np.concatenate([previous.passage_keys, fresh_keys])
        from_start = np.where(
            source >= 0,
            previous.passage_starts[np.maximum(source, 0)],
            fresh_start + len(previous.passage_keys),
        )
    new_start = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
    rows = np.repeat(from_start - new_start, counts) + np.arange(int(counts.sum()), dtype=np.int64)
    return Analysis(hashes, postings, counts, title_keys, pool[rows], fresh=fresh, reused=n - len(fresh))


def _merge(
    terms: list[str],
    parts_term: list[npt.NDArray[np.int64]],
    parts_doc: list[npt.NDArray[np.int64]],
    parts_tf: list[npt.NDArray[np.float32]],
    lengths: npt.NDArray[np.float32],
) -> Postings:
    term = np.concatenate(parts_term) if parts_term else np.zeros(0, dtype=np.int64)
    doc = np.concatenate(parts_doc) if parts_doc else np.zeros(0, dtype=np.int64)
    tf = np.concatenate(parts_tf) if parts_tf else np.zeros(0, dtype=np.float32)
    order = np.lexsort((doc, term))
    term, doc, tf = term[order], doc[order], tf[order]
    counts = np.bincount(term, minlength=len(terms))
    live = np.flatnonzero(counts > 0)  # a term whose articles all went is dropped
    indptr = np.concatenate([[0], np.cumsum(counts[live])]).astype(np.int64)
    return Postings(
        [terms[k] for k in live.tolist()], indptr, doc.astype(np.int32), tf.astype(np.float32), lengths
    )


class AnalysisFile:
    """The latest analysis of one workspace, in one file under the data directory."""

    def __init__(self, directory: Path, name: str, config: SearchConfig) -> None:
        shape = f"{config.language}-{config.title_repeat}-{config.passage_words}-{config.max_passages}"
        self.path = Path(directory) / f"kb-analysis-v{FORMAT}-{shape}-{name}.npz"

    def load(self) -> Analysis | None:
        try:
            with np.load(self.path, allow_pickle=False) as data:
                arrays = {k: data[k] for k in data.files}
            terms = bytes(arrays["terms"]).decode("utf-8").split("\n") if arrays["terms"].size else []
            postings = Postings(
                terms,
                arrays["indptr"].astype(np.int64),
                arrays["doc_ids"].astype(np.int32),
                arrays["tfs"].astype(np.float32),
                arrays["lengths"].astype(np.float32),
            )
            found = Analysis(
                arrays["hashes"],
                postings,
                arrays["passage_counts"].astype(np.int64),
                arrays["title_keys"],
                arrays["passage_keys"],
            )
        except (OSError, ValueError, KeyError, UnicodeDecodeError, zipfile.BadZipFile):
            return None
        n = len(found.hashes)
        consistent = (
            found.hashes.shape == (n, KEY_BYTES)
            and found.title_keys.shape == (n, KEY_BYTES)
            and len(found.passage_counts) == n == postings.n_docs
            and found.passage_keys.shape == (int(found.passage_counts.sum()), KEY_BYTES)
            and len(postings.indptr) == len(terms) + 1
            and int(postings.indptr[-1]) == len(postings.doc_ids) == len(postings.tfs)
            and (
                not len(postings.doc_ids)
                or 0 <= int(postings.doc_ids.min()) <= int(postings.doc_ids.max()) < n
            )
        )
        return found if consistent else None

    def save(self, analysis: Analysis) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        p = analysis.postings
        if any("\n" in t for t in p.terms):  # cannot happen with our analysers; never write a broken file
            return
        terms = np.frombuffer("\n".join(p.terms).encode("utf-8"), dtype=np.uint8)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".tmp-", suffix=".npz")
        try:
            with os.fdopen(fd, "wb") as handle:
                np.savez(
                    handle,
                    hashes=analysis.hashes,
                    terms=terms,
                    indptr=p.indptr,
                    doc_ids=p.doc_ids,
                    tfs=np.minimum(p.tfs, 65535).astype(np.uint16),
                    lengths=p.lengths,
                    passage_counts=analysis.passage_counts.astype(np.int32),
                    title_keys=analysis.title_keys,
                    passage_keys=analysis.passage_keys,
                )
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
