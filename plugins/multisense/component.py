"""The ``lexiplug_senses`` spaCy component: picks each token's sense from its neighbours.

Sense vectors come from a file written by ``SenseVectors.save`` (``path``) or are given with
:meth:`SenseTagger.set_senses`; spaCy's serialisation stores the path, not the vectors.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from lexiplug.errors import ConfigError
from spacy.tokens import Doc, Token

from .sense_vectors import SenseVectors


def ensure_extensions() -> None:
    for attribute in ("sense", "sense_vector"):
        if not Token.has_extension(attribute):
            Token.set_extension(attribute, default=None)


class SenseTagger:
    def __init__(self, name: str, *, path: str | None = None, window: int = 5,
                 lowercase: bool = True, senses: SenseVectors | None = None) -> None:
        if not isinstance(window, int) or window < 1:
            raise ConfigError(f"expected a positive number of words; found {window!r}",
                              where="window")
        ensure_extensions()
        self.name = name
        self.window = window
        self.lowercase = lowercase
        self.senses = senses if senses is not None else (
            SenseVectors.load(path) if path else None)

    def set_senses(self, senses: SenseVectors) -> None:
        self.senses = senses

    def __call__(self, doc: Doc) -> Doc:
        if self.senses is None:
            raise ConfigError("the lexiplug_senses component has no sense vectors: set "
                              "'path' in its config or call set_senses()", where="path")
        words = [t.text.lower() if self.lowercase else t.text for t in doc]
        for i, token in enumerate(doc):
            word = words[i]
            if word not in self.senses.key_to_index or not token.is_alpha:
                token._.sense = None
                token._.sense_vector = None
                continue
            context = [w for j, w in enumerate(words[max(0, i - self.window):i + self.window + 1],
                                               start=max(0, i - self.window)) if j != i]
            known = [w for w in context if w in self.senses.key_to_index]
            probabilities = (self.senses.disambiguate(word, known) if known
                             else self.senses.sense_priors(word))
            best = int(np.argmax(probabilities))
            token._.sense = best
            token._.sense_vector = self.senses.sense_matrix(word)[best]
        return doc

    # spaCy calls these when the pipeline is saved or loaded; the vectors stay in their file
    def to_disk(self, path: Any, *, exclude: Any = ()) -> None:
        return None

    def from_disk(self, path: Any, *, exclude: Any = ()) -> SenseTagger:
        return self
