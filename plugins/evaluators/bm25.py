"""BM25 baseline scores through ``bm25s`` (Lucene variant: idf = ln(1 + (N - df + .5)/(df + .5)),
term weight tf / (tf + k1 (1 - b + b dl/avgdl)), as Lucene >= 8 without the (k1 + 1) factor)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def bm25_tokenize(texts: Sequence[str], stopwords: str | None = "en") -> list[list[str]]:
    """Lower-cased ``\\w\\w+`` tokens, English stopwords removed (bm25s's tokenizer)."""
    import bm25s

    return bm25s.tokenize(list(texts), stopwords=stopwords, return_ids=False,  # type: ignore[return-value]
                          show_progress=False)


def bm25_scores(
    doc_texts: Sequence[str], query_texts: Sequence[str], *, k1: float = 1.5, b: float = 0.75,
    stopwords: str | None = "en",
) -> np.ndarray:
    """Score matrix ``(n_queries, n_docs)``; query terms absent from the corpus score 0."""
    import bm25s

    retriever = bm25s.BM25(k1=k1, b=b, method="lucene")
    retriever.index(bm25s.tokenize(list(doc_texts), stopwords=stopwords, show_progress=False),
                    show_progress=False)
    vocabulary = retriever.vocab_dict
    scores = np.zeros((len(query_texts), len(doc_texts)), dtype=np.float64)
    for row, tokens in enumerate(bm25_tokenize(query_texts, stopwords)):
        known = [t for t in tokens if t in vocabulary]
        if known:
            scores[row] = retriever.get_scores(known)
    return scores
