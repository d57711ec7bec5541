"""lexiplug.analogy.v1: gensim parity (3CosAdd), 3CosMul, coverage, sections, empty coverage."""

from __future__ import annotations

import logging
from collections import Counter

import numpy as np
import pytest
from lexiplug.errors import ConfigError
from lexiplug.evaluation.planted import plant_analogy_offsets
from lexiplug.plugins.datasets import word_benchmarks
from lexiplug.plugins.datasets.readers_analogy import AnalogyQuestions
from lexiplug.plugins.evaluators import analogy
from lexiplug.plugins.evaluators.analogy import make_analogy_evaluator
from lexiplug.registry import registry
from lexiplug.vectors import Vectors

from tests.helpers import require_data

SPECS = {spec.name: spec for spec in word_benchmarks.WORD_BENCHMARKS}
GOOGLE = SPECS["google_analogy_gensim"]


@pytest.fixture(scope="module", autouse=True)
def _registered() -> None:
    word_benchmarks.register(registry)
    analogy.register(registry)


@pytest.fixture(scope="module")
def google_questions() -> AnalogyQuestions:
    return GOOGLE.load()


def structured_vectors(questions: AnalogyQuestions, *, seed: int, dim: int = 40,
                       noise: float = 0.45, drop: float = 0.05, variants: int = 60) -> Vectors:
    """Vectors in which each section's relation is roughly a shared offset, so a good share
    of questions is answered right and ranking matters; lower-case words, a few dropped
    (OOV) and a few capitalised duplicates (case variants) mixed in."""
    rng = np.random.default_rng(seed)
    table = plant_analogy_offsets(questions.sections, rng, dim, noise)
    words = [w for w in sorted(table) if rng.random() > drop]
    extra = [w.capitalize() for w in words[:variants]]
    matrix = np.stack([table[w] for w in words] + [table[w.lower()] + 0.3 * rng.standard_normal(dim)
                                                   for w in extra])
    keys = words + extra
    order = rng.permutation(len(keys))
    return Vectors([keys[i] for i in order], matrix[order].astype(np.float32))


def gensim_sections(vectors: Vectors, path: str, **options: object) -> tuple[float, list[dict]]:
    from gensim.models import KeyedVectors

    kv = KeyedVectors(vectors.dim)
    kv.add_vectors(vectors.keys, np.asarray(vectors.matrix))
    logging.getLogger("gensim").setLevel(logging.WARNING)
    return kv.evaluate_word_analogies(path, **options)


def assert_matches_gensim(result, gensim_score: float, sections: list[dict]) -> None:
    assert result.metrics["accuracy"] == pytest.approx(gensim_score, abs=1e-12)
    ours = {s["section"]: s for s in result.extra["sections"]}
    for section in sections[:-1]:
        mine = ours[section["section"]]
        assert mine["correct"] == len(section["correct"]), section["section"]
        assert mine["correct"] + _incorrect(result, section["section"]) == (
            len(section["correct"]) + len(section["incorrect"])
        )
    gensim_right = Counter(tuple(w.upper() for w in q) for s in sections[:-1] for q in s["correct"])
    ours_right = Counter(
        tuple(d[k].upper() for k in ("a", "b", "c", "expected"))
        for d in result.details if d["correct"]
    )
    assert ours_right == gensim_right


def _incorrect(result, section: str) -> int:
    counted = "covered" if result.extra["oov"] == "skip" else None
    return sum(
        1 for d in result.details
        if d["section"] == section and not d["correct"] and (counted is None or d[counted])
    )


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        ({}, {}),
        ({"case_insensitive": False}, {"case_insensitive": False}),
        ({"restrict_vocab": 500}, {"restrict_vocab": 500}),
        ({"oov": "incorrect"}, {"dummy4unknown": True}),
    ],
)
def test_3cosadd_equals_gensim_on_structured_vectors(
    google_questions: AnalogyQuestions, ours: dict, theirs: dict
) -> None:
    vectors = structured_vectors(google_questions, seed=11)
    result = make_analogy_evaluator(bootstrap=0, **ours).evaluate(vectors, GOOGLE)
    score, sections = gensim_sections(vectors, str(GOOGLE.paths()[0]), **theirs)
    assert 0.2 < score < 0.99  # a test that can tell right from wrong answers
    assert_matches_gensim(result, score, sections)


def test_3cosadd_equals_gensim_with_a_small_real_model(google_questions: AnalogyQuestions) -> None:
    """gensim's bundled fastText vectors trained on the Lee corpus (1,762 words x 10)."""
    from gensim.models import KeyedVectors
    from gensim.test.utils import datapath

    kv = KeyedVectors.load_word2vec_format(datapath("lee_fasttext.vec"))
    vectors = Vectors(kv.index_to_key, kv.vectors)
    result = make_analogy_evaluator(bootstrap=0).evaluate(vectors, google_questions)
    score, sections = gensim_sections(vectors, str(GOOGLE.paths()[0]))
    assert result.n_covered > 50
    assert_matches_gensim(result, score, sections)


def test_3cosmul_matches_one_query_at_a_time(google_questions: AnalogyQuestions) -> None:
    vectors = structured_vectors(google_questions, seed=5, variants=0)
    subset = AnalogyQuestions.from_sections(
        [(name, items[:40]) for name, items in google_questions.sections]
    )
    result = make_analogy_evaluator(method="mul", case_insensitive=False, bootstrap=0).evaluate(
        vectors, subset
    )
    assert result.extra["method"] == "3cosmul"
    checked = 0
    for record in result.details:
        words = [record[k].lower() for k in ("a", "b", "c", "expected")]
        if not all(w in vectors for w in words):
            assert not record["covered"]
            continue
        a, b, c, _ = words
        best = vectors.most_similar_cosmul([b, c], [a], topn=1)[0][0]
        assert record["predicted"] is None or record["predicted"] == best
        checked += 1
    assert checked > 300 and 0.2 < result.score < 1


def test_coverage_sections_and_mrr() -> None:
    keys = ["king", "queen", "man", "woman", "paris", "france", "rome", "italy", "good", "better"]
    rng = np.random.default_rng(0)
    base = {k: rng.standard_normal(8) for k in ("king", "man", "paris", "rome", "good")}
    gender, capital = rng.standard_normal(8), rng.standard_normal(8)
    table = {**base, "queen": base["king"] + gender, "woman": base["man"] + gender,
             "france": base["paris"] + capital, "italy": base["rome"] + capital,
             "better": rng.standard_normal(8)}
    vectors = Vectors(keys, np.stack([table[k] for k in keys]).astype(np.float32))
    questions = AnalogyQuestions.from_sections([
        ("family", [("man", "woman", "king", "queen"), ("man", "woman", "boy", "girl")]),
        ("capital-world", [("paris", "france", "rome", "italy")]),
        ("gram3-comparative", [("good", "better", "bad", "worse")]),
    ], name="mini")
    result = make_analogy_evaluator(mrr=True, bootstrap=200).evaluate(vectors, questions)
    assert (result.n_items, result.n_covered) == (4, 2)
    assert result.metrics["accuracy"] == 1.0 and result.metrics["mrr"] == 1.0
    assert result.metrics["semantic_accuracy"] == 1.0
    assert result.metrics["syntactic_accuracy"] is None  # nothing covered there
    sections = {s["section"]: s for s in result.extra["sections"]}
    assert sections["family"] == {
        "section": "family", "kind": "semantic", "n_items": 2, "n_covered": 1, "correct": 1,
        "accuracy": 1.0,
    }
    assert sections["gram3-comparative"]["kind"] == "syntactic"
    assert [d["covered"] for d in result.details] == [True, False, True, False]
    assert result.details[0]["predicted"] == "queen" and result.details[1]["predicted"] is None
    counted_wrong = make_analogy_evaluator(oov="incorrect", bootstrap=0).evaluate(
        vectors, questions
    )
    assert counted_wrong.metrics["accuracy"] == 0.5


def test_accuracy_ci_contains_point_estimate(google_questions: AnalogyQuestions) -> None:
    vectors = structured_vectors(google_questions, seed=3)
    result = make_analogy_evaluator(seed=1).evaluate(vectors, google_questions)
    for metric in ("accuracy", "semantic_accuracy", "syntactic_accuracy"):
        low, high = result.ci[metric]
        assert low <= result.metrics[metric] <= high and high - low < 0.05
    again = make_analogy_evaluator(seed=1).evaluate(vectors, google_questions)
    assert again.ci == result.ci


def test_zero_coverage_gives_no_score_and_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    vectors = Vectors(["x", "y", "z"], np.eye(3, dtype=np.float32))
    with caplog.at_level(logging.WARNING):
        result = make_analogy_evaluator().evaluate(vectors, GOOGLE)
    assert result.n_covered == 0 and result.coverage == 0 and result.score is None
    assert all(value is None for value in result.metrics.values())
    assert result.warnings and "no question" in caplog.text
    assert "nan" not in str(result.to_dict(details=False)).lower()


def test_restrict_vocab_limits_answers_and_coverage() -> None:
    keys = ["a", "b", "c", "d", "e"]
    matrix = np.array([[1, 0], [0, 1], [1, 0.1], [0.1, 1], [0.1, 1]], dtype=np.float32)
    questions = AnalogyQuestions.from_sections(
        [("s", [("a", "b", "c", "d"), ("a", "b", "c", "e")])]
    )
    full = make_analogy_evaluator(bootstrap=0).evaluate(Vectors(keys, matrix), questions)
    assert full.n_covered == 2
    cut = make_analogy_evaluator(restrict_vocab=4, bootstrap=0).evaluate(
        Vectors(keys, matrix), questions
    )
    assert cut.n_covered == 1 and cut.extra["vocabulary_searched"] == 4


def test_options_are_validated() -> None:
    factory = registry.evaluators.get("lexiplug.analogy.v1")
    assert factory(method="add").method == "3cosadd"
    with pytest.raises(ConfigError):
        factory(method="cosine")
    with pytest.raises(ConfigError):
        factory(oov="guess")
    lenient = factory(oov="vectors", bootstrap=0).evaluate(
        Vectors(["a", "b", "c", "d"], np.eye(4, dtype=np.float32)),
        AnalogyQuestions.from_sections([("s", [("a", "b", "c", "d"), ("a", "b", "c", "x")])]),
    )
    assert lenient.n_covered == 1 and any("does not apply" in w for w in lenient.warnings)
    with pytest.raises(ConfigError, match="similarity"):
        factory().evaluate(Vectors(["a"], np.ones((1, 2), np.float32)), "ws353_gensim")


@pytest.mark.data
def test_shared_google_set_matches_gensim_copy(google_questions: AnalogyQuestions) -> None:
    require_data(SPECS["google_analogy"].files[0])
    vectors = structured_vectors(google_questions, seed=4)
    shared = make_analogy_evaluator(bootstrap=0).evaluate(vectors, "google_analogy")
    bundled = make_analogy_evaluator(bootstrap=0).evaluate(vectors, GOOGLE)
    assert shared.metrics == bundled.metrics and shared.dataset == "google_analogy"


def test_many_case_variants_follow_gensims_top5_rule(tmp_path) -> None:
    """When 5+ case variants of a, b or c outrank every other word, gensim keeps the 5th
    variant as its (wrong) answer; with fewer it answers the best other word."""
    rng = np.random.default_rng(2)
    base = {w: rng.standard_normal(6) for w in ("man", "woman", "king", "queen", "apple")}
    base["queen"] = base["king"] + base["woman"] - base["man"] + 0.5 * rng.standard_normal(6)
    keys = ["man", "woman", "king", "queen", "apple"]
    rows = [base[w] for w in keys]
    for n_variants, tag in ((6, "many"), (3, "few")):
        variants = ["King", "KING", "kIng", "kiNg", "kinG", "KIng"][:n_variants]
        query = base["king"] + base["woman"] - base["man"]
        vectors = Vectors(
            keys + variants,
            np.stack(rows + [query + 0.01 * rng.standard_normal(6) for _ in variants]).astype(
                np.float32
            ),
        )
        path = tmp_path / f"{tag}.txt"
        path.write_text(": family\nman woman king queen\n", encoding="utf-8")
        score, _ = gensim_sections(vectors, str(path))
        questions = AnalogyQuestions.from_sections(
            [("family", [("man", "woman", "king", "queen")])]
        )
        result = make_analogy_evaluator(bootstrap=0).evaluate(vectors, questions)
        assert result.metrics["accuracy"] == score == (0.0 if tag == "many" else 1.0)
