"""Token ids for the torch document models: vocabulary, frequent-word subsampling, and the
training examples of PV-DBOW ((document, word) pairs) and PV-DM (document, centre word,
context window). Everything is numpy arrays, built once per fit."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from lexiplug.errors import TrainingError


@dataclass
class Vocabulary:
    words: list[str]
    counts: np.ndarray

    @property
    def index(self) -> dict[str, int]:
        return {word: i for i, word in enumerate(self.words)}


def build_vocabulary(token_lists: Sequence[Sequence[str]], min_count: int) -> Vocabulary:
    counts = Counter(token for tokens in token_lists for token in tokens)
    kept = sorted((w for w, c in counts.items() if c >= min_count),
                  key=lambda w: (-counts[w], w))
    if not kept:
        raise TrainingError(f"no word occurs min_count = {min_count} times; lower min_count "
                            "or give more documents", where="min_count")
    return Vocabulary(kept, np.array([counts[w] for w in kept], dtype=np.int64))


def encode(token_lists: Sequence[Sequence[str]], vocabulary: Vocabulary,
           keys: Sequence[str] | None = None, hint: str = "") -> list[np.ndarray]:
    """Known-word ids per document; a document with no known word is an error that names it
    (``hint`` says what to do about it)."""
    index = vocabulary.index
    encoded = [np.array([index[t] for t in tokens if t in index], dtype=np.int64)
               for tokens in token_lists]
    empty = [i for i, ids in enumerate(encoded) if len(ids) == 0]
    if empty:
        names = [keys[i] for i in empty[:3]] if keys is not None else empty[:3]
        raise TrainingError(f"{len(empty)} document(s) have no word the model knows "
                            f"(first: {names}){hint}", where="docs")
    return encoded


def keep_probabilities(counts: np.ndarray, sample: float) -> np.ndarray:
    """word2vec's subsampling: keep a word with (sqrt(f/s) + 1) * s/f, f its frequency."""
    if sample <= 0:
        return np.ones(len(counts))
    frequency = counts / counts.sum()
    return np.minimum(1.0, (np.sqrt(frequency / sample) + 1) * sample / frequency)


def dbow_pairs(documents: Sequence[np.ndarray], keep: np.ndarray,
               rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(document index, word id) for every token that survives subsampling, shuffled."""
    doc = np.concatenate([np.full(len(ids), i, dtype=np.int64)
                          for i, ids in enumerate(documents)])
    words = np.concatenate(documents)
    chosen = rng.random(len(words)) < keep[words]
    doc, words = doc[chosen], words[chosen]
    order = rng.permutation(len(words))
    return doc[order], words[order]


def dm_windows(documents: Sequence[np.ndarray], window: int, pad: int,
               rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(document index, centre word, context ids (n, 2*window) padded with ``pad``), shuffled."""
    docs, centres, contexts = [], [], []
    offsets = np.concatenate([np.arange(-window, 0), np.arange(1, window + 1)])
    for index, ids in enumerate(documents):
        padded = np.concatenate([np.full(window, pad), ids, np.full(window, pad)])
        positions = np.arange(len(ids)) + window
        contexts.append(padded[positions[:, None] + offsets[None, :]])
        centres.append(ids)
        docs.append(np.full(len(ids), index, dtype=np.int64))
    doc, centre, context = np.concatenate(docs), np.concatenate(centres), np.concatenate(contexts)
    order = rng.permutation(len(centre))
    return doc[order], centre[order], context[order]


def noise_distribution(counts: np.ndarray, power: float = 0.75) -> np.ndarray:
    weights = counts.astype(np.float64) ** power
    return weights / weights.sum()
