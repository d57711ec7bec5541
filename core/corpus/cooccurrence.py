"""Word-context co-occurrence counts over an encoded corpus: the hot path of count-based methods.

For each offset ``d`` in ``1..window`` the pairs ``(ids[i], ids[i+d])`` inside one sentence are
selected with a vectorised mask, turned into one int64 key each and, per token chunk, sorted
and run-length reduced (numpy's sort is a SIMD radix/quick sort; no Python loop per token).
Harmonic weighting puts the distance into the key, so every (pair, distance) count stays an
exact integer until the very end: the result is bit-identical whatever the chunking.

Orientation: ``X[w, c]`` counts context word ``c`` around word ``w``. ``symmetric=True`` counts
contexts on both sides (the matrix is symmetric unless windows are dynamic); ``symmetric=False``
counts left contexts only (GloVe's ``-symmetric 0``; GloVe's cooccur file stores that table
transposed, keyed by the earlier word). Dynamic windows shrink each centre word's window to a
uniform draw from ``1..window`` as word2vec does, seeded and independent of the chunking.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import TYPE_CHECKING, Literal

import numpy as np

from ..errors import ConfigError, TrainingError

if TYPE_CHECKING:
    import scipy.sparse

    from .encoded import EncodedCorpus

logger = logging.getLogger(__name__)

Weighting = Literal["harmonic", "flat"]
WEIGHTINGS: tuple[str, ...] = ("harmonic", "flat")
_BYTES_PER_PAIR = 48  # key + sort + run-length bookkeeping, measured upper bound per pair slot
_SHRINK_BLOCK = 1 << 16  # dynamic-window draws are seeded per block of token positions


def cooccurrence_counts(
    encoded: EncodedCorpus,
    window: int = 5,
    weighting: Weighting = "harmonic",
    symmetric: bool = True,
    dynamic_window: bool = False,
    seed: int = 0,
    memory_budget_mb: float = 512,
    progress: bool = False,
) -> scipy.sparse.csr_matrix:
    """The ``V x V`` float64 co-occurrence matrix of ``encoded`` (CSR, canonical).

    ``memory_budget_mb`` bounds the working memory of the counting (token chunks are sized
    from it); the returned matrix itself is extra.
    """
    _check_options(window, weighting, memory_budget_mb)
    if encoded.n_tokens == 0:
        raise TrainingError("cannot count co-occurrences: the encoded corpus holds no token")
    chunk_tokens = max(1, int(memory_budget_mb * 2**20) // (_BYTES_PER_PAIR * window))
    return count_cooccurrences(
        np.asarray(encoded.ids),
        np.asarray(encoded.offsets),
        len(encoded.vocab),
        window=window,
        weighting=weighting,
        symmetric=symmetric,
        dynamic_window=dynamic_window,
        seed=seed,
        chunk_tokens=chunk_tokens,
        progress=progress,
    )


def _check_options(window: int, weighting: str, memory_budget_mb: float) -> None:
    if isinstance(window, bool) or not isinstance(window, (int, np.integer)) or window < 1:
        raise ConfigError(
            f"expected a window of at least 1 token; found {window!r}", where="cooccurrence.window"
        )
    if weighting not in WEIGHTINGS:
        raise ConfigError(
            f"expected weighting 'harmonic' or 'flat'; found {weighting!r}",
            where="cooccurrence.weighting",
        )
    if not memory_budget_mb > 0:
        raise ConfigError(
            f"expected a positive memory budget in MB; found {memory_budget_mb!r}",
            where="cooccurrence.memory_budget_mb",
        )


def shrunk_windows(window: int, seed: int, start: int, stop: int) -> np.ndarray:
    """Each position's dynamic window in ``[start, stop)``: uniform in ``1..window``.

    Drawn per fixed block of positions from ``default_rng([seed, block])``, so the value at a
    position does not depend on how the caller chunks the corpus.
    """
    first, last = start // _SHRINK_BLOCK, (max(stop, start + 1) - 1) // _SHRINK_BLOCK
    blocks = [
        np.random.default_rng([seed, block]).integers(
            1, window + 1, size=_SHRINK_BLOCK, dtype=np.int32
        )
        for block in range(first, last + 1)
    ]
    values = np.concatenate(blocks)
    base = first * _SHRINK_BLOCK
    return values[start - base : stop - base]


def count_cooccurrences(
    ids: np.ndarray,
    offsets: np.ndarray,
    vocab_size: int,
    *,
    window: int,
    weighting: Weighting = "harmonic",
    symmetric: bool = True,
    dynamic_window: bool = False,
    seed: int = 0,
    chunk_tokens: int = 1 << 20,
    progress: bool = False,
) -> scipy.sparse.csr_matrix:
    """:func:`cooccurrence_counts` on raw arrays, with an explicit chunk size (for tests)."""
    _check_options(window, weighting, 1)
    n_tokens = len(ids)
    harmonic = weighting == "harmonic"
    # "forward" counts X[ids[i], ids[i+d]] (right context of i, window of i);
    # "backward" counts the same key but for the left context of i+d (window of i+d) and is
    # transposed at the end. Without dynamic windows both masks coincide: count once.
    passes = ["backward"] if not symmetric else ["forward"] if not dynamic_window else [
        "forward",
        "backward",
    ]
    totals: dict[str, scipy.sparse.csr_matrix | None] = {name: None for name in passes}
    chunks = list(_chunks(n_tokens, chunk_tokens))
    iterator: Iterator[tuple[int, int]] = iter(chunks)
    if progress:
        from tqdm.auto import tqdm

        iterator = tqdm(chunks, desc="counting co-occurrences", unit=" chunk")
    buffer = np.empty(min(chunk_tokens, n_tokens) * window, dtype=np.int64)
    for start, stop in iterator:
        room = _room_to_sentence_end(offsets, start, stop, window)
        shrunk = None
        if dynamic_window:
            shrunk = shrunk_windows(window, seed, start, stop + window)
        for name in passes:
            filled = _fill_pair_keys(
                buffer, ids, start, room, shrunk, name, vocab_size, window, harmonic
            )
            shard = _reduce_keys(buffer[:filled], vocab_size, window, harmonic)
            totals[name] = shard if totals[name] is None else totals[name] + shard
    import scipy.sparse

    n_columns = vocab_size * window if harmonic else vocab_size
    empty = scipy.sparse.csr_matrix((vocab_size, n_columns), dtype=np.float64)
    summed = {name: empty if total is None else total for name, total in totals.items()}
    if harmonic:
        summed = {name: _fold_distances(m, vocab_size, window) for name, m in summed.items()}
    if not symmetric:
        result = summed["backward"].T.tocsr()
    elif not dynamic_window:
        result = (summed["forward"] + summed["forward"].T).tocsr()
    else:
        result = (summed["forward"] + summed["backward"].T).tocsr()
    result.sum_duplicates()
    result.sort_indices()
    return result


def _chunks(n_tokens: int, chunk_tokens: int) -> Iterator[tuple[int, int]]:
    for start in range(0, n_tokens, chunk_tokens):
        yield start, min(start + chunk_tokens, n_tokens)


def _room_to_sentence_end(offsets: np.ndarray, start: int, stop: int, window: int) -> np.ndarray:
    """For positions ``start..stop-1``: tokens after it in its sentence, capped at ``window``."""
    positions = np.arange(start, stop, dtype=np.int64)
    sentence = np.searchsorted(offsets, positions, side="right") - 1
    room = offsets[sentence + 1] - positions - 1
    return np.minimum(room, window).astype(np.int32)


def _fill_pair_keys(
    buffer: np.ndarray,
    ids: np.ndarray,
    start: int,
    room: np.ndarray,
    shrunk: np.ndarray | None,
    direction: str,
    vocab_size: int,
    window: int,
    harmonic: bool,
) -> int:
    """Write one int64 key per valid pair starting in this chunk; return how many."""
    n = len(room)
    limit = room if shrunk is None or direction == "backward" else np.minimum(room, shrunk[:n])
    filled = 0
    for d in range(1, window + 1):
        mask = limit >= d
        if shrunk is not None and direction == "backward":
            mask &= shrunk[d : d + n] >= d
        left = np.flatnonzero(mask)
        if len(left) == 0:
            if not (room >= d).any():
                break
            continue
        left += start
        keys = buffer[filled : filled + len(left)]
        np.multiply(ids[left], vocab_size, out=keys, dtype=np.int64)
        keys += ids[left + d]
        if harmonic:
            keys *= window
            keys += d - 1
        filled += len(left)
    return filled


def _reduce_keys(
    keys: np.ndarray, vocab_size: int, window: int, harmonic: bool
) -> scipy.sparse.csr_matrix:
    """Sort the keys in place and count equal ones into a canonical CSR shard.

    Harmonic shards keep one column per (context, distance), ``context * window + d - 1``,
    holding exact integer counts, so summing shards is exact and order-free.
    """
    import scipy.sparse

    n_columns = vocab_size * window if harmonic else vocab_size
    keys.sort()
    n = len(keys)
    if n == 0:
        return scipy.sparse.csr_matrix((vocab_size, n_columns), dtype=np.float64)
    starts = _run_starts(keys)
    unique = keys[starts]
    runs = np.diff(starts, append=n).astype(np.float64)
    rows, cols = np.divmod(unique, n_columns)
    return _canonical_csr(runs, rows, cols, vocab_size, n_columns)


def _fold_distances(
    counts: scipy.sparse.csr_matrix, vocab_size: int, window: int
) -> scipy.sparse.csr_matrix:
    """Turn per-(context, distance) counts into harmonic sums ``sum_d count_d / d``.

    One sparse product with the ``(V * window) x V`` matrix holding ``1/d`` at
    ``[c * window + d - 1, c]``; scipy sums each row in stored (canonical) order, so equal
    counts give bit-identical sums.
    """
    import scipy.sparse

    counts.sum_duplicates()
    index_dtype = _index_dtype(vocab_size * window, vocab_size * window)
    fold = scipy.sparse.csr_matrix(
        (
            np.tile(1.0 / np.arange(1, window + 1), vocab_size),
            np.repeat(np.arange(vocab_size, dtype=index_dtype), window),
            np.arange(vocab_size * window + 1, dtype=index_dtype),
        ),
        shape=(vocab_size * window, vocab_size),
    )
    result = (counts @ fold).tocsr()
    result.sort_indices()
    return result


def _run_starts(sorted_keys: np.ndarray) -> np.ndarray:
    change = np.empty(len(sorted_keys), dtype=bool)
    change[0] = True
    np.not_equal(sorted_keys[1:], sorted_keys[:-1], out=change[1:])
    return np.flatnonzero(change)


def _canonical_csr(
    values: np.ndarray, rows: np.ndarray, cols: np.ndarray, n_rows: int, n_columns: int
) -> scipy.sparse.csr_matrix:
    """CSR from entries already sorted by (row, col) and unique: no sort, no duplicate pass."""
    import scipy.sparse

    index_dtype = _index_dtype(max(n_rows, n_columns), len(values))
    indptr = np.zeros(n_rows + 1, dtype=index_dtype)
    np.cumsum(np.bincount(rows, minlength=n_rows), out=indptr[1:])
    matrix = scipy.sparse.csr_matrix(
        (values, cols.astype(index_dtype), indptr), shape=(n_rows, n_columns)
    )
    matrix.has_canonical_format = True
    return matrix


def _index_dtype(vocab_size: int, nnz: int) -> type:
    return np.int32 if max(vocab_size, nnz) < np.iinfo(np.int32).max else np.int64
