"""``example.random_projection.v1``: PPMI co-occurrence counts, randomly projected.

A cheap relative of PPMI-SVD: instead of factorising the (vocab x vocab) PPMI matrix, multiply
it by a seeded Gaussian matrix with ``dim`` columns. By the Johnson-Lindenstrauss lemma the
projection roughly keeps dot products between rows, so words that share contexts still end
up close. Everything after reading the sentences is numpy/scipy on integer id arrays.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import numpy as np
from lexiplug.errors import ConfigError, LexiplugError, TrainingError
from lexiplug.vectors import Vectors

NAME = "example.random_projection.v1"
CONTEXT_SMOOTHING = 0.75  # Levy et al. (2015): raise context counts to 3/4 before PMI
_CHUNK_TOKENS = 500_000  # tokens per vectorised counting step: bounds peak memory

Sentence = str | Sequence[str]


class RandomProjectionEmbedder:
    """Fits word vectors from an iterable of sentences (strings or token sequences)."""

    def __init__(
        self, *, dim: int = 64, window: int = 2, min_count: int = 1,
        lowercase: bool = True, seed: int = 0,
    ) -> None:
        for key, value in (("dim", dim), ("window", window), ("min_count", min_count)):
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ConfigError(f"expected an integer >= 1, got {value!r}", where=key)
        self.dim = dim
        self.window = window
        self.min_count = min_count
        self.lowercase = lowercase
        self.seed = seed

    def fit(self, corpus: Iterable[Sentence]) -> Vectors:
        vocab: dict[str, int] = {}
        counts = np.zeros(0, dtype=np.int64)
        cooccurrence: Any = None
        for tokens, lengths in _chunks(corpus):
            ids = _encode(tokens, vocab, lowercase=self.lowercase)
            counts = np.pad(counts, (0, len(vocab) - len(counts)))
            counts += np.bincount(ids, minlength=len(vocab))
            cooccurrence = _add_window_counts(cooccurrence, ids, lengths, self.window, len(vocab))
        if not vocab:
            raise TrainingError("the corpus holds no tokens", where="corpus")
        keys, order = _kept_vocabulary(vocab, counts, self.min_count)
        if not keys:
            raise TrainingError(
                f"no word occurs at least min_count={self.min_count} times "
                f"(most frequent: {int(counts.max())})",
                where="min_count",
            )
        kept_cooccurrence = cooccurrence[order][:, order]
        projection = np.random.default_rng(self.seed).standard_normal(
            (len(keys), self.dim), dtype=np.float32
        ) / np.float32(np.sqrt(self.dim))
        matrix = np.asarray(ppmi(kept_cooccurrence) @ projection, dtype=np.float32)
        return Vectors(
            keys,
            matrix,
            counts=counts[order],
            metadata={
                "embedder": NAME,
                "dim": self.dim,
                "window": self.window,
                "min_count": self.min_count,
                "lowercase": self.lowercase,
                "seed": self.seed,
            },
        )


def ppmi(cooccurrence: Any) -> Any:
    """Positive PMI of a sparse count matrix, with context-distribution smoothing."""
    import scipy.sparse

    counts = scipy.sparse.coo_matrix(cooccurrence, dtype=np.float64)
    total = counts.sum()
    if total == 0:
        return scipy.sparse.csr_matrix(counts.shape, dtype=np.float32)
    row_p = np.asarray(counts.sum(axis=1)).ravel() / total
    smoothed = np.asarray(counts.sum(axis=0)).ravel() ** CONTEXT_SMOOTHING
    col_p = smoothed / smoothed.sum()
    pmi = np.log(counts.data / total) - np.log(row_p[counts.row]) - np.log(col_p[counts.col])
    positive = pmi > 0
    return scipy.sparse.csr_matrix(
        (pmi[positive].astype(np.float32), (counts.row[positive], counts.col[positive])),
        shape=counts.shape,
    )


def _chunks(corpus: Iterable[Sentence]) -> Iterator[tuple[list[str], np.ndarray]]:
    tokens: list[str] = []
    lengths: list[int] = []
    for number, sentence in enumerate(corpus):
        words = sentence.split() if isinstance(sentence, str) else sentence
        if not isinstance(words, Sequence):
            raise LexiplugError(
                f"expected a sentence as a string or a sequence of tokens, "
                f"got {type(sentence).__name__}",
                where=f"corpus sentence {number}",
            )
        tokens.extend(words)
        lengths.append(len(words))
        if len(tokens) >= _CHUNK_TOKENS:
            yield tokens, np.asarray(lengths, dtype=np.int64)
            tokens, lengths = [], []
    if tokens:
        yield tokens, np.asarray(lengths, dtype=np.int64)


def _encode(tokens: list[str], vocab: dict[str, int], *, lowercase: bool) -> np.ndarray:
    """Integer ids for ``tokens``, growing ``vocab``; Python work is per word type, not token."""
    array = np.empty(len(tokens), dtype=object)
    array[:] = tokens
    try:
        types, inverse = np.unique(array, return_inverse=True)
    except TypeError as error:
        raise LexiplugError(f"tokens must all be strings ({error})", where="corpus") from None
    for word in types:
        if not isinstance(word, str):
            raise LexiplugError(
                f"tokens must be strings, found {type(word).__name__} {word!r}", where="corpus"
            )
    keys = [word.lower() for word in types] if lowercase else list(types)
    type_ids = np.fromiter(
        (vocab.setdefault(key, len(vocab)) for key in keys), dtype=np.int64, count=len(keys)
    )
    return type_ids[inverse.ravel()]


def _add_window_counts(
    total: Any, ids: np.ndarray, lengths: np.ndarray, window: int, n_vocab: int
) -> Any:
    """Add this chunk's (word, context) counts within ``window`` tokens of the same sentence."""
    import scipy.sparse

    sentence_of = np.repeat(np.arange(len(lengths)), lengths)
    words, contexts = [], []
    for distance in range(1, window + 1):
        same = sentence_of[distance:] == sentence_of[:-distance]
        left, right = ids[:-distance][same], ids[distance:][same]
        words += [left, right]
        contexts += [right, left]
    rows, cols = np.concatenate(words), np.concatenate(contexts)
    chunk = scipy.sparse.csr_matrix(
        (np.ones(len(rows), dtype=np.float64), (rows, cols)), shape=(n_vocab, n_vocab)
    )
    if total is None:
        return chunk
    total.resize((n_vocab, n_vocab))
    return total + chunk


def _kept_vocabulary(
    vocab: dict[str, int], counts: np.ndarray, min_count: int
) -> tuple[list[str], np.ndarray]:
    """Words with ``count >= min_count``, most frequent first (ties alphabetical)."""
    kept = sorted(
        (word for word, index in vocab.items() if counts[index] >= min_count),
        key=lambda word: (-counts[vocab[word]], word),
    )
    return kept, np.fromiter((vocab[word] for word in kept), dtype=np.int64, count=len(kept))
