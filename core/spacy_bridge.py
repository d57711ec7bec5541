"""The ``spacy_misc`` bridge: build lexiplug objects inside a spaCy config.

spaCy imports every ``spacy_misc`` entry point's module when it scans its registry, so this
module imports nothing heavy at import time.
"""

from __future__ import annotations

from typing import Any


def lexiplug_vectors(name_or_path: str, oov: str = "zero") -> Any:
    """``@misc = "lexiplug.vectors.v1"``: returns a function that loads the vectors on demand."""

    def load() -> Any:
        from .vectors.io import load_vectors

        return load_vectors(name_or_path, oov=oov)

    return load
