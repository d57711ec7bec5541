"""How grounded a space is, and how much of the text space it kept."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from lexiplug.vectors import Vectors
from lexiplug.vectors.vectors import top_indices_2d, unit_rows
from scipy.stats import spearmanr


def representational_similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Spearman correlation of the two spaces' pairwise cosine similarities (RSA).

    Works across spaces of different dimension: it compares geometry, not coordinates.
    """
    sa, sb = unit_rows(a) @ unit_rows(a).T, unit_rows(b) @ unit_rows(b).T
    upper = np.triu_indices(len(a), k=1)
    return float(spearmanr(sa[upper], sb[upper]).statistic)


def heldout_visual_correlation(space: Vectors, visual: Vectors, words: Sequence[str]) -> float:
    """RSA between a space and the true visual vectors over words grounding never saw."""
    shared = [w for w in words if w in space and w in visual]
    return representational_similarity(space[shared], visual[shared])


def neighbour_overlap(before: Vectors, after: Vectors, words: Sequence[str], k: int = 10) -> float:
    """Mean fraction of each word's top-k neighbours (within ``words``) kept after a change."""
    shared = [w for w in words if w in before and w in after]

    def neighbours(space: Vectors) -> np.ndarray:
        unit = unit_rows(space[shared])
        scores = unit @ unit.T
        np.fill_diagonal(scores, -np.inf)
        return top_indices_2d(scores, k)

    first, second = neighbours(before), neighbours(after)
    kept = [len(set(x) & set(y)) / k for x, y in zip(first, second, strict=True)]
    return float(np.mean(kept))
