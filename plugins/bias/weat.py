"""WEAT (Caliskan et al. 2017): association scores, effect size and permutation p-value.

Figures follow WEFE's ``WEAT`` metric exactly (population standard deviation, sets
de-duplicated in order), so ours and WEFE's agree on the same vectors; the p-value is ours:
exact over every equal-size split of X ∪ Y when there are few, else sampled with a seed
(WEFE's sampler draws with replacement, so its p-values are not a reference).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import combinations
from typing import Literal

import numpy as np

Alternative = Literal["greater", "two-sided"]
_CHUNK = 4096


def unit(matrix: np.ndarray) -> np.ndarray:
    matrix = np.asarray(matrix, dtype=np.float64)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return matrix / norms


def association(words: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """s(w, A, B) = mean cos(w, a) - mean cos(w, b), one value per row of ``words``."""
    w = unit(words)
    return (w @ unit(a).T).mean(axis=1) - (w @ unit(b).T).mean(axis=1)


def effect_size(s_x: np.ndarray, s_y: np.ndarray) -> float:
    """(mean s(x) - mean s(y)) / std over X ∪ Y (ddof 0, as WEFE and Caliskan's code)."""
    spread = float(np.std(np.concatenate([s_x, s_y])))
    if spread == 0.0:
        return 0.0
    return (float(np.mean(s_x)) - float(np.mean(s_y))) / spread


def test_statistic(s_x: np.ndarray, s_y: np.ndarray) -> float:
    """s(X, Y, A, B) = sum s(x) - sum s(y)."""
    return float(np.sum(s_x) - np.sum(s_y))


def permutation_p_value(
    s_x: np.ndarray,
    s_y: np.ndarray,
    *,
    exact_limit: int = 100_000,
    n_permutations: int = 10_000,
    seed: int = 0,
    alternative: Alternative = "greater",
) -> tuple[float, bool]:
    """P(statistic of a random split of X ∪ Y into |X|, |Y| >= observed); ``(p, exact)``.

    Exact (the observed split counted among all ``C(n, |X|)``) when that count is at most
    ``exact_limit``; otherwise ``(hits + 1) / (n_permutations + 1)`` over seeded random splits.
    """
    pooled = np.concatenate([s_x, s_y]).astype(np.float64)
    n, k = len(pooled), len(s_x)
    total = float(pooled.sum())
    observed = 2.0 * float(pooled[:k].sum()) - total
    tolerance = 1e-10 * max(1.0, abs(observed))

    def hits(chosen: np.ndarray) -> int:
        stats = 2.0 * pooled[chosen].sum(axis=1) - total
        if alternative == "two-sided":
            return int(np.count_nonzero(np.abs(stats) >= abs(observed) - tolerance))
        return int(np.count_nonzero(stats >= observed - tolerance))

    n_splits = math.comb(n, k)
    if n_splits <= exact_limit:
        count = 0
        splits = combinations(range(n), k)
        while True:
            block = np.array([c for _, c in zip(range(_CHUNK), splits, strict=False)],
                             dtype=np.int64).reshape(-1, k)
            if not len(block):
                break
            count += hits(block)
        return count / n_splits, True
    rng = np.random.default_rng(seed)
    count = 0
    for start in range(0, n_permutations, _CHUNK):
        size = min(_CHUNK, n_permutations - start)
        chosen = np.argsort(rng.random((size, n)), axis=1)[:, :k]
        count += hits(chosen)
    return (count + 1) / (n_permutations + 1), False


@dataclass
class WeatScore:
    effect_size: float
    statistic: float
    p_value: float
    exact_p: bool
    s_x: np.ndarray
    s_y: np.ndarray


def weat(
    x: np.ndarray, y: np.ndarray, a: np.ndarray, b: np.ndarray, *, exact_limit: int = 100_000,
    n_permutations: int = 10_000, seed: int = 0, alternative: Alternative = "greater",
) -> WeatScore:
    """One WEAT test on target vectors X, Y and attribute vectors A, B (rows)."""
    s_x, s_y = association(x, a, b), association(y, a, b)
    p, exact = permutation_p_value(s_x, s_y, exact_limit=exact_limit,
                                   n_permutations=n_permutations, seed=seed,
                                   alternative=alternative)
    return WeatScore(effect_size(s_x, s_y), test_statistic(s_x, s_y), p, exact, s_x, s_y)
