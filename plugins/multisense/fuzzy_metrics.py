"""Fuzzy B-Cubed and Fuzzy NMI: comparing graded sense clusterings of one word's instances.

SemEval-2013 Task 13 (Jurgens & Klapaftis 2013) labels an instance with several senses, each
with an applicability rating, and scores a system's graded clustering against that with two
clustering measures extended to fuzzy memberships. A membership matrix has one row per
instance and one column per cluster (or gold sense), entries >= 0.

**Fuzzy B-Cubed** extends the overlapping B-Cubed of Amigó et al. (2009), where items i, j
share |C(i) ∩ C(j)| clusters and |L(i) ∩ L(j)| gold classes and

    precision(i) = mean over j with |C(i)∩C(j)| > 0 of min(|C∩|, |L∩|) / |C∩|
    recall(i)    = mean over j with |L(i)∩L(j)| > 0 of min(|C∩|, |L∩|) / |L∩|

(j ranges over all items, i included), by reading memberships as fuzzy sets: each row is
scaled so its largest membership is 1 and the intersection's size is the sigma-count
Σ_c min(m_i(c), m_j(c)). On crisp memberships this is exactly Amigó's measure (and, with one
label per item, Bagga & Baldwin's B-Cubed). F = 2PR / (P + R) of the item means.

**Fuzzy NMI**: each row is scaled to sum to 1 (an instance spreads one unit of mass over its
clusters), the joint distribution is P(c, l) = (1/n) Σ_i m_i(c) g_i(l), and
NMI = 2 I(C; L) / (H(C) + H(L)). On crisp labels this is the arithmetic-mean NMI (scikit-learn's
``normalized_mutual_info_score`` default, which the tests check against); both clusterings
with a single cluster give 1, as there.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class BCubed:
    precision: float
    recall: float

    @property
    def f1(self) -> float:
        total = self.precision + self.recall
        return 2 * self.precision * self.recall / total if total > 0 else 0.0


def _check(memberships: np.ndarray, name: str) -> np.ndarray:
    m = np.asarray(memberships, dtype=np.float64)
    if m.ndim != 2 or m.shape[0] == 0 or m.shape[1] == 0:
        raise ValueError(f"{name}: expected an (instances x clusters) matrix; found shape "
                         f"{m.shape}")
    if (m < 0).any() or not np.isfinite(m).all():
        raise ValueError(f"{name}: memberships must be finite and >= 0")
    if (m.sum(axis=1) <= 0).any():
        raise ValueError(f"{name}: every instance needs a positive membership somewhere")
    return m


def _fuzzy_overlap(m: np.ndarray) -> np.ndarray:
    """|A(i) ∩ A(j)| as the sigma-count of min-intersection, rows scaled to max 1."""
    scaled = m / m.max(axis=1, keepdims=True)
    return np.minimum(scaled[:, None, :], scaled[None, :, :]).sum(axis=2)


def fuzzy_bcubed(system: np.ndarray, gold: np.ndarray) -> BCubed:
    """Fuzzy B-Cubed precision and recall of ``system`` memberships against ``gold``."""
    c = _fuzzy_overlap(_check(system, "system"))
    g = _fuzzy_overlap(_check(gold, "gold"))
    if c.shape != g.shape:
        raise ValueError(f"system and gold rate different instances ({c.shape[0]} vs "
                         f"{g.shape[0]})")
    shared = np.minimum(c, g)
    return BCubed(_item_mean(shared, c), _item_mean(shared, g))


def _item_mean(shared: np.ndarray, overlap: np.ndarray) -> float:
    linked = overlap > 1e-12
    ratio = np.divide(shared, overlap, out=np.zeros_like(shared), where=linked)
    per_item = ratio.sum(axis=1) / linked.sum(axis=1)
    return float(per_item.mean())


def fuzzy_nmi(system: np.ndarray, gold: np.ndarray) -> float:
    """Fuzzy normalised mutual information (arithmetic-mean normalisation)."""
    c = _check(system, "system")
    g = _check(gold, "gold")
    if c.shape[0] != g.shape[0]:
        raise ValueError(f"system and gold rate different instances ({c.shape[0]} vs "
                         f"{g.shape[0]})")
    c = c / c.sum(axis=1, keepdims=True)
    g = g / g.sum(axis=1, keepdims=True)
    joint = c.T @ g / c.shape[0]
    pc, pg = joint.sum(axis=1), joint.sum(axis=0)
    h_c, h_g = _entropy(pc), _entropy(pg)
    if h_c == 0.0 and h_g == 0.0:
        return 1.0
    if h_c == 0.0 or h_g == 0.0:  # one side is a single cluster: it tells nothing
        return 0.0
    outer = pc[:, None] * pg[None, :]
    nz = joint > 0
    mutual = float((joint[nz] * np.log(joint[nz] / outer[nz])).sum())
    denominator = (h_c + h_g) / 2
    return max(0.0, mutual / denominator) if denominator > 0 else 0.0


def _entropy(p: np.ndarray) -> float:
    p = p[p > 1e-15]
    value = float(-(p * np.log(p)).sum())
    return value if value > 1e-12 else 0.0  # rounding must not make one cluster informative


def one_hot(labels: np.ndarray | list[int]) -> np.ndarray:
    """Crisp labels as a membership matrix."""
    labels = np.asarray(labels)
    _, index = np.unique(labels, return_inverse=True)
    out = np.zeros((len(labels), int(index.max()) + 1))
    out[np.arange(len(labels)), index] = 1.0
    return out
