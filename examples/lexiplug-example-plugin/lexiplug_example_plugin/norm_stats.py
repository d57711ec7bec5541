"""``example.norm_stats.v1``: statistics of vector lengths.

Norms carry information that cosine similarity throws away: in count- and prediction-based
embeddings frequent words tend to have longer (or, after PPMI, shorter) vectors, and zero
rows reveal words that never had a context. The evaluator reports the spread of norms over a
word list (or the whole vocabulary) and the Spearman correlation between norm and log
frequency when the vectors carry counts.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
from lexiplug.errors import LexiplugError
from lexiplug.evaluation.result import Result
from lexiplug.evaluation.stats import bootstrap_ci
from lexiplug.vectors import Vectors

NAME = "example.norm_stats.v1"
ZERO_NORM = 1e-12


class NormStatsEvaluator:
    """``evaluate(vectors, dataset)``: ``dataset`` is ``None`` (all words) or words / pairs."""

    def __init__(self, *, n_resamples: int = 1000, seed: int = 0) -> None:
        self.n_resamples = n_resamples
        self.seed = seed

    def evaluate(self, model: Vectors, dataset: Iterable[Any] | None = None) -> Result:
        if not isinstance(model, Vectors):
            raise LexiplugError(
                f"expected lexiplug Vectors, got {type(model).__name__}", where="model"
            )
        words, dataset_name = _dataset_words(model, dataset)
        rows = np.fromiter(
            (model.key_to_index[word] for word in words if word in model.key_to_index),
            dtype=np.int64,
        )
        norms = np.linalg.norm(model.matrix[rows].astype(np.float64), axis=1)
        counts = None if model.counts is None else model.counts[rows]
        metrics, warnings = _norm_metrics(norms, counts)
        ci = {}
        interval = bootstrap_ci(
            lambda sample: float(norms[sample].mean()),
            len(norms),
            n_resamples=self.n_resamples,
            seed=self.seed,
        )
        if interval is not None:
            ci["mean_norm"] = interval
        return Result(
            evaluator=NAME,
            dataset=dataset_name,
            metrics=metrics,
            primary="mean_norm",
            n_items=len(words),
            n_covered=len(rows),
            ci=ci,
            warnings=warnings,
        )


def _dataset_words(model: Vectors, dataset: Iterable[Any] | None) -> tuple[list[str], str]:
    """The distinct words to measure: every key, or the words named by a dataset's items."""
    if dataset is None:
        return list(model.keys), "vocabulary"
    words: dict[str, None] = {}
    for item in dataset:
        for word in (item,) if isinstance(item, str) else tuple(item)[:2]:
            if isinstance(word, str):
                words[word] = None
    return list(words), str(getattr(dataset, "name", "words"))


def _norm_metrics(
    norms: np.ndarray, counts: np.ndarray | None
) -> tuple[dict[str, float | None], list[str]]:
    names = ("mean_norm", "std_norm", "min_norm", "max_norm", "zero_fraction",
             "norm_count_spearman")
    if len(norms) == 0:
        return dict.fromkeys(names), ["no word of the dataset is in the vocabulary"]
    metrics: dict[str, float | None] = {
        "mean_norm": float(norms.mean()),
        "std_norm": float(norms.std()),
        "min_norm": float(norms.min()),
        "max_norm": float(norms.max()),
        "zero_fraction": float(np.mean(norms <= ZERO_NORM)),
        "norm_count_spearman": None,
    }
    warnings = []
    if counts is None:
        warnings.append("the vectors carry no counts: norm/frequency correlation not computed")
    elif len(np.unique(counts)) > 1 and len(np.unique(norms)) > 1:
        from scipy.stats import spearmanr

        metrics["norm_count_spearman"] = float(spearmanr(norms, counts).statistic)
    return metrics, warnings
