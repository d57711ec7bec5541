"""The feature extractors of the sentiment model (docs/sentiment.md), fitted state as
plain arrays so the model saves as npz/JSON.

- ``bag``: sublinear TF-IDF of word n-grams (and ``L=lemma`` terms with morphology), L2 rows.
- ``delta_idf`` (supervised): per term ``log((sum of its TF-IDF over positive docs + 1) /
  (same over negative docs + 1))``; a document gets [min, max, mean] over its words.
- ``lexicon`` (semi-supervised): the induced polarity x confidence of each word's key, sign
  flipped under negation; [mean, min, max, positive sum, negative sum, coverage].
- ``pmi`` (unsupervised): Turney's semantic orientation against the antonym seed pairs, with
  document co-occurrence counts of the training corpus instead of web hit counts:
  ``log2((co(w, pos) + 0.01) * n(neg) / ((co(w, neg) + 0.01) * n(pos)))``; [mean, min, max].
- ``doc_vector``: the mean unit word vector of the document's keys.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from itertools import pairwise

import numpy as np

from .terms import DocTerms

SMOOTHING = 0.01  # Turney's hit-count smoothing
DENSE_WIDTHS = {"delta_idf": 3, "lexicon": 6, "pmi": 3}


class TfidfBag:
    """Sublinear TF-IDF over a fixed term vocabulary (smooth idf, as scikit-learn's)."""

    def __init__(self, vocabulary: list[str], idf: np.ndarray) -> None:
        self.vocabulary = vocabulary
        self.index = {t: i for i, t in enumerate(vocabulary)}
        self.idf = idf.astype(np.float32)

    @classmethod
    def fit(cls, bags: Sequence[Sequence[str]], min_df: int) -> TfidfBag:
        df: Counter[str] = Counter()
        for bag in bags:
            df.update(set(bag))
        vocabulary = sorted(t for t, c in df.items() if c >= min_df)
        n = len(bags)
        idf = np.asarray([math.log((1 + n) / (1 + df[t])) + 1.0 for t in vocabulary])
        return cls(vocabulary, idf)

    def transform(self, bags: Iterable[Sequence[str]]):  # type: ignore[no-untyped-def]
        import scipy.sparse as sp

        # plain Python per document and one numpy pass per batch: per-document numpy calls
        # cost more than the counting itself on short texts
        # terms are counted as strings (Counter's C loop) and looked up once per type; the
        # column order (first occurrence) is the same as counting known ids
        indptr, indices, tfs = [0], [], []
        get = self.index.get
        log = math.log
        for bag in bags:
            for term, count in Counter(bag).items():
                column = get(term)
                if column is not None:
                    indices.append(column)
                    tfs.append(1.0 + log(count))
            indptr.append(len(indices))
        ids = np.asarray(indices, dtype=np.int64)
        values = np.asarray(tfs, dtype=np.float32) * self.idf[ids]
        matrix = sp.csr_matrix((values, ids, np.asarray(indptr, dtype=np.int64)),
                               shape=(len(indptr) - 1, len(self.vocabulary)), dtype=np.float32)
        return l2_normalise_rows(matrix)


def l2_normalise_rows(matrix):  # type: ignore[no-untyped-def]
    """Scale each row of a float32 CSR matrix to unit L2 norm, in place, exactly as
    scikit-learn's ``normalize(matrix, copy=False)`` does (its ``_inplace_csr_row_normalize_l2``:
    float32 squares, summed left to right in double, each value divided by the root in double):
    the same bits, so predictions do not change, without importing ``sklearn.preprocessing``
    at inference, which cost a freshly loaded pipeline 0.8 CPU-seconds on its first batch.
    Rows summing to zero are left as they are."""
    data = matrix.data
    squares = (data * data).tolist()
    bounds = matrix.indptr.tolist()
    norms = np.ones(len(bounds) - 1, dtype=np.float64)
    for row, (start, end) in enumerate(pairwise(bounds)):
        total = 0.0
        # an explicit loop, not sum(): Python 3.12's sum() of floats compensates rounding
        for value in squares[start:end]:
            total += value
        if total != 0.0:
            norms[row] = math.sqrt(total)
    scale = np.repeat(norms, np.diff(matrix.indptr))
    data[:] = (data.astype(np.float64) / scale).astype(np.float32)
    return matrix


def delta_idf_scores(matrix, positive: np.ndarray) -> np.ndarray:  # type: ignore[no-untyped-def]
    """Per-term delta-IDF score from a docs x terms TF-IDF matrix and boolean labels."""
    pos = np.asarray(matrix[positive].sum(axis=0)).ravel() + 1.0
    neg = np.asarray(matrix[~positive].sum(axis=0)).ravel() + 1.0
    return np.log(pos / neg).astype(np.float32)


def pmi_orientation(docs: Sequence[Sequence[str]], pairs: Sequence[tuple[str, str]],
                    min_count: int = 2) -> dict[str, float]:
    """Turney-style semantic orientation of every key seen ``min_count``+ times."""
    positive = {p for p, _ in pairs}
    negative = {n for _, n in pairs}
    count: Counter[str] = Counter()
    with_pos: Counter[str] = Counter()
    with_neg: Counter[str] = Counter()
    n_pos = n_neg = 0
    for doc in docs:
        types = set(doc)
        count.update(types)
        has_pos, has_neg = bool(types & positive), bool(types & negative)
        n_pos += has_pos
        n_neg += has_neg
        if has_pos:
            with_pos.update(types)
        if has_neg:
            with_neg.update(types)
    if n_pos == 0 or n_neg == 0:
        return {}
    return {
        w: math.log2((with_pos[w] + SMOOTHING) * n_neg / ((with_neg[w] + SMOOTHING) * n_pos))
        for w, c in count.items() if c >= min_count
    }


def word_stats(terms: DocTerms, scores: dict[str, float], *, signed: bool,
               use_keys: bool) -> list[float]:
    """[mean, min, max] of the scores of a document's words (0s when none is known)."""
    source = terms.keys if use_keys else terms.words
    values = [scores[w] * (s if signed else 1) for w, s in zip(source, terms.signs, strict=True)
              if w in scores]
    if not values:
        return [0.0, 0.0, 0.0]
    return [sum(values) / len(values), min(values), max(values)]


def lexicon_stats(terms: DocTerms, lexicon: dict[str, float]) -> list[float]:
    values = [lexicon[k] * s for k, s in zip(terms.keys, terms.signs, strict=True)
              if k in lexicon]
    if not values:
        return [0.0] * 6
    return [sum(values) / len(values), min(values), max(values),
            sum(v for v in values if v > 0), sum(v for v in values if v < 0),
            len(values) / max(len(terms.keys), 1)]


def doc_vector(terms: DocTerms, index: dict[str, int], vectors: np.ndarray) -> np.ndarray:
    ids = [index[k] for k in terms.keys if k in index]
    if not ids:
        return np.zeros(vectors.shape[1], dtype=np.float32)
    mean = vectors[ids].mean(axis=0)
    norm = float(np.linalg.norm(mean))
    return mean / norm if norm > 0 else mean
