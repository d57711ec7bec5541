"""Bootstrap confidence intervals, seeded so reports are reproducible."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

Statistic = Callable[[np.ndarray], float]


def bootstrap_ci(
    statistic: Callable[[np.ndarray], float],
    n_items: int,
    *,
    n_resamples: int = 1000,
    level: float = 0.95,
    seed: int = 0,
) -> tuple[float, float] | None:
    """Percentile CI of ``statistic(indices)`` over item resamples; None if undefined."""
    if n_items < 2:
        return None
    rng = np.random.default_rng(seed)
    values = []
    for _ in range(n_resamples):
        value = statistic(rng.integers(0, n_items, n_items))
        if np.isfinite(value):
            values.append(value)
    if len(values) < n_resamples // 2:
        return None
    alpha = (1 - level) / 2
    low, high = np.quantile(values, [alpha, 1 - alpha])
    return float(low), float(high)


def paired_bootstrap(
    statistic_a: Callable[[np.ndarray], float],
    statistic_b: Callable[[np.ndarray], float],
    n_items: int,
    *,
    n_resamples: int = 1000,
    seed: int = 0,
) -> float:
    """One-sided p-value that A is not better than B, resampling the same items for both."""
    if n_items < 2:
        return 1.0
    rng = np.random.default_rng(seed)
    not_better = 0
    for _ in range(n_resamples):
        idx = rng.integers(0, n_items, n_items)
        if not statistic_a(idx) > statistic_b(idx):
            not_better += 1
    return (not_better + 1) / (n_resamples + 1)
