"""lexiplug.retrieval.v1: BM25 against a hand computation, ranking metrics, pooled vectors."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from lexiplug.errors import ConfigError, FormatError
from lexiplug.plugins.datasets.readers_retrieval import RetrievalSet, read_beir
from lexiplug.plugins.evaluators.bm25 import bm25_scores
from lexiplug.plugins.evaluators.retrieval import make_retrieval_evaluator, per_query_metrics
from lexiplug.plugins.evaluators.text_pooling import pool_texts
from lexiplug.vectors.vectors import Vectors

from tests.helpers import require_data

DOCS = ["the cat sat on the mat", "dogs and cats living together", "the dog sat"]


def _lucene_bm25(docs: list[list[str]], query: list[str], k1=1.5, b=0.75) -> list[float]:
    n = len(docs)
    avgdl = sum(len(d) for d in docs) / n
    scores = []
    for doc in docs:
        total = 0.0
        for term in query:
            df = sum(term in d for d in docs)
            if df == 0:
                continue
            idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
            tf = doc.count(term)
            total += idf * tf / (tf + k1 * (1 - b + b * len(doc) / avgdl))
        scores.append(total)
    return scores


def test_bm25_equals_hand_computation():
    tokenised = [d.split() for d in DOCS]
    got = bm25_scores(DOCS, ["cat sat", "sat", "unicorn dog"], stopwords=None)
    for row, query in enumerate([["cat", "sat"], ["sat"], ["unicorn", "dog"]]):
        np.testing.assert_allclose(got[row], _lucene_bm25(tokenised, query), rtol=1e-5)
    # 'sat' in "the dog sat": idf ln(1 + 1.5/2.5), tf 1, dl 3, avgdl 14/3
    by_hand = math.log(1.6) / (1 + 1.5 * (0.25 + 0.75 * 3 / (14 / 3)))
    assert got[1, 2] == pytest.approx(by_hand, rel=1e-5)
    assert got[2, 0] == 0.0  # no query term in the first document


def test_recall_and_ndcg_by_hand():
    relevance = np.array([[1.0, 0.0, 1.0, 0.0]])
    scores = np.array([[0.9, 0.8, 0.1, 0.5]])  # ranking: d0, d1, d3, d2
    got = per_query_metrics(scores, relevance, ks=(1, 2, 4), ndcg_k=3)
    assert got["recall@1"][0] == 0.5 and got["recall@2"][0] == 0.5 and got["recall@4"][0] == 1.0
    dcg = 1 / math.log2(2)  # d2 is at rank 4, outside the top 3
    idcg = 1 / math.log2(2) + 1 / math.log2(3)
    assert got["ndcg@3"][0] == pytest.approx(dcg / idcg)
    uncovered = per_query_metrics(scores, relevance, ks=(4,), covered=np.array([False]))
    assert uncovered["recall@4"][0] == 0.0


def _synthetic() -> tuple[RetrievalSet, Vectors]:
    """Four people with distinct likes; queries name one liked thing."""
    people = {"ann": ["apples", "chess"], "bob": ["boats", "chess"], "cy": ["apples", "jazz"],
              "di": ["boats", "jazz"]}
    doc_ids = list(people)
    doc_texts = [f"{p} likes {' and '.join(likes)}" for p, likes in people.items()]
    things = ["apples", "boats", "chess", "jazz"]
    query_texts = [f"Who likes {t}?" for t in things]
    query_ids = [f"q{i}" for i in range(len(things))]
    qrels = {q: {p: 1.0 for p, likes in people.items() if t in likes}
             for q, t in zip(query_ids, things, strict=True)}
    rng = np.random.default_rng(0)
    words = ["who", "likes", "and", *people, *things]
    matrix = rng.standard_normal((len(words), 32)) * 0.05
    for i, thing in enumerate(things):  # each liked thing gets its own strong axis
        matrix[words.index(thing), 10 + i] = 1.0
    return (RetrievalSet(doc_ids, doc_texts, query_ids, query_texts, qrels),
            Vectors(words, matrix.astype(np.float32)))


def test_retrieval_on_tiny_synthetic_set():
    data, vectors = _synthetic()
    result = make_retrieval_evaluator(ks=(2, 4), n_resamples=50).evaluate(vectors, data)
    assert result.primary == "recall@2" and result.n_covered == 4
    assert result.metrics["recall@2"] == 1.0 and result.metrics["ndcg@10"] == pytest.approx(1.0)
    assert result.extra["baselines"]["bm25"]["recall@2"] == 1.0
    assert set(result.extra["pooling_variants"]) == {"mean", "sif"}
    # An encoder whose text vectors carry no signal does worse.

    class Noise:
        def encode_texts(self, texts):
            return np.random.default_rng(len(texts)).standard_normal((len(texts), 8))

    assert make_retrieval_evaluator(ks=(2,), n_resamples=50).evaluate(
        Noise(), data).metrics["recall@2"] < 1.0


def test_encoder_model_and_uncovered_queries():
    data, vectors = _synthetic()

    class Encoder:
        def encode_texts(self, texts):
            return pool_texts(vectors, texts).matrix

    result = make_retrieval_evaluator(ks=(2,), bm25=False, n_resamples=50).evaluate(
        Encoder(), data)
    assert result.extra["pooling"] == "encoder" and result.metrics["recall@2"] == 1.0
    known = vectors.subset(["ann", "bob", "cy", "di", "likes", "apples"])
    partial = make_retrieval_evaluator(ks=(2,), bm25=False, n_resamples=50).evaluate(known, data)
    assert partial.n_covered == 4  # "likes" is known in every query
    only_docs = vectors.subset(["ann", "bob", "cy", "di", "and", "apples"])
    missing = make_retrieval_evaluator(ks=(2,), bm25=False, n_resamples=50).evaluate(
        only_docs, data)
    assert missing.n_covered == 1  # only "Who likes apples?" has a known token
    assert all(d["recall@2"] == 0.0 for d in missing.details if not d["covered"])


def test_sif_uses_counts_and_removes_common_component():
    words = ["the", "cat", "dog"]
    matrix = np.array([[1.0, 0, 0], [0, 1.0, 0], [0, 0, 1.0]], dtype=np.float32)
    vectors = Vectors(words, matrix, counts=[1000, 1, 1])
    pooled = pool_texts(vectors, ["the cat", "the dog", "the cat dog"], pooling="sif")
    # "the" is frequent: its weight a/(a + p) is tiny, so it barely moves the text vector.
    mean = pool_texts(vectors, ["the cat"], pooling="mean").matrix[0]
    assert mean[0] == pytest.approx(0.5)
    assert pooled.covered.all() and pooled.n_known == 7
    assert abs(pooled.matrix[0, 0]) < 0.01


def test_bad_config_and_malformed_jsonl(tmp_path):
    with pytest.raises(ConfigError, match="pooling"):
        make_retrieval_evaluator(pooling="max")
    corpus, queries, qrels = (tmp_path / n for n in ("c.jsonl", "q.jsonl", "r.jsonl"))
    corpus.write_text(json.dumps({"_id": "a", "text": "x"}) + "\n", encoding="utf-8")
    queries.write_text(json.dumps({"_id": "q", "text": "y"}) + "\n{broken\n", encoding="utf-8")
    qrels.write_text(json.dumps({"query-id": "q", "corpus-id": "a", "score": 1}) + "\n",
                     encoding="utf-8")
    with pytest.raises(FormatError) as error:
        read_beir(corpus, queries, qrels)
    assert f"{queries}:2" in str(error.value)
    queries.write_text(json.dumps({"_id": "q", "text": "y"}) + "\n", encoding="utf-8")
    qrels.write_text(json.dumps({"query-id": "q", "corpus-id": "zz", "score": 1}) + "\n",
                     encoding="utf-8")
    with pytest.raises(FormatError, match="unknown document"):
        read_beir(corpus, queries, qrels)


@pytest.mark.data
def test_limit_small_bm25_beats_random_vectors():
    require_data("retrieval/limit-small/qrels.jsonl")
    from lexiplug.registry import registry

    data = registry.datasets.get("limit_small")().load()
    assert (len(data.doc_ids), len(data.query_ids)) == (46, 1000)
    assert all(len(v) == 2 for v in data.qrels.values())
    import re

    words = sorted({t.lower() for t in re.findall(r"\w+", " ".join(data.doc_texts))})
    vectors = Vectors(words, np.random.default_rng(0).standard_normal((len(words), 32))
                      .astype(np.float32))
    result = make_retrieval_evaluator(n_resamples=100).evaluate(vectors, "limit_small")
    assert result.dataset == "limit_small" and result.dataset_checksum
    assert result.extra["baselines"]["bm25"]["recall@2"] > 0.9 > result.metrics["recall@2"]
