"""Ranking documents for a query set and scoring the rankings against labels.

Relevant = same label as the query (the 20 Newsgroups protocol of the Binary Paragraph
Vector and semantic-hashing papers). Per query: average precision over the whole ranked
database, NDCG@10 with binary gains, precision@100, and the precision at eleven recall
levels (0, 0.1, ..., 1; interpolated: the best precision at that recall or beyond) that the
precision–recall curve plots.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from lexiplug.errors import ConfigError

from .hamming import hamming_ranking

RECALL_LEVELS = np.linspace(0.0, 1.0, 11)
_QUERY_BLOCK = 256


def unit(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return (matrix / np.maximum(norms, 1e-12)).astype(np.float32)


def cosine_ranking(queries: np.ndarray, database: np.ndarray) -> np.ndarray:
    """Database indices per query by decreasing cosine similarity."""
    scores = unit(queries) @ unit(database).T
    return np.argsort(-scores, axis=1, kind="stable")


def filter_rerank(query_codes: np.ndarray, database_codes: np.ndarray,
                  query_vectors: np.ndarray, database_vectors: np.ndarray,
                  candidates: int, radius: int | None = None) -> np.ndarray:
    """Real-Binary retrieval: the Hamming ball around each query that holds its
    ``candidates`` nearest codes (every document as near as the ``candidates``-th one, so a
    tie at the cut is never broken by database order) re-ranked by cosine, then the rest in
    Hamming order (so a full ranking still exists for MAP). With ``radius`` the ball is that
    radius instead, whatever it holds (``candidates`` is then ignored)."""
    from .hamming import hamming_distances

    order = hamming_ranking(query_codes, database_codes)
    distances = np.take_along_axis(hamming_distances(query_codes, database_codes), order,
                                   axis=1)
    if radius is None:
        k = min(candidates, database_codes.shape[0])
        cut = distances[:, k - 1:k]
    else:
        cut = np.full((len(distances), 1), radius)
    sizes = (distances <= cut).sum(axis=1)
    q = unit(query_vectors)
    db = unit(database_vectors)
    out = order.copy()
    for row, size in enumerate(sizes.tolist()):
        head = order[row, :size]
        scores = db[head] @ q[row]
        out[row, :size] = head[np.argsort(-scores, kind="stable")]
    return out


def ranking_metrics(order: np.ndarray, database_labels: Sequence[str],
                    query_labels: Sequence[str]) -> dict[str, np.ndarray]:
    """Per-query ``ap``, ``ndcg10``, ``p100`` and ``pr`` (n_queries, 11) from rankings."""
    if len(query_labels) != len(order):
        raise ConfigError(f"{len(order)} rankings for {len(query_labels)} query labels",
                          where="labels")
    names = sorted(set(database_labels) | set(query_labels))
    index = {name: i for i, name in enumerate(names)}
    db = np.array([index[label] for label in database_labels])
    queries = np.array([index[label] for label in query_labels])
    n = order.shape[1]
    ranks = np.arange(1, n + 1, dtype=np.float64)
    discounts = 1.0 / np.log2(np.arange(2, 12, dtype=np.float64))[: min(10, n)]
    out: dict[str, list[np.ndarray]] = {"ap": [], "ndcg10": [], "p100": [], "pr": []}
    for start in range(0, len(order), _QUERY_BLOCK):
        relevant = db[order[start:start + _QUERY_BLOCK]] == queries[start:start + _QUERY_BLOCK,
                                                                    None]
        hits = np.cumsum(relevant, axis=1, dtype=np.int32)
        total = hits[:, -1].astype(np.float64)
        precision = hits / ranks
        with np.errstate(invalid="ignore", divide="ignore"):
            ap = np.where(total > 0, (precision * relevant).sum(axis=1) / total, 0.0)
            recall = hits / np.maximum(total, 1)[:, None]
        dcg = (relevant[:, : len(discounts)] * discounts).sum(axis=1)
        ideal = np.array([discounts[: int(min(t, len(discounts)))].sum() for t in total])
        out["ndcg10"].append(np.where(ideal > 0, dcg / np.maximum(ideal, 1e-12), 0.0))
        out["ap"].append(ap)
        out["p100"].append(hits[:, min(100, n) - 1] / float(min(100, n)))
        # interpolated precision: the best precision at any rank whose recall reaches the level
        best_after = np.maximum.accumulate(precision[:, ::-1], axis=1)[:, ::-1]
        levels = np.stack([
            np.take_along_axis(best_after, np.minimum(
                (recall < level).sum(axis=1, keepdims=True), n - 1), axis=1)[:, 0]
            for level in RECALL_LEVELS], axis=1)
        out["pr"].append(levels)
    return {name: np.concatenate(parts) for name, parts in out.items()}


def ranking_metrics_reference(order: np.ndarray, database_labels: Sequence[str],
                              query_labels: Sequence[str]) -> dict[str, np.ndarray]:
    """One query at a time, straight from the definitions (tests compare the fast version)."""
    ap, ndcg, p100 = [], [], []
    for ranking, label in zip(order, query_labels, strict=True):
        relevant = [database_labels[i] == label for i in ranking]
        total = sum(relevant)
        hits, precisions = 0, []
        for rank, is_relevant in enumerate(relevant, start=1):
            if is_relevant:
                hits += 1
                precisions.append(hits / rank)
        ap.append(sum(precisions) / total if total else 0.0)
        dcg = sum(1 / np.log2(r + 2) for r, rel in enumerate(relevant[:10]) if rel)
        idcg = sum(1 / np.log2(r + 2) for r in range(min(total, 10)))
        ndcg.append(dcg / idcg if idcg else 0.0)
        k = min(100, len(relevant))
        p100.append(sum(relevant[:k]) / k)
    return {"ap": np.array(ap), "ndcg10": np.array(ndcg), "p100": np.array(p100)}
