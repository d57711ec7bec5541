"""Similarity queries agree with gensim's KeyedVectors on random vectors; OOV policies."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from lexiplug.errors import ConfigError, LexiplugError, OOVError
from lexiplug.vectors import Vectors

TOL = 1e-5


@pytest.fixture(scope="module")
def pair() -> tuple[Vectors, Any]:
    rng = np.random.default_rng(7)
    keys = [f"w{i}" for i in range(3000)]
    vectors = Vectors(keys, rng.standard_normal((3000, 40)).astype(np.float32))
    return vectors, vectors.to_gensim()


def assert_same(ours: list[tuple[str, float]], theirs: list[tuple[str, float]]) -> None:
    assert [w for w, _ in ours] == [w for w, _ in theirs]
    assert np.allclose([s for _, s in ours], [s for _, s in theirs], atol=TOL, rtol=0)


@pytest.mark.parametrize("query", [
    {"positive": "w5"},
    {"positive": ["w1", "w2"], "negative": ["w3"]},
    {"positive": ["w10"], "negative": ["w11", "w12"], "topn": 25},
    {"negative": ["w7"]},
    {"positive": ["w100", "w2500"], "restrict_vocab": 1000},
    {"positive": ["w4"], "topn": 1},
])
def test_most_similar_matches_gensim(pair: tuple[Vectors, Any], query: dict[str, Any]) -> None:
    vectors, kv = pair
    assert_same(vectors.most_similar(**query), kv.most_similar(**query))


def test_most_similar_with_vector_query(pair: tuple[Vectors, Any]) -> None:
    vectors, kv = pair
    vec = vectors["w9"] * 3.0
    assert_same(vectors.most_similar(positive=[vec], topn=5), kv.most_similar([vec], topn=5))


def test_most_similar_batch_matches_single_queries(pair: tuple[Vectors, Any]) -> None:
    vectors, kv = pair
    words = [f"w{i}" for i in range(0, 3000, 97)]
    batch = vectors.most_similar_batch(words, topn=10)
    assert len(batch) == len(words)
    for word, answer in zip(words, batch, strict=True):
        assert_same(answer, kv.most_similar(word, topn=10))
    restricted = vectors.most_similar_batch(words[:5], topn=10, restrict_vocab=500)
    for word, answer in zip(words[:5], restricted, strict=True):
        assert_same(answer, kv.most_similar(word, topn=10, restrict_vocab=500))


def test_most_similar_batch_of_vectors(pair: tuple[Vectors, Any]) -> None:
    vectors, kv = pair
    queries = np.stack([vectors["w1"], vectors["w2"] * 2])
    batch = vectors.most_similar_batch(queries, topn=4)
    assert_same(batch[1], kv.most_similar([queries[1]], topn=4))
    assert batch[0][0][0] == "w1"  # vector queries exclude nothing


@pytest.mark.parametrize("query", [
    {"positive": ["w1", "w2"], "negative": ["w3"]},
    {"positive": ["w20"]},
    {"positive": ["w5", "w6", "w7"], "negative": ["w8", "w9"], "topn": 15},
])
def test_most_similar_cosmul_matches_gensim(
    pair: tuple[Vectors, Any], query: dict[str, Any]
) -> None:
    vectors, kv = pair
    assert_same(vectors.most_similar_cosmul(**query), kv.most_similar_cosmul(**query))


def test_similarity_matches_gensim(pair: tuple[Vectors, Any]) -> None:
    vectors, kv = pair
    for a, b in [("w1", "w2"), ("w3", "w3"), ("w2999", "w0")]:
        assert abs(vectors.similarity(a, b) - float(kv.similarity(a, b))) < TOL
    pairs = [("w1", "w2"), ("w5", "w6")]
    expected = [float(kv.similarity(a, b)) for a, b in pairs]
    assert np.allclose(vectors.similarity_pairs(pairs), expected, atol=TOL)
    assert abs(vectors.n_similarity(["w1", "w2"], ["w3"])
               - float(kv.n_similarity(["w1", "w2"], ["w3"]))) < TOL


def test_analogy_is_most_similar_of_b_minus_a_plus_c(pair: tuple[Vectors, Any]) -> None:
    vectors, kv = pair
    assert_same(vectors.analogy("w1", "w2", "w3", topn=3),
                kv.most_similar(positive=["w2", "w3"], negative=["w1"], topn=3))
    assert_same(vectors.analogy("w1", "w2", "w3", topn=3, method="mul"),
                kv.most_similar_cosmul(positive=["w2", "w3"], negative=["w1"], topn=3))
    with pytest.raises(ConfigError):
        vectors.analogy("w1", "w2", "w3", method="avg")  # type: ignore[arg-type]


def test_restrict_vocab_validation(pair: tuple[Vectors, Any]) -> None:
    vectors, _ = pair
    with pytest.raises(ConfigError, match="restrict_vocab"):
        vectors.most_similar("w1", restrict_vocab=0)
    assert len(vectors.most_similar("w1", topn=50, restrict_vocab=10)) == 9


def test_topn_larger_than_vocab_returns_everything_else() -> None:
    small = Vectors(["a", "b", "c"], np.eye(3, dtype=np.float32))
    assert [w for w, _ in small.most_similar("a", topn=10)] == ["b", "c"]
    assert small.most_similar("a", topn=0) == []


# -- OOV policies ----------------------------------------------------------------------------


def small(oov: str = "error", **kwargs: Any) -> Vectors:
    rng = np.random.default_rng(3)
    return Vectors(["a", "b", "c"], rng.standard_normal((3, 6)).astype(np.float32),
                   oov=oov, **kwargs)  # type: ignore[arg-type]


def test_oov_error_raises_oov_error_which_is_a_key_error() -> None:
    vectors = small()
    for call in (lambda: vectors["zzz"], lambda: vectors.most_similar("zzz"),
                 lambda: vectors.similarity("a", "zzz")):
        with pytest.raises(OOVError, match="zzz"):
            call()
    with pytest.raises(KeyError):
        vectors["zzz"]
    assert vectors.get("zzz") is None and "zzz" not in vectors


def test_oov_zero() -> None:
    vectors = small("zero")
    assert vectors["zzz"].tolist() == [0.0] * 6
    assert vectors.similarity("a", "zzz") == 0.0


def test_oov_random_is_stable_and_scaled() -> None:
    vectors = small("random")
    first, again = vectors["zzz"], small("random")["zzz"]
    assert np.array_equal(first, again) and not np.array_equal(first, vectors["yyy"])
    mean_norm = np.linalg.norm(vectors.matrix, axis=1).mean()
    assert abs(np.linalg.norm(first) - mean_norm) < 1e-4
    assert "zzz" not in [w for w, _ in vectors.most_similar("zzz", topn=3)]


def test_oov_subword_uses_the_provider() -> None:
    vectors = small("subword", oov_provider=lambda word: np.full(6, len(word), np.float32))
    assert vectors["abcd"].tolist() == [4.0] * 6
    with pytest.raises(ConfigError, match="oov_provider"):
        small("subword")
    with pytest.raises(ConfigError, match="oov must be"):
        small("guess")


def test_bad_query_vector_shape() -> None:
    with pytest.raises(LexiplugError, match="shape"):
        small().most_similar(positive=[np.ones(5, np.float32)])
