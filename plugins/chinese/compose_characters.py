"""``lexiplug.compose_characters.v1``: a character-level model as word vectors.

Vectors trained on single characters (``tokenizer = "chars"``) have no row for a word of two
or more characters; this transform keeps the same rows and makes every unknown word the mean
of its known Han characters' vectors (``oov="subword"``), so word-similarity sets score the
character model with ``oov = "vectors"``. A word none of whose characters is known gets a
zero vector (it counts as missing).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from lexiplug.registry import Registries

if TYPE_CHECKING:
    from lexiplug.vectors import Vectors

NAME = "lexiplug.compose_characters.v1"


@dataclass
class ComposeCharacters:
    """Same keys and matrix; unknown words composed from their characters."""

    def apply(self, vectors: Vectors) -> Vectors:
        from lexiplug.vectors import Vectors

        from .composition import composer_from_character_vectors

        composer = composer_from_character_vectors(vectors.keys, vectors.matrix)
        return Vectors(list(vectors.keys), vectors.matrix, counts=vectors.counts,
                       metadata={**vectors.metadata, "composed_from": "characters"},
                       oov="subword", oov_provider=composer)


def compose_characters_v1() -> ComposeCharacters:
    """Factory registered as ``lexiplug.compose_characters.v1`` (no settings)."""
    return ComposeCharacters()


def register(registry: Registries) -> None:
    registry.transforms.register(NAME, func=compose_characters_v1)
