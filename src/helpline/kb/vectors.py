"""Article vectors kept on disk per workspace, so a process start loads them instead of re-encoding.

Encoding is by far the slowest part of building the search index (MiniLM on two cores manages a
few hundred texts a second at best: the better part of an hour for 100k articles), while loading
300k stored vectors takes about a second. ``VectorStore`` maps the SHA-1 of a text to its vector;
``CachingEncoder`` (``search.py``) asks it before encoding anything and adds what it had to encode.

The store is a directory of segment files, one per save, each written atomically and never changed,
so an edited article costs one small file rather than rewriting every vector, and several
processes can add segments side by side (each reads the others' new segments before looking up).
``compact`` rewrites the texts still in use into one segment and deletes the rest. The directory is
named after the model, so vectors of another model are never mixed in.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import threading
import time
import zipfile
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import numpy.typing as npt

from helpline.assist.embeddings import model_tag as embedding_model_tag

Vectors = npt.NDArray[np.float32]
DIM = 384
KEY_BYTES = 20
MAX_SEGMENTS = 32


def text_key(text: str) -> bytes:
    return hashlib.sha1(text.encode("utf-8"), usedforsecurity=False).digest()


class VectorStore:
    """Text → vector. Segments are ``.npz`` files of keys, (n, 20) uint8 (a ``|S20`` array would
    drop digests' trailing zero bytes), and vectors, (n, 384) float32."""

    def __init__(self, directory: Path, model_tag: str | None = None) -> None:
        self.directory = Path(directory) / f"kb-vectors-{model_tag or embedding_model_tag()}"
        self._lock = threading.Lock()
        self._segments: list[Vectors] = []
        self._names: dict[str, int] = {}
        self._rows: dict[bytes, tuple[int, int]] = {}
        self._added: dict[bytes, Vectors] = {}
        self.load()

    def __len__(self) -> int:
        return len(self._rows) + len(self._added)

    @property
    def segment_count(self) -> int:
        return len(self._names)

    def load(self) -> None:
        """Read segments written (by this or another process) since the last look."""
        try:
            names = sorted(p.name for p in self.directory.glob("seg-*.npz"))
        except OSError:
            return
        with self._lock:
            for name in names:
                if name in self._names:
                    continue
                found = _read(self.directory / name)
                if found is None:
                    continue  # deleted by a compaction meanwhile, or unreadable: skip it
                keys, vectors = found
                number = len(self._segments)
                self._segments.append(vectors)
                self._names[name] = number
                for row, key in enumerate(keys):
                    self._rows.setdefault(key, (number, row))

    def get_many(self, texts: Iterable[str]) -> dict[str, Vectors]:
        texts = list(texts)
        found = self.get_keys([text_key(t) for t in texts])
        return {t: found[k] for t in texts if (k := text_key(t)) in found}

    def get_keys(self, keys: Iterable[bytes]) -> dict[bytes, Vectors]:
        out: dict[bytes, Vectors] = {}
        with self._lock:
            for key in keys:
                where = self._rows.get(key)
                if where is not None:
                    out[key] = self._segments[where[0]][where[1]]
                elif key in self._added:
                    out[key] = self._added[key]
        return out

    def add_many(self, items: dict[str, Vectors]) -> None:
        self.add_keys({text_key(t): v for t, v in items.items()})

    def add_keys(self, items: dict[bytes, Vectors]) -> None:
        with self._lock:
            for key, vector in items.items():
                if key not in self._rows:
                    self._added[key] = np.asarray(vector, dtype=np.float32)

    def save(self) -> None:
        """Write what was added since the last save as a new segment."""
        with self._lock:
            if not self._added:
                return
            keys, vectors = list(self._added), np.stack(list(self._added.values()))
            name = self._write(keys, vectors)
            self._remember(name, keys, vectors)
            self._added = {}

    def compact(self, keep: set[str]) -> None:
        """One segment with the vectors of ``keep`` (those known); every other segment is deleted."""
        self.compact_keys({text_key(t) for t in keep})

    def compact_keys(self, keep: set[bytes]) -> None:
        self.save()
        with self._lock:
            keys = [k for k in keep if k in self._rows]
            vectors = (
                np.stack([self._segments[self._rows[k][0]][self._rows[k][1]] for k in keys])
                if keys
                else np.zeros((0, DIM), dtype=np.float32)
            )
            old = list(self._names)
            name = self._write(keys, vectors)
            for stale in old:
                (self.directory / stale).unlink(missing_ok=True)
            self._segments, self._names, self._rows = [], {}, {}
            self._remember(name, keys, vectors)

    def _write(self, keys: list[bytes], vectors: Vectors) -> str:
        self.directory.mkdir(parents=True, exist_ok=True)
        name = f"seg-{time.time_ns():020d}-{os.getpid()}.npz"
        key_array = np.frombuffer(b"".join(keys), dtype=np.uint8).reshape(len(keys), KEY_BYTES)
        fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=".tmp-", suffix=".npz")
        try:
            with os.fdopen(fd, "wb") as handle:
                np.savez(handle, keys=key_array, vectors=vectors.astype(np.float32))
            os.replace(tmp, self.directory / name)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return name

    def _remember(self, name: str, keys: list[bytes], vectors: Vectors) -> None:
        number = len(self._segments)
        self._segments.append(vectors)
        self._names[name] = number
        for row, key in enumerate(keys):
            self._rows.setdefault(key, (number, row))


def _read(path: Path) -> tuple[list[bytes], Vectors] | None:
    try:
        with np.load(path, allow_pickle=False) as data:
            keys, vectors = data["keys"], data["vectors"]
    except (OSError, ValueError, KeyError, zipfile.BadZipFile):
        return None
    if keys.shape != (len(keys), KEY_BYTES) or vectors.shape != (len(keys), DIM):
        return None
    return [row.tobytes() for row in keys], np.asarray(vectors, dtype=np.float32)
