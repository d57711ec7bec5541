"""The ``lexiplug_embed`` pipeline component.

It sets ``doc._.lexiplug_vectors`` (one row per token) and installs ``user_hooks`` the way
spacy-transformers does, so ``token.vector``, ``span.similarity`` and ``doc.similarity``
use these vectors even when the vocab has vectors of its own. The model itself is config
(a path in the ``source`` block); to_disk stores only a small record checked at load.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
from lexiplug.errors import ConfigError, FormatError
from spacy.tokens import Doc, Span, Token
from spacy.util import minibatch

EXTENSION = "lexiplug_vectors"
_RECORD = "lexiplug_embed.json"


def ensure_extension() -> None:
    if not Doc.has_extension(EXTENSION):
        Doc.set_extension(EXTENSION, default=None)


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
        return _cosine(np.asarray(obj.vector), np.asarray(other.vector))


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
        self._backend: Any = None
        self._expected_dim: int | None = None

    @property
    def backend(self) -> Any:
        if self._backend is None:
            backend = self.source()
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
        return self._backend

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
        index = vectors.key_to_index
        words = [t.text for t in doc]
        rows = np.zeros((len(words), vectors.dim), dtype=np.float32)
        for i, word in enumerate(words):
            row = index.get(word)
            if row is None and self.lowercase_fallback:
                row = index.get(word.lower())
            if row is not None:
                rows[i] = vectors.matrix[row]
            elif not doc[i].is_space:
                rows[i] = vectors.oov_vector(word)
        return rows

    def initialize(self, get_examples: Callable[[], Any] | None = None, *, nlp: Any = None) -> None:
        _ = self.backend

    # -- serialisation: the model is config; keep a record to catch a changed model --------

    def _record(self) -> dict[str, Any]:
        dim = self._expected_dim if self._backend is None else self.dim
        return {"dim": dim, "batch_size": self.batch_size}

    def to_bytes(self, *, exclude: Iterable[str] = ()) -> bytes:
        return json.dumps(self._record()).encode("utf-8")

    def from_bytes(self, data: bytes, *, exclude: Iterable[str] = ()) -> LexiplugEmbed:
        self._expected_dim = json.loads(data.decode("utf-8")).get("dim")
        return self

    def to_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> None:
        from lexiplug.atomic import atomic_open

        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        with atomic_open(path / _RECORD, "w", encoding="utf-8") as handle:
            json.dump(self._record(), handle)

    def from_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> LexiplugEmbed:
        record_path = Path(path) / _RECORD
        if record_path.is_file():
            self._expected_dim = json.loads(record_path.read_text(encoding="utf-8")).get("dim")
        return self
