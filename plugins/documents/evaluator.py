"""``lexiplug.doc_retrieval.v1``: document retrieval on a labelled document set.

The model is a row of document vectors (the database: a doc embedder's training documents)
whose fitted embedder infers the query documents of the dataset. Ranking follows the row:
Hamming distance over packed codes, cosine over real vectors, or, for Real-Binary rows that
have both, the ``candidates`` Hamming-nearest re-ranked by cosine. Relevant = same label.
Each query's average precision is an item record, so a study compares rows by a paired
bootstrap over the same queries; MAP, NDCG@10 and P@100 carry percentile bootstrap CIs, and
the eleven-point precision–recall curve is in ``extra`` (and a PNG when ``plot_dir`` is set).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np
from lexiplug.errors import ConfigError, TrainingError
from lexiplug.evaluation.result import ItemRecord, Result
from lexiplug.evaluation.stats import bootstrap_ci
from lexiplug.plugin_tools import class_factory
from lexiplug.registry import Registries

from .doc_vectors import DocumentVectors
from .hamming import hamming_ranking
from .newsgroups import Document, document_tokens
from .ranking import RECALL_LEVELS, cosine_ranking, filter_rerank, ranking_metrics

NAME = "lexiplug.doc_retrieval.v1"
METRICS = {"map": "ap", "ndcg10": "ndcg10", "p100": "p100"}


@runtime_checkable
class InfersRows(Protocol):
    """A fitted embedder that gives query rows of the same kind as its database rows."""

    def infer_rows(self, texts: Sequence[str]) -> DocumentVectors: ...


@runtime_checkable
class HasVocabulary(Protocol):
    vocabulary: Mapping[str, int]


def rank(database: DocumentVectors, queries: DocumentVectors, candidates: int = 100
         ) -> tuple[np.ndarray, str]:
    """(database order per query, how it was ranked)."""
    if database.codes is not None and queries.codes is not None:
        if database.vectors is not None and queries.vectors is not None:
            return filter_rerank(queries.codes, database.codes, queries.vectors,
                                 database.vectors, candidates), "hamming+cosine"
        return hamming_ranking(queries.codes, database.codes), "hamming"
    if database.vectors is not None and queries.vectors is not None:
        return cosine_ranking(queries.vectors, database.vectors), "cosine"
    raise ConfigError("the queries and the database have no representation in common "
                      "(codes vs real vectors)", where="model")


def query_rows(embedder: Any, texts: Sequence[str], bits: int) -> DocumentVectors:
    if isinstance(embedder, InfersRows):
        return embedder.infer_rows(texts)
    inferred = np.asarray(embedder.infer(texts))
    keys = [str(i) for i in range(len(texts))]
    if inferred.dtype == np.uint8:
        return DocumentVectors(keys, None, codes=inferred, bits=bits)
    return DocumentVectors(keys, None, vectors=inferred)


def load_queries(dataset: Any) -> tuple[str, list[Document]]:
    if isinstance(dataset, str):
        from lexiplug.registry import registry

        spec = registry.datasets.get(dataset)()
        if spec.kind != "documents":
            raise ConfigError(f"dataset {dataset!r} is a {spec.kind} dataset; document "
                              "retrieval needs a labelled document set", where="dataset")
        return dataset, list(spec.load())
    if isinstance(dataset, Sequence) and all(isinstance(d, Document) for d in dataset):
        return "documents", list(dataset)
    raise ConfigError(f"expected a dataset name or a list of Documents, found "
                      f"{type(dataset).__name__}", where="dataset")


@dataclass
class DocRetrievalEvaluator:
    """Same-label retrieval: MAP, NDCG@10, P@100 and a precision-recall curve."""

    datasets: Sequence[str] | None = ("newsgroups_dev",)
    candidates: int = 100
    n_resamples: int = 1000
    seed: int = 0
    plot_dir: str | None = None

    def __post_init__(self) -> None:
        if self.candidates < 1:
            raise ConfigError(f"expected a positive number, found {self.candidates!r}",
                              where="candidates")

    def evaluate(self, model: Any, dataset: Any = "newsgroups_dev") -> Result:
        if not isinstance(model, DocumentVectors):
            raise ConfigError(f"document retrieval scores document vectors (a "
                              f"[doc_embedders] row), found {type(model).__name__}",
                              where="model")
        if model.labels is None:
            raise TrainingError("the database documents have no labels; retrieval counts "
                                "same-label documents as relevant", where="model")
        if model.model is None:
            raise ConfigError("these document vectors carry no fitted embedder to infer the "
                              "queries with (vectors loaded from disk)", where="model")
        name, documents = load_queries(dataset)
        missing = [d.key for d in documents if d.label is None]
        if missing:
            raise TrainingError(f"{len(missing)} query document(s) have no label (first: "
                                f"{missing[:3]})", where="dataset")
        vocabulary = model.model.vocabulary if isinstance(model.model, HasVocabulary) else None
        covered = np.array([vocabulary is None or any(t in vocabulary for t in
                                                      document_tokens(d.text))
                            for d in documents], dtype=bool)
        used = [d for d, c in zip(documents, covered, strict=True) if c]
        if not used:
            raise TrainingError("no query document has a word the model knows",
                                where="dataset")
        queries = query_rows(model.model, [d.text for d in used], model.bits)
        order, method = rank(model, queries, self.candidates)
        per_query = ranking_metrics(order, model.labels, [str(d.label) for d in used])
        return self.result(name, documents, covered, per_query, method, model)

    def result(self, name: str, documents: Sequence[Document], covered: np.ndarray,
               per_query: dict[str, np.ndarray], method: str, model: DocumentVectors
               ) -> Result:
        metrics: dict[str, float | None] = {
            metric: float(per_query[key].mean()) for metric, key in METRICS.items()}
        ci = {}
        for metric, key in METRICS.items():
            values = per_query[key]
            interval = bootstrap_ci(lambda idx, v=values: float(v[idx].mean()), len(values),
                                    n_resamples=self.n_resamples, seed=self.seed)
            if interval is not None:
                ci[metric] = interval
        curve = per_query["pr"].mean(axis=0)
        extra: dict[str, Any] = {
            "ranking": method, "bits": model.bits, "dim": model.dim,
            "database_size": len(model),
            "pr_curve": {"recall": RECALL_LEVELS.tolist(), "precision": curve.tolist()}}
        if self.plot_dir is not None:
            from .pr_curve import plot_pr_curves

            row = str(model.metadata.get("name", model.metadata.get("model", "row")))
            path = Path(self.plot_dir) / f"pr_{row}_{name}.png"
            extra["pr_curve_png"] = str(plot_pr_curves({row: curve}, path))
        values = iter(per_query["ap"].tolist())
        items = [ItemRecord(id=d.key, value=next(values) if c else None, covered=bool(c))
                 for d, c in zip(documents, covered.tolist(), strict=True)]
        checksum = hashlib.sha256("\n".join(d.key for d in documents).encode()).hexdigest()
        return Result(evaluator=NAME, dataset=name, metrics=metrics, primary="map",
                      n_items=len(documents), n_covered=int(covered.sum()), ci=ci,
                      items=items, item_statistic="mean", extra=extra,
                      dataset_checksum=checksum[:16])


make_doc_retrieval = class_factory(DocRetrievalEvaluator, name="make_doc_retrieval")


def register(registry: Registries) -> None:
    registry.evaluators.register(NAME, func=make_doc_retrieval, documents=True)
