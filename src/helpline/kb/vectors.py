"""Article vectors kept on disk per workspace, so a process start loads them instead of re-encoding.

Encoding is by far the slowest part of building the search index (MiniLM on two cores manages a
few hundred texts a second: about half an hour for 100k articles), while loading 300k vectors from
an ``.npz`` file takes well under a second. ``VectorStore`` maps the SHA-1 of a text to its vector;
``CachingEncoder`` (``search.py``) asks it before encoding anything and adds what it had to encode.

The file is named after the model, so vectors of another model are never mixed in. Writers replace
the file atomically after merging what another process may have added meanwhile; two processes
racing at worst both encode a text once. Vectors of texts no longer used are dropped by ``compact``.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import threading
import zipfile
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import numpy.typing as npt

Vectors = npt.NDArray[np.float32]
DIM = 384
MODEL_TAG = "minilm-l6-v2-int8"


def text_key(text: str) -> bytes:
    return hashlib.sha1(text.encode("utf-8"), usedforsecurity=False).digest()


class VectorStore:
    """Text → vector, persisted as one ``.npz`` in a directory: keys as (n, 20) uint8 (a ``|S20``
    array would drop digests' trailing zero bytes), vectors as (n, 384) float32."""

    def __init__(self, directory: Path, model_tag: str = MODEL_TAG) -> None:
        self.directory = Path(directory)
        self.path = self.directory / f"kb-vectors-{model_tag}.npz"
        self._lock = threading.Lock()
        self._rows: dict[bytes, int] = {}
        self._vectors: Vectors = np.zeros((0, DIM), dtype=np.float32)
        self._added: dict[bytes, Vectors] = {}
        self._loaded_mtime: float | None = None
        self.load()

    def __len__(self) -> int:
        return len(self._rows) + len(self._added)

    def _read(self) -> tuple[list[bytes], Vectors] | None:
        try:
            with np.load(self.path, allow_pickle=False) as data:
                keys, vectors = data["keys"], data["vectors"]
        except (OSError, ValueError, KeyError, zipfile.BadZipFile):
            return None  # missing or unreadable: start empty, the next save rewrites it
        if keys.shape != (len(keys), 20) or vectors.shape != (len(keys), DIM):
            return None
        return [row.tobytes() for row in keys], np.asarray(vectors, dtype=np.float32)

    def load(self) -> None:
        """(Re)read the file if another process changed it."""
        try:
            mtime = self.path.stat().st_mtime
        except OSError:
            return
        with self._lock:
            if mtime == self._loaded_mtime:
                return
            found = self._read()
            self._loaded_mtime = mtime
            if found is None:
                return
            keys, vectors = found
            self._rows = {k: i for i, k in enumerate(keys)}
            self._vectors = vectors

    def get_many(self, texts: Iterable[str]) -> dict[str, Vectors]:
        out: dict[str, Vectors] = {}
        with self._lock:
            for text in texts:
                key = text_key(text)
                row = self._rows.get(key)
                if row is not None:
                    out[text] = self._vectors[row]
                elif key in self._added:
                    out[text] = self._added[key]
        return out

    def add_many(self, items: dict[str, Vectors]) -> None:
        with self._lock:
            for text, vector in items.items():
                key = text_key(text)
                if key not in self._rows:
                    self._added[key] = np.asarray(vector, dtype=np.float32)

    def save(self, keep: set[str] | None = None) -> None:
        """Write what was added (merged with the file as it is now); ``keep`` drops every other text."""
        with self._lock:
            if not self._added and keep is None:
                return
            current = self._read()
            keys, vectors = current if current is not None else ([], np.zeros((0, DIM), np.float32))
            merged: dict[bytes, Vectors] = {k: vectors[i] for i, k in enumerate(keys)}
            merged.update({k: self._vectors[i] for k, i in self._rows.items() if k not in merged})
            merged.update(self._added)
            if keep is not None:
                wanted = {text_key(t) for t in keep}
                merged = {k: v for k, v in merged.items() if k in wanted}
            new_keys = list(merged)
            new_vectors = np.stack(list(merged.values())) if merged else np.zeros((0, DIM), np.float32)
            self.directory.mkdir(parents=True, exist_ok=True)
            _atomic_save(self.path, _key_array(new_keys), new_vectors.astype(np.float32))
            self._rows = {k: i for i, k in enumerate(new_keys)}
            self._vectors = new_vectors.astype(np.float32)
            self._added = {}
            self._loaded_mtime = self.path.stat().st_mtime

    def compact(self, keep: set[str]) -> None:
        self.save(keep=keep)


def _key_array(keys: list[bytes]) -> npt.NDArray[np.uint8]:
    return np.frombuffer(b"".join(keys), dtype=np.uint8).reshape(len(keys), 20)


def _atomic_save(path: Path, keys: npt.NDArray[np.uint8], vectors: Vectors) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            np.savez(handle, keys=keys, vectors=vectors)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
