"""lexiplug.bias.v1: WEAT against WEFE's figures, permutation p-values, direct bias and RIPA."""

from __future__ import annotations

import itertools
import json
import math
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest
from lexiplug.errors import ConfigError, FormatError
from lexiplug.plugins.bias.direction import (
    direct_bias,
    indirect_bias,
    pair_direction,
    ripa,
)
from lexiplug.plugins.bias.evaluator import make_bias_evaluator
from lexiplug.plugins.bias.weat import permutation_p_value, weat
from lexiplug.plugins.datasets.readers_bias import (
    DebiasLists,
    WeatSets,
    WeatTest,
    read_debiaswe,
    read_weat,
)
from lexiplug.vectors.vectors import Vectors

from tests.helpers import load_bench_module, require_data

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "fixtures" / "wefe_weat.json"


def _crosscheck_module() -> ModuleType:
    return load_bench_module("wefe_crosscheck.py")


@pytest.fixture(scope="module")
def wefe_case():
    fixture = json.loads(FIXTURE.read_text(encoding="utf-8"))
    bench = _crosscheck_module()
    words = bench.vocabulary(fixture["query"])
    matrix = bench.hashed_vectors(words, fixture["dim"], fixture["seed"])
    assert bench.matrix_sha256(matrix) == fixture["matrix_sha256"], "vectors differ from WEFE's"
    return fixture, Vectors(words, matrix)


def test_weat_effect_sizes_equal_wefe(wefe_case):
    fixture, vectors = wefe_case
    sets, tests = {}, []
    for t in fixture["query"]["weat"]:
        for key in "XYAB":
            sets[f"{t['name']}{key}"] = t[key]
        tests.append(WeatTest(t["name"], (t["name"] + "X", t["name"] + "Y"),
                              (t["name"] + "A", t["name"] + "B")))
    result = make_bias_evaluator(case_fallback=False, n_permutations=50).evaluate(
        vectors, WeatSets(sets, tuple(tests)))
    assert result.n_covered == 10
    for name, expected in fixture["wefe"]["weat"].items():
        assert result.metrics[f"{name}_effect_size"] == pytest.approx(
            expected["effect_size"], abs=1e-6)
        detail = next(d for d in result.details if d["test"] == name)
        assert detail["statistic"] == pytest.approx(expected["statistic"], abs=1e-6)


def test_ripa_equals_wefe(wefe_case):
    fixture, vectors = wefe_case
    query = fixture["query"]["ripa"]
    scores = ripa(vectors[query["words"]].astype(np.float64),
                  vectors[query["first"]].astype(np.float64),
                  vectors[query["second"]].astype(np.float64))
    expected = np.array([fixture["wefe"]["ripa"]["word_values"][w] for w in query["words"]])
    np.testing.assert_allclose(scores, expected, atol=1e-6)


def test_effect_size_matches_caliskan_formula_by_hand():
    # Two 1-D "association" groups: s_x = [1, 2], s_y = [0, 1]; std over all four (ddof 0).
    s_x, s_y = np.array([1.0, 2.0]), np.array([0.0, 1.0])
    from lexiplug.plugins.bias.weat import effect_size

    pooled = [1.0, 2.0, 0.0, 1.0]
    mean = sum(pooled) / 4
    std = math.sqrt(sum((v - mean) ** 2 for v in pooled) / 4)
    assert effect_size(s_x, s_y) == pytest.approx((1.5 - 0.5) / std)


def _planted(rng: np.random.Generator, strength: float, n: int = 8, dim: int = 20):
    axis = np.zeros(dim)
    axis[0] = 1.0
    x = rng.standard_normal((n, dim)) + strength * axis
    y = rng.standard_normal((n, dim)) - strength * axis
    a = rng.standard_normal((n, dim)) + 3 * axis
    b = rng.standard_normal((n, dim)) - 3 * axis
    return x, y, a, b


def test_planted_association_is_significant_and_null_is_not(rng):
    x, y, a, b = _planted(rng, strength=2.0)
    strong = weat(x, y, a, b)
    assert strong.exact_p  # C(16, 8) = 12,870 splits: enumerated
    assert strong.effect_size > 1.5
    assert strong.p_value < 0.01
    null = weat(*_planted(rng, strength=0.0))
    assert null.p_value > 0.05
    swapped = weat(y, x, a, b)
    assert swapped.effect_size == pytest.approx(-strong.effect_size)
    assert swapped.p_value > 0.99


def test_exact_p_value_counts_every_split_by_hand():
    s_x, s_y = np.array([3.0, 2.0]), np.array([1.0, 0.0])
    # Splits of {3,2,1,0} into two pairs; statistic sum(X) - sum(Y); observed 5 - 1 = 4.
    pooled = [3.0, 2.0, 1.0, 0.0]
    stats = [2 * sum(pooled[i] for i in c) - sum(pooled)
             for c in itertools.combinations(range(4), 2)]
    expected = sum(s >= 4 for s in stats) / len(stats)
    p, exact = permutation_p_value(s_x, s_y)
    assert exact and p == pytest.approx(expected) and p == pytest.approx(1 / 6)
    p_two, _ = permutation_p_value(s_x, s_y, alternative="two-sided")
    assert p_two == pytest.approx(2 / 6)


def test_sampled_p_value_is_seeded_and_close_to_exact(rng):
    s_x, s_y = rng.normal(0.3, 1, 9), rng.normal(0, 1, 9)
    exact, is_exact = permutation_p_value(s_x, s_y)
    assert is_exact
    sampled, is_exact = permutation_p_value(s_x, s_y, exact_limit=10, n_permutations=20_000,
                                            seed=3)
    assert not is_exact
    assert sampled == permutation_p_value(s_x, s_y, exact_limit=10, n_permutations=20_000,
                                          seed=3)[0]
    assert sampled == pytest.approx(exact, abs=0.015)


def test_gender_direction_direct_bias_and_indirect_bias_by_hand():
    # Pairs differ along axis 0 only: the direction is e0, oriented to the first words.
    first = np.array([[1.0, 1.0, 0.0], [1.0, 0.0, 1.0]])
    second = np.array([[-1.0, 1.0, 0.0], [-1.0, 0.0, 1.0]])
    direction = pair_direction(first, second)
    np.testing.assert_allclose(direction.vector, [1.0, 0.0, 0.0], atol=1e-12)
    assert direction.explained_variance_ratio == pytest.approx(1.0)
    words = np.array([[1.0, 1.0, 0.0], [0.0, 1.0, 0.0]])  # cos with e0: 1/sqrt2 and 0
    assert direct_bias(words, direction.vector) == pytest.approx(1 / math.sqrt(2) / 2)
    assert direct_bias(words, direction.vector, c=2) == pytest.approx(0.25)
    w, v = np.array([1.0, 1.0, 0.0]), np.array([1.0, 0.0, 1.0])
    # unit: w=(1,1,0)/√2, v=(1,0,1)/√2, w·v = 1/2; w⊥=(0,1,0)/√2, v⊥=(0,0,1)/√2 -> cos 0
    assert indirect_bias(w, v, direction.vector) == pytest.approx((0.5 - 0.0) / 0.5)


def _debias_vectors() -> tuple[Vectors, DebiasLists]:
    rng = np.random.default_rng(5)
    dim = 12
    gender = np.zeros(dim)
    gender[0] = 1.0
    pairs = [("she", "he"), ("woman", "man"), ("girl", "boy"), ("mother", "father")]
    words, rows = [], []
    for female, male in pairs:
        base = rng.standard_normal(dim) * 0.3
        base[0] = 0.0  # equal norms, so the unit-vector pair differences lie on the axis
        words += [female, male]
        rows += [base + gender, base - gender]
    leaning = {"nurse": 0.8, "engineer": -0.8, "teacher": 0.0}
    for word, lean in leaning.items():
        words.append(word)
        rows.append(rng.standard_normal(dim) * 0.2 + lean * gender + np.eye(dim)[1])
    lists = DebiasLists(pairs, [], [], {"nurse": (0.0, -0.8), "engineer": (0.0, 0.8),
                                        "teacher": (0.0, 0.0), "astronaut": (0.0, 0.5)})
    return Vectors(words, np.array(rows, dtype=np.float32)), lists


def test_debias_measures_on_planted_gender_axis():
    vectors, lists = _debias_vectors()
    result = make_bias_evaluator(indirect_pairs=[("nurse", "teacher")]).evaluate(vectors, lists)
    assert result.primary == "direct_bias"
    assert (result.n_items, result.n_covered) == (4, 3)  # astronaut is not in the vectors
    by_word = {d["word"]: d for d in result.details}
    assert by_word["nurse"]["projection"] > 0.3 > -0.3 > by_word["engineer"]["projection"]
    assert abs(by_word["teacher"]["projection"]) < 0.3
    assert by_word["nurse"]["ripa"] > 0 > by_word["engineer"]["ripa"]
    assert result.metrics["direction_variance_ratio"] > 0.9
    assert 0.3 < result.metrics["direct_bias"] < 0.8
    assert "nurse|teacher" in result.extra["indirect_bias"]
    # Removing the gender axis removes the direct bias.
    neutralised = vectors.matrix.copy()
    neutralised[8:, 0] = 0.0  # professions lose their gender component; pairs keep theirs
    debiased = vectors.with_matrix(neutralised)
    assert make_bias_evaluator().evaluate(debiased, lists).metrics["direct_bias"] < 1e-6


def test_weat_lost_vocabulary_leaves_test_uncovered():
    sets = {"x": ["a", "b", "c"], "y": ["d", "e", "f"], "p": ["g", "h"], "q": ["i", "j"]}
    words = ["a", "b", "d", "e", "f", "g", "h", "i", "j"]  # "c" missing: x lost 33%
    vectors = Vectors(words, np.random.default_rng(0).standard_normal((9, 5)).astype(np.float32))
    data = WeatSets(sets, (WeatTest("t", ("x", "y"), ("p", "q")),))
    result = make_bias_evaluator().evaluate(vectors, data)
    assert (result.n_items, result.n_covered) == (1, 0)
    assert result.metrics["t_effect_size"] is None and result.score is None
    assert result.details[0]["missing"]["x"] == ["c"]
    lenient = make_bias_evaluator(lost_vocabulary_threshold=0.5).evaluate(vectors, data)
    assert lenient.n_covered == 1 and lenient.score is not None


def test_case_fallback_finds_capitalised_names():
    sets = {"x": ["Adam", "Bob"], "y": ["Cat", "Dan"], "p": ["good", "nice"], "q": ["bad", "vile"]}
    words = ["adam", "bob", "cat", "dan", "good", "nice", "bad", "vile"]
    vectors = Vectors(words, np.random.default_rng(1).standard_normal((8, 4)).astype(np.float32))
    data = WeatSets(sets, (WeatTest("t", ("x", "y"), ("p", "q")),))
    assert make_bias_evaluator().evaluate(vectors, data).n_covered == 1
    assert make_bias_evaluator(case_fallback=False).evaluate(vectors, data).n_covered == 0


def test_bad_config_and_malformed_json(tmp_path):
    with pytest.raises(ConfigError, match="alternative"):
        make_bias_evaluator(alternative="less")
    bad = tmp_path / "WEAT.json"
    bad.write_text('{"flowers": ["rose",\n "tulip"\n', encoding="utf-8")
    with pytest.raises(FormatError) as error:
        read_weat(bad)
    assert f"{bad}:" in str(error.value)
    files = [tmp_path / f"{n}.json" for n in ("def", "eq", "seed", "prof")]
    for f, text in zip(files, ['[["she", "he"]]', "[]", '["he"]', '[["nurse", 0.1]]'],
                       strict=True):
        f.write_text(text, encoding="utf-8")
    with pytest.raises(FormatError, match="profession"):
        read_debiaswe(*files)


@pytest.mark.data
def test_shared_weat_and_debiaswe_lists_load():
    require_data("bias/wefe-weat/WEAT.json")
    require_data("bias/debiaswe/professions.json")
    from lexiplug.registry import registry

    weat_spec = registry.datasets.get("weat")()
    data = weat_spec.load()
    assert len(data.tests) == 10 and len(data.sets["flowers"]) == 25
    assert len(weat_spec.checksum()) == 16
    debias = registry.datasets.get("debiaswe")().load()
    assert len(debias.definitional_pairs) == 10 and len(debias.professions) == 320
