"""Fuzzy B-Cubed and Fuzzy NMI as SemEval-2013 Task 13 scores them.

The task (Jurgens & Klapaftis 2013) labels an instance with several senses, each with an
applicability rating, and compares a system's graded sense clustering with that by two
clustering measures extended to fuzzy memberships. The definitions below are those of the
task's official scorer (the organisers' cluster-comparison tools, ``FuzzyBCubed`` and
``FuzzyNormalizedMutualInformation``), so the figures, and the trivial baselines' figures, are
comparable with the task's. A membership matrix has one row per instance and one column per
cluster (or gold sense); an entry > 0 means the instance lists that cluster (a key line names
it) and every row is scaled so its largest entry is 1, as the scorer normalises a key's
ratings.

**Fuzzy B-Cubed.** The agreement of instances i and j under a labelling is the sum, over the
clusters both list, of 1 − |w_i(c) − w_j(c)|. With g and t the gold and system agreements,

    P(i) = mean over j ≠ i sharing a gold sense with i of min(g, t) / g
    R(i) = mean over j ≠ i sharing a system cluster with i of min(g, t) / t

(0 for an instance with no such j), P and R are the means over the instances, and across
targets P and R are averaged first and F = 2PR / (P + R) taken of the averages (the scorer's
"all" line; :func:`bcubed_f`). So a clustering of singletons scores 0 and one cluster scores
the share of instance pairs that share a gold sense, in F terms.

**Fuzzy NMI** is the scorer's fuzzy version of Lancichinetti et al.'s (2009) NMI for
overlapping clusters: each cluster (and gold sense) is the variable "membership of an
instance", its entropy H(X) is that of its values put in 10 equal bins over [0, 1] (log 2),
H(X | Y) = H(X, Y) − H(Y) on the binned pairs, and

    H(G | T) = Σ_g min_t H(g | t),   H(T | G) = Σ_t min_g H(t | g)
    NMI = ½ [H(G) − H(G | T) + H(T) − H(T | G)] / max(H(G), H(T))

with H(G) = Σ_g H(g), H(T) = Σ_t H(t); a pair (x, y) whose presence pattern says y is rather
x's complement (Lancichinetti's eq. B.14: h(p₊₊) + h(p₋₋) < h(p₊₋) + h(p₋₊)) is left out of
the minimum, and x with no pair left keeps H(x). One cluster scores 0; per target the
figures are averaged.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

BINS = 10


@dataclass(frozen=True)
class BCubed:
    precision: float
    recall: float

    @property
    def f1(self) -> float:
        return bcubed_f(self.precision, self.recall)


def bcubed_f(precision: Any, recall: Any) -> Any:
    """F = 2PR / (P + R), 0 where P + R is 0; floats give a float, arrays (a bootstrap's
    resampled means) an array."""
    p, r = np.asarray(precision, dtype=np.float64), np.asarray(recall, dtype=np.float64)
    total = p + r
    f = np.divide(2 * p * r, total, out=np.zeros_like(total), where=total > 0)
    return float(f) if f.ndim == 0 else f


def _check(memberships: np.ndarray, name: str) -> np.ndarray:
    m = np.asarray(memberships, dtype=np.float64)
    if m.ndim != 2 or m.shape[0] == 0 or m.shape[1] == 0:
        raise ValueError(f"{name}: expected an (instances x clusters) matrix; found shape "
                         f"{m.shape}")
    if (m < 0).any() or not np.isfinite(m).all():
        raise ValueError(f"{name}: memberships must be finite and >= 0")
    if (m.sum(axis=1) <= 0).any():
        raise ValueError(f"{name}: every instance needs a positive membership somewhere")
    return m / m.max(axis=1, keepdims=True)


def _pair(system: np.ndarray, gold: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    t, g = _check(system, "system"), _check(gold, "gold")
    if t.shape[0] != g.shape[0]:
        raise ValueError(f"system and gold rate different instances ({t.shape[0]} vs "
                         f"{g.shape[0]})")
    return t, g


def _agreement(m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(agreement of every pair, whether the pair shares a listed cluster), diagonal off."""
    listed = m > 0
    agreement = np.zeros((m.shape[0], m.shape[0]))
    for column in range(m.shape[1]):
        both = listed[:, column, None] & listed[None, :, column]
        w = m[:, column]
        agreement += both * (1.0 - np.abs(w[:, None] - w[None, :]))
    shares = (listed.astype(np.float64) @ listed.T.astype(np.float64)) > 0
    np.fill_diagonal(shares, False)
    return agreement, shares


def _item_mean(numerator: np.ndarray, denominator: np.ndarray, mates: np.ndarray) -> float:
    ratio = np.divide(numerator, denominator, out=np.zeros_like(numerator),
                      where=mates & (denominator > 0))
    counts = mates.sum(axis=1)
    per_item = np.divide(ratio.sum(axis=1), counts, out=np.zeros(len(counts)),
                         where=counts > 0)
    return float(per_item.mean())


def fuzzy_bcubed(system: np.ndarray, gold: np.ndarray) -> BCubed:
    """Fuzzy B-Cubed precision and recall of one target's ``system`` memberships."""
    t, g = _pair(system, gold)
    test_agreement, test_mates = _agreement(t)
    gold_agreement, gold_mates = _agreement(g)
    shared = np.minimum(gold_agreement, test_agreement)
    return BCubed(_item_mean(shared, gold_agreement, gold_mates),
                  _item_mean(shared, test_agreement, test_mates))


def _bins(values: np.ndarray) -> np.ndarray:
    """The scorer's bin of a value in [0, 1]: the first i with value <= i / BINS, less one."""
    edges = np.arange(1, BINS + 1) / BINS
    return np.minimum(np.searchsorted(edges, values, side="left"), BINS - 1)


def _entropy(labels: np.ndarray) -> float:
    _, counts = np.unique(labels, return_counts=True)
    p = counts / counts.sum()
    return float(-(p * np.log2(p)).sum())


def _complementary(x: np.ndarray, y: np.ndarray) -> bool:
    """Lancichinetti's test that y tells more about x as its complement (then skipped)."""
    px, py = x > 0, y > 0
    n = len(x)

    def h(count: int) -> float:
        p = count / n
        return -p * np.log(p) if p > 0 else 0.0

    return (h(int((px & py).sum())) + h(int((~px & ~py).sum()))
            < h(int((px & ~py).sum())) + h(int((~px & py).sum())))


def fuzzy_nmi(system: np.ndarray, gold: np.ndarray) -> float:
    """Fuzzy NMI of one target's ``system`` memberships against ``gold``."""
    t, g = _pair(system, gold)
    t_bins = [_bins(column) for column in t.T]
    g_bins = [_bins(column) for column in g.T]
    h_t = [_entropy(b) for b in t_bins]
    h_g = [_entropy(b) for b in g_bins]

    def conditional(xs: list[np.ndarray], x_values: np.ndarray, h_x: list[float],
                    ys: list[np.ndarray], y_values: np.ndarray, h_y: list[float]) -> float:
        total = 0.0
        for i, x in enumerate(xs):
            options = [_entropy(x * BINS + y) - h_y[j] for j, y in enumerate(ys)
                       if not _complementary(x_values[:, i], y_values[:, j])]
            total += min(options) if options else h_x[i]
        return total

    h_gt = conditional(g_bins, g, h_g, t_bins, t, h_t)
    h_tg = conditional(t_bins, t, h_t, g_bins, g, h_g)
    denominator = max(sum(h_g), sum(h_t))
    if denominator <= 0:  # no sense varies over the instances: nothing to share (NaN there)
        return 0.0
    return 0.5 * (sum(h_g) - h_gt + sum(h_t) - h_tg) / denominator


def one_hot(labels: np.ndarray | list[int]) -> np.ndarray:
    """Crisp labels as a membership matrix."""
    labels = np.asarray(labels)
    _, index = np.unique(labels, return_inverse=True)
    out = np.zeros((len(labels), int(index.max()) + 1))
    out[np.arange(len(labels)), index] = 1.0
    return out
