"""Hamming distance over packed binary codes, and a Hamming-ball index for short codes.

Codes are ``(n, bits // 8)`` uint8 rows (``numpy.packbits``). The distance is the popcount of
the XOR: the rows are viewed as the widest unsigned integers that divide their width (two
uint64 words for 128 bits) and counted with ``numpy.bitwise_count``, so a query against a
database costs ``bits / 64`` XOR-popcounts per document. :func:`hamming_reference` is the
plainly correct version (unpack and compare) the tests check it against.

For short codes (up to 32 bits) :class:`HammingBall` keeps a dictionary from code to
documents and answers "everything within radius r" by enumerating the C(bits, ≤r) codes
around the query, the semantic-hashing lookup: its cost does not grow with the database.
"""

from __future__ import annotations

from itertools import combinations

import numpy as np
from lexiplug.errors import ConfigError

_CHUNK_CELLS = 8_000_000  # distance-matrix cells per block: bounds memory for big databases


def _words(codes: np.ndarray) -> np.ndarray:
    codes = np.ascontiguousarray(codes, dtype=np.uint8)
    width = codes.shape[1]
    for dtype, size in ((np.uint64, 8), (np.uint32, 4), (np.uint16, 2)):
        if width % size == 0:
            return codes.view(dtype)
    return codes


def hamming_distances(queries: np.ndarray, database: np.ndarray) -> np.ndarray:
    """``(n_queries, n_database)`` uint16 Hamming distances between packed codes."""
    if queries.shape[1] != database.shape[1]:
        raise ConfigError(f"query codes have {queries.shape[1] * 8} bits, the database's "
                          f"{database.shape[1] * 8}", where="codes")
    q, db = _words(queries), _words(database)
    out = np.empty((len(q), len(db)), dtype=np.uint16)
    step = max(1, _CHUNK_CELLS // max(1, len(db) * q.shape[1]))
    for start in range(0, len(q), step):
        block = np.bitwise_xor(q[start:start + step, None, :], db[None, :, :])
        out[start:start + step] = np.bitwise_count(block).sum(axis=2, dtype=np.uint16)
    return out


def hamming_reference(queries: np.ndarray, database: np.ndarray) -> np.ndarray:
    """The slow, obvious version: unpack to bits and count differing positions."""
    a = np.unpackbits(queries, axis=1).astype(np.int16)
    b = np.unpackbits(database, axis=1).astype(np.int16)
    return np.abs(a[:, None, :] - b[None, :, :]).sum(axis=2).astype(np.uint16)


def as_words(codes: np.ndarray) -> np.ndarray:
    """Packed codes as ``(n, ceil(bytes / 8))`` uint64, zero-padded (zeros XOR to zero)."""
    codes = np.ascontiguousarray(codes, dtype=np.uint8)
    width = -(-codes.shape[1] // 8) * 8
    if width != codes.shape[1]:
        padded = np.zeros((len(codes), width), dtype=np.uint8)
        padded[:, :codes.shape[1]] = codes
        codes = padded
    return codes.view(np.uint64)


def hamming_ranking(queries: np.ndarray, database: np.ndarray, k: int | None = None
                    ) -> np.ndarray:
    """Database indices per query, nearest first (the first ``k``; all by default); ties keep
    database order, exactly as a stable argsort of :func:`hamming_distances` would."""
    if queries.shape[1] != database.shape[1]:
        raise ConfigError(f"query codes have {queries.shape[1] * 8} bits, the database's "
                          f"{database.shape[1] * 8}", where="codes")
    from .hamming_kernel import hamming_top

    k = len(database) if k is None else min(k, len(database))
    return hamming_top(as_words(queries), as_words(database), k)


class HammingBall:
    """Exact radius search for codes of at most 32 bits: the codes sorted once, and a query
    looks up the C(bits, <= r) codes around it with one vectorised binary search."""

    max_bits = 32

    def __init__(self, codes: np.ndarray, bits: int) -> None:
        if bits > self.max_bits:
            raise ConfigError(f"a Hamming-ball table is for codes of at most {self.max_bits} "
                              f"bits (the number of probes grows as C(bits, r)); found {bits}",
                              where="bits")
        self.bits = bits
        values = self._integers(codes)
        self.order = np.argsort(values, kind="stable")
        self.sorted = values[self.order]
        self._masks: dict[int, tuple[np.ndarray, np.ndarray]] = {}

    def _integers(self, codes: np.ndarray) -> np.ndarray:
        padded = np.zeros((len(codes), 8), dtype=np.uint8)
        padded[:, 8 - codes.shape[1]:] = codes
        return padded.view(">u8").ravel().astype(np.uint64)

    def masks(self, radius: int) -> tuple[np.ndarray, np.ndarray]:
        """(XOR masks of every flip of at most ``radius`` bits, their distances)."""
        if radius not in self._masks:
            masks, distances = [], []
            for distance in range(radius + 1):
                for flipped in combinations(range(self.bits), distance):
                    masks.append(sum(1 << bit for bit in flipped))
                    distances.append(distance)
            self._masks[radius] = (np.array(masks, dtype=np.uint64),
                                   np.array(distances, dtype=np.int64))
        return self._masks[radius]

    def within(self, code: np.ndarray, radius: int) -> list[tuple[int, int]]:
        """``(distance, index)`` of every database code within ``radius``, nearest first."""
        centre = self._integers(np.asarray(code).reshape(1, -1))[0]
        masks, distances = self.masks(radius)
        probes = centre ^ masks
        low = np.searchsorted(self.sorted, probes, side="left")
        high = np.searchsorted(self.sorted, probes, side="right")
        hits = np.flatnonzero(high > low)  # most probes of a sparse table find nothing
        found: list[tuple[int, int]] = []
        for probe in hits.tolist():
            found.extend((int(distances[probe]), int(i))
                         for i in self.order[low[probe]:high[probe]])
        return found
