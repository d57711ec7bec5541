"""lexiplug: word and document embeddings and the NLP tasks built on them, as plugins.

``import lexiplug`` is cheap: plugins load on the first registry lookup, and heavy
libraries (torch, gensim, transformers, spaCy models) load inside the functions that use them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = [
    "ConfigError",
    "DataNotFoundError",
    "FormatError",
    "LexiplugError",
    "OOVError",
    "Result",
    "Vectors",
    "__version__",
    "hookimpl",
    "load_vectors",
    "registry",
]

from .errors import (
    ConfigError,
    DataNotFoundError,
    FormatError,
    LexiplugError,
    OOVError,
)
from .hookspecs import hookimpl
from .registry import registry

if TYPE_CHECKING:
    from .evaluation.result import Result
    from .vectors import Vectors
    from .vectors.io import load_vectors


def __getattr__(name: str) -> Any:
    # numpy-backed objects load on first use so `import lexiplug` stays light
    if name == "Vectors":
        from .vectors import Vectors

        return Vectors
    if name == "load_vectors":
        from .vectors.io import load_vectors

        return load_vectors
    if name == "Result":
        from .evaluation.result import Result

        return Result
    raise AttributeError(f"module 'lexiplug' has no attribute {name!r}")
