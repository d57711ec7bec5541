"""``lexiplug.retrieval.v1``: recall@k and nDCG@10 on LIMIT-small (or any BEIR-style set) for
static vectors pooled into text vectors (mean or SIF) or any ``encode_texts`` encoder, scored
by cosine, next to a BM25 baseline on the same queries.

A query none of whose tokens the vectors know has no ranking: it counts as a miss (recall 0)
and is not covered, so low coverage cannot flatter a score.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from lexiplug.errors import ConfigError
from lexiplug.evaluation.result import ItemRecord, Result
from lexiplug.evaluation.stats import bootstrap_ci
from lexiplug.registry import Registries

from ..datasets.readers_retrieval import RetrievalSet
from .bm25 import bm25_scores
from .task_inputs import is_static, load_dataset
from .text_pooling import Pooling, pool_texts

EVALUATOR = "lexiplug.retrieval.v1"


def relevance_matrix(data: RetrievalSet) -> np.ndarray:
    """``(n_queries, n_docs)`` graded relevance from the qrels."""
    doc_index = {d: i for i, d in enumerate(data.doc_ids)}
    rel = np.zeros((len(data.query_ids), len(data.doc_ids)))
    for row, query_id in enumerate(data.query_ids):
        for doc_id, score in data.qrels.get(query_id, {}).items():
            rel[row, doc_index[doc_id]] = score
    return rel


def per_query_metrics(
    scores: np.ndarray, relevance: np.ndarray, ks: Sequence[int], ndcg_k: int = 10,
    covered: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """recall@k (share of a query's relevant documents in its top k) and nDCG@k per query.

    Ties are broken by document order (stable sort), so results are deterministic.
    """
    order = np.argsort(-scores, axis=1, kind="stable")
    gains = np.take_along_axis(relevance, order, axis=1)
    relevant = relevance > 0
    n_relevant = relevant.sum(axis=1).astype(np.float64)
    has_relevant = n_relevant > 0
    out: dict[str, np.ndarray] = {}
    hits = gains > 0
    for k in ks:
        found = hits[:, :k].sum(axis=1)
        out[f"recall@{k}"] = np.divide(found, n_relevant, out=np.zeros(len(scores)),
                                       where=has_relevant)
    discounts = 1.0 / np.log2(np.arange(2, ndcg_k + 2))
    dcg = (gains[:, :ndcg_k] * discounts[: gains[:, :ndcg_k].shape[1]]).sum(axis=1)
    ideal = -np.sort(-relevance, axis=1)[:, :ndcg_k]
    idcg = (ideal * discounts[: ideal.shape[1]]).sum(axis=1)
    out[f"ndcg@{ndcg_k}"] = np.divide(dcg, idcg, out=np.zeros(len(scores)), where=idcg > 0)
    if covered is not None:
        for values in out.values():
            values[~covered] = 0.0
    return out


def cosine_scores(queries: np.ndarray, docs: np.ndarray) -> np.ndarray:
    def unit(m: np.ndarray) -> np.ndarray:
        norms = np.linalg.norm(m, axis=1, keepdims=True)
        return m / np.where(norms == 0, 1.0, norms)

    return unit(np.asarray(queries, np.float64)) @ unit(np.asarray(docs, np.float64)).T


@dataclass
class RetrievalEvaluator:
    datasets: Sequence[str] = ("limit_small",)
    ks: Sequence[int] = (2, 10, 20)
    pooling: Pooling = "mean"
    sif_a: float = 1e-3
    bm25: bool = True
    bm25_k1: float = 1.5
    bm25_b: float = 0.75
    n_resamples: int = 1000
    seed: int = 0

    @property
    def primary(self) -> str:
        return f"recall@{self.ks[0]}"

    def evaluate(self, model: Any, dataset: Any = "limit_small") -> Result:
        loaded = load_dataset(dataset, RetrievalSet, where="evaluate.retrieval.datasets")
        data: RetrievalSet = loaded.data
        relevance = relevance_matrix(data)
        extra: dict[str, Any] = {"pooling": self.pooling if is_static(model) else "encoder"}
        if is_static(model):
            variants = {}
            for pooling in dict.fromkeys([self.pooling, "mean", "sif"]):
                scores, covered = self._static_scores(model, data, pooling)  # type: ignore[arg-type]
                variants[pooling] = (scores, covered)
            scores, covered = variants[self.pooling]
            extra["pooling_variants"] = {
                name: _summary(per_query_metrics(s, relevance, self.ks, covered=c))
                for name, (s, c) in variants.items()
            }
        elif hasattr(model, "encode_texts"):
            doc_matrix = np.asarray(model.encode_texts(list(data.doc_texts)))
            query_matrix = np.asarray(model.encode_texts(list(data.query_texts)))
            scores = cosine_scores(query_matrix, doc_matrix)
            covered = np.ones(len(data.query_ids), dtype=bool)
        else:
            raise ConfigError(f"model {type(model).__name__} is neither Vectors nor has "
                              "encode_texts(texts)", where="model")
        per_query = per_query_metrics(scores, relevance, self.ks, covered=covered)
        if self.bm25:
            baseline = bm25_scores(data.doc_texts, data.query_texts, k1=self.bm25_k1,
                                   b=self.bm25_b)
            extra["baselines"] = {"bm25": _summary(per_query_metrics(baseline, relevance,
                                                                     self.ks))}
        metrics: dict[str, float | None] = dict(_summary(per_query))
        ci = {}
        for name, values in per_query.items():
            interval = bootstrap_ci(lambda idx, v=values: float(v[idx].mean()), len(values),
                                    n_resamples=self.n_resamples, seed=self.seed)
            if interval is not None:
                ci[name] = interval
        details = [
            {"id": q, "covered": bool(c), "score": float(per_query[self.primary][i]),
             **{k: float(v[i]) for k, v in per_query.items()}}
            for i, (q, c) in enumerate(zip(data.query_ids, covered, strict=True))
        ]
        return Result(
            evaluator=EVALUATOR, dataset=loaded.name, metrics=metrics, primary=self.primary,
            n_items=len(data.query_ids), n_covered=int(covered.sum()), ci=ci, details=details,
            items=[ItemRecord(id=q, value=float(per_query[self.primary][i]), covered=bool(c))
                   for i, (q, c) in enumerate(zip(data.query_ids, covered, strict=True))],
            item_statistic="mean",
            dataset_checksum=loaded.checksum, extra=extra,
        )

    def evaluate_all(self, model: Any) -> list[Result]:
        return [self.evaluate(model, name) for name in self.datasets]

    def _static_scores(
        self, vectors: Any, data: RetrievalSet, pooling: Pooling
    ) -> tuple[np.ndarray, np.ndarray]:
        texts = [*data.doc_texts, *data.query_texts]
        pooled = pool_texts(vectors, texts, pooling=pooling, sif_a=self.sif_a)
        n_docs = len(data.doc_texts)
        scores = cosine_scores(pooled.matrix[n_docs:], pooled.matrix[:n_docs])
        return scores, pooled.covered[n_docs:]


def _summary(per_query: dict[str, np.ndarray]) -> dict[str, float]:
    return {name: float(values.mean()) for name, values in per_query.items()}


def make_retrieval_evaluator(
    datasets: Sequence[str] = ("limit_small",),
    ks: Sequence[int] = (2, 10, 20),
    pooling: str = "mean",
    sif_a: float = 1e-3,
    bm25: bool = True,
    bm25_k1: float = 1.5,
    bm25_b: float = 0.75,
    n_resamples: int = 1000,
    seed: int = 0,
) -> RetrievalEvaluator:
    """Recall@k (first k is the headline) and nDCG@10, with a BM25 baseline."""
    if pooling not in ("mean", "sif"):
        raise ConfigError(f"pooling must be 'mean' or 'sif', got {pooling!r}",
                          where="evaluate.retrieval.pooling")
    if not ks or any(int(k) < 1 for k in ks):
        raise ConfigError(f"ks must be positive integers, got {list(ks)}",
                          where="evaluate.retrieval.ks")
    return RetrievalEvaluator(tuple(datasets), tuple(int(k) for k in ks), pooling,  # type: ignore[arg-type]
                              sif_a, bm25, bm25_k1, bm25_b, n_resamples, seed)


def register(registry: Registries) -> None:
    registry.evaluators.register(EVALUATOR, func=make_retrieval_evaluator)
