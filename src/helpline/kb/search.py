"""The search index over the database's published articles, kept in memory per process.

One ``HybridIndex`` per database holds every published article (public and internal, all locales);
each search passes a mask of what the actor may see (customers and anonymous readers: public only),
so access is decided in the same step that ranks. ``kb_settings.generation`` grows on every article
change (and when a customer says a bot answer helped); a search that sees a newer generation rebuilds
the index, re-encoding only texts it has not seen: vectors are cached by text in memory and, once
``ArticleSearch.configure(data_dir)`` has run (the app does it at start), on disk
(``vectors.VectorStore``), so a new process loads them instead of encoding every article again; and
the analysis (postings, passage keys) is kept beside them (``analysis.AnalysisFile``), so a new
process analyses only the articles that changed since it was written, and a process that sees a
newer generation re-analyses only the changed articles of the index it holds.

Questions a customer marked as helped by a bot answer become example questions of that article
(``HybridIndex(examples=...)``, "learned questions"): later questions that resemble them lift it.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
from sqlalchemy import select
from sqlalchemy.orm import Session

from helpline.core.actor import Actor
from helpline.kb.analysis import AnalysisFile
from helpline.kb.models import KbArticle, KbBotAnswer, KbSettings
from helpline.kb.retrieval import Article, HybridIndex, SearchConfig, TextEncoder, Vectors, default_encoder
from helpline.kb.vectors import MAX_SEGMENTS, VectorStore, text_key

MAX_EXAMPLES = 20_000  # most recent helpful bot answers used as learned questions


class CachingEncoder:
    """Remembers vectors by text key (in memory, and in ``store`` if given) so a rebuild only
    encodes what changed; ``lookup`` serves an index that knows its texts' keys only."""

    def __init__(self, inner: TextEncoder | None = None, store: VectorStore | None = None) -> None:
        self._inner = inner
        self.store = store
        self._cache: dict[bytes, Vectors] = {}
        self._used: set[bytes] = set()
        self._lock = threading.Lock()

    @property
    def inner(self) -> TextEncoder:
        if self._inner is None:
            self._inner = default_encoder()
        return self._inner

    @property
    def token_encoder(self) -> Callable[[list[str]], list[Vectors]] | None:
        """The inner encoder's word-piece vectors (not cached: queries and a few titles)."""
        found: Callable[[list[str]], list[Vectors]] | None = getattr(self.inner, "encode_tokens", None)
        return found

    @property
    def piece_splitter(self) -> Callable[[list[str]], list[npt.NDArray[np.int64]]] | None:
        """The inner encoder's word-piece ids (the tokenizer only), to weight the token match."""
        found: Callable[[list[str]], list[npt.NDArray[np.int64]]] | None = getattr(
            self.inner, "piece_ids", None
        )
        return found

    def _fill(self, missing: list[bytes]) -> None:
        if missing and self.store is not None:
            self.store.load()  # segments other processes wrote since
            self._cache.update(self.store.get_keys(missing))

    def lookup(self, keys: list[bytes]) -> dict[bytes, Vectors]:
        with self._lock:
            self._fill([k for k in dict.fromkeys(keys) if k not in self._cache])
            found = {k: v for k in keys if (v := self._cache.get(k)) is not None}
            self._used.update(found)
            return found

    def encode(self, texts: list[str], batch_size: int = 32) -> Vectors:
        if len(texts) == 1:  # queries: not worth caching
            return self.inner.encode(texts, batch_size)
        with self._lock:
            keys = [text_key(t) for t in texts]
            wanted = dict(zip(keys, texts, strict=True))
            self._fill([k for k in wanted if k not in self._cache])
            missing = [k for k in wanted if k not in self._cache]
            if missing:
                vectors = self.inner.encode([wanted[k] for k in missing], batch_size)
                fresh = dict(zip(missing, vectors, strict=True))
                self._cache.update(fresh)
                if self.store is not None:
                    self.store.add_keys(fresh)
            self._used.update(keys)
            if not texts:
                return np.zeros((0, 384), dtype=np.float32)
            return np.stack([self._cache[k] for k in keys])

    def use_store(self, store: VectorStore | None) -> None:
        with self._lock:
            self.store = store
            if store is not None:
                store.add_keys(self._cache)  # written with the next build

    def forget_unused(self) -> None:
        """Drop vectors the last build did not use; write new ones to the store."""
        with self._lock:
            self._cache = {k: v for k, v in self._cache.items() if k in self._used}
            if self.store is not None:
                self.store.save()
                # Other databases may share the data directory (tests do): compact only when the
                # store has grown well past what this one uses, or into many small segments.
                if self.store.segment_count > MAX_SEGMENTS or len(self.store) > 2 * len(self._used) + 10_000:
                    self.store.compact_keys(set(self._used))
            self._used = set()


@dataclass
class LoadedIndex:
    generation: tuple[int, str]
    index: HybridIndex
    article_ids: list[int]
    public: npt.NDArray[np.bool_]
    locales: list[str]

    def allowed(self, actor: Actor, locale: str | None = None) -> npt.NDArray[np.bool_]:
        mask = np.ones(len(self.article_ids), dtype=bool) if actor.is_staff else self.public.copy()
        if locale:
            mask &= np.array(
                [loc == locale or loc.split("-")[0] == locale for loc in self.locales], dtype=bool
            )
        return mask


class ArticleSearch:
    """Process-wide: one loaded index per database URL."""

    _lock = threading.Lock()
    _loaded: dict[str, LoadedIndex] = {}
    _encoder: CachingEncoder | None = None
    _store_dir: Path | None = None

    @classmethod
    def configure(cls, data_dir: Path | None) -> None:
        """Keep article vectors under ``data_dir`` (None: memory only); drops every loaded index."""
        with cls._lock:
            cls._store_dir = data_dir
            if cls._encoder is not None:  # keeps the vectors it holds, and hands them to the store
                cls._encoder.use_store(VectorStore(data_dir) if data_dir is not None else None)
            cls._loaded = {}

    @classmethod
    def use_encoder(cls, encoder: TextEncoder | None) -> None:
        """Swap the encoder (tests may pass one; vectors are then not stored); drops every index."""
        with cls._lock:
            cls._encoder = CachingEncoder(encoder) if encoder is not None else None
            cls._loaded = {}

    @classmethod
    def _caching_encoder(cls) -> CachingEncoder:
        if cls._encoder is None:
            store = VectorStore(cls._store_dir) if cls._store_dir is not None else None
            cls._encoder = CachingEncoder(None, store)
        return cls._encoder

    @classmethod
    def _analysis_file(cls, database_key: str) -> AnalysisFile | None:
        if cls._store_dir is None:
            return None
        name = hashlib.sha1(database_key.encode(), usedforsecurity=False).hexdigest()[:16]
        return AnalysisFile(cls._store_dir, name, SearchConfig())

    @classmethod
    def for_session(cls, session: Session) -> LoadedIndex:
        key = str(session.get_bind().engine.url)
        row = session.execute(
            select(KbSettings.generation, KbSettings.updated_at).where(KbSettings.id == 1)
        ).first()
        # The timestamp tells a recreated settings row (restored or truncated database) apart.
        generation = (int(row.generation), str(row.updated_at)) if row else (0, "")
        current = cls._loaded.get(key)
        if current is not None and current.generation == generation:
            return current
        with cls._lock:
            current = cls._loaded.get(key)
            if current is not None and current.generation == generation:
                return current
            encoder = cls._caching_encoder()
            rows = session.execute(
                select(
                    KbArticle.id,
                    KbArticle.published_title,
                    KbArticle.published_body,
                    KbArticle.visibility,
                    KbArticle.locale,
                )
                .where(KbArticle.status == "published")
                .order_by(KbArticle.id)
            ).all()
            articles = [
                Article(str(r.id), r.published_title or "", r.published_body or "", r.locale) for r in rows
            ]
            helped = session.execute(
                select(KbBotAnswer.article_id, KbBotAnswer.question)
                .where(KbBotAnswer.helped.is_(True), KbBotAnswer.article_id.is_not(None))
                .order_by(KbBotAnswer.id.desc())
                .limit(MAX_EXAMPLES)
            ).all()
            examples = [(str(r.article_id), r.question) for r in helped]
            stored = cls._analysis_file(key)
            previous = current.index.analysis if current is not None else None
            if previous is None and stored is not None:
                previous = stored.load()  # a restart: analyse only what changed since it was written
            index = HybridIndex(articles, encoder=encoder, examples=examples, previous=previous)
            if stored is not None and (previous is None or index.analysis.postings is not previous.postings):
                stored.save(index.analysis)
            encoder.forget_unused()
            loaded = LoadedIndex(
                generation=generation,
                index=index,
                article_ids=[r.id for r in rows],
                public=np.array([r.visibility == "public" for r in rows], dtype=bool),
                locales=[r.locale for r in rows],
            )
            cls._loaded[key] = loaded
            return loaded
