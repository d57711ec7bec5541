"""What the bias, probing and retrieval evaluators accept as ``dataset`` and ``model``.

A dataset is a registered name, a :class:`DatasetSpec`, or an already loaded object (then it
has no checksum). A model is :class:`Vectors` (word lookup) or anything with
``encode_texts(texts)`` (each word encoded on its own), so contextual encoders can be
measured on the same word lists.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from lexiplug.data.spec import DatasetSpec
from lexiplug.errors import ConfigError


@dataclass
class LoadedDataset:
    name: str
    data: Any
    checksum: str | None


def load_dataset(dataset: Any, expected: type | tuple[type, ...], *, where: str) -> LoadedDataset:
    """Resolve ``dataset`` and check it loads into ``expected``."""
    if isinstance(dataset, str):
        from lexiplug.registry import registry

        spec = registry.datasets.get(dataset)()
    else:
        spec = dataset
    if isinstance(spec, DatasetSpec):
        loaded = LoadedDataset(spec.name, spec.load(), spec.checksum())
    else:
        name = getattr(spec, "name", "") or type(spec).__name__
        loaded = LoadedDataset(str(name), spec, None)
    if not isinstance(loaded.data, expected):
        names = expected.__name__ if isinstance(expected, type) else "/".join(
            t.__name__ for t in expected)
        raise ConfigError(
            f"dataset {loaded.name!r} is a {type(loaded.data).__name__}; this evaluator needs "
            f"{names}", where=where,
        )
    return loaded


@dataclass
class WordLookup:
    """Vectors for the words a model knows; ``found[word]`` is the key used (maybe lower-cased)."""

    vectors: dict[str, np.ndarray]
    found: dict[str, str]

    def rows(self, words: Sequence[str]) -> tuple[list[str], np.ndarray]:
        known = [w for w in dict.fromkeys(words) if w in self.vectors]
        if not known:
            return [], np.zeros((0, 0))
        return known, np.stack([self.vectors[w] for w in known])


def is_static(model: Any) -> bool:
    return hasattr(model, "key_to_index") and hasattr(model, "matrix")


def lookup_words(model: Any, words: Sequence[str], *, case_fallback: bool = True) -> WordLookup:
    """Look ``words`` up in a static model (exact key, then lower case when allowed) or encode
    each with ``encode_texts``; unknown words are simply absent (coverage counts them)."""
    unique = list(dict.fromkeys(words))
    if is_static(model):
        index = model.key_to_index
        vectors: dict[str, np.ndarray] = {}
        found: dict[str, str] = {}
        for word in unique:
            key = word if word in index else (
                word.lower() if case_fallback and word.lower() in index else None)
            if key is not None:
                vectors[word] = np.asarray(model.matrix[index[key]], dtype=np.float64)
                found[word] = key
        return WordLookup(vectors, found)
    if hasattr(model, "encode_texts"):
        matrix = np.asarray(model.encode_texts(unique), dtype=np.float64)
        return WordLookup(dict(zip(unique, matrix, strict=True)), {w: w for w in unique})
    raise ConfigError(
        f"model {type(model).__name__} is neither Vectors nor has encode_texts(texts)",
        where="model",
    )
