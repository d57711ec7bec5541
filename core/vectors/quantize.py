"""Quantized codes for a float32 table: int8 (per-dimension scale and offset) and binary (signs).

**int8.** Each dimension ``j`` gets ``offset_j = (max_j + min_j) / 2`` and ``scale_j = (max_j -
min_j) / 254``; a value is stored as ``round((x - offset_j) / scale_j)`` in ``[-127, 127]``, so
it decodes to within ``scale_j / 2``. A query is never quantized (asymmetric distance): the
dot product with a row is ``codes @ (scale * q) + offset @ q``, one float product per block of
rows, divided by the row's exact float norm kept beside the codes. One quarter of the float
memory.

**binary.** A row is scaled to unit length (the bits stand for an angle, and queries are unit
vectors) and stored as the signs of ``u - center``, the center being the mean unit row (word
tables are far from zero-centred), packed 8 to a byte and padded to whole 64-bit words so the
Hamming distance is an XOR and a popcount over ``uint64``. The angle between two vectors is
about ``pi * hamming / dim`` (Charikar 2002, "Similarity estimation techniques from rounding
algorithms"), so ``cos(pi * h / dim)`` is the approximate score. One thirty-second of the float
memory (plus padding).

Both are meant as a first pass: :mod:`lexiplug.vectors.quantized` rescores the best candidates
with the exact float rows when they are at hand. Every function works in blocks of rows, so a
memory-mapped table is never copied whole.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

QuantKind = Literal["int8", "binary"]
QUANT_KINDS: tuple[str, ...] = ("int8", "binary")
BLOCK_ROWS = 16_384  # rows per block: bounds every temporary to a few tens of MB
_INT8_LEVELS = 254  # codes -127..127; -128 is left unused so the code range is symmetric


def int8_codebook(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-dimension ``(scale, offset)`` (float32, shape ``(dim,)``) covering every value.

    A constant dimension gets scale 1 (its codes are all 0 and decode exactly to the offset).
    """
    dim = matrix.shape[1]
    low = np.full(dim, np.inf, dtype=np.float64)
    high = np.full(dim, -np.inf, dtype=np.float64)
    for start in range(0, matrix.shape[0], BLOCK_ROWS):
        block = np.asarray(matrix[start : start + BLOCK_ROWS], dtype=np.float32)
        low = np.minimum(low, block.min(axis=0))
        high = np.maximum(high, block.max(axis=0))
    if matrix.shape[0] == 0:
        low[:], high[:] = 0.0, 0.0
    scale = (high - low) / _INT8_LEVELS
    scale[scale == 0] = 1.0
    return scale.astype(np.float32), ((high + low) / 2).astype(np.float32)


def encode_int8(matrix: np.ndarray, scale: np.ndarray, offset: np.ndarray) -> np.ndarray:
    """``(rows, dim)`` int8 codes of ``matrix`` under ``(scale, offset)``."""
    codes = np.empty(matrix.shape, dtype=np.int8)
    for start in range(0, matrix.shape[0], BLOCK_ROWS):
        block = np.asarray(matrix[start : start + BLOCK_ROWS], dtype=np.float32)
        scaled = np.rint((block - offset) / scale)
        codes[start : start + len(block)] = np.clip(scaled, -127, 127)
    return codes


def decode_int8(codes: np.ndarray, scale: np.ndarray, offset: np.ndarray) -> np.ndarray:
    """The float32 rows the codes stand for (each value within ``scale / 2`` of the original)."""
    return np.asarray(codes, dtype=np.float32) * scale + offset


def int8_dots(
    codes: np.ndarray, scale: np.ndarray, offset: np.ndarray, queries: np.ndarray
) -> np.ndarray:
    """``decode_int8(codes) @ queries`` (``queries``: ``dim x k``), by the compiled kernel
    (quantize_kernels.py) that reads the codes as they are, in parallel over rows."""
    from .quantize_kernels import int8_dots_kernel

    weighted_t = np.ascontiguousarray((scale[:, None] * queries).T, dtype=np.float32)
    shift = (offset @ queries).astype(np.float32)
    out = np.empty((codes.shape[0], queries.shape[1]), dtype=np.float32)
    int8_dots_kernel(codes, weighted_t, shift, out)
    return out


def int8_dots_reference(
    codes: np.ndarray, scale: np.ndarray, offset: np.ndarray, queries: np.ndarray
) -> np.ndarray:
    """:func:`int8_dots` in plain numpy, one block of codes made float32 at a time."""
    weighted = (scale[:, None] * queries).astype(np.float32)
    shift = (offset @ queries).astype(np.float32)
    out = np.empty((codes.shape[0], queries.shape[1]), dtype=np.float32)
    for start in range(0, codes.shape[0], BLOCK_ROWS):
        block = np.asarray(codes[start : start + BLOCK_ROWS], dtype=np.float32)
        out[start : start + len(block)] = block @ weighted + shift
    return out


def binary_center(matrix: np.ndarray) -> np.ndarray:
    """The table's mean unit row (float32), the point the sign bits are taken around."""
    total = np.zeros(matrix.shape[1], dtype=np.float64)
    for start in range(0, matrix.shape[0], BLOCK_ROWS):
        total += _unit_block(matrix[start : start + BLOCK_ROWS]).sum(axis=0, dtype=np.float64)
    return (total / max(matrix.shape[0], 1)).astype(np.float32)


def binary_width(dim: int) -> int:
    """Bytes per packed row: ``dim`` bits rounded up to whole 64-bit words."""
    return 8 * ((dim + 63) // 64)


def encode_binary(matrix: np.ndarray, center: np.ndarray) -> np.ndarray:
    """``(rows, binary_width(dim))`` uint8: bit ``j`` of a row ``x`` is ``u_j > center_j``,
    ``u = x / |x|`` (a query vector is encoded the same way)."""
    width = binary_width(matrix.shape[1])
    codes = np.zeros((matrix.shape[0], width), dtype=np.uint8)
    for start in range(0, matrix.shape[0], BLOCK_ROWS):
        block = _unit_block(matrix[start : start + BLOCK_ROWS])
        packed = np.packbits(block > center, axis=1)
        codes[start : start + len(block), : packed.shape[1]] = packed
    return codes


def hamming_distances(codes: np.ndarray, query_codes: np.ndarray) -> np.ndarray:
    """``(rows, k)`` int32 Hamming distances between packed rows and ``k`` packed queries."""
    rows = np.ascontiguousarray(codes).view(np.uint64)  # no copy for a C-ordered (mmap) table
    queries = np.ascontiguousarray(query_codes).view(np.uint64)
    out = np.empty((codes.shape[0], queries.shape[0]), dtype=np.int32)
    for start in range(0, rows.shape[0], BLOCK_ROWS):
        block = rows[start : start + BLOCK_ROWS]
        for column, query in enumerate(queries):
            out[start : start + len(block), column] = _popcount(block ^ query).sum(axis=1)
    return out


def hamming_cosines(distances: np.ndarray, dim: int) -> np.ndarray:
    """Charikar's estimate of the cosine from a Hamming distance over ``dim`` sign bits."""
    return np.cos(np.pi * distances / dim).astype(np.float32)


def _unit_block(block: np.ndarray) -> np.ndarray:
    rows = np.asarray(block, dtype=np.float32)
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return rows / norms


def _popcount(words: np.ndarray) -> np.ndarray:
    if hasattr(np, "bitwise_count"):  # numpy >= 2.0
        return np.bitwise_count(words)
    as_bytes = words.view(np.uint8).reshape(*words.shape, 8)
    return _BYTE_POPCOUNT[as_bytes].sum(axis=-1, dtype=np.int32)


_BYTE_POPCOUNT = np.array([bin(i).count("1") for i in range(256)], dtype=np.uint8)
