"""Bootstrap confidence intervals and paired tests, seeded so reports are reproducible.

A statistic is a function of item indices: ``statistic(idx)`` scores the items ``idx`` (a
resample with repeats). With ``vectorized=True`` it receives a whole block of resamples at
once, an index matrix of shape ``(resamples, n_items)``, and returns one value per row, which
lets numpy do in one call what a Python loop does in a thousand (the study report's tables
spent most of their time in such loops). Both forms draw the very same resamples from the
seeded generator, so they give the same interval; the loop is the plainly correct reference
the tests check the vectorised form against.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np

Statistic = Callable[[np.ndarray], float]
BatchStatistic = Callable[[np.ndarray], np.ndarray]

BOOTSTRAP_METHOD = "percentile bootstrap over items"
PAIRED_METHOD = "paired bootstrap over the same resampled items, one-sided"
_BLOCK_CELLS = 2_000_000  # index-matrix entries per block (16 MB of int64): bounds memory


def bootstrap_ci(
    statistic: Statistic | BatchStatistic,
    n_items: int,
    *,
    n_resamples: int = 1000,
    level: float = 0.95,
    seed: int = 0,
    vectorized: bool = False,
) -> tuple[float, float] | None:
    """Percentile CI of ``statistic`` over item resamples; None if undefined.

    None when there are fewer than two items, when no resample is asked for
    (``n_resamples=0`` turns intervals off), or when fewer than half of the resamples give a
    finite value (a correlation of a constant resample is undefined).
    """
    if n_items < 2 or n_resamples < 1:
        return None
    values = _resampled(statistic, n_items, n_resamples, seed, vectorized)
    values = values[np.isfinite(values)]
    if values.size < n_resamples // 2:
        return None
    alpha = (1 - level) / 2
    low, high = np.quantile(values, [alpha, 1 - alpha])
    return float(low), float(high)


def paired_bootstrap(
    statistic_a: Statistic | BatchStatistic,
    statistic_b: Statistic | BatchStatistic,
    n_items: int,
    *,
    n_resamples: int = 1000,
    seed: int = 0,
    vectorized: bool = False,
) -> float:
    """One-sided p-value that A is not better than B, resampling the same items for both.

    The share of resamples where A does not beat B, with the +1 correction that keeps a
    finite number of resamples from ever claiming p = 0. A resample where either statistic is
    undefined (NaN) counts as "not better", as the comparison ``not a > b`` says.
    """
    if n_items < 2:
        return 1.0
    a = _resampled(statistic_a, n_items, n_resamples, seed, vectorized)
    b = _resampled(statistic_b, n_items, n_resamples, seed, vectorized)
    with np.errstate(invalid="ignore"):
        not_better = int(np.count_nonzero(~(a > b)))
    return (not_better + 1) / (n_resamples + 1)


def resample_blocks(n_items: int, n_resamples: int, seed: int) -> Iterator[np.ndarray]:
    """The seeded resamples as index matrices of at most ``_BLOCK_CELLS`` entries.

    Drawing a block at once takes the same numbers from the generator as drawing its rows one
    by one, so blocking changes memory use, never the resamples.
    """
    rng = np.random.default_rng(seed)
    block = max(1, _BLOCK_CELLS // max(1, n_items))
    for start in range(0, n_resamples, block):
        yield rng.integers(0, n_items, (min(block, n_resamples - start), n_items))


def _resampled(statistic: Statistic | BatchStatistic, n_items: int, n_resamples: int,
               seed: int, vectorized: bool) -> np.ndarray:
    """The statistic of every resample, in draw order."""
    chunks: list[np.ndarray] = []
    for block in resample_blocks(n_items, n_resamples, seed):
        if vectorized:
            values = np.asarray(statistic(block), dtype=np.float64).reshape(-1)
            if values.size != block.shape[0]:
                raise ValueError(f"a vectorized statistic must return one value per resample "
                                 f"({block.shape[0]}), got {values.size}")
        else:
            values = np.array([statistic(idx) for idx in block], dtype=np.float64)
        chunks.append(values)
    return np.concatenate(chunks) if chunks else np.empty(0)


def resampled_mean(values: np.ndarray) -> BatchStatistic:
    """Vectorised mean of ``values`` over each resample (rows of an index matrix)."""
    return lambda idx: values[idx].mean(axis=-1)


def resampled_pearson(x: np.ndarray, y: np.ndarray) -> BatchStatistic:
    """Vectorised Pearson r of ``x`` and ``y`` over each resample; NaN where undefined."""
    return lambda idx: row_pearson(x[idx], y[idx])


def resampled_spearman(x: np.ndarray, y: np.ndarray) -> BatchStatistic:
    """Vectorised Spearman rho (ties get average ranks, as scipy gives) over each resample."""
    from scipy.stats import rankdata

    return lambda idx: row_pearson(rankdata(x[idx], axis=-1), rankdata(y[idx], axis=-1))


def row_pearson(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Pearson r of each row of ``x`` with the same row of ``y`` (1-D input: one value)."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    x = x - x.mean(axis=-1, keepdims=True)
    y = y - y.mean(axis=-1, keepdims=True)
    numerator = (x * y).sum(axis=-1)
    denominator = np.sqrt((x * x).sum(axis=-1) * (y * y).sum(axis=-1))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(denominator > 0, numerator / np.where(denominator > 0, denominator, 1),
                        np.nan)
