"""Attract–repel (plugins/specialization/attract_repel.py) and the constraint readers, on
planted data built here: synonyms start far apart and antonyms close together."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from lexiplug.errors import ConfigError, FormatError, LexiplugError, TrainingError
from lexiplug.plugins.datasets.readers_lexical import (
    LexicalConstraints,
    read_constraints,
    read_dictionary,
)
from lexiplug.plugins.specialization.attract_repel import (
    AttractRepelSettings,
    attract_repel,
    in_batch_negatives,
)
from lexiplug.registry import registry
from lexiplug.vectors import Vectors

from tests.helpers import require_data

torch = pytest.importorskip("torch")


def planted(n_words: int = 80, dim: int = 16, seed: int = 0
            ) -> tuple[Vectors, list[tuple[str, str]], list[tuple[str, str]]]:
    """Random vectors (unrelated pairs have cosine about 0); antonym pairs made similar."""
    rng = np.random.default_rng(seed)
    matrix = rng.normal(size=(n_words, dim)).astype(np.float32)
    words = [f"w{i}" for i in range(n_words)]
    synonyms, antonyms = [], []
    for i in range(0, 30, 2):  # w0~w1, w2~w3 ...: unrelated at the start
        synonyms.append((words[i], words[i + 1]))
    for i in range(30, 50, 2):  # w30/w31 ... close at the start
        matrix[i + 1] = matrix[i] + 0.6 * rng.normal(size=dim)
        antonyms.append((words[i], words[i + 1]))
    return Vectors(words, matrix), synonyms, antonyms


def pair_cosines(vectors: Vectors, pairs: list[tuple[str, str]]) -> np.ndarray:
    unit = vectors.unit_matrix
    index = vectors.key_to_index
    return np.array([unit[index[a]] @ unit[index[b]] for a, b in pairs])


def test_attract_repel_pulls_synonyms_and_pushes_antonyms() -> None:
    vectors, synonyms, antonyms = planted()
    out = attract_repel(vectors, synonyms=[LexicalConstraints.from_pairs(synonyms)],
                        antonyms=[LexicalConstraints.from_pairs(antonyms)], epochs=10,
                        batch_size=5)
    before_syn, after_syn = pair_cosines(vectors, synonyms), pair_cosines(out, synonyms)
    before_ant, after_ant = pair_cosines(vectors, antonyms), pair_cosines(out, antonyms)
    assert abs(before_syn.mean()) < 0.2 and after_syn.mean() > 0.6
    assert before_ant.mean() > 0.7 and after_ant.mean() < 0.3
    # words outside every constraint do not move (only their length is normalised)
    untouched = [f"w{i}" for i in range(50, 80)]
    np.testing.assert_allclose(out.subset(untouched).matrix,
                               vectors.normalized().subset(untouched).matrix, atol=1e-6)
    report = out.metadata["attract_repel"]
    assert report["synonyms"]["n_used"] == len(synonyms)
    assert report["n_updated"] == 50
    assert report["cost_per_epoch"][-1] < report["cost_per_epoch"][0]


def test_attract_repel_is_seeded_and_the_regulariser_holds_vectors() -> None:
    vectors, synonyms, antonyms = planted()
    lists = {"synonyms": [LexicalConstraints.from_pairs(synonyms)],
             "antonyms": [LexicalConstraints.from_pairs(antonyms)], "epochs": 3,
             "batch_size": 5}
    first = attract_repel(vectors, **lists, seed=3)
    again = attract_repel(vectors, **lists, seed=3)
    np.testing.assert_array_equal(first.matrix, again.matrix)
    held = attract_repel(vectors, **lists, seed=3, regularization=1e4)
    moved = np.abs(first.matrix - vectors.unit_matrix).max()
    barely = np.abs(held.matrix - vectors.unit_matrix).max()
    assert barely < 0.25 * moved


def slow_negatives(unit: np.ndarray, left: list[int], right: list[int], closest: bool
                   ) -> tuple[list[int], list[int]]:
    """The plainly correct reference: loop over every candidate of the batch."""
    words = left + right
    out: tuple[list[int], list[int]] = ([], [])
    for side, results in ((left, out[0]), (right, out[1])):
        for i, word in enumerate(side):
            best, best_score = -1, None
            for candidate in words:
                if candidate in (left[i], right[i]):
                    continue
                score = float(unit[word] @ unit[candidate])
                if best_score is None or (score > best_score if closest else score < best_score):
                    best, best_score = candidate, score
            results.append(best)
    return out


@pytest.mark.parametrize("closest", [True, False])
def test_in_batch_negatives_agree_with_the_loop(closest: bool) -> None:
    rng = np.random.default_rng(1)
    unit = rng.normal(size=(30, 8))
    unit /= np.linalg.norm(unit, axis=1, keepdims=True)
    left = rng.choice(30, size=10, replace=False).tolist()
    right = [(w + 7) % 30 for w in left]
    fast = in_batch_negatives(torch.from_numpy(unit), torch.tensor(left), torch.tensor(right),
                              closest=closest)
    slow = slow_negatives(unit, left, right, closest)
    assert fast[0].tolist() == slow[0] and fast[1].tolist() == slow[1]


def test_a_batch_of_one_pair_has_no_negative() -> None:
    unit = torch.eye(3)
    neg_l, neg_r = in_batch_negatives(unit, torch.tensor([0]), torch.tensor([1]), closest=True)
    assert neg_l.tolist() == [-1] and neg_r.tolist() == [-1]


def test_unknown_words_are_counted_not_fatal(caplog: pytest.LogCaptureFixture) -> None:
    vectors, synonyms, _ = planted()
    extra = [*synonyms, ("w0", "zebra"), ("yak", "gnu")]
    out = attract_repel(vectors, synonyms=[LexicalConstraints.from_pairs(extra)], epochs=1,
                        batch_size=5)
    report = out.metadata["attract_repel"]["synonyms"]
    assert report["n_pairs"] == len(extra) and report["n_used"] == len(synonyms)
    assert report["n_unknown_words"] == 3 and report["n_dropped"] == 2
    assert "not in the vectors" in caplog.text


def test_no_usable_pair_is_a_training_error() -> None:
    vectors, _, _ = planted()
    with pytest.raises(TrainingError, match="no constraint pair"):
        attract_repel(vectors, synonyms=[LexicalConstraints.from_pairs([("yak", "gnu")])])


@pytest.mark.parametrize(("argument", "value"), [
    ("batch_size", 1), ("epochs", 0), ("learning_rate", 0.0), ("attract_margin", -1.0),
    ("language_prefix", "maybe"),
])
def test_bad_settings_name_the_argument(argument: str, value: object) -> None:
    factory = registry.transforms.get("lexiplug.attract_repel.v1")
    with pytest.raises(ConfigError) as caught:
        factory(**{argument: value})
    assert caught.value.where == argument


def test_empty_lists_are_a_config_error() -> None:
    with pytest.raises(ConfigError, match="at least one") as caught:
        AttractRepelSettings(synonyms=[], antonyms=[])
    assert caught.value.where == "synonyms"


def test_constraint_reader_counts_self_pairs_and_duplicates(tmp_path: Path) -> None:
    path = tmp_path / "syn.txt"
    path.write_text("car automobile\nautomobile car\nsame same\n\n# note\nbig  large \r\n",
                    encoding="utf-8")
    constraints = read_constraints(path)
    assert constraints.pairs == [("car", "automobile"), ("big", "large")]
    assert constraints.lines == [1, 6]
    assert (constraints.n_self_pairs, constraints.n_duplicates) == (1, 1)


def test_constraint_reader_names_the_bad_line(tmp_path: Path) -> None:
    path = tmp_path / "syn.txt"
    path.write_text("car automobile\nthree words here\n", encoding="utf-8")
    with pytest.raises(FormatError, match="two words") as caught:
        read_constraints(path)
    assert caught.value.where == f"{path}:2"
    empty = tmp_path / "empty.txt"
    empty.write_text("\n# nothing\n", encoding="utf-8")
    with pytest.raises(FormatError, match="no pair"):
        read_constraints(empty)


def test_language_prefixes_are_stripped_for_monolingual_vectors(tmp_path: Path) -> None:
    vectors, _, antonyms = planted()
    path = tmp_path / "ant.txt"
    path.write_text("".join(f"en_{a} en_{b}\n" for a, b in antonyms), encoding="utf-8")
    constraints = read_constraints(path)
    assert constraints.languages == ("en",)
    out = attract_repel(vectors, antonyms=[path], epochs=1, batch_size=5)
    assert out.metadata["attract_repel"]["antonyms"]["n_used"] == len(antonyms)
    with pytest.raises(TrainingError):
        attract_repel(vectors, antonyms=[path], language_prefix="keep")


def test_dictionary_reader(tmp_path: Path) -> None:
    path = tmp_path / "en-de.tsv"
    path.write_text("dog\tHund\ndog\tHunde\ndog\tHund\ncat\tKatze\n", encoding="utf-8")
    dictionary = read_dictionary(path)
    assert dictionary.translations == {"dog": ["Hund", "Hunde"], "cat": ["Katze"]}
    assert dictionary.n_duplicates == 1
    head, tail = dictionary.split(1)
    assert list(head.translations) == ["dog"] and list(tail.translations) == ["cat"]
    path.write_text("dog\tHund\ncat\n", encoding="utf-8")
    with pytest.raises(FormatError, match="source<TAB>target") as caught:
        read_dictionary(path)
    assert caught.value.where == f"{path}:2"


def test_errors_are_lexiplug_errors() -> None:
    assert issubclass(FormatError, LexiplugError) and issubclass(TrainingError, LexiplugError)


@pytest.mark.data
def test_shared_constraint_and_dictionary_datasets() -> None:
    require_data("lexical_constraints/counter-fitting/ppdb_synonyms.txt")
    synonyms = registry.datasets.get("ppdb_synonyms")().load()
    assert len(synonyms) > 10_000 and synonyms.n_duplicates > 0
    antonyms = registry.datasets.get("attract_repel_antonyms")().load()
    assert antonyms.languages == ("en",)
    require_data("bli/xling-eval/en-de/yacle.train.freq.5k.en-de.tsv")
    dictionary = registry.datasets.get("xling_en_de_5k")()
    assert dictionary.kind == "bli" and len(dictionary.load()) == 5000


def test_cross_lingual_constraints_on_one_multilingual_space() -> None:
    """Prefixed keys (``en_dog``, ``de_hund``): ``auto`` keeps the prefixes and pulls
    translations together across the two languages."""
    rng = np.random.default_rng(5)
    words = [f"{lang}_w{i}" for lang in ("en", "de") for i in range(20)]
    vectors = Vectors(words, rng.normal(size=(40, 12)).astype(np.float32))
    pairs = [(f"en_w{i}", f"de_w{i}") for i in range(20)]
    out = attract_repel(vectors, synonyms=[LexicalConstraints.from_pairs(pairs)], epochs=10,
                        batch_size=5)
    assert out.metadata["attract_repel"]["synonyms"]["n_used"] == 20
    assert pair_cosines(out, pairs).mean() > pair_cosines(vectors, pairs).mean() + 0.4
