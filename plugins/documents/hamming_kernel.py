"""numba kernel of Hamming ranking: XOR + popcount over 64-bit words, then a stable counting
sort by distance (distances are small integers, so ranking is O(n) per query instead of a
comparison sort). The plainly correct version it must agree with is
``hamming.hamming_distances`` followed by a stable ``argsort`` (tests/test_documents.py).
Imported only when a Hamming ranking runs."""

from __future__ import annotations

import numpy as np
from numba import njit

_M1 = np.uint64(0x5555555555555555)
_M2 = np.uint64(0x3333333333333333)
_M4 = np.uint64(0x0F0F0F0F0F0F0F0F)
_H01 = np.uint64(0x0101010101010101)
_S1, _S2, _S4, _S56 = np.uint64(1), np.uint64(2), np.uint64(4), np.uint64(56)


@njit(cache=True, inline="always")
def _popcount(x: np.uint64) -> np.int64:
    # LLVM turns this bit-twiddling idiom into the CPU's popcnt instruction where it has one
    x = x - ((x >> _S1) & _M1)
    x = (x & _M2) + ((x >> _S2) & _M2)
    x = (x + (x >> _S4)) & _M4
    return np.int64((x * _H01) >> _S56)


@njit(cache=True)
def hamming_top(queries: np.ndarray, database: np.ndarray, k: int) -> np.ndarray:
    """``(n_queries, k)`` database rows nearest first, ties in database order; the inputs
    are ``(n, words)`` uint64 views of the packed codes."""
    n_queries, words = queries.shape
    n = database.shape[0]
    out = np.empty((n_queries, k), dtype=np.int64)
    distances = np.empty(n, dtype=np.int64)
    starts = np.empty(words * 64 + 2, dtype=np.int64)
    for qi in range(n_queries):
        starts[:] = 0
        for j in range(n):
            d = np.int64(0)
            for t in range(words):
                d += _popcount(queries[qi, t] ^ database[j, t])
            distances[j] = d
            starts[d + 1] += 1
        for b in range(1, starts.shape[0]):
            starts[b] += starts[b - 1]
        for j in range(n):
            position = starts[distances[j]]
            starts[distances[j]] += 1
            if position < k:
                out[qi, position] = j
    return out
