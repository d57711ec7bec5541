"""Word-context co-occurrence counts over an encoded corpus: the hot path of count-based methods.

For each offset ``d`` in ``1..window`` the pairs ``(ids[i], ids[i+d])`` inside one sentence are
selected with a vectorised mask and packed into one integer key each (word, context and, for
harmonic weights, the distance, in bit fields: 32-bit keys whenever they fit); per token chunk
the keys are sorted (numpy's SIMD sort) and run-length reduced. No Python loop per token.

Exactness: harmonic weights are kept as integers scaled by ``L = lcm(1..window)`` (a pair
seen ``c`` times at distance ``d`` adds ``c * L/d``), summed exactly in int64 across chunks and
divided by ``L`` once at the end. Each entry is therefore the correctly rounded value of its
exact rational sum, bit-identical whatever the chunking or memory budget. (Windows so wide
that int64 could overflow fall back to float sums.)

Orientation: ``X[w, c]`` counts context word ``c`` around word ``w``. ``symmetric=True`` counts
contexts on both sides (the matrix is symmetric unless windows are dynamic); ``symmetric=False``
counts left contexts only (GloVe's ``-symmetric 0``; GloVe's cooccur file stores that table
transposed, keyed by the earlier word). Dynamic windows shrink each centre word's window to a
uniform draw from ``1..window`` as word2vec does, seeded and independent of the chunking.
"""

from __future__ import annotations

import itertools
import logging
import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np

from ..errors import ConfigError, FormatError, TrainingError

if TYPE_CHECKING:
    import scipy.sparse

    from ..contracts import Engine
    from .encoded import EncodedCorpus

logger = logging.getLogger(__name__)

Weighting = Literal["harmonic", "flat"]
WEIGHTINGS: tuple[str, ...] = ("harmonic", "flat")
# Working bytes per pair slot beyond the key itself (in-place sort, run starts, counts):
# measured on Gutenberg, window 10. The accumulated matrix (distinct pairs) comes on top.
_BYTES_PER_PAIR_BEYOND_KEY = 12
# Chunks beyond ~4M pair slots only get slower (the sort leaves the CPU caches): cap them.
_MAX_PAIRS_PER_CHUNK = 1 << 22
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
    harmonic = weighting == "harmonic"
    layout = _KeyLayout.for_sizes(len(encoded.vocab), window, harmonic)
    bytes_per_pair = np.dtype(layout.dtype).itemsize + _BYTES_PER_PAIR_BEYOND_KEY
    budget_pairs = int(memory_budget_mb * 2**20) // bytes_per_pair
    chunk_tokens = max(1, min(budget_pairs, _MAX_PAIRS_PER_CHUNK) // window)
    from ..engine import current_engine

    engine = current_engine()
    if engine.distributed:
        spec = CountSpec.for_corpus(
            np.asarray(encoded.ids), len(encoded.vocab), window=window, weighting=weighting,
            symmetric=symmetric, dynamic_window=dynamic_window, seed=seed,
            chunk_tokens=chunk_tokens,
        )
        return sharded_cooccurrence_counts(encoded.ids, encoded.offsets, spec, engine)
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
    spec = CountSpec.for_corpus(
        ids, vocab_size, window=window, weighting=weighting, symmetric=symmetric,
        dynamic_window=dynamic_window, seed=seed, chunk_tokens=chunk_tokens,
    )
    return finish_counts(count_shard(ids, offsets, spec, progress=progress), spec)


@dataclass(frozen=True)
class CountSpec:
    """Everything a shard needs to count its part exactly as the whole corpus would be counted.

    ``n_tokens`` is the whole corpus's size (it decides integer vs float weights), so every
    shard picks the same weights; ``passes`` are the directional tables summed per shard.
    """

    vocab_size: int
    n_tokens: int
    window: int
    weighting: str
    symmetric: bool
    dynamic_window: bool
    seed: int
    chunk_tokens: int

    @classmethod
    def for_corpus(
        cls, ids: np.ndarray, vocab_size: int, *, window: int, weighting: str = "harmonic",
        symmetric: bool = True, dynamic_window: bool = False, seed: int = 0,
        chunk_tokens: int = 1 << 20,
    ) -> CountSpec:
        _check_options(window, weighting, 1)
        if dynamic_window and (not isinstance(seed, (int, np.integer)) or seed < 0):
            raise ConfigError(
                f"expected a non-negative integer seed; found {seed!r}",
                where="cooccurrence.seed",
            )
        if len(ids) and (int(ids.min()) < 0 or int(ids.max()) >= vocab_size):
            raise FormatError(
                f"expected word ids in 0..{vocab_size - 1}; found "
                f"{int(ids.min())}..{int(ids.max())}"
                " (is the encoded corpus folder corrupt or from another vocabulary?)"
            )
        return cls(int(vocab_size), len(ids), int(window), weighting, bool(symmetric),
                   bool(dynamic_window), int(seed), int(chunk_tokens))

    @property
    def layout(self) -> _KeyLayout:
        return _KeyLayout.for_sizes(self.vocab_size, self.window, self.weighting == "harmonic")

    @property
    def weights(self) -> _PairWeights:
        return _PairWeights.for_window(self.window, self.weighting == "harmonic", self.n_tokens)

    @property
    def passes(self) -> tuple[str, ...]:
        # "forward" counts X[ids[i], ids[i+d]] (right context of i, window of i); "backward"
        # counts the same key for the left context of i+d (window of i+d) and is transposed
        # at the end. Without dynamic windows both masks coincide: count once.
        if not self.symmetric:
            return ("backward",)
        return ("forward", "backward") if self.dynamic_window else ("forward",)

    @property
    def exact(self) -> bool:
        """Whether shard sums are integers (then any sharding gives bit-identical results)."""
        return np.issubdtype(self.weights.dtype, np.integer)


def count_shard(
    ids: np.ndarray, offsets: np.ndarray, spec: CountSpec, *, position_base: int = 0,
    progress: bool = False,
) -> dict[str, scipy.sparse.csr_matrix]:
    """Unscaled per-pass sums over whole sentences: ``ids`` and ``offsets`` (from 0) of a
    slice of the corpus that starts at token ``position_base`` of the whole.

    Why ``position_base``: dynamic windows are drawn per absolute token position, so a shard
    must know where it sits to draw the same windows as the whole corpus would.
    """
    layout, weights = spec.layout, spec.weights
    window = spec.window
    totals = {name: _empty(spec.vocab_size, weights.dtype) for name in spec.passes}
    n_tokens = len(ids)
    chunks = list(_chunks(n_tokens, spec.chunk_tokens))
    iterator: Iterator[tuple[int, int]] = iter(chunks)
    if progress:
        from tqdm.auto import tqdm

        iterator = tqdm(chunks, desc="counting co-occurrences", unit=" chunk")
    buffer: np.ndarray = np.empty(min(spec.chunk_tokens, n_tokens) * window, dtype=layout.dtype)
    for start, stop in iterator:
        room = _room_to_sentence_end(offsets, start, stop, window)
        shrunk = None
        if spec.dynamic_window:
            shrunk = shrunk_windows(window, spec.seed, position_base + start,
                                    position_base + stop + window)
        for name in spec.passes:
            filled = _fill_pair_keys(buffer, ids, start, room, shrunk, name, window, layout)
            shard = _reduce_keys(buffer[:filled], spec.vocab_size, layout, weights)
            totals[name] = shard if totals[name].nnz == 0 else totals[name] + shard
    return totals


def add_counts(
    left: dict[str, scipy.sparse.csr_matrix], right: dict[str, scipy.sparse.csr_matrix]
) -> dict[str, scipy.sparse.csr_matrix]:
    """Two shards' unscaled sums added pass by pass (exact for integer weights)."""
    return {name: (left[name] + right[name]).tocsr() for name in left}


def finish_counts(
    totals: dict[str, scipy.sparse.csr_matrix], spec: CountSpec
) -> scipy.sparse.csr_matrix:
    """The summed passes as the final ``V x V`` float64 matrix: orient, scale once, canonical."""
    import scipy.sparse

    if not spec.symmetric:
        result = totals["backward"].T.tocsr()
    elif not spec.dynamic_window:
        result = (totals["forward"] + totals["forward"].T).tocsr()
    else:
        result = (totals["forward"] + totals["backward"].T).tocsr()
    result.sort_indices()
    result = scipy.sparse.csr_matrix(
        (result.data / spec.weights.scale, result.indices, result.indptr), shape=result.shape
    )
    result.has_canonical_format = True
    return result


def sharded_cooccurrence_counts(
    ids: np.ndarray, offsets: np.ndarray, spec: CountSpec, engine: Engine,
    tokens_per_shard: int | None = None,
) -> scipy.sparse.csr_matrix:
    """The corpus counted shard by shard on ``engine`` and summed: with integer weights
    (every window up to 20 on corpora below ~10^13 tokens) bit-identical to the local count.

    Shards default to one per worker (at least one memory-budget chunk each): a shard sums
    its chunks inside the worker, and every shard's table crosses the object store once, so
    fewer shards means fewer near-full tables shipped and added (measured in
    bench/results/scale.md: four shards per worker left Ray at 0.48x local on 20M tokens).
    A retried shard then redoes 1/workers of the work; pass ``tokens_per_shard`` for finer
    retries.
    """
    if not spec.exact:
        logger.warning("window %d too wide for exact integer sums: sharded float sums may "
                       "differ from the local count in the last bits", spec.window)
    if tokens_per_shard is None:
        tokens_per_shard = max(spec.chunk_tokens, -(-spec.n_tokens // engine.workers))
    shards = sentence_shards(np.asarray(offsets), tokens_per_shard)
    totals = engine.map_reduce(
        count_sentence_range, shards, add_counts,
        shared={"ids": ids, "offsets": offsets, "spec": spec}, desc="counting co-occurrences",
    )
    return finish_counts(totals, spec)


def count_sentence_range(
    bounds: tuple[int, int], *, ids: np.ndarray, offsets: np.ndarray, spec: CountSpec
) -> dict[str, scipy.sparse.csr_matrix]:
    """One shard's unscaled sums: sentences ``bounds[0]..bounds[1]-1`` of the corpus."""
    first, stop = bounds
    low, high = int(offsets[first]), int(offsets[stop])
    local_offsets = np.asarray(offsets[first : stop + 1], dtype=np.int64) - low
    return count_shard(np.asarray(ids[low:high]), local_offsets, spec, position_base=low)


def sentence_shards(offsets: np.ndarray, tokens_per_shard: int) -> list[tuple[int, int]]:
    """``(first_sentence, stop_sentence)`` ranges of about ``tokens_per_shard`` tokens each.

    Shards hold whole sentences because no pair crosses a sentence boundary: each shard then
    counts its pairs alone, and the sum of the shards is the whole corpus's count.
    """
    if tokens_per_shard < 1:
        raise ConfigError(f"expected at least 1 token per shard; found {tokens_per_shard}",
                          where="tokens_per_shard")
    n_sentences = len(offsets) - 1
    targets = np.arange(tokens_per_shard, int(offsets[-1]), tokens_per_shard)
    cuts = np.unique(np.searchsorted(offsets, targets, side="left"))
    bounds = [0, *(int(c) for c in cuts if 0 < c < n_sentences), n_sentences]
    return [(a, b) for a, b in itertools.pairwise(bounds) if b > a]


@dataclass(frozen=True)
class _KeyLayout:
    """Bit layout of a pair key: ``word << row_shift | context << distance_bits | d - 1``.

    Shifts and masks instead of multiply/divide, and 32-bit keys (half the sort traffic)
    whenever the vocabulary and window fit, as they do for corpora of a few million tokens.
    """

    row_shift: int
    distance_bits: int
    dtype: type
    harmonic: bool

    @classmethod
    def for_sizes(cls, vocab_size: int, window: int, harmonic: bool) -> _KeyLayout:
        word_bits = max(1, int(vocab_size - 1).bit_length())
        distance_bits = int(window - 1).bit_length() if harmonic else 0
        total = 2 * word_bits + distance_bits
        if total > 64:
            raise ConfigError(
                f"a vocabulary of {vocab_size} words with window {window} does not fit 64-bit "
                "pair keys; lower max_vocab",
                where="cooccurrence.window",
            )
        dtype = np.uint32 if total <= 32 else np.uint64
        return cls(word_bits + distance_bits, distance_bits, dtype, harmonic)


@dataclass(frozen=True)
class _PairWeights:
    """Weight of one pair at distance ``d`` is ``per_distance[d] / scale``."""

    per_distance: np.ndarray  # index d (0 unused)
    scale: float

    @property
    def dtype(self) -> type:
        return self.per_distance.dtype.type

    @classmethod
    def for_window(cls, window: int, harmonic: bool, n_tokens: int) -> _PairWeights:
        distances = np.arange(window + 1)
        if not harmonic:
            return cls(np.ones(window + 1, dtype=np.int64), 1.0)
        lcm = math.lcm(*range(1, window + 1))
        if n_tokens * window * lcm < 2**62:  # no entry can overflow int64
            return cls(lcm // np.maximum(distances, 1), float(lcm))
        logger.info("window %d too wide for exact integer sums; summing floats", window)
        return cls(1.0 / np.maximum(distances, 1), 1.0)


def _empty(vocab_size: int, dtype: type) -> scipy.sparse.csr_matrix:
    import scipy.sparse

    return scipy.sparse.csr_matrix((vocab_size, vocab_size), dtype=dtype)


def _chunks(n_tokens: int, chunk_tokens: int) -> Iterator[tuple[int, int]]:
    for start in range(0, n_tokens, chunk_tokens):
        yield start, min(start + chunk_tokens, n_tokens)


def _room_to_sentence_end(offsets: np.ndarray, start: int, stop: int, window: int) -> np.ndarray:
    """For positions ``start..stop-1``: tokens after it in its sentence, capped at ``window``."""
    first = int(np.searchsorted(offsets, start, side="right")) - 1
    last = int(np.searchsorted(offsets, stop - 1, side="right")) - 1
    ends = np.asarray(offsets[first + 1 : last + 2], dtype=np.int64)
    begins = np.maximum(np.asarray(offsets[first : last + 1], dtype=np.int64), start)
    sentence_end = np.repeat(ends, np.minimum(ends, stop) - begins)
    room = sentence_end - np.arange(start, stop, dtype=np.int64) - 1
    return np.minimum(room, window).astype(np.int32)


def _fill_pair_keys(
    buffer: np.ndarray,
    ids: np.ndarray,
    start: int,
    room: np.ndarray,
    shrunk: np.ndarray | None,
    direction: str,
    window: int,
    layout: _KeyLayout,
) -> int:
    """Write one key per valid pair whose first token is in this chunk; return how many."""
    n = len(room)
    limit = room if shrunk is None or direction == "backward" else np.minimum(room, shrunk[:n])
    dtype = layout.dtype
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
        np.left_shift(ids[left].astype(dtype), dtype(layout.row_shift), out=keys)
        context: np.ndarray = ids[left + d].astype(dtype)
        if layout.distance_bits:
            context <<= dtype(layout.distance_bits)
            context |= dtype(d - 1)
        keys |= context
        filled += len(left)
    return filled


def _reduce_keys(
    keys: np.ndarray, vocab_size: int, layout: _KeyLayout, weights: _PairWeights
) -> scipy.sparse.csr_matrix:
    """Sort the keys in place and sum their weights per (word, context) into a CSR shard."""
    keys.sort()
    n = len(keys)
    if n == 0:
        return _empty(vocab_size, weights.dtype)
    starts = _run_starts(keys)
    unique = keys[starts]
    runs = np.diff(starts, append=n)
    if layout.distance_bits:
        distance = (unique & layout.dtype((1 << layout.distance_bits) - 1)).astype(np.intp) + 1
        values = runs * weights.per_distance[distance]
        pairs = unique >> layout.dtype(layout.distance_bits)
        pair_starts = _run_starts(pairs)
        values = np.add.reduceat(values, pair_starts)
        pairs = pairs[pair_starts]
    else:
        values, pairs = runs.astype(weights.dtype), unique
    word_bits = layout.row_shift - layout.distance_bits
    rows = (pairs >> layout.dtype(word_bits)).astype(np.int64)
    columns = pairs & layout.dtype((1 << word_bits) - 1)
    return _canonical_csr(values, rows, columns, vocab_size)


def _run_starts(sorted_keys: np.ndarray) -> np.ndarray:
    change = np.empty(len(sorted_keys), dtype=bool)
    change[0] = True
    np.not_equal(sorted_keys[1:], sorted_keys[:-1], out=change[1:])
    return np.flatnonzero(change)


def _canonical_csr(
    values: np.ndarray, rows: np.ndarray, cols: np.ndarray, vocab_size: int
) -> scipy.sparse.csr_matrix:
    """CSR from entries already sorted by (row, col) and unique: no sort, no duplicate pass."""
    import scipy.sparse

    index_dtype = np.int32 if max(vocab_size, len(values)) < 2**31 - 1 else np.int64
    indptr = np.zeros(vocab_size + 1, dtype=index_dtype)
    np.cumsum(np.bincount(rows, minlength=vocab_size), out=indptr[1:])
    matrix = scipy.sparse.csr_matrix(
        (values, cols.astype(index_dtype), indptr), shape=(vocab_size, vocab_size)
    )
    matrix.has_canonical_format = True
    return matrix
