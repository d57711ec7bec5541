"""``lexiplug.complete_oov.v1`` (plugins/oov/complete.py) and the similarity evaluator's
``oov = "infer"`` policy: known words exactly as before, unknown words inferred and counted."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("torch")

from lexiplug.contracts import InfersVectors
from lexiplug.errors import OOVError
from lexiplug.plugins.datasets.readers_word_pairs import WordPairs
from lexiplug.plugins.evaluators.similarity import SimilarityEvaluator
from lexiplug.plugins.oov.complete import CompletedVectors
from lexiplug.registry import registry
from lexiplug.vectors import Vectors

from tests.test_oov import SMALL, planted_split, trained_on_planted


@pytest.fixture
def completed() -> CompletedVectors:
    return CompletedVectors(planted_split()[0], trained_on_planted())


def test_known_words_are_looked_up_exactly_as_before(completed: CompletedVectors) -> None:
    base = planted_split()[0]
    for word in base.keys[:50]:
        np.testing.assert_array_equal(completed.vector(word), base.vector(word))
        assert completed.word_status(word) == "known"
    assert completed.matrix is base.matrix  # no copy of the table
    assert completed.most_similar(base.keys[0], topn=3) == base.most_similar(base.keys[0], topn=3)


def test_unknown_words_get_the_encoders_vector_marked_inferred(
        completed: CompletedVectors) -> None:
    held_words = planted_split()[1]
    vector, status = completed.lookup(held_words[0])
    assert status == "inferred"
    np.testing.assert_array_equal(vector, trained_on_planted().encode([held_words[0]])[0])
    assert held_words[0] not in completed and completed.can_vectorize(held_words[0])
    assert isinstance(completed, InfersVectors)
    assert not isinstance(planted_split()[0], InfersVectors)
    # a table derived by a later transform keeps inferring
    derived = completed.with_matrix(completed.matrix * 2)
    np.testing.assert_array_equal(derived.vector(held_words[0]), vector)


@pytest.mark.parametrize("word", ["", " ", "\t\n"])
def test_words_without_a_spelling_are_missing_and_raise(completed: CompletedVectors,
                                                         word: str) -> None:
    assert completed.word_status(word) == "missing"
    assert not completed.can_vectorize(word)
    with pytest.raises(OOVError, match="no spelling"):
        completed.vector(word)


def test_the_transform_trains_an_encoder_through_the_registry(tmp_path) -> None:
    base = planted_split()[0].subset(planted_split()[0].keys[:100])
    transform = registry.transforms.get("lexiplug.complete_oov.v1")(
        epochs=2, checkpoints=str(tmp_path / "ckpt"), **SMALL)
    out = transform.apply(base)
    assert isinstance(out, CompletedVectors) and out.word_status("zzzz") == "inferred"
    assert out.metadata["lineage"][-1] == "complete_oov"
    assert any((tmp_path / "ckpt").iterdir())
    saved = trained_on_planted().save(tmp_path / "encoder")
    loaded = registry.transforms.get("lexiplug.complete_oov.v1")(path=str(saved)).apply(
        planted_split()[0])
    np.testing.assert_array_equal(loaded.vector("abcabc"),
                                  trained_on_planted().encode(["abcabc"])[0])


def test_a_dimension_mismatch_is_refused(completed: CompletedVectors) -> None:
    other = Vectors(["a"], np.ones((1, 3), dtype=np.float32))
    with pytest.raises(OOVError, match="16-d vectors"):
        CompletedVectors(other, trained_on_planted())


def planted_pairs() -> WordPairs:
    """Pairs of a known and a held-out word (plus two known-known and one with no spelling),
    scored by the cosine of their true planted vectors."""
    train, held_words, held_matrix = planted_split()
    rng = np.random.default_rng(0)
    pairs, scores = [], []
    for word, true in zip(held_words[:60], held_matrix[:60], strict=True):
        other = train.keys[int(rng.integers(len(train)))]
        pairs.append((other, word))
        truth = train.vector(other)
        scores.append(float(truth @ true / np.linalg.norm(truth) / np.linalg.norm(true)))
    pairs += [(train.keys[0], train.keys[1]), (train.keys[2], train.keys[3]), ("", train.keys[0])]
    scores += [0.5, 0.1, 0.3]
    return WordPairs.from_pairs(pairs, scores, name="planted")


def test_infer_policy_scores_unknown_words_and_splits_coverage(
        completed: CompletedVectors) -> None:
    pairs = planted_pairs()
    result = SimilarityEvaluator(oov="infer", bootstrap=0, case_insensitive=False).evaluate(
        completed, pairs)
    n = len(pairs)
    assert result.extra["coverage_known"] == pytest.approx(2 / n)
    assert result.extra["coverage_inferred"] == pytest.approx(60 / n)
    assert result.extra["coverage_missing"] == pytest.approx(1 / n)
    assert result.n_covered == 2 and result.extra["n_scored"] == 62
    assert result.metrics["spearman"] is not None and result.metrics["spearman"] > 0.6


def test_default_policy_is_unchanged_on_completed_vectors(completed: CompletedVectors) -> None:
    pairs = planted_pairs()
    base = planted_split()[0]
    on_base = SimilarityEvaluator(bootstrap=0).evaluate(base, pairs)
    on_completed = SimilarityEvaluator(bootstrap=0).evaluate(completed, pairs)
    assert on_completed.metrics == on_base.metrics
    assert "coverage_inferred" not in on_completed.extra
    assert on_completed.n_covered == on_base.n_covered == 2


def test_infer_policy_on_plain_vectors_warns_and_skips() -> None:
    pairs = planted_pairs()
    result = SimilarityEvaluator(oov="infer", bootstrap=0).evaluate(planted_split()[0], pairs)
    assert any("infer no vectors" in w for w in result.warnings)
    assert result.extra["coverage_inferred"] == 0.0
    assert result.extra["coverage_missing"] == pytest.approx(61 / len(pairs))


def test_a_study_row_word2vec_plus_complete_oov_scores_with_inferred_words(tmp_path) -> None:
    from lexiplug.study.runner import run_study

    table = planted_split()[0].save(tmp_path / "planted", format="native")
    config = tmp_path / "study.cfg"
    config.write_text(f"""
[embedders.planted]
@embedders = "lexiplug.pretrained.v1"
path = "{table}"

[transforms.complete_oov]
@transforms = "lexiplug.complete_oov.v1"
input = "planted"
epochs = 1
filters = 8
hidden = 16

[evaluate.similarity]
@evaluators = "lexiplug.similarity.v1"
datasets = ["ws353_gensim"]
oov = "infer"
bootstrap = 0
""")
    outcome = run_study(config, output=tmp_path / "out", quiet=True)
    assert isinstance(outcome.rows["planted+complete_oov"].vectors, CompletedVectors)
    result = next(s.result for s in outcome.scored if s.row == "planted+complete_oov")
    assert result.extra["coverage_inferred"] == 1.0 and result.metrics["spearman"] is not None
