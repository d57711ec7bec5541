"""``lexiplug.complete_oov.v1``: vectors for every word, from a byte encoder (docs/oov.md).

:class:`CompletedVectors` is a ``Vectors`` whose OOV policy is the encoder: a known word's
lookup is exactly the base table's (same matrix, same code path, no added cost), an unknown
word gets the encoder's vector and is reported as ``inferred`` by :meth:`word_status`. A word
with no spelling to infer from (empty or whitespace only) is ``missing`` and raises
:class:`~lexiplug.errors.OOVError`, as an unknown word does in a plain table.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import Any, Literal

import numpy as np
from lexiplug.errors import OOVError
from lexiplug.plugin_tools import settings_factory
from lexiplug.registry import Registries
from lexiplug.vectors.vectors import Vectors

from .model import ByteWordModel
from .settings import ByteEncoderSettings

NAME = "lexiplug.complete_oov.v1"
WordStatus = Literal["known", "inferred", "missing"]
_CACHE_LIMIT = 100_000  # inferred vectors kept, so repeated lookups of one OOV word are cheap
logger = logging.getLogger(__name__)


class CompletedVectors(Vectors):
    """``base`` plus ``encoder``: known words as before, unknown words inferred."""

    def __init__(self, base: Vectors, encoder: ByteWordModel) -> None:
        metadata = {k: v for k, v in base.metadata.items() if k != "_cache"}
        metadata["lineage"] = [*metadata.get("lineage", []), "complete_oov"]
        metadata["complete_oov"] = {"encoder": encoder.settings.as_dict(),
                                    "base_oov": base.oov}
        super().__init__(base.keys, base.matrix, counts=base.counts, metadata=metadata,
                         oov="subword", oov_provider=self._infer_one)
        if encoder.dim != base.dim:
            raise OOVError(f"the byte encoder gives {encoder.dim}-d vectors; the table has "
                           f"{base.dim}-d rows", where="complete_oov")
        self.encoder = encoder
        self._inferred: dict[str, np.ndarray] = {}

    def word_status(self, word: str) -> WordStatus:
        """``known`` (in the table), ``inferred`` (the encoder's), or ``missing`` (no spelling)."""
        if word in self.key_to_index:
            return "known"
        return "inferred" if word.strip() else "missing"

    def infer(self, words: Sequence[str]) -> np.ndarray:
        """The encoder's vectors for ``words`` (known or not), one batched pass."""
        return self.encoder.encode(list(words))

    def _infer_one(self, word: str) -> np.ndarray:
        cached = self._inferred.get(word)
        if cached is not None:
            return cached
        if not word.strip():
            raise OOVError(f"{word!r} is empty or whitespace: no spelling to infer a vector "
                           "from")
        vector = self.encoder.encode([word])[0]
        if len(self._inferred) < _CACHE_LIMIT:
            self._inferred[word] = vector
        return vector

    def lookup(self, word: str) -> tuple[np.ndarray, WordStatus]:
        """The word's vector and how it was found."""
        return self.vector(word), self.word_status(word)

    def can_vectorize(self, word: str) -> bool:
        return word in self.key_to_index or bool(word.strip())

    def __repr__(self) -> str:
        return super().__repr__().replace("oov=subword", "oov=inferred by a byte encoder")


@dataclass
class CompleteOOVSettings(ByteEncoderSettings):
    """Train a byte encoder on the vectors (or load one with ``path``) and answer unknown words
    with it. The arguments are those of ``lexiplug.byte_word_encoder.v1``, plus
    ``checkpoints`` (a folder: checkpoint each epoch) and ``resume``."""

    checkpoints: str | None = None
    resume: bool = False


@dataclass
class CompleteOOV:
    settings: CompleteOOVSettings

    def apply(self, vectors: Vectors, **refs: Any) -> Vectors:
        names = {f.name for f in fields(ByteEncoderSettings)}
        encoder = ByteWordModel(ByteEncoderSettings(
            **{k: v for k, v in self.settings.as_dict().items() if k in names}))
        if not encoder.fitted:
            encoder.configure_checkpoints(self.settings.checkpoints, resume=self.settings.resume)
            encoder.fit(vectors)
        return CompletedVectors(vectors, encoder)


complete_oov_v1 = settings_factory(CompleteOOV, CompleteOOVSettings, name=NAME)


def register(registry: Registries) -> None:
    registry.transforms.register(NAME, func=complete_oov_v1)
