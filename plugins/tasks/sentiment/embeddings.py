"""PPMI-SVD word vectors of a domain corpus (docs/sentiment.md, step 1 of the lexicon).

Counts within a symmetric window, positive PMI with context-distribution smoothing (context
counts raised to ``cds``), then a truncated SVD, rows ``U * sqrt(S)`` unit-normalised. The
corpora here are a few thousand short reviews, so this takes seconds, and it needs no
outside data: the lexicon is domain-specific by construction.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np
from lexiplug.errors import TrainingError


def build_vocabulary(docs: Sequence[Sequence[str]], min_count: int) -> list[str]:
    counts = Counter(w for doc in docs for w in doc)
    return sorted(w for w, c in counts.items() if c >= min_count)


def ppmi_svd(docs: Sequence[Sequence[str]], *, min_count: int = 3, window: int = 4,
             cds: float = 0.75, dim: int = 300, seed: int = 0) -> tuple[list[str], np.ndarray]:
    """(vocabulary, unit-norm vectors) of the words seen at least ``min_count`` times."""
    import scipy.sparse as sp
    from sklearn.utils.extmath import randomized_svd

    vocab = build_vocabulary(docs, min_count)
    if len(vocab) < 3:
        raise TrainingError(f"expected at least 3 words seen {min_count}+ times to build "
                            f"PPMI vectors, found {len(vocab)}",
                            where="polarity_lexicon.min_count")
    index = {w: i for i, w in enumerate(vocab)}
    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    for doc in docs:
        ids = np.asarray([index[w] for w in doc if w in index], dtype=np.int64)
        for offset in range(1, window + 1):
            if ids.size <= offset:
                break
            rows.extend((ids[:-offset], ids[offset:]))
            cols.extend((ids[offset:], ids[:-offset]))
    n = len(vocab)
    if not rows:
        raise TrainingError("expected documents with at least two known words to count "
                            "co-occurrences", where="polarity_lexicon")
    r, c = np.concatenate(rows), np.concatenate(cols)
    counts = sp.coo_matrix((np.ones(r.size, dtype=np.float64), (r, c)), shape=(n, n)).tocsr()
    counts.sum_duplicates()
    total = counts.sum()
    word_p = np.asarray(counts.sum(axis=1)).ravel() / total
    context = np.asarray(counts.sum(axis=0)).ravel() ** cds
    context_p = context / context.sum()
    coo = counts.tocoo()
    pmi = np.log(coo.data / total / (word_p[coo.row] * context_p[coo.col]))
    keep = pmi > 0
    ppmi = sp.csr_matrix((pmi[keep], (coo.row[keep], coo.col[keep])), shape=(n, n))
    k = max(1, min(dim, n - 1))
    u, s, _ = randomized_svd(ppmi, n_components=k, random_state=seed)
    vectors = (u * np.sqrt(s)).astype(np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vocab, vectors / np.maximum(norms, 1e-9)
