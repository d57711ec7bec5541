"""Hard debiasing on a planted space: direct bias removed, gender words kept, bad input."""

from __future__ import annotations

import numpy as np
import pytest
from lexiplug.errors import ConfigError, TrainingError
from lexiplug.plugins.bias.direction import gender_direction
from lexiplug.plugins.bias.evaluator import make_bias_evaluator
from lexiplug.plugins.bias.hard_debias import hard_debias_v1
from lexiplug.plugins.bias.neighbour_bias import neighbour_cluster_bias
from lexiplug.plugins.datasets.readers_bias import DebiasLists
from lexiplug.vectors import Vectors

DIM = 16
PAIRS = [("she", "he"), ("woman", "man"), ("girl", "boy"), ("mother", "father")]
EQUALIZE = [("grandfather", "grandmother")]
SPECIFIC = ["she", "he", "woman", "man", "girl", "boy", "mother", "father", "King", "queen"]
NEUTRAL = ["doctor", "nurse", "engineer", "teacher", "pilot", "dancer"]


def planted(seed: int = 0, leak: float = 0.0) -> Vectors:
    """Axis 0 is gender; neutral words lean on it; with ``leak``, axis 1 echoes the lean."""
    rng = np.random.default_rng(seed)
    g = np.eye(DIM)[0]
    h = np.eye(DIM)[1]
    keys, rows = [], []
    for female, male in [*PAIRS, ("grandmother", "grandfather"), ("queen", "king")]:
        base = rng.normal(size=DIM) * 0.3
        base[0] = 0
        keys += [female, male]
        rows += [base + g, base - g]
    keys.append("KING")
    rows.append(rows[keys.index("king")] + rng.normal(size=DIM) * 0.01)
    for word in NEUTRAL:
        lean = rng.choice([-0.6, 0.6])
        keys.append(word)
        rows.append(rng.normal(size=DIM) * 0.3 + lean * g + leak * lean * h)
    return Vectors(keys, np.array(rows, dtype=np.float32))


def debias(vectors: Vectors, **options) -> Vectors:
    transform = hard_debias_v1(definitional_pairs=PAIRS, equalize_pairs=EQUALIZE,
                               gender_specific=SPECIFIC, **options)
    return transform.apply(vectors)


def projection(vectors: Vectors, word: str, direction: np.ndarray) -> float:
    return float(vectors.unit_matrix[vectors.key_to_index[word]] @ direction)


def test_direct_bias_removed_and_gender_words_kept() -> None:
    vectors = planted()
    out = debias(vectors)
    g = np.eye(DIM)[0]
    before = np.mean([abs(projection(vectors, w, g)) for w in NEUTRAL])
    after = np.mean([abs(projection(out, w, g)) for w in NEUTRAL])
    assert before > 0.3
    assert after < 1e-5
    for word in ("she", "he", "woman", "man"):
        assert projection(out, word, g) == pytest.approx(projection(vectors, word, g), abs=1e-5)
    assert np.allclose(np.linalg.norm(out.matrix, axis=1), 1.0, atol=1e-5)
    assert out.metadata["lineage"][-1] == "hard_debias"


def test_case_variants_are_not_neutralised() -> None:
    vectors = planted()
    out = debias(vectors)
    g = np.eye(DIM)[0]
    # "King" is listed; its lower and UPPER variants keep their gender component.
    for word in ("king", "KING"):
        assert abs(projection(out, word, g)) > 0.3


def test_equalize_pairs_become_symmetric() -> None:
    out = debias(planted())
    g = np.eye(DIM)[0]
    a, b = out["grandfather"], out["grandmother"]
    assert float(a @ g) == pytest.approx(-float(b @ g), abs=1e-5)
    assert np.allclose(a - (a @ g) * g, b - (b @ g) * g, atol=1e-5)


def test_missing_words_are_listed() -> None:
    transform = hard_debias_v1(definitional_pairs=[*PAIRS, ("zyx", "qwv")],
                               equalize_pairs=[("aunt", "uncle")], gender_specific=SPECIFIC)
    out = transform.apply(planted())
    record = out.metadata["hard_debias"]
    assert record["missing_definitional"] == ["zyx", "qwv"]
    assert set(record["missing_equalize"]) == {"aunt", "uncle"}
    assert len(record["definitional_pairs_used"]) == len(PAIRS)


def test_empty_definitional_list_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="definitional_pairs"):
        hard_debias_v1(definitional_pairs=[], equalize_pairs=[], gender_specific=SPECIFIC)
    with pytest.raises(ConfigError, match="pair"):
        hard_debias_v1(definitional_pairs=[["she"]], equalize_pairs=[],
                       gender_specific=SPECIFIC)


def test_no_definitional_pair_in_vectors_is_a_training_error() -> None:
    transform = hard_debias_v1(definitional_pairs=[("zyx", "qwv")], equalize_pairs=[],
                               gender_specific=SPECIFIC)
    with pytest.raises(TrainingError, match="zyx"):
        transform.apply(planted())


def _neighbour_space(leak: float) -> Vectors:
    """200 leaning words on axis 0 (and, with ``leak``, axis 1) plus the definitional pairs."""
    rng = np.random.default_rng(3)
    base = planted()
    words = [f"w{chr(97 + i // 26)}{chr(97 + i % 26)}" for i in range(200)]
    lean = np.where(np.arange(200) % 2 == 0, 1.0, -1.0)
    rows = rng.normal(size=(200, DIM)) * 0.3
    rows[:, 0] += 0.8 * lean
    rows[:, 1] += leak * lean
    return Vectors([*base.keys, *words], np.vstack([base.matrix, rows]).astype(np.float32))


@pytest.mark.parametrize(("leak", "recoverable"), [(0.0, False), (0.8, True)])
def test_neighbour_check_sees_bias_only_where_it_remains(leak: float, recoverable: bool) -> None:
    original = _neighbour_space(leak)
    out = debias(original)
    kwargs = dict(definitional_pairs=PAIRS, exclude=SPECIFIC, n_per_side=50,
                  restrict_vocab=10_000, k=10)
    before = neighbour_cluster_bias(original, **kwargs)
    after = neighbour_cluster_bias(out, original, **kwargs)
    assert before.kmeans_purity > 0.95
    assert (after.kmeans_purity > 0.9) is recoverable
    assert (after.knn_accuracy > 0.9) is recoverable


def _lists() -> DebiasLists:
    professions = {w: (0.0, 0.0) for w in NEUTRAL}
    return DebiasLists(list(PAIRS), list(EQUALIZE), list(SPECIFIC), professions)


def _noisy_pairs_space() -> Vectors:
    """Definitional pairs that differ off the gender axis too (as real pairs do)."""
    rng = np.random.default_rng(11)
    vectors = planted(leak=0.5)
    matrix = vectors.matrix.copy()
    rows = [vectors.key_to_index[w] for pair in PAIRS for w in pair]
    matrix[rows] += rng.normal(size=(len(rows), DIM)).astype(np.float32) * 0.3
    return vectors.with_matrix(matrix)


def test_transform_and_evaluator_share_one_direction() -> None:
    original = _noisy_pairs_space()
    # Equalising some definitional pairs moves them, so a direction re-estimated on the
    # debiased vectors is no longer the one removed.
    out = hard_debias_v1(definitional_pairs=PAIRS, equalize_pairs=PAIRS[:2],
                         gender_specific=SPECIFIC).apply(original)
    shared = gender_direction(original, PAIRS)
    recorded = np.asarray(out.metadata["bias_reference"]["direction"])
    np.testing.assert_allclose(recorded, shared.vector, atol=1e-6)
    evaluator = make_bias_evaluator()
    before = evaluator.evaluate(original, _lists())
    after = evaluator.evaluate(out, _lists())
    assert before.extra["direction_source"] == "model"
    assert after.extra["direction_source"].startswith("recorded")
    assert before.metrics["direct_bias"] > 0.2
    # Neutralised words have no component along the direction that was removed...
    assert after.metrics["direct_bias"] < 1e-6
    # ...and handing the original explicitly measures the same thing.
    explicit = evaluator.evaluate(out.with_matrix(out.matrix), _lists(), reference=original)
    assert explicit.extra["direction_source"] == "reference"
    assert explicit.metrics["direct_bias"] == pytest.approx(after.metrics["direct_bias"],
                                                            abs=1e-7)
    # Without the reference the direction is re-estimated on the debiased vectors: it differs.
    bare = out.with_matrix(out.matrix)
    bare.metadata.pop("bias_reference")
    reestimated = evaluator.evaluate(bare, _lists())
    assert reestimated.extra["direction_source"] == "model"
    assert reestimated.metrics["direct_bias"] > 1e-3
    assert reestimated.metrics["direct_bias"] == pytest.approx(
        after.metrics["direct_bias_own_direction"])


@pytest.mark.parametrize(("leak", "recoverable"), [(0.0, False), (0.8, True)])
def test_bias_evaluator_reports_neighbour_check_before_and_after(leak: float,
                                                                 recoverable: bool) -> None:
    original = _neighbour_space(leak)
    out = debias(original)
    evaluator = make_bias_evaluator(neighbour_check=True, neighbour_n_per_side=50)
    before = evaluator.evaluate(original, _lists()).metrics
    after = evaluator.evaluate(out, _lists()).metrics
    assert before["neighbour_kmeans_purity"] > 0.95
    assert before["neighbour_knn_accuracy"] > 0.95
    assert (after["neighbour_kmeans_purity"] > 0.9) is recoverable
    assert (after["neighbour_knn_accuracy"] > 0.9) is recoverable
    # Labels come from the original: the recorded ones and an explicit reference agree.
    bare = out.with_matrix(out.matrix)
    bare.metadata.pop("bias_reference")
    explicit = make_bias_evaluator(neighbour_check=True, neighbour_n_per_side=500).evaluate(
        bare, _lists(), reference=original).metrics
    assert (explicit["neighbour_knn_accuracy"] > 0.9) is recoverable


def test_neighbour_check_is_off_by_default_and_validated() -> None:
    metrics = make_bias_evaluator().evaluate(planted(), _lists()).metrics
    assert "neighbour_kmeans_purity" not in metrics
    with pytest.raises(ConfigError, match="neighbour_k"):
        make_bias_evaluator(neighbour_k=0)
