"""`Vectors.encode` (mean and SIF pooling) and `semantic_search`, checked against plain loops."""

from __future__ import annotations

import logging

import numpy as np
import pytest
from lexiplug.errors import ConfigError
from lexiplug.vectors import Vectors
from lexiplug.vectors.encode import (
    principal_components,
    semantic_search,
    sif_weights,
    word_tokens,
)

WORDS = ["the", "cat", "sat", "on", "mat", "dog", "ran", "a", "park", "."]


@pytest.fixture
def table() -> Vectors:
    matrix = np.random.default_rng(0).standard_normal((len(WORDS), 8)).astype(np.float32)
    counts = np.array([500, 20, 15, 300, 5, 25, 10, 400, 3, 600])
    return Vectors(WORDS, matrix, counts=counts, oov="zero")


def _reference_sif(table: Vectors, text: str, a: float) -> np.ndarray:
    """Arora et al.'s formula written out: (1/|s|) sum a/(a+p(w)) v_w over known words."""
    assert table.counts is not None
    total = table.counts.sum()
    known = [w for w in word_tokens(text) if w.lower() in table]
    rows = [a / (a + table.counts[table.index(w.lower())] / total) * table[w.lower()]
            for w in known]
    return np.sum(rows, axis=0) / len(known)


def test_mean_pooling_skips_unknown_tokens_and_falls_back_to_lower_case(table: Vectors) -> None:
    got = table.encode(["The cat sat on the zebra.", "dog"])
    expected = np.mean([table[w] for w in ["the", "cat", "sat", "on", "the", "."]], axis=0)
    np.testing.assert_allclose(got[0], expected, atol=1e-6)
    np.testing.assert_allclose(got[1], table["dog"], atol=1e-6)
    assert got.dtype == np.float32 and got.shape == (2, 8)
    assert table.encode("dog").shape == (8,)  # one string, one vector, as model2vec does
    strict = table.encode("The", lowercase_fallback=False)
    assert not strict.any()


def test_sif_pooling_matches_the_formula_by_hand(table: Vectors) -> None:
    texts = ["the cat sat on the mat", "a dog ran in a park .", "Cat"]
    got = table.encode(texts, pooling="sif", sif_a=1e-2)
    for row, text in zip(got, texts, strict=True):
        np.testing.assert_allclose(row, _reference_sif(table, text, 1e-2), rtol=1e-5)


def test_sif_without_counts_uses_zipf_on_the_rank(table: Vectors) -> None:
    no_counts = Vectors(table.keys, table.matrix)
    weights = sif_weights(no_counts, 0.1)
    harmonic = 1 / np.arange(1, len(WORDS) + 1)
    np.testing.assert_allclose(weights, 0.1 / (0.1 + harmonic / harmonic.sum()), rtol=1e-6)
    assert np.all(np.diff(weights) > 0)  # rarer (later) rows weigh more


def test_principal_component_removal_matches_an_svd(table: Vectors) -> None:
    texts = ["the cat sat", "a dog ran", "the mat", "a park", "cat dog", "on the mat ."]
    plain = table.encode(texts, pooling="sif")
    u = np.linalg.svd(plain.astype(np.float64))[2][0]
    expected = plain - np.outer(plain @ u, u)
    got = table.encode(texts, pooling="sif", remove_pc=1)
    np.testing.assert_allclose(got, expected, atol=1e-5)
    np.testing.assert_allclose(got @ u, 0, atol=1e-5)
    # queries reuse the corpus's component
    component = principal_components(plain, 1)
    query = table.encode(["cat sat"], pooling="sif", components=component)
    np.testing.assert_allclose(query @ u, 0, atol=1e-5)


def test_all_oov_texts_give_zeros_not_nan_and_one_warning_with_the_count(
    table: Vectors, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="lexiplug.vectors.encode"):
        got = table.encode(["zebra giraffe", "", "the cat", "xyz"], normalize=True,
                           pooling="sif", batch_size=1)
    assert np.isfinite(got).all()
    assert not got[0].any() and not got[1].any() and not got[3].any()
    assert np.linalg.norm(got[2]) == pytest.approx(1.0, abs=1e-6)
    warnings = [r for r in caplog.records if "no token in the vocabulary" in r.getMessage()]
    assert len(warnings) == 1 and warnings[0].getMessage().startswith("3 of 4")


def test_batches_do_not_change_the_result(table: Vectors) -> None:
    texts = [" ".join(np.random.default_rng(i).choice(WORDS, 5)) for i in range(50)]
    one = table.encode(texts, batch_size=1, pooling="sif")
    many = table.encode(texts, batch_size=1000, pooling="sif", show_progress_bar=True)
    np.testing.assert_allclose(one, many, atol=1e-6)


def test_subword_tables_compose_unknown_words_instead_of_skipping(table: Vectors) -> None:
    def pieces_mean(word: str) -> np.ndarray:
        return np.mean([table["cat"], table["dog"]], axis=0)

    composing = Vectors(table.keys, table.matrix, oov="subword", oov_provider=pieces_mean)
    got = composing.encode(["catdog sat"])
    np.testing.assert_allclose(got[0], (pieces_mean("catdog") + table["sat"]) / 2, atol=1e-6)


def test_bad_options_are_named(table: Vectors) -> None:
    with pytest.raises(ConfigError, match="pooling"):
        table.encode(["x"], pooling="max")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="batch_size"):
        table.encode(["x"], batch_size=0)
    with pytest.raises(ConfigError, match="sif_a"):
        table.encode(["x"], pooling="sif", sif_a=0)
    with pytest.raises(ConfigError, match="top_k"):
        semantic_search(np.ones((1, 3)), np.ones((2, 3)), top_k=0)
    with pytest.raises(ConfigError, match="3-d but the corpus is 4-d"):
        semantic_search(np.ones((1, 3)), np.ones((2, 4)))


def _brute_force(queries: np.ndarray, corpus: np.ndarray, k: int) -> list[list[int]]:
    q = queries / np.linalg.norm(queries, axis=1, keepdims=True)
    c = corpus / np.linalg.norm(corpus, axis=1, keepdims=True)
    return [list(np.argsort(-row, kind="stable")[:k]) for row in q @ c.T]


def test_semantic_search_chunked_equals_brute_force() -> None:
    rng = np.random.default_rng(1)
    queries, corpus = rng.standard_normal((7, 5)), rng.standard_normal((23, 5))
    for chunks in [(100, 500_000), (3, 4), (1, 1)]:
        hits = semantic_search(queries, corpus, top_k=5, query_chunk_size=chunks[0],
                               corpus_chunk_size=chunks[1])
        assert [[h["corpus_id"] for h in row] for row in hits] == _brute_force(queries, corpus, 5)
        assert all(list(h) == ["corpus_id", "score"] for row in hits for h in row)
    assert len(semantic_search(queries, corpus[:2], top_k=5)[0]) == 2


@pytest.mark.slow  # importing sentence-transformers takes ~15 s
def test_semantic_search_returns_what_sentence_transformers_returns() -> None:
    util = pytest.importorskip("sentence_transformers.util")
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(2)
    queries = rng.standard_normal((9, 16)).astype(np.float32)
    corpus = rng.standard_normal((300, 16)).astype(np.float32)
    ours = semantic_search(queries, corpus, top_k=4, corpus_chunk_size=64)
    theirs = util.semantic_search(torch.from_numpy(queries), torch.from_numpy(corpus), top_k=4)
    for mine, reference in zip(ours, theirs, strict=True):
        assert [h["corpus_id"] for h in mine] == [h["corpus_id"] for h in reference]
        np.testing.assert_allclose([h["score"] for h in mine],
                                   [h["score"] for h in reference], atol=1e-5)


def test_encode_then_search_finds_the_matching_sentence(table: Vectors) -> None:
    corpus = ["the cat sat on the mat", "a dog ran in a park", "on the mat"]
    hits = semantic_search(table.encode(["dog park"]), table.encode(corpus), top_k=1)
    assert hits[0][0]["corpus_id"] == 1


@pytest.mark.slow
def test_a_distilled_table_encodes_like_model2vec_composes(tmp_path) -> None:
    pytest.importorskip("transformers")
    from lexiplug.plugins.contextual.distill_vocab import DistillVocab
    from lexiplug.plugins.contextual.testing import build_tiny_bert

    vectors = DistillVocab(build_tiny_bert(tmp_path / "bert"), dim=8, batch_size=64).fit()
    got = vectors.encode(["cat cats", "\u2603"], normalize=True)
    expected = (vectors["cat"] + (vectors["cat"] + vectors["##s"]) / 2) / 2
    np.testing.assert_allclose(got[0], expected / np.linalg.norm(expected), atol=1e-5)
    assert np.isfinite(got).all()
