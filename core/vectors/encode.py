"""Sentence vectors from a static table, and chunked semantic search over them.

``encode`` follows model2vec's ``StaticModel.encode`` and sentence-transformers' ``encode``:
a list of texts gives a ``(n, dim)`` float32 array, a single string a ``(dim,)`` vector;
``batch_size`` texts are pooled per sparse matrix product; ``show_progress_bar=None`` shows
a bar only for work long enough to need one.

Pooling (tokens the table does not know are skipped):

* ``mean``: the average of the known tokens' rows.
* ``sif`` (Arora, Liang & Ma 2017, "A simple but tough-to-beat baseline for sentence
  embeddings"): ``v_s = 1/|s| * sum_w a / (a + p(w)) * v_w`` with ``p(w)`` the word's unigram
  probability from the table's counts (or, without counts, Zipf's law on the row rank:
  ``p ~ 1/(rank + 1)``, which is how frequency-sorted tables such as word2vec's are
  ordered). ``|s|`` counts the known tokens. The paper then removes the projection on the
  first principal component of the sentence matrix (``remove_pc=1``); its code takes the
  component of the uncentred matrix (a truncated SVD), and so does :func:`principal_components`.
  Queries and corpus should share one component: pass ``components=`` from the corpus.

A text with no known token gets a zero vector (never NaN, normalised or not) and is counted
in one warning per call. Tables with ``oov="subword"`` (``lexiplug.distill_vocab.v1``'s
tokenizer vocabulary) compose unknown words from their pieces instead of skipping them.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from ..errors import ConfigError, require_one_of

if TYPE_CHECKING:
    from .vectors import Vectors

logger = logging.getLogger(__name__)

Pooling = Literal["mean", "sif"]
POOLINGS: tuple[str, ...] = ("mean", "sif")
_WORD = re.compile(r"\w+|[^\w\s]")
_PROGRESS_TEXTS = 10_000  # show_progress_bar=None: a bar only for this many texts or more


def word_tokens(text: str) -> list[str]:
    """Runs of word characters and single punctuation marks (Unicode-aware)."""
    return _WORD.findall(text)


def sif_weights(vectors: Vectors, a: float = 1e-3) -> np.ndarray:
    """``a / (a + p(w))`` per row: ``p`` from counts when the table has them, else Zipf."""
    if a <= 0:
        raise ConfigError(f"the SIF coefficient a must be > 0, got {a}", where="sif_a")
    if vectors.counts is not None and vectors.counts.sum() > 0:
        p = vectors.counts.astype(np.float64) / float(vectors.counts.sum())
    else:
        harmonic = 1.0 / np.arange(1, len(vectors) + 1, dtype=np.float64)
        p = harmonic / harmonic.sum()
    return (a / (a + p)).astype(np.float32)


def principal_components(embeddings: np.ndarray, n: int = 1) -> np.ndarray:
    """The top ``n`` right singular vectors of the uncentred ``(texts, dim)`` matrix, ``(n, dim)``.

    From the ``dim x dim`` Gram matrix, so memory does not grow with the number of texts.
    """
    x = np.asarray(embeddings, dtype=np.float64)
    _, vectors = np.linalg.eigh(x.T @ x)
    return np.ascontiguousarray(vectors[:, ::-1][:, :n].T, dtype=np.float32)


def remove_components(embeddings: np.ndarray, components: np.ndarray) -> np.ndarray:
    """``x - x u^T u``: each row without its projection on the (orthonormal) components."""
    components = np.atleast_2d(np.asarray(components, dtype=np.float32))
    return (embeddings - (embeddings @ components.T) @ components).astype(np.float32)


def encode(
    vectors: Vectors,
    texts: str | Sequence[str],
    *,
    pooling: Pooling = "mean",
    sif_a: float = 1e-3,
    remove_pc: int = 0,
    components: np.ndarray | None = None,
    normalize: bool = False,
    lowercase_fallback: bool = True,
    tokenizer: Callable[[str], list[str]] | None = None,
    batch_size: int = 1024,
    show_progress_bar: bool | None = None,
) -> np.ndarray:
    """Pooled sentence vectors for ``texts``: ``(n, dim)``, or ``(dim,)`` for one string.

    ``tokenizer`` maps a text to tokens (default :func:`word_tokens`); a token is looked up
    as written, then lower-cased (``lowercase_fallback``). ``remove_pc`` removes that many
    principal components computed from these texts; ``components`` removes given ones
    instead (e.g. the corpus's, for queries). ``normalize`` scales rows to unit length.
    """
    require_one_of(pooling, POOLINGS, "pooling")
    if batch_size < 1:
        raise ConfigError(f"batch_size must be >= 1, got {batch_size}", where="batch_size")
    if remove_pc < 0:
        raise ConfigError(f"remove_pc must be >= 0, got {remove_pc}", where="remove_pc")
    single = isinstance(texts, str)
    batch_texts: list[str] = [texts] if single else list(texts)  # type: ignore[list-item]
    weights = sif_weights(vectors, sif_a) if pooling == "sif" else None
    pool = _Pooler(vectors, weights, tokenizer or word_tokens, lowercase_fallback)
    out = np.zeros((len(batch_texts), vectors.dim), dtype=np.float32)
    starts = range(0, len(batch_texts), batch_size)
    if show_progress_bar is None:
        show_progress_bar = len(batch_texts) >= _PROGRESS_TEXTS
    if show_progress_bar:
        from tqdm.auto import tqdm

        starts = tqdm(starts, desc="encoding", unit=" batch")  # type: ignore[assignment]
    for start in starts:
        out[start : start + batch_size] = pool(batch_texts[start : start + batch_size])
    if pool.empty:
        logger.warning(
            "%d of %d text(s) had no token in the vocabulary; their vectors are zeros",
            pool.empty, len(batch_texts),
        )
    if components is None and remove_pc:
        components = principal_components(out, remove_pc)
    if components is not None:
        out = remove_components(out, components)
    if normalize:
        from .vectors import unit_rows

        out = unit_rows(out)
    return out[0] if single else out


class _Pooler:
    """Pools one batch with a sparse ``(texts, rows)`` weight matrix times the table.

    Token lookups (and composed unknown words) are cached for the whole call: running text
    repeats its words, and the per-token dictionary work is most of the cost.
    """

    def __init__(
        self,
        vectors: Vectors,
        weights: np.ndarray | None,
        tokenizer: Callable[[str], list[str]],
        lowercase_fallback: bool,
    ) -> None:
        self.vectors = vectors
        self.tokenizer = tokenizer
        self.lowercase_fallback = lowercase_fallback
        self.composes = vectors.oov == "subword" and vectors.oov_provider is not None
        self.n_rows = len(vectors)
        # a composed word weighs as much as the rarest known word: SIF's a/(a+p) ~ 1
        composed_weight = 1.0 if weights is None else float(weights.max(initial=1.0))
        self.weights = (None if weights is None
                        else np.append(weights, composed_weight).astype(np.float32))
        self.column: dict[str, int] = {}  # token -> row, n_rows + k if composed, -1 skipped
        self.composed: list[np.ndarray] = []
        self.empty = 0

    def _lookup(self, token: str) -> int:
        index = self.vectors.key_to_index
        row = index.get(token)
        if row is None and self.lowercase_fallback:
            row = index.get(token.lower())
        if row is None:
            if not self.composes:
                return -1
            self.composed.append(np.asarray(self.vectors.oov_vector(token), dtype=np.float32))
            return self.n_rows + len(self.composed) - 1
        return row

    def __call__(self, texts: list[str]) -> np.ndarray:
        from scipy.sparse import csr_matrix

        column, lookup = self.column, self._lookup
        cols: list[int] = []
        indptr = [0]
        for text in texts:
            for token in self.tokenizer(text):
                col = column.get(token)
                if col is None:
                    col = column[token] = lookup(token)
                if col >= 0:
                    cols.append(col)
            indptr.append(len(cols))
        n_known = np.diff(np.asarray(indptr)).astype(np.float32)
        self.empty += int((n_known == 0).sum())
        index = np.asarray(cols, dtype=np.int64)
        if self.weights is None:
            data = np.ones(len(index), dtype=np.float32)
        else:
            data = self.weights[np.minimum(index, self.n_rows)]
        width = self.n_rows + len(self.composed)
        mixing = csr_matrix((data, index, np.asarray(indptr)), shape=(len(texts), width))
        # the table's dtype decides the product's: float64 data would copy the whole table
        pooled = np.asarray(mixing[:, : self.n_rows] @ self.vectors.matrix, dtype=np.float32)
        if self.composed:
            pooled += mixing[:, self.n_rows :] @ np.stack(self.composed)
        return pooled / np.maximum(n_known, 1.0)[:, None]


def semantic_search(
    query_embeddings: np.ndarray,
    corpus_embeddings: np.ndarray,
    *,
    top_k: int = 10,
    query_chunk_size: int = 100,
    corpus_chunk_size: int = 500_000,
) -> list[list[dict[str, Any]]]:
    """Cosine top-k, as sentence-transformers' ``util.semantic_search`` returns it.

    One list per query of ``{"corpus_id": int, "score": float}``, best first. Scores are
    computed ``query_chunk_size x corpus_chunk_size`` at a time and merged, so memory stays
    bounded whatever the corpus size. Zero rows score 0 against everything.
    """
    from .vectors import top_indices_2d, unit_rows

    if top_k < 1:
        raise ConfigError(f"top_k must be >= 1, got {top_k}", where="top_k")
    if query_chunk_size < 1 or corpus_chunk_size < 1:
        raise ConfigError("chunk sizes must be >= 1", where="query_chunk_size/corpus_chunk_size")
    queries = unit_rows(np.atleast_2d(np.asarray(query_embeddings, dtype=np.float32)))
    corpus = np.atleast_2d(np.asarray(corpus_embeddings, dtype=np.float32))
    if queries.shape[1] != corpus.shape[1]:
        raise ConfigError(
            f"queries are {queries.shape[1]}-d but the corpus is {corpus.shape[1]}-d",
            where="query_embeddings",
        )
    k = min(top_k, corpus.shape[0])
    best_scores = np.full((queries.shape[0], k), -np.inf, dtype=np.float32)
    best_ids = np.full((queries.shape[0], k), -1, dtype=np.int64)
    for c_start in range(0, corpus.shape[0], corpus_chunk_size):
        chunk = unit_rows(corpus[c_start : c_start + corpus_chunk_size])
        for q_start in range(0, queries.shape[0], query_chunk_size):
            rows = slice(q_start, q_start + query_chunk_size)
            scores = queries[rows] @ chunk.T
            top = top_indices_2d(scores, k)
            merged_scores = np.concatenate(
                [best_scores[rows], np.take_along_axis(scores, top, axis=1)], axis=1)
            merged_ids = np.concatenate([best_ids[rows], top + c_start], axis=1)
            keep = top_indices_2d(merged_scores, k)
            best_scores[rows] = np.take_along_axis(merged_scores, keep, axis=1)
            best_ids[rows] = np.take_along_axis(merged_ids, keep, axis=1)
    return [
        [{"corpus_id": int(i), "score": float(s)} for i, s in zip(ids, scores, strict=True)
         if i >= 0]
        for ids, scores in zip(best_ids, best_scores, strict=True)
    ]

