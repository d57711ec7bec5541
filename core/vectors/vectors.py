"""The :class:`Vectors` container: keys, a float32 matrix, optional counts and metadata.

Similarity queries follow gensim's ``KeyedVectors`` semantics (unit-normalised rows, input
words excluded from results, ``restrict_vocab`` = the first N rows) so figures computed here
and with gensim agree; the batched path answers many queries with one matrix product.
"""

from __future__ import annotations

import hashlib
import logging
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from ..errors import ConfigError, LexiplugError, OOVError, require_one_of

if TYPE_CHECKING:
    from gensim.models import KeyedVectors

    from .ann import AnnIndex
    from .quantized import QuantizedVectors

logger = logging.getLogger(__name__)

OOVPolicy = Literal["error", "zero", "random", "subword"]
OOV_POLICIES: tuple[str, ...] = ("error", "zero", "random", "subword")

Query = str | np.ndarray
_QUERY_CHUNK = 128  # queries per matrix product in batched search: bounds the score matrix
_SCORE_BYTES = 64 << 20  # at most this much float32 score matrix per batched product
_NORM_BLOCK_ROWS = 16_384  # rows per block when computing norms: bounds the temporary
# below this a float32 sum of squares loses precision to subnormals (or underflows to 0)
_TINY_NORM = np.float32(1e-18)


class Vectors:
    """Word vectors with gensim-compatible similarity queries.

    ``oov`` decides what looking up an unknown word does: ``error`` raises
    :class:`~lexiplug.errors.OOVError`; ``zero`` returns zeros; ``random`` returns a vector
    seeded by the word's hash (stable across runs), scaled to the mean row norm; ``subword``
    asks ``oov_provider`` (e.g. a fastText subword model).
    """

    def __init__(
        self,
        keys: Sequence[str],
        matrix: np.ndarray,
        *,
        counts: np.ndarray | Sequence[int] | None = None,
        metadata: dict[str, Any] | None = None,
        oov: OOVPolicy = "error",
        oov_provider: Callable[[str], np.ndarray] | None = None,
    ) -> None:
        if matrix.ndim != 2:
            raise LexiplugError(f"Vectors need a 2-D matrix, got shape {matrix.shape}.")
        if len(keys) != matrix.shape[0]:
            raise LexiplugError(
                f"Vectors got {len(keys)} keys for a matrix with {matrix.shape[0]} rows."
            )
        if matrix.dtype != np.float32:
            matrix = matrix.astype(np.float32)
        self.keys: list[str] = list(keys)
        # dict(zip(...)) builds in C: at 1M keys ~1.4x faster than a comprehension
        self.key_to_index: dict[str, int] = dict(
            zip(self.keys, range(len(self.keys)), strict=True))
        if len(self.key_to_index) != len(self.keys):
            seen: set[str] = set()
            dupes = [k for k in self.keys if k in seen or seen.add(k)]  # type: ignore[func-returns-value]
            raise LexiplugError(f"Vectors keys must be unique; duplicated: {dupes[:10]}")
        self.matrix: np.ndarray = matrix
        self.counts: np.ndarray | None = None if counts is None else np.asarray(counts, np.int64)
        if self.counts is not None and self.counts.shape != (len(self.keys),):
            raise LexiplugError(
                f"counts must have one entry per key ({len(self.keys)}), got {self.counts.shape}"
            )
        self.metadata: dict[str, Any] = dict(metadata or {})
        self.set_oov_policy(oov, oov_provider)
        self._unit: np.ndarray | None = None
        self._norms: RowNorms | None = None
        self._ann: AnnIndex | None = None  # set by build_index / load_index (exact=False)

    # -- basic container -------------------------------------------------------------------

    def set_oov_policy(
        self, oov: OOVPolicy, oov_provider: Callable[[str], np.ndarray] | None = None
    ) -> None:
        require_one_of(oov, OOV_POLICIES, "oov")
        if oov == "subword" and oov_provider is None:
            raise ConfigError("oov='subword' needs an oov_provider (a subword model)", where="oov")
        self.oov: OOVPolicy = oov
        self.oov_provider = oov_provider

    @property
    def dim(self) -> int:
        return int(self.matrix.shape[1])

    @property
    def shape(self) -> tuple[int, int]:
        return (int(self.matrix.shape[0]), int(self.matrix.shape[1]))

    def __len__(self) -> int:
        return len(self.keys)

    def __iter__(self) -> Iterator[str]:
        return iter(self.keys)

    def __contains__(self, word: object) -> bool:
        return word in self.key_to_index

    def __repr__(self) -> str:
        name = self.metadata.get("name")
        label = f" {name!r}" if name else ""
        return f"<Vectors{label} {len(self)} x {self.dim}, oov={self.oov}>"

    def index(self, word: str) -> int:
        try:
            return self.key_to_index[word]
        except KeyError:
            raise OOVError(f"{word!r} is not in the vocabulary ({len(self)} words)") from None

    def __getitem__(self, word: str | Sequence[str]) -> np.ndarray:
        if isinstance(word, str):
            return self.vector(word)
        return np.stack([self.vector(w) for w in word]) if len(word) else self._empty()

    def _empty(self) -> np.ndarray:
        return np.zeros((0, self.dim), dtype=np.float32)

    def vector(self, word: str) -> np.ndarray:
        """The word's vector, or the OOV policy's answer for an unknown word."""
        index = self.key_to_index.get(word)
        if index is not None:
            return np.asarray(self.matrix[index])
        return self.oov_vector(word)

    def oov_vector(self, word: str) -> np.ndarray:
        if self.oov == "error":
            raise OOVError(f"{word!r} is not in the vocabulary ({len(self)} words)")
        if self.oov == "zero":
            return np.zeros(self.dim, dtype=np.float32)
        if self.oov == "subword":
            assert self.oov_provider is not None
            return np.asarray(self.oov_provider(word), dtype=np.float32)
        seed = zlib.crc32(word.encode("utf-8"))
        rng = np.random.default_rng(seed)
        vec = rng.standard_normal(self.dim).astype(np.float32)
        vec *= self._mean_norm() / max(float(np.linalg.norm(vec)), 1e-12)
        return vec

    def can_vectorize(self, word: str) -> bool:
        """True if ``vector(word)`` returns a vector rather than raising."""
        return word in self.key_to_index or self.oov != "error"

    def get(self, word: str, default: np.ndarray | None = None) -> np.ndarray | None:
        """The word's vector if known, else ``default`` (ignores the OOV policy)."""
        index = self.key_to_index.get(word)
        return default if index is None else np.asarray(self.matrix[index])

    def _mean_norm(self) -> float:
        if "mean_norm" not in self.metadata.get("_cache", {}):
            norms = np.linalg.norm(self.matrix[: min(len(self), 100_000)], axis=1)
            mean = float(norms.mean()) if norms.size else 1.0
            self.metadata.setdefault("_cache", {})["mean_norm"] = mean
        return float(self.metadata["_cache"]["mean_norm"])

    # -- normalisation -----------------------------------------------------------------------

    @property
    def unit_matrix(self) -> np.ndarray:
        """Rows scaled to unit length (zero rows stay zero); computed once and kept.

        This is a full copy of the matrix; similarity queries do not need it (they divide
        by stored norms, as gensim does), so only callers that want every unit row pay for it.
        """
        if self._unit is None:
            self._unit = unit_rows(np.asarray(self.matrix))
        return self._unit

    @property
    def norms(self) -> RowNorms:
        """Row norms, computed once in blocks (no full-size temporary)."""
        if self._norms is None:
            norms = RowNorms.of(self.matrix)
            if norms.non_finite.size:
                # a memory-mapped native file is only scanned here, at the first query
                row = int(norms.non_finite[0])
                raise LexiplugError(
                    f"the vector of {self.keys[row]!r} (row {row + 1}) holds NaN or inf; "
                    f"{norms.non_finite.size} row(s) are not finite, so similarities would be "
                    "meaningless", where=self.metadata.get("source"),
                )
            self._norms = norms
        return self._norms

    def _unit_row(self, index: int) -> np.ndarray:
        if self._unit is not None:
            return self._unit[index]
        return unit_rows(np.asarray(self.matrix[index : index + 1]))[0]

    def _cosines(self, query: np.ndarray, limit: int) -> np.ndarray:
        """Cosine of every row in ``[:limit]`` with the unit ``query`` (float32, one product)."""
        if self._unit is not None:
            return self._unit[:limit] @ query
        return self.norms.cosines(np.asarray(self.matrix[:limit]), query)

    def normalized(self) -> Vectors:
        """A copy with unit-length rows (one new matrix; the cached unit copy is not built)."""
        if self._unit is not None:
            return self.with_matrix(self._unit.copy(), note="normalized")
        return self.with_matrix(self.norms.unit(np.asarray(self.matrix)), note="normalized")

    def with_matrix(self, matrix: np.ndarray, *, note: str | None = None) -> Vectors:
        """Same keys, counts, metadata and OOV policy, another matrix (transforms use this)."""
        metadata = {k: v for k, v in self.metadata.items() if k != "_cache"}
        if note:
            metadata["lineage"] = [*metadata.get("lineage", []), note]
        return Vectors(
            self.keys, matrix, counts=self.counts, metadata=metadata,
            oov=self.oov, oov_provider=self.oov_provider,
        )

    def subset(self, words: Iterable[str]) -> Vectors:
        """Vectors for the known ``words`` only, in the given order."""
        keep = [w for w in dict.fromkeys(words) if w in self.key_to_index]
        rows = np.array([self.key_to_index[w] for w in keep], dtype=np.int64)
        counts = None if self.counts is None else self.counts[rows]
        return Vectors(
            keep, np.asarray(self.matrix)[rows], counts=counts,
            metadata={k: v for k, v in self.metadata.items() if k != "_cache"}, oov=self.oov,
            oov_provider=self.oov_provider,
        )

    # -- similarity --------------------------------------------------------------------------

    def _unit_query(self, word_or_vector: Query) -> np.ndarray:
        if isinstance(word_or_vector, str):
            index = self.key_to_index.get(word_or_vector)
            if index is not None:
                return self._unit_row(index)
            return unit_rows(self.oov_vector(word_or_vector)[None, :])[0]
        return unit_query_vector(word_or_vector, self.dim)

    def similarity(self, word1: Query, word2: Query) -> float:
        """Cosine similarity of two words (or vectors)."""
        return float(np.dot(self._unit_query(word1), self._unit_query(word2)))

    def n_similarity(self, words1: Sequence[str], words2: Sequence[str]) -> float:
        """Cosine similarity of the means of two word lists (gensim's ``n_similarity``).

        As gensim does, the raw (not unit-normalised) vectors are averaged.
        """
        if not len(words1) or not len(words2):
            raise LexiplugError("n_similarity needs two non-empty word lists")
        a = np.stack([self.vector(w) for w in words1]).mean(axis=0, dtype=np.float32)
        b = np.stack([self.vector(w) for w in words2]).mean(axis=0, dtype=np.float32)
        return float(np.dot(unit_rows(a[None, :])[0], unit_rows(b[None, :])[0]))

    def similarity_pairs(self, pairs: Sequence[tuple[str, str]]) -> np.ndarray:
        """Cosine similarity of many known word pairs at once."""
        left = np.array([self.key_to_index[a] for a, _ in pairs], dtype=np.int64)
        right = np.array([self.key_to_index[b] for _, b in pairs], dtype=np.int64)
        matrix = np.asarray(self.matrix)
        unit_left, unit_right = unit_rows(matrix[left]), unit_rows(matrix[right])
        return np.einsum("ij,ij->i", unit_left, unit_right).astype(np.float64)

    def most_similar(
        self,
        positive: Query | Sequence[Query] = (),
        negative: Query | Sequence[Query] = (),
        topn: int = 10,
        restrict_vocab: int | None = None,
        *,
        exact: bool = True,
        threads: int | None = None,
    ) -> list[tuple[str, float]]:
        """Words nearest to mean(positive) - mean(negative), input words excluded (3CosAdd).

        ``exact=False`` asks the ANN index (:meth:`build_index`, or one saved beside the
        table) for the candidates; their scores are still exact cosines. ``threads`` bounds
        the BLAS / OpenMP threads of this call (see :mod:`lexiplug.vectors.threads`).
        """
        from .threads import bounded_threads

        pos, neg = _as_list(positive), _as_list(negative)
        if not pos and not neg:
            raise LexiplugError("most_similar needs at least one positive or negative query")
        with bounded_threads(threads):
            rows = [self._unit_query(q) for q in pos] + [-self._unit_query(q) for q in neg]
            mean = np.asarray(np.mean(rows, axis=0, dtype=np.float32))
            query = unit_rows(mean[None, :])[0]
            exclude = {q for q in (*pos, *neg) if isinstance(q, str)}
            if not exact:
                return self._approximate(query[None, :], [exclude], topn, restrict_vocab)[0]
            return self._top_for_query(query, exclude, topn, restrict_vocab)

    def _approximate(
        self, queries: np.ndarray, exclude: list[set[str]], topn: int,
        restrict_vocab: int | None,
    ) -> list[list[tuple[str, float]]]:
        from .ann import approximate_neighbours

        if self._ann is None:
            self.load_index()
        assert self._ann is not None
        skip = [[self.key_to_index[w] for w in words if w in self.key_to_index]
                for words in exclude]
        return approximate_neighbours(self, self._ann, queries, skip, topn,
                                      self._limit(restrict_vocab))

    def _top_for_query(
        self, query: np.ndarray, exclude: set[str], topn: int, restrict_vocab: int | None
    ) -> list[tuple[str, float]]:
        limit = self._limit(restrict_vocab)
        scores = self._cosines(query, limit)
        excluded = [
            self.key_to_index[w] for w in exclude if self.key_to_index.get(w, limit) < limit
        ]
        if excluded:
            scores[excluded] = -np.inf
        best = top_indices(scores, topn)
        return [(self.keys[i], float(scores[i])) for i in best if np.isfinite(scores[i])]

    def most_similar_batch(
        self,
        queries: Sequence[str] | np.ndarray,
        topn: int = 10,
        restrict_vocab: int | None = None,
        *,
        exact: bool = True,
        threads: int | None = None,
    ) -> list[list[tuple[str, float]]]:
        """``most_similar`` for many single-word (or vector) queries, chunked matrix products.

        A query word is excluded from its own results, as in ``most_similar``; ``exact`` and
        ``threads`` as there.
        """
        from .threads import bounded_threads

        with bounded_threads(threads):
            if not exact:
                words = [] if isinstance(queries, np.ndarray) else list(queries)
                matrix = (unit_rows(np.asarray(queries, dtype=np.float32)) if not words
                          else np.stack([self._unit_query(q) for q in words]))
                exclude = [{w} for w in words] or [set() for _ in range(len(matrix))]
                return self._approximate(matrix, exclude, topn, restrict_vocab)
            return self._batch(queries, topn, restrict_vocab)

    def _batch(
        self, queries: Sequence[str] | np.ndarray, topn: int, restrict_vocab: int | None,
    ) -> list[list[tuple[str, float]]]:
        limit = self._limit(restrict_vocab)
        if isinstance(queries, np.ndarray):
            query_matrix = unit_rows(np.asarray(queries, dtype=np.float32))
            self_index = np.full(len(query_matrix), -1, dtype=np.int64)
        else:
            query_matrix = np.stack([self._unit_query(q) for q in queries]) if len(queries) else (
                np.zeros((0, self.dim), np.float32)
            )
            self_index = np.array(
                [self.key_to_index.get(q, -1) for q in queries], dtype=np.int64
            )
        keys = self.keys
        results: list[list[tuple[str, float]]] = []
        chunk = max(1, min(_QUERY_CHUNK, _SCORE_BYTES // max(4 * limit, 1)))
        for start in range(0, len(query_matrix), chunk):
            block = query_matrix[start : start + chunk]
            scores = self._cosines(block.T, limit).T
            own = self_index[start : start + chunk]
            rows = np.nonzero((own >= 0) & (own < limit))[0]
            scores[rows, own[rows]] = -np.inf
            for row_scores in scores:
                # row by row: argpartition's index array stays one row long
                best = top_indices(row_scores, topn)
                hits = zip(best.tolist(), row_scores[best].tolist(), strict=True)
                results.append([(keys[i], score) for i, score in hits if score != -np.inf])
        return results

    def most_similar_cosmul(
        self,
        positive: Query | Sequence[Query] = (),
        negative: Query | Sequence[Query] = (),
        topn: int = 10,
        restrict_vocab: int | None = None,
    ) -> list[tuple[str, float]]:
        """3CosMul (Levy & Goldberg 2014), as gensim computes it: cosines shifted to [0, 1]."""
        pos, neg = _as_list(positive), _as_list(negative)
        if not pos:
            raise LexiplugError("most_similar_cosmul needs at least one positive query")
        limit = self._limit(restrict_vocab)
        pos_scores = [(1 + self._cosines(self._unit_query(q), limit)) / 2 for q in pos]
        neg_scores = [(1 + self._cosines(self._unit_query(q), limit)) / 2 for q in neg]
        scores = np.prod(pos_scores, axis=0) / (np.prod(neg_scores, axis=0) + 1e-6)
        exclude = [self.key_to_index[w] for w in (*pos, *neg) if isinstance(w, str)
                   and self.key_to_index.get(w, limit) < limit]
        if exclude:
            scores[exclude] = -np.inf
        best = top_indices(scores, topn)
        return [(self.keys[i], float(scores[i])) for i in best if np.isfinite(scores[i])]

    def analogy(
        self, a: str, b: str, c: str, *, topn: int = 1, method: Literal["add", "mul"] = "add",
        restrict_vocab: int | None = None,
    ) -> list[tuple[str, float]]:
        """``a`` is to ``b`` as ``c`` is to ?  (b - a + c), with 3CosAdd or 3CosMul."""
        if method == "add":
            return self.most_similar([b, c], [a], topn=topn, restrict_vocab=restrict_vocab)
        if method == "mul":
            return self.most_similar_cosmul([b, c], [a], topn=topn, restrict_vocab=restrict_vocab)
        raise ConfigError(f"analogy method must be 'add' or 'mul', got {method!r}", where="method")

    # -- large tables: quantized codes and an ANN index -----------------------------------

    def quantize(self, kind: str = "int8") -> QuantizedVectors:
        """int8 or binary codes of this table, searchable with float rescoring; see
        :mod:`lexiplug.vectors.quantized` (``.save(path)`` writes them in the native format)."""
        from .quantized import quantize_vectors

        return quantize_vectors(self, kind)

    def build_index(
        self, kind: str = "hnsw", *, save: bool | str | Path = True, **params: Any
    ) -> AnnIndex:
        """Build an ANN index for ``most_similar(exact=False)``; see :mod:`lexiplug.vectors.ann`
        for ``params`` (``M``, ``ef_construction``, ``ef_search``, ``storage``, ``oversample``,
        ``threads``).

        ``save``: True saves it beside the native folder the table was loaded from (if it
        was), a path saves it into that native table folder, False keeps it in memory only.
        """
        from .ann import build_index, save_index

        index = build_index(self, kind, **params)
        folder = self._native_folder() if save is True else (Path(save) if save else None)
        if folder is not None:
            save_index(index, folder)
        self._ann = index
        return index

    def load_index(self, folder: str | Path | None = None, *, verify: bool = False) -> AnnIndex:
        """Attach the ANN index saved in ``folder`` (default: the native folder this table
        was loaded from), refusing one built for another table."""
        from .ann import load_index

        where = Path(folder) if folder is not None else self._native_folder()
        if where is None:
            raise ConfigError("no ANN index: this table was not loaded from a native folder; "
                              "call build_index(...) first", where="exact")
        self._ann = load_index(where, vectors=self, verify=verify)
        return self._ann

    def _native_folder(self) -> Path | None:
        source = self.metadata.get("source")
        if self.metadata.get("source_format") == "native" and source:
            return Path(source)
        return None

    def _limit(self, restrict_vocab: int | None) -> int:
        return searched_rows(restrict_vocab, len(self))

    # -- identity and IO ---------------------------------------------------------------------

    def checksum(self) -> str:
        """A content hash of keys and matrix (for caching and result provenance)."""
        digest = hashlib.sha256()
        digest.update("\n".join(self.keys).encode("utf-8"))
        # in blocks (the same digest as the whole matrix's bytes): a memory-mapped 1M x 300
        # table is hashed without a 1.2 GB copy of it in memory
        for first in range(0, len(self.matrix), _NORM_BLOCK_ROWS):
            block = self.matrix[first : first + _NORM_BLOCK_ROWS]
            digest.update(np.ascontiguousarray(block).tobytes())
        return digest.hexdigest()[:16]

    @classmethod
    def load(cls, path: str | Path, format: str = "auto", **options: Any) -> Vectors:
        """Read vectors from ``path``; ``format`` is detected from the content when ``auto``.

        See :func:`lexiplug.vectors.io.load_vectors` for the formats and options.
        """
        from .io import load_vectors

        return load_vectors(path, format=format, **options)

    def save(self, path: str | Path, format: str = "native", **options: Any) -> Path:
        """Write the vectors atomically; see :func:`lexiplug.vectors.io.save_vectors`."""
        from .io import save_vectors

        return save_vectors(self, path, format=format, **options)

    def encode(self, texts: str | Sequence[str], **options: Any) -> np.ndarray:
        """Sentence vectors (mean or SIF pooling); see :func:`lexiplug.vectors.encode.encode`."""
        from .encode import encode

        return encode(self, texts, **options)

    def to_gensim(self) -> KeyedVectors:
        from .interop import to_gensim

        return to_gensim(self)

    @classmethod
    def from_gensim(cls, keyed_vectors: Any) -> Vectors:
        from .interop import from_gensim

        return from_gensim(keyed_vectors)

    def to_spacy(self, nlp: Any) -> Any:
        """Put these vectors into ``nlp.vocab.vectors`` (replacing any there); returns ``nlp``."""
        from .interop import to_spacy

        return to_spacy(self, nlp)

    @classmethod
    def from_spacy(cls, nlp_or_vocab: Any) -> Vectors:
        from .interop import from_spacy

        return from_spacy(nlp_or_vocab)


def _as_list(query: Query | Sequence[Query]) -> list[Query]:
    if isinstance(query, str) or (isinstance(query, np.ndarray) and query.ndim == 1):
        return [query]
    return list(query)


def searched_rows(restrict_vocab: int | None, rows: int) -> int:
    """How many leading rows a query with ``restrict_vocab`` searches (gensim's meaning)."""
    if restrict_vocab is None:
        return rows
    if restrict_vocab <= 0:
        raise ConfigError(f"restrict_vocab must be positive, got {restrict_vocab}",
                          where="restrict_vocab")
    return min(restrict_vocab, rows)


def unit_query_vector(vector: np.ndarray, dim: int) -> np.ndarray:
    """A query vector scaled to unit length, after checking it has ``dim`` entries."""
    vec = np.asarray(vector, dtype=np.float32)
    if vec.shape != (dim,):
        raise LexiplugError(f"query vector has shape {vec.shape}, expected ({dim},)")
    return unit_rows(vec[None, :])[0]


def unit_rows(matrix: np.ndarray) -> np.ndarray:
    """Each row divided by its L2 norm; all-zero rows stay zero.

    Rows whose float32 norm overflows (values near 1e38) or underflows (values near 1e-20)
    are normalised in float64, so a word's cosine with itself is 1 whatever its scale.
    """
    matrix = np.asarray(matrix, dtype=np.float32)
    return RowNorms.of(matrix).unit(matrix)


class RowNorms:
    """Row norms of a matrix, kept so queries can divide scores instead of copying rows.

    ``values`` are float32 norms exactly as numpy (and gensim's ``fill_norms``) compute
    them, so scores match gensim's; ``odd`` lists the rows whose float32 norm overflowed or
    lost precision to subnormals, whose norms and cosines are computed in float64. Zero
    rows get norm 1, so their cosines are 0.
    """

    def __init__(
        self, values: np.ndarray, odd: np.ndarray, odd_norms: np.ndarray,
        non_finite: np.ndarray,
    ) -> None:
        self.values, self.odd, self.odd_norms = values, odd, odd_norms
        self.non_finite = non_finite  # rows holding NaN or inf

    @classmethod
    def of(cls, matrix: np.ndarray) -> RowNorms:
        values = np.empty(matrix.shape[0], dtype=np.float32)
        for start in range(0, matrix.shape[0], _NORM_BLOCK_ROWS):
            block = np.asarray(matrix[start : start + _NORM_BLOCK_ROWS], dtype=np.float32)
            with np.errstate(over="ignore", under="ignore"):
                values[start : start + len(block)] = np.linalg.norm(block, axis=1)
        suspect = np.flatnonzero(~np.isfinite(values) | (values < _TINY_NORM))
        rows = np.asarray(matrix[suspect], dtype=np.float64)
        if rows.size:
            scale = np.abs(rows).max(axis=1, keepdims=True)
            scale[scale == 0] = 1.0
            exact = np.linalg.norm(rows / scale, axis=1) * scale[:, 0]  # no overflow
        else:
            exact = np.zeros(len(suspect), dtype=np.float64)
        finite = np.isfinite(exact)
        nonzero = finite & (exact > 0)
        odd, odd_norms = suspect[nonzero], exact[nonzero]
        values[suspect] = 1.0  # zero rows (and odd ones, whose cosines are redone)
        return cls(values, odd, odd_norms, suspect[~finite])

    def unit(self, matrix: np.ndarray) -> np.ndarray:
        """``matrix`` (the rows these norms were taken of) scaled to unit rows."""
        unit = matrix / self.values[:, None]
        if self.odd.size:
            unit[self.odd] = _unit_odd(matrix[self.odd], self.odd_norms)
        return unit.astype(np.float32, copy=False)

    def cosines(self, matrix: np.ndarray, query: np.ndarray) -> np.ndarray:
        """Cosines of the first ``len(matrix)`` rows with unit ``query`` (a vector, or
        ``dim x k`` columns): one product over the raw rows, then a division by the norms."""
        limit = matrix.shape[0]
        with np.errstate(over="ignore", invalid="ignore"):
            raw = matrix @ query
        values = self.values[:limit]
        scores = raw / (values if raw.ndim == 1 else values[:, None])
        odd = self.odd[self.odd < limit]
        if odd.size:
            unit = _unit_odd(matrix[odd], self.odd_norms[: odd.size])
            scores[odd] = (unit @ np.asarray(query, dtype=np.float64)).astype(np.float32)
        return scores


def _unit_odd(rows: np.ndarray, norms: np.ndarray) -> np.ndarray:
    return (np.asarray(rows, dtype=np.float64) / norms[:, None]).astype(np.float32)


def top_indices(scores: np.ndarray, topn: int) -> np.ndarray:
    """Indices of the ``topn`` largest scores, best first (argpartition, then sort)."""
    if topn <= 0:
        return np.zeros(0, dtype=np.int64)
    n = scores.shape[0]
    if topn >= n:
        return np.argsort(-scores, kind="stable")
    part = np.argpartition(scores, n - topn)[n - topn :]  # no negated copy of all scores
    return part[np.argsort(-scores[part], kind="stable")]


def top_indices_2d(scores: np.ndarray, topn: int) -> np.ndarray:
    """Row-wise :func:`top_indices` for a score matrix."""
    n = scores.shape[1]
    if topn <= 0:
        return np.zeros((scores.shape[0], 0), dtype=np.int64)
    if topn >= n:
        return np.argsort(-scores, axis=1, kind="stable")
    part = np.argpartition(-scores, topn - 1, axis=1)[:, :topn]
    order = np.argsort(-np.take_along_axis(scores, part, axis=1), axis=1, kind="stable")
    return np.take_along_axis(part, order, axis=1)
