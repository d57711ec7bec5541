"""Text vectors from static word vectors: mean pooling and SIF (Arora, Liang, Ma 2017).

SIF weights each word by a / (a + p(w)) and removes the texts' first principal component.
p(w) comes from the vectors' ``counts`` when they have them, else from Zipf's law on the row
order (rows are frequency-sorted in every format we read), so SIF works on any vectors file.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

Pooling = Literal["mean", "sif"]
TOKEN = re.compile(r"\w+(?:'\w+)?")


@dataclass
class PooledTexts:
    matrix: np.ndarray  # (n_texts, dim)
    covered: np.ndarray  # bool: at least one known token
    n_tokens: int
    n_known: int


def word_probabilities(vectors: Any) -> np.ndarray:
    counts = getattr(vectors, "counts", None)
    if counts is not None and np.sum(counts) > 0:
        weights = np.asarray(counts, dtype=np.float64)
    else:
        weights = 1.0 / (np.arange(len(vectors.keys), dtype=np.float64) + 1.0)
    return weights / weights.sum()


def pool_texts(
    vectors: Any, texts: Sequence[str], *, pooling: Pooling = "mean", sif_a: float = 1e-3,
    case_fallback: bool = True,
) -> PooledTexts:
    """One vector per text; unknown tokens are skipped, a text with none is the zero vector."""
    index = vectors.key_to_index
    rows: list[int] = []
    owners: list[int] = []
    n_tokens = 0
    for text_no, text in enumerate(texts):
        for token in TOKEN.findall(text):
            n_tokens += 1
            row = index.get(token)
            if row is None and case_fallback:
                row = index.get(token.lower())
            if row is not None:
                rows.append(row)
                owners.append(text_no)
    matrix = np.asarray(vectors.matrix, dtype=np.float64)
    row_ids = np.asarray(rows, dtype=np.int64)
    owner_ids = np.asarray(owners, dtype=np.int64)
    if pooling == "sif":
        weights = sif_a / (sif_a + word_probabilities(vectors)[row_ids])
    else:
        weights = np.ones(len(row_ids))
    sums = np.zeros((len(texts), matrix.shape[1]))
    np.add.at(sums, owner_ids, matrix[row_ids] * weights[:, None])
    totals = np.bincount(owner_ids, minlength=len(texts)).astype(np.float64)
    covered = totals > 0
    pooled = np.divide(sums, totals[:, None], out=np.zeros_like(sums), where=covered[:, None])
    if pooling == "sif" and covered.sum() > 1:
        pooled[covered] = remove_first_component(pooled[covered])
    return PooledTexts(pooled, covered, n_tokens, len(row_ids))


def remove_first_component(matrix: np.ndarray) -> np.ndarray:
    """x - (x·u)u for the first right singular vector u of the rows (SIF's common component)."""
    _, _, vt = np.linalg.svd(matrix, full_matrices=False)
    u = vt[0]
    return matrix - np.outer(matrix @ u, u)
