"""Vectors with planted analogy relations, shared by the analogy tests and the word benches.

Each section's relation is a shared offset plus noise, so a good share of questions is
answered right (neither 0 nor 1) and both tools being compared have something to rank.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np


def plant_analogy_offsets(
    sections: Iterable[tuple[str, Sequence[Sequence[str]]]],
    rng: np.random.Generator,
    dim: int,
    noise: float,
) -> dict[str, np.ndarray]:
    """Lower-cased word -> vector, with ``b - a`` close to one offset per section.

    Draws from ``rng`` in a fixed order (one offset per section, then per new word) so
    callers that keep drawing from the same generator get reproducible figures.
    """
    table: dict[str, np.ndarray] = {}
    for _, items in sections:
        offset = rng.standard_normal(dim)
        for a, b, c, d in items:
            for x, y in ((a.lower(), b.lower()), (c.lower(), d.lower())):
                if x not in table and y not in table:
                    table[x] = rng.standard_normal(dim)
                if y not in table:
                    table[y] = table[x] + offset + noise * rng.standard_normal(dim)
                elif x not in table:
                    table[x] = table[y] - offset + noise * rng.standard_normal(dim)
    return table
