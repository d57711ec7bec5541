"""Compiled scans over int8 codes (numba): the fast path of ``quantize.int8_dots``.

numpy must turn every block of int8 codes into float32 before a matrix product, which costs
more than the product itself: for one query an int8 scan through numpy was 4x slower than the
float32 scan it replaces. This kernel reads each code once, as int8, and accumulates in
float32, in parallel over rows. ``quantize.int8_dots_reference`` is the plain numpy version the
tests hold it to. Imported only when int8 codes are searched, so ``import lexiplug`` never
loads numba.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange


@njit(cache=True, fastmath=True, nogil=True, parallel=True)
def int8_dots_kernel(codes: np.ndarray, weighted_t: np.ndarray, shift: np.ndarray,
                     out: np.ndarray) -> None:  # pragma: no cover - compiled
    """``out[i, c] = codes[i] . weighted_t[c] + shift[c]`` for int8 ``codes`` (n x d) and
    float32 ``weighted_t`` (k x d)."""
    rows, dim = codes.shape
    columns = weighted_t.shape[0]
    for i in prange(rows):
        for c in range(columns):
            total = np.float32(0.0)
            for j in range(dim):
                total += np.float32(codes[i, j]) * weighted_t[c, j]
            out[i, c] = total + shift[c]
