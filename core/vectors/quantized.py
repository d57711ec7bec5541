"""A quantized table: nearest neighbours from int8 or binary codes, rescored with float rows.

:meth:`Vectors.quantize` builds one in memory; :func:`lexiplug.vectors.io_quantized.
load_quantized` opens one saved in a native folder, codes memory-mapped and the float rows (when
the folder keeps ``vectors.npy``) read from disk only for the candidates being rescored, so the
process holds the codes and not the float matrix.

Queries follow :meth:`Vectors.most_similar`: unit-normalised inputs, mean of positives minus
negatives, input words excluded, ``restrict_vocab`` = the first N rows. With float rows the
returned scores are exact cosines of the rescored candidates (the same numbers
:meth:`Vectors.most_similar` gives); without them they are the codes' approximations.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ConfigError, LexiplugError, OOVError, require_one_of
from .quantize import (
    BLOCK_ROWS,
    QUANT_KINDS,
    binary_center,
    binary_width,
    decode_int8,
    encode_binary,
    encode_int8,
    hamming_cosines,
    hamming_distances,
    int8_codebook,
    int8_dots,
)
from .threads import bounded_threads
from .vectors import (
    Query,
    Vectors,
    _as_list,
    searched_rows,
    top_indices,
    unit_query_vector,
    unit_rows,
)

FloatRows = Callable[[np.ndarray], np.ndarray]  # sorted row indices -> float32 rows
_SCORE_BYTES = 64 << 20  # at most this much approximate-score matrix per query chunk
# candidates rescored per query, as a multiple of topn (and at least the floor): binary codes
# rank far more coarsely than int8 ones, so they need a longer list (bench/ann.py measures it)
RESCORE_FACTOR = {"int8": 4, "binary": 20}
RESCORE_FLOOR = {"int8": 40, "binary": 200}


class QuantizedVectors:
    """Keys, quantized codes, exact row norms and, optionally, a source of exact float rows.

    ``params`` holds the codebook: ``scale`` and ``offset`` for int8, ``center`` for binary.
    ``norms`` are the float rows' L2 norms (int8 scores divide by them).
    """

    def __init__(
        self,
        keys: Sequence[str],
        kind: str,
        codes: np.ndarray,
        params: dict[str, np.ndarray],
        norms: np.ndarray,
        *,
        dim: int,
        float_rows: FloatRows | None = None,
        counts: np.ndarray | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        require_one_of(kind, QUANT_KINDS, "kind")
        self.keys: list[str] = list(keys)
        self.key_to_index: dict[str, int] = {key: i for i, key in enumerate(self.keys)}
        self.kind, self.codes, self.params, self.norms = kind, codes, params, norms
        self.dim = int(dim)
        self.float_rows = float_rows
        # the whole float matrix (in memory or memory-mapped), for saving; queries never scan it
        self.float_matrix: np.ndarray | None = None
        self.counts = counts
        self.metadata: dict[str, Any] = dict(metadata or {})

    def __len__(self) -> int:
        return len(self.keys)

    def __contains__(self, word: object) -> bool:
        return word in self.key_to_index

    def __repr__(self) -> str:
        rescoring = "float rescoring" if self.float_rows else "codes only"
        return f"<QuantizedVectors {self.kind} {len(self)} x {self.dim}, {rescoring}>"

    @property
    def code_bytes(self) -> int:
        """Bytes the search structures take in memory: codes, norms and codebook."""
        return int(self.codes.nbytes + self.norms.nbytes
                   + sum(p.nbytes for p in self.params.values()))

    # -- rows --------------------------------------------------------------------------------

    def index(self, word: str) -> int:
        try:
            return self.key_to_index[word]
        except KeyError:
            raise OOVError(f"{word!r} is not in the vocabulary ({len(self)} words)") from None

    def vector(self, word: str) -> np.ndarray:
        """The word's float row when float rows are at hand, else its decoded codes (int8).

        A binary code keeps only signs, so without float rows there is no vector to give
        (single-word queries still work: they compare the word's own code).
        """
        row = np.array([self.index(word)], dtype=np.int64)
        if self.float_rows is not None:
            return self.float_rows(row)[0]
        if self.kind == "int8":
            return decode_int8(self.codes[row], self.params["scale"], self.params["offset"])[0]
        raise LexiplugError(
            f"a binary table without float rows keeps only signs; {word!r} has no vector. "
            "Save it with keep_float=True (convert --quantize keeps vectors.npy) to rescore",
            where=self.metadata.get("source"),
        )

    # -- search ------------------------------------------------------------------------------

    def approximate_scores(self, queries: np.ndarray, limit: int) -> np.ndarray:
        """``(limit, k)`` approximate cosines of the first ``limit`` rows with ``k`` unit query
        columns (``dim x k``)."""
        codes = self.codes[:limit]
        if self.kind == "int8":
            dots = int8_dots(codes, self.params["scale"], self.params["offset"], queries)
            norms = np.asarray(self.norms[:limit], dtype=np.float32).copy()
            norms[norms == 0] = 1.0
            return dots / norms[:, None]
        query_codes = encode_binary(np.ascontiguousarray(queries.T), self.params["center"])
        return hamming_cosines(hamming_distances(codes, query_codes), self.dim)

    def most_similar(
        self,
        positive: Query | Sequence[Query] = (),
        negative: Query | Sequence[Query] = (),
        topn: int = 10,
        restrict_vocab: int | None = None,
        *,
        rescore: int | None = None,
        threads: int | None = None,
    ) -> list[tuple[str, float]]:
        """Words nearest to mean(positive) - mean(negative), input words excluded.

        ``rescore``: how many candidates from the codes get their exact float cosine (default
        ``RESCORE_FACTOR[kind] * topn``, at least ``RESCORE_FLOOR[kind]``); 0 returns the
        codes' ranking and scores. ``threads`` bounds BLAS threads for the call.
        """
        pos, neg = _as_list(positive), _as_list(negative)
        if not pos and not neg:
            raise LexiplugError("most_similar needs at least one positive or negative query")
        if self._signs_only() and len(pos) == 1 and not neg and isinstance(pos[0], str):
            return self.most_similar_batch([pos[0]], topn, restrict_vocab, threads=threads)[0]
        with bounded_threads(threads):
            rows = [self._unit_query(q) for q in pos] + [-self._unit_query(q) for q in neg]
            query = unit_rows(np.asarray(np.mean(rows, axis=0, dtype=np.float32))[None, :])[0]
            exclude = [self.key_to_index[q] for q in (*pos, *neg)
                       if isinstance(q, str) and q in self.key_to_index]
            limit = self._limit(restrict_vocab)
            scores = self.approximate_scores(query[:, None], limit)[:, 0]
            return self._best(scores, query, exclude, topn, rescore)

    def most_similar_batch(
        self,
        queries: Sequence[str],
        topn: int = 10,
        restrict_vocab: int | None = None,
        *,
        rescore: int | None = None,
        threads: int | None = None,
    ) -> list[list[tuple[str, float]]]:
        """``most_similar`` for many single-word queries, the codes scanned once per chunk."""
        limit = self._limit(restrict_vocab)
        results: list[list[tuple[str, float]]] = []
        chunk = max(1, min(128, _SCORE_BYTES // max(4 * limit, 1)))
        with bounded_threads(threads):
            for start in range(0, len(queries), chunk):
                words = list(queries[start : start + chunk])
                if self._signs_only():  # a word's own code is its query code
                    block = np.zeros((len(words), self.dim), dtype=np.float32)  # unused
                    query_codes = self.codes[[self.index(w) for w in words]]
                    scores = hamming_cosines(
                        hamming_distances(self.codes[:limit], query_codes), self.dim)
                else:
                    block = np.stack([self._unit_query(w) for w in words])
                    scores = self.approximate_scores(block.T, limit)
                for column, word in enumerate(words):
                    own = [self.key_to_index[word]] if word in self.key_to_index else []
                    results.append(
                        self._best(scores[:, column], block[column], own, topn, rescore))
        return results

    def _best(
        self, scores: np.ndarray, query: np.ndarray, exclude: list[int], topn: int,
        rescore: int | None,
    ) -> list[tuple[str, float]]:
        excluded = [i for i in exclude if i < len(scores)]
        if excluded:
            scores[excluded] = -np.inf
        count = self._rescore_count(topn, rescore)
        if count == 0 or self.float_rows is None:
            best = top_indices(scores, topn)
            return [(self.keys[i], float(scores[i])) for i in best if np.isfinite(scores[i])]
        candidates = top_indices(scores, max(count, topn))
        candidates = np.sort(candidates[np.isfinite(scores[candidates])])
        rows = self.float_rows(candidates)
        norms = np.linalg.norm(rows, axis=1)
        norms[norms == 0] = 1.0
        exact = (rows @ query) / norms  # as Vectors divides raw products by stored norms
        order = np.argsort(-exact, kind="stable")[:topn]
        return [(self.keys[int(candidates[i])], float(exact[i])) for i in order]

    def _signs_only(self) -> bool:
        return self.kind == "binary" and self.float_rows is None

    def _rescore_count(self, topn: int, rescore: int | None) -> int:
        if rescore is None:
            return max(RESCORE_FACTOR[self.kind] * topn, RESCORE_FLOOR[self.kind])
        if isinstance(rescore, bool) or not isinstance(rescore, int) or rescore < 0:
            raise ConfigError(f"rescore must be a non-negative integer, got {rescore!r}",
                              where="rescore")
        return rescore

    def _unit_query(self, word_or_vector: Query) -> np.ndarray:
        if isinstance(word_or_vector, str):
            return unit_rows(self.vector(word_or_vector)[None, :])[0]
        return unit_query_vector(word_or_vector, self.dim)

    def _limit(self, restrict_vocab: int | None) -> int:
        return searched_rows(restrict_vocab, len(self))

    # -- IO ----------------------------------------------------------------------------------

    def save(self, path: str | Path, *, keep_float: bool = True) -> Path:
        """Write a native folder holding these codes (and the float rows unless
        ``keep_float`` is False, or there are none); atomic, as every native save."""
        from .io_quantized import write_quantized

        return write_quantized(Path(path), self, keep_float=keep_float)


def quantize_vectors(vectors: Vectors, kind: str) -> QuantizedVectors:
    """Codes for ``vectors`` (in memory); its float matrix serves as the rescoring rows."""
    require_one_of(kind, QUANT_KINDS, "kind")
    matrix = vectors.matrix
    norms = row_norms(matrix)  # first: it refuses a row holding NaN or inf
    params: dict[str, np.ndarray]
    if kind == "int8":
        scale, offset = int8_codebook(matrix)
        params = {"scale": scale, "offset": offset}
        codes = encode_int8(matrix, scale, offset)
    else:
        params = {"center": binary_center(matrix)}
        codes = encode_binary(matrix, params["center"])
        assert codes.shape[1] == binary_width(vectors.dim)
    metadata = {k: v for k, v in vectors.metadata.items() if not k.startswith("_")}
    table = QuantizedVectors(
        vectors.keys, kind, codes, params, norms, dim=vectors.dim,
        float_rows=lambda rows: np.asarray(vectors.matrix[rows], dtype=np.float32),
        counts=vectors.counts, metadata={**metadata, "table_checksum": vectors.checksum()},
    )
    table.float_matrix = vectors.matrix
    return table


def row_norms(matrix: np.ndarray) -> np.ndarray:
    """float32 L2 norms (summed in float64, so neither huge nor tiny rows overflow), in
    blocks; a row holding NaN or inf is an error, as for every lexiplug similarity query."""
    norms = np.empty(matrix.shape[0], dtype=np.float32)
    for start in range(0, matrix.shape[0], BLOCK_ROWS):
        block = np.asarray(matrix[start : start + BLOCK_ROWS], dtype=np.float64)
        norms[start : start + len(block)] = np.linalg.norm(block, axis=1)
    bad = np.flatnonzero(~np.isfinite(norms))
    if bad.size:
        raise LexiplugError(f"row {int(bad[0]) + 1} holds NaN or inf; cannot quantize it")
    return norms
