"""lexiplug.similarity.v1: gensim parity, coverage, CI, OOV policies, empty coverage."""

from __future__ import annotations

import logging
import math

import numpy as np
import pytest
from lexiplug.errors import ConfigError
from lexiplug.plugins.datasets import word_benchmarks
from lexiplug.plugins.datasets.readers_word_pairs import WordPairs
from lexiplug.plugins.evaluators import similarity
from lexiplug.plugins.evaluators.similarity import (
    bootstrap_correlations,
    make_similarity_evaluator,
)
from lexiplug.registry import registry
from lexiplug.vectors import Vectors

from tests.helpers import require_data

SPECS = {spec.name: spec for spec in word_benchmarks.WORD_BENCHMARKS}


@pytest.fixture(scope="module", autouse=True)
def _registered() -> None:
    word_benchmarks.register(registry)
    similarity.register(registry)


def vectors_over(pairs: WordPairs, *, seed: int, drop: float = 0.08, variants: int = 40,
                 dim: int = 25) -> Vectors:
    """Random vectors over a dataset's (lower-cased) words, some dropped (OOV), some with a
    capitalised variant placed before or after the lower-case word."""
    rng = np.random.default_rng(seed)
    words = sorted({w.lower() for pair in pairs.pairs for w in pair})
    words = [w for w in words if rng.random() > drop]
    words += [w.capitalize() for w in words[:variants]]
    rng.shuffle(words)
    return Vectors(words, rng.standard_normal((len(words), dim)).astype(np.float32))


def gensim_keyed_vectors(vectors: Vectors):
    from gensim.models import KeyedVectors

    kv = KeyedVectors(vectors.dim)
    kv.add_vectors(vectors.keys, np.asarray(vectors.matrix))
    return kv


def assert_equal_to_gensim(vectors: Vectors, spec_name: str) -> None:
    spec = SPECS[spec_name]
    kv = gensim_keyed_vectors(vectors)
    cases = [
        ({}, {}),
        ({"oov": "zero"}, {"dummy4unknown": True}),
        ({"case_insensitive": False}, {"case_insensitive": False}),
        ({"restrict_vocab": 150}, {}),
    ]
    for ours_options, gensim_options in cases:
        result = make_similarity_evaluator(bootstrap=0, **ours_options).evaluate(vectors, spec)
        pearson, spearman, oov_percent = kv.evaluate_word_pairs(
            spec.paths()[0], restrict_vocab=ours_options.get("restrict_vocab", 300000),
            **gensim_options,
        )
        assert abs(result.metrics["spearman"] - spearman[0]) <= 1e-9, ours_options
        assert abs(result.metrics["pearson"] - pearson[0]) <= 1e-9, ours_options
        assert math.isclose(1 - result.coverage, oov_percent / 100, abs_tol=1e-12)


def test_equal_to_gensim_on_its_bundled_wordsim353() -> None:
    vectors = vectors_over(SPECS["ws353_gensim"].load(), seed=1)
    assert_equal_to_gensim(vectors, "ws353_gensim")


@pytest.mark.data
@pytest.mark.parametrize("name", ["ws353", "simlex999", "men", "rg65"])
def test_equal_to_gensim_on_shared_sets(name: str) -> None:
    require_data(SPECS[name].files[0])
    vectors = vectors_over(SPECS[name].load(), seed=2)
    assert_equal_to_gensim(vectors, name)


def tiny_vectors() -> Vectors:
    keys = ["cat", "dog", "car", "truck", "Apple", "apple", "pear"]
    matrix = np.array(
        [[1, 0.1, 0], [0.9, 0.2, 0], [0, 1, 0.1], [0.1, 0.9, 0.2], [0, 0, 1], [1, 1, 1],
         [0.1, 0.1, 0.9]], dtype=np.float32,
    )
    return Vectors(keys, matrix)


def tiny_pairs() -> WordPairs:
    return WordPairs.from_pairs(
        [("cat", "dog"), ("car", "truck"), ("cat", "truck"), ("apple", "pear"), ("cat", "zebra")],
        [9.0, 8.0, 1.0, 7.0, 3.0], name="tiny",
    )


def test_coverage_details_and_case_folding() -> None:
    result = make_similarity_evaluator(bootstrap=0).evaluate(tiny_vectors(), tiny_pairs())
    assert result.dataset == "tiny" and result.evaluator == "lexiplug.similarity.v1"
    assert (result.n_items, result.n_covered) == (5, 4)
    assert result.coverage == pytest.approx(0.8)
    assert [d["covered"] for d in result.details] == [True, True, True, True, False]
    assert result.details[4]["model"] is None and result.details[4]["line"] == 5
    # 'apple' folds to 'APPLE': the first variant in the vocabulary ('Apple') stands for it
    unit = tiny_vectors().unit_matrix
    assert result.details[3]["model"] == pytest.approx(float(unit[4] @ unit[6]), abs=1e-6)
    exact = make_similarity_evaluator(bootstrap=0, lowercase=False).evaluate(
        tiny_vectors(), tiny_pairs()
    )
    assert exact.details[3]["model"] == pytest.approx(float(unit[5] @ unit[6]), abs=1e-6)
    assert result.dataset_checksum and result.primary == "spearman"


def test_ci_contains_point_estimate_and_is_reproducible() -> None:
    pairs = SPECS["ws353_gensim"].load()
    vectors = vectors_over(pairs, seed=3)
    first = make_similarity_evaluator(seed=7).evaluate(vectors, pairs)
    second = make_similarity_evaluator(seed=7).evaluate(vectors, pairs)
    for metric in ("spearman", "pearson"):
        low, high = first.ci[metric]
        assert low < first.metrics[metric] < high
        assert first.ci[metric] == second.ci[metric]
    other = make_similarity_evaluator(seed=8).evaluate(vectors, pairs)
    assert other.ci["spearman"] != first.ci["spearman"]


def test_bootstrap_agrees_with_a_plain_loop() -> None:
    from scipy import stats

    rng = np.random.default_rng(0)
    gold = rng.random(200)
    predicted = gold + rng.normal(0, 0.3, 200)
    vectorised = bootstrap_correlations(gold, predicted, n_resamples=300, seed=5)
    draws = np.random.default_rng(5).integers(0, 200, (300, 200))
    loop = [stats.spearmanr(gold[i], predicted[i])[0] for i in draws]
    assert vectorised["spearman"] == pytest.approx(tuple(np.quantile(loop, [0.025, 0.975])))


def test_zero_coverage_gives_no_score_and_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    pairs = WordPairs.from_pairs([("zebra", "lion"), ("moon", "sun")], [1.0, 2.0], name="none")
    with caplog.at_level(logging.WARNING):
        result = make_similarity_evaluator().evaluate(tiny_vectors(), pairs)
    assert result.n_covered == 0 and result.coverage == 0
    assert result.metrics == {"spearman": None, "pearson": None} and result.score is None
    assert result.ci == {}
    assert result.warnings and "no pair" in result.warnings[0]
    assert "no pair" in caplog.text
    assert "n/a" in result.summary() and "nan" not in str(result.to_dict()).lower()


def test_constant_model_scores_give_no_score() -> None:
    vectors = Vectors(["a", "b", "c", "d"], np.ones((4, 3), dtype=np.float32))
    pairs = WordPairs.from_pairs([("a", "b"), ("c", "d"), ("a", "d")], [1.0, 2.0, 3.0])
    result = make_similarity_evaluator().evaluate(vectors, pairs)
    assert result.score is None and result.warnings


def test_oov_vectors_policy_scores_unknown_pairs() -> None:
    vectors = tiny_vectors()
    vectors.set_oov_policy("random")
    result = make_similarity_evaluator(oov="vectors", bootstrap=0).evaluate(vectors, tiny_pairs())
    assert result.n_covered == 4 and result.extra["n_scored"] == 5
    assert result.details[4]["scored"] and result.details[4]["model"] is not None
    strict = make_similarity_evaluator(oov="vectors", bootstrap=0).evaluate(
        tiny_vectors(), tiny_pairs()
    )
    assert strict.extra["n_scored"] == 4 and any("oov='error'" in w for w in strict.warnings)


def test_registered_factory_and_option_validation() -> None:
    factory = registry.evaluators.get("lexiplug.similarity.v1")
    evaluator = factory(oov="zero", bootstrap=10)
    assert evaluator.evaluate(tiny_vectors(), tiny_pairs()).extra["n_scored"] == 5
    with pytest.raises(ConfigError):
        factory(oov="guess")
    with pytest.raises(ConfigError):
        factory(restrict_vocab=0)
    with pytest.raises(ConfigError, match="analogy"):
        factory().evaluate(tiny_vectors(), "google_analogy_gensim")


def test_dataset_by_name_carries_checksum_and_citation() -> None:
    result = make_similarity_evaluator(bootstrap=0).evaluate(tiny_vectors(), "ws353_gensim")
    assert result.dataset == "ws353_gensim"
    assert result.dataset_checksum == SPECS["ws353_gensim"].checksum()
    assert "Finkelstein" in result.extra["citation"]
    assert result.n_items == 353 and result.warnings  # almost nothing covered


def test_accepts_gensim_keyed_vectors() -> None:
    vectors = tiny_vectors()
    ours = make_similarity_evaluator(bootstrap=0).evaluate(vectors, tiny_pairs())
    theirs = make_similarity_evaluator(bootstrap=0).evaluate(
        gensim_keyed_vectors(vectors), tiny_pairs()
    )
    assert ours.metrics == theirs.metrics
