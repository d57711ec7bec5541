"""The ``lexiplug_embed`` pipeline component.

It sets ``doc._.lexiplug_vectors`` (one row per token) and installs ``user_hooks`` the way
spacy-transformers does, so ``token.vector``, ``span.similarity`` and ``doc.similarity``
use these vectors even when the vocab has vectors of its own.

A saved pipeline travels: ``to_disk`` stores a static table inside the pipeline (lexiplug's
native format: ``vectors.npy`` + ``vocab.txt`` + ``meta.json``, no pickle) and, with
``copy_encoder``, a copy of the encoder's model folder (safetensors weights only), so
``spacy.load`` on another machine needs neither the original vectors file nor the model
folder. Without ``copy_encoder`` an encoder stays config (the path in the ``source`` block)
and the saved record's vector width catches a changed model at that path.
"""

from __future__ import annotations

import inspect
import json
import logging
import shutil
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
from lexiplug.errors import ConfigError, FormatError
from spacy.tokens import Doc, Span, Token
from spacy.util import minibatch

logger = logging.getLogger(__name__)

EXTENSION = "lexiplug_vectors"
_RECORD = "lexiplug_embed.json"
_STORED_VECTORS = "vectors"  # folders inside the component's directory of a saved pipeline
_STORED_ENCODER = "encoder"
_SAFE_WEIGHTS = ("model.safetensors", "model.safetensors.index.json")
_warned_empty_similarity = False


INFERRED = "lexiplug_inferred"  # which tokens got a vector inferred from their spelling
_STORED_OOV_ENCODER = "oov_encoder"


def ensure_extension() -> None:
    if not Doc.has_extension(EXTENSION):
        Doc.set_extension(EXTENSION, default=None)
    if not Doc.has_extension(INFERRED):
        Doc.set_extension(INFERRED, default=None)
    if not Token.has_extension(INFERRED):
        Token.set_extension(INFERRED, getter=_token_inferred)


def _token_inferred(token: Token) -> bool:
    """True when the token is outside the table and its vector came from a byte encoder."""
    flags = token.doc._.get(INFERRED)
    return bool(flags is not None and flags[token.i])


def _rows(doc: Doc) -> np.ndarray:
    rows = doc._.get(EXTENSION)
    if rows is None:
        raise ConfigError(
            "this Doc has no lexiplug vectors; run the lexiplug_embed component",
            where="doc._.lexiplug_vectors",
        )
    return np.asarray(rows, dtype=np.float32)


def _mean_rows(rows: np.ndarray, tokens: Iterable[Token]) -> np.ndarray:
    keep = [t.i for t in tokens if not t.is_space]
    if not keep:
        return np.zeros(rows.shape[1], dtype=np.float32)
    return rows[keep].mean(axis=0)


def _cosine(a: np.ndarray, b: np.ndarray) -> float:
    norm = float(np.linalg.norm(a) * np.linalg.norm(b))
    return float(a @ b) / norm if norm > 0 else 0.0


# Hooks are small classes, not lambdas, so Docs that carry them can still be pickled.
class DocVector:
    def __call__(self, doc: Doc) -> np.ndarray:
        return _mean_rows(_rows(doc), doc)


class SpanVector:
    def __call__(self, span: Span) -> np.ndarray:
        return _mean_rows(_rows(span.doc)[span.start : span.end], span)


class TokenVector:
    def __call__(self, token: Token) -> np.ndarray:
        return _rows(token.doc)[token.i]


class HasVector:
    def __call__(self, obj: Any) -> bool:
        return bool(np.any(obj.vector))


class VectorNorm:
    def __call__(self, obj: Any) -> float:
        return float(np.linalg.norm(obj.vector))


class Similarity:
    def __call__(self, obj: Any, other: Any) -> float:
        a, b = np.asarray(obj.vector), np.asarray(other.vector)
        if not (a.any() and b.any()):
            _warn_empty_similarity()
        return _cosine(a, b)


def _warn_empty_similarity() -> None:
    """Once per process: a 0.0 from a zero vector is not a measured dissimilarity."""
    global _warned_empty_similarity
    if not _warned_empty_similarity:
        _warned_empty_similarity = True
        logger.warning(
            "lexiplug_embed: similarity with a zero vector (every token out of the vocabulary, "
            "or only whitespace) is reported as 0.0; check has_vector first "
            "(this warning is shown once)"
        )


def install_hooks(doc: Doc, rows: np.ndarray) -> None:
    doc._.set(EXTENSION, rows)
    for hooks, vector in (
        (doc.user_hooks, DocVector()),
        (doc.user_span_hooks, SpanVector()),
        (doc.user_token_hooks, TokenVector()),
    ):
        hooks["vector"] = vector
        hooks["has_vector"] = HasVector()
        hooks["vector_norm"] = VectorNorm()
        hooks["similarity"] = Similarity()


class LexiplugEmbed:
    """Runs an encoder (``encode_tokens``) or looks tokens up in static ``Vectors``."""

    def __init__(
        self,
        vocab: Any,
        name: str,
        source: Callable[[], Any],
        *,
        batch_size: int = 32,
        lowercase_fallback: bool = True,
        copy_encoder: bool = False,
    ) -> None:
        if not callable(source):
            raise ConfigError(
                'source must be a lexiplug loader: @misc = "lexiplug.embedder.v1" or '
                f'"lexiplug.vectors.v1"; got {type(source).__name__}',
                where=f"components.{name}.source",
            )
        if batch_size < 1:
            raise ConfigError(
                f"batch_size must be >= 1, got {batch_size}", where=f"components.{name}.batch_size"
            )
        ensure_extension()
        self.vocab = vocab
        self.name = name
        self.source = source
        self.batch_size = batch_size
        self.lowercase_fallback = lowercase_fallback
        self.copy_encoder = copy_encoder
        self._backend: Any = None
        self._expected_dim: int | None = None
        self._encoder_copy: Path | None = None  # set by from_disk when the pipeline holds one

    @property
    def backend(self) -> Any:
        if self._backend is None:
            self._set_backend(self._load_source())
        return self._backend

    def _load_source(self) -> Any:
        # the first call can take many seconds (a large text table, a transformer): say so
        where = "its saved encoder copy" if self._encoder_copy else "its source"
        logger.info("%s: loading %s (first use)", self.name, where)
        started = time.perf_counter()
        from tqdm.auto import tqdm

        with tqdm(total=1, desc=f"{self.name}: loading {where}", disable=None, leave=False):
            if self._encoder_copy is None:
                backend = self.source()
            elif _takes_overrides(self.source):
                backend = self.source(model_path=str(self._encoder_copy))
            else:
                raise ConfigError(
                    "this pipeline holds an encoder copy but its source is not "
                    '@misc = "lexiplug.embedder.v1"', where=f"components.{self.name}.source",
                )
        logger.info("%s: loaded %s in %.1f s", self.name, type(backend).__name__,
                    time.perf_counter() - started)
        return backend

    def _set_backend(self, backend: Any) -> None:
        if not hasattr(backend, "encode_tokens") and not hasattr(backend, "key_to_index"):
            raise ConfigError(
                f"source built a {type(backend).__name__}, expected an encoder with "
                "encode_tokens or lexiplug Vectors",
                where=f"components.{self.name}.source",
            )
        dim = int(backend.dim)
        if self._expected_dim is not None and dim != self._expected_dim:
            raise FormatError(
                f"the pipeline was saved with {self._expected_dim}-d vectors but its source "
                f"now gives {dim}-d ones; the model at the configured path changed"
            )
        self._backend = backend

    @property
    def dim(self) -> int:
        return int(self.backend.dim)

    def __call__(self, doc: Doc) -> Doc:
        return next(iter(self.pipe([doc])))

    def pipe(self, docs: Iterable[Doc], *, batch_size: int | None = None) -> Iterator[Doc]:
        for batch in minibatch(docs, size=batch_size or self.batch_size):
            for doc, rows in zip(batch, self.token_vectors(batch), strict=True):
                install_hooks(doc, rows)
                yield doc

    def token_vectors(self, docs: list[Doc]) -> list[np.ndarray]:
        backend = self.backend
        if hasattr(backend, "encode_tokens"):
            return [np.asarray(rows, dtype=np.float32) for rows in backend.encode_tokens(docs)]
        return [self._lookup(backend, doc) for doc in docs]

    def _lookup(self, vectors: Any, doc: Doc) -> np.ndarray:
        from lexiplug.contracts import InfersVectors

        index = vectors.key_to_index
        words = [t.text for t in doc]
        infers = vectors if isinstance(vectors, InfersVectors) else None
        unknown: list[int] = []
        rows = np.zeros((len(words), vectors.dim), dtype=np.float32)
        for i, word in enumerate(words):
            row = index.get(word)
            if row is None and self.lowercase_fallback:
                row = index.get(word.lower())
            if row is not None:
                rows[i] = vectors.matrix[row]
            elif not doc[i].is_space:
                rows[i] = vectors.oov_vector(word) if infers is None else 0.0
                unknown.append(i)
        if infers is not None:  # vectors with a byte encoder: infer the doc's unknowns at once
            inferable = [i for i in unknown if infers.word_status(words[i]) == "inferred"]
            if inferable:
                rows[inferable] = infers.infer([words[i] for i in inferable])
            flags = np.zeros(len(words), dtype=bool)
            flags[inferable] = True
            doc._.set(INFERRED, flags)
        return rows

    def initialize(self, get_examples: Callable[[], Any] | None = None, *, nlp: Any = None) -> None:
        _ = self.backend

    # -- serialisation: a static table (and optionally the encoder folder) travels inside ---

    def _record(self) -> dict[str, Any]:
        dim = self._expected_dim if self._backend is None else self.dim
        return {"dim": dim, "batch_size": self.batch_size}

    def to_bytes(self, *, exclude: Iterable[str] = ()) -> bytes:
        """The record, plus a static table as ``.npy`` bytes (msgpack; never pickle)."""
        import srsly

        record = self._record()
        backend = self.backend
        if not hasattr(backend, "key_to_index"):
            return srsly.msgpack_dumps({"record": record})
        record["oov"] = _storable_oov(backend)
        counts = None if backend.counts is None else _npy_bytes(backend.counts)
        return srsly.msgpack_dumps({"record": record, "keys": list(backend.keys),
                                    "matrix": _npy_bytes(backend.matrix), "counts": counts})

    def from_bytes(self, data: bytes, *, exclude: Iterable[str] = ()) -> LexiplugEmbed:
        import srsly
        from lexiplug.vectors.vectors import Vectors

        if data[:1] == b"{":  # the JSON record of pipelines saved before tables travelled
            self._expected_dim = json.loads(data.decode("utf-8")).get("dim")
            return self
        message = srsly.msgpack_loads(data)
        self._expected_dim = message["record"].get("dim")
        if "matrix" in message:
            counts = message.get("counts")
            self._backend = None
            self._set_backend(Vectors(
                message["keys"], _from_npy_bytes(message["matrix"]),
                counts=None if counts is None else _from_npy_bytes(counts),
                oov=message["record"].get("oov", "zero"),
            ))
        return self

    def to_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> None:
        from lexiplug.atomic import atomic_open

        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        backend = self.backend  # a pipeline that travels must hold what its source built
        record = self._record()
        if hasattr(backend, "key_to_index"):
            record["stored"] = _STORED_VECTORS
            record["oov"] = _storable_oov(backend)
            backend.save(path / _STORED_VECTORS, format="native")
            if hasattr(getattr(backend, "encoder", None), "save"):  # complete_oov's encoder
                record[_STORED_OOV_ENCODER] = _STORED_OOV_ENCODER
                backend.encoder.save(path / _STORED_OOV_ENCODER)
        elif self.copy_encoder:
            record["stored"] = _STORED_ENCODER
            copy_model_folder(_model_folder(backend, self.name), path / _STORED_ENCODER)
        with atomic_open(path / _RECORD, "w", encoding="utf-8") as handle:
            json.dump(record, handle)

    def from_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> LexiplugEmbed:
        path = Path(path)
        record_path = path / _RECORD
        if not record_path.is_file():
            return self
        try:
            record = json.loads(record_path.read_text(encoding="utf-8"))
        except ValueError as exc:
            raise FormatError(f"not a lexiplug_embed record ({exc})", path=record_path) from None
        self._expected_dim = record.get("dim")
        stored = record.get("stored")
        if stored == _STORED_VECTORS:
            from lexiplug.vectors.io import load_vectors

            self._backend = None
            table = load_vectors(path / _STORED_VECTORS, format="native",
                                 oov=record.get("oov", "zero"))
            if record.get(_STORED_OOV_ENCODER):
                from lexiplug.registry import registry

                complete = registry.transforms.get("lexiplug.complete_oov.v1")
                table = complete(path=str(path / record[_STORED_OOV_ENCODER])).apply(table)
            self._set_backend(table)
        elif stored == _STORED_ENCODER:
            self._backend = None
            self._encoder_copy = path / _STORED_ENCODER
        return self


def _npy_bytes(array: np.ndarray) -> bytes:
    import io

    buffer = io.BytesIO()
    np.save(buffer, np.asarray(array), allow_pickle=False)
    return buffer.getvalue()


def _from_npy_bytes(data: bytes) -> np.ndarray:
    import io

    return np.load(io.BytesIO(data), allow_pickle=False)


def _takes_overrides(source: Callable[..., Any]) -> bool:
    kinds = {p.kind for p in inspect.signature(source).parameters.values()}
    return inspect.Parameter.VAR_KEYWORD in kinds


def _storable_oov(vectors: Any) -> str:
    """A subword OOV provider (a tokenizer) lives in memory only; saved tables answer zeros."""
    if vectors.oov == "subword":
        logger.info("lexiplug_embed: the saved table keeps its rows, not the subword "
                    "composer; unknown words get zeros after loading")
        return "zero"
    return str(vectors.oov)


def _model_folder(encoder: Any, name: str) -> Path:
    folder = getattr(encoder, "model_path", None)
    if folder is None or not Path(folder).is_dir():
        raise ConfigError(
            f"copy_encoder is set but the {type(encoder).__name__} encoder has no model folder "
            "(model_path) to copy", where=f"components.{name}.copy_encoder",
        )
    return Path(folder)


def copy_model_folder(source: Path, target: Path) -> None:
    """Copy a Hugging Face model folder whose weights are safetensors (never pickled weights).

    Files of the folder's top level only (config, tokenizer, weights), as ``save_pretrained``
    writes them; written atomically.
    """
    from lexiplug.atomic import atomic_dir

    if not any((source / name).is_file() for name in _SAFE_WEIGHTS):
        raise FormatError(
            "copy_encoder copies safetensors weights only; this folder has none (re-save the "
            "model with save_pretrained(..., safe_serialization=True))", path=source,
        )
    with atomic_dir(target) as tmp:
        for item in sorted(source.iterdir()):
            if item.is_file() and item.suffix not in (".bin", ".pt", ".pth", ".pkl", ".ckpt"):
                shutil.copy2(item, tmp / item.name)
