"""Drive the compiled word2vec kernels: tables, epochs, threads.

``train_word2vec`` updates ``U`` (and ``C`` unless it is frozen) in place from an id stream.
Negative sampling draws from ``counts ** ns_exponent`` over ``neg_ids`` (so a slice samples
only its own words while indexing the compass's rows); subsampling keeps a word with
gensim's probability (√(f/t) + 1)·t/f, t = sample × tokens.
"""

from __future__ import annotations

import itertools
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from lexiplug.plugins.static.word2vec_settings import Word2VecHyperparams

_TABLE_DOMAIN = 2**31 - 1


@dataclass(kw_only=True)
class Word2VecSettings(Word2VecHyperparams):
    """What the kernels read: word2vec's hyperparameters, CADE's paper defaults where they
    differ from gensim's (CBOW, 10 negatives, one worker)."""

    vector_size: int = 100
    window: int = 5
    sg: int = 0
    negative: int = 10
    workers: int = 1


def cumulative_table(counts: np.ndarray, exponent: float) -> np.ndarray:
    """gensim's ``cum_table``: cumulative counts**exponent scaled to 2**31 - 1."""
    weights = np.asarray(counts, dtype=np.float64) ** exponent
    table = np.round(np.cumsum(weights) / weights.sum() * _TABLE_DOMAIN).astype(np.int64)
    table[-1] = _TABLE_DOMAIN
    return table


def keep_probabilities(counts: np.ndarray, sample: float, total: int | None = None
                       ) -> np.ndarray:
    """Probability of keeping each word under frequent-word subsampling (1 when off)."""
    counts = np.asarray(counts, dtype=np.float64)
    if sample <= 0:
        return np.ones(len(counts), dtype=np.float64)
    threshold = sample * (counts.sum() if total is None else total)
    with np.errstate(divide="ignore", invalid="ignore"):
        keep = (np.sqrt(counts / threshold) + 1) * threshold / counts
    keep[~np.isfinite(keep)] = 1.0
    return np.minimum(keep, 1.0)


def initial_input_matrix(n_words: int, dim: int, seed: int) -> np.ndarray:
    """Uniform(-0.5/dim, 0.5/dim), as word2vec initialises its input vectors."""
    rng = np.random.default_rng(seed)
    return ((rng.random((n_words, dim), dtype=np.float32) - 0.5) / dim).astype(np.float32)


def chunk_bounds(offsets: np.ndarray, parts: int) -> list[tuple[int, int]]:
    """Split sentences into ``parts`` runs of about equal token counts."""
    n_sentences = len(offsets) - 1
    targets = np.linspace(0, offsets[-1], parts + 1)[1:-1]
    cuts = np.searchsorted(offsets, targets).tolist()
    edges = sorted({0, *[min(c, n_sentences) for c in cuts], n_sentences})
    return [(a, b) for a, b in itertools.pairwise(edges) if b > a]


def train_word2vec(
    ids: np.ndarray, offsets: np.ndarray, U: np.ndarray, C: np.ndarray, *,
    neg_ids: np.ndarray, neg_counts: np.ndarray, keep_prob: np.ndarray,
    settings: Word2VecSettings, epochs: int, learn_context: bool, seed: int,
) -> float:
    """Train in place; returns the seconds spent in the kernels."""
    try:
        from .w2v_kernels import train_chunk
    except ImportError as error:
        from lexiplug.errors import TrainingError

        raise TrainingError(f"CADE's trainer needs numba ({error}), a dependency of lexiplug; "
                            "reinstall lexiplug") from None

    ids = np.ascontiguousarray(ids, dtype=np.int32)
    offsets = np.ascontiguousarray(offsets, dtype=np.int64)
    cum_table = cumulative_table(neg_counts, settings.ns_exponent)
    neg_ids = np.ascontiguousarray(neg_ids, dtype=np.int64)
    keep = np.ascontiguousarray(keep_prob, dtype=np.float64)
    chunks = chunk_bounds(offsets, max(1, settings.workers))
    total = float(epochs * len(ids))
    start = time.perf_counter()

    def run(epoch: int, number: int, bounds: tuple[int, int]) -> int:
        return int(train_chunk(
            ids, offsets, bounds[0], bounds[1], U, C, neg_ids, cum_table, keep,
            settings.window, settings.negative, settings.sg, learn_context,
            settings.alpha, settings.min_alpha, total, float(epoch * len(ids)),
            float(len(chunks)), np.uint64(seed * 1_000_003 + epoch * 7919 + number + 1),
        ))

    if len(chunks) == 1:
        for epoch in range(epochs):
            run(epoch, 0, chunks[0])
    else:
        with ThreadPoolExecutor(max_workers=len(chunks)) as pool:
            for epoch in range(epochs):
                list(pool.map(lambda item, e=epoch: run(e, *item), enumerate(chunks)))
    return time.perf_counter() - start
