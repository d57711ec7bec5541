"""Contrastive specialisation and DefSent+ (plugins/specialization/) on a tiny random BERT
built in the test: the losses are checked against plain formulas, training must pull the
planted pairs together, and the saved folder must load as a normal encoder."""

from __future__ import annotations

import math
import os
import stat
from pathlib import Path

import numpy as np
import pytest
from lexiplug.errors import ConfigError, FormatError, TrainingError
from lexiplug.plugins.datasets.readers_lexical import LexicalConstraints
from lexiplug.registry import registry

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")

from lexiplug.plugins.contextual.testing import build_tiny_bert  # noqa: E402
from lexiplug.plugins.specialization.contrastive import (  # noqa: E402
    ContrastiveSettings,
    ContrastiveSpecialization,
    info_nce,
    shared_word_mask,
)
from lexiplug.plugins.specialization.defsent_plus import (  # noqa: E402
    DefSentSettings,
    isotropic,
    read_definitions,
)

PAIRS = [("cat", "dog"), ("king", "queen"), ("man", "woman"), ("hello", "world"),
         ("sat", "mat"), ("http", "www"), ("een", "het"), ("ik", "de")]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_bert(tmp_path_factory.mktemp("tiny") / "bert", hidden_size=32)


def pair_margin(model: Path, pairs: list[tuple[str, str]]) -> float:
    """Mean cosine of the pairs minus the mean cosine of mismatched pairs (a random BERT is
    anisotropic: every cosine is high, so only the difference says the pairs were learnt)."""
    from lexiplug.plugins.contextual.encoder import TransformerEncoder

    encoder = TransformerEncoder(model, normalize=True)
    left = encoder.encode_texts([a for a, _ in pairs])
    right = encoder.encode_texts([b for _, b in pairs])
    cosines = left @ right.T
    off_diagonal = cosines[~np.eye(len(pairs), dtype=bool)]
    return float(np.mean(np.diag(cosines)) - np.mean(off_diagonal))


def test_info_nce_matches_the_formula() -> None:
    rng = np.random.default_rng(0)
    left, right = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    mask = np.zeros((4, 4), dtype=bool)
    mask[0, 2] = True
    got = float(info_nce(torch.tensor(left), torch.tensor(right), 0.5, torch.tensor(mask)))
    unit_l = left / np.linalg.norm(left, axis=1, keepdims=True)
    unit_r = right / np.linalg.norm(right, axis=1, keepdims=True)
    scores = unit_l @ unit_r.T / 0.5
    scores[mask] = -np.inf

    def cross_entropy(matrix: np.ndarray) -> float:
        return float(np.mean([math.log(np.exp(row).sum()) - row[i]
                              for i, row in enumerate(matrix)]))

    assert got == pytest.approx(0.5 * (cross_entropy(scores) + cross_entropy(scores.T)))


def test_pairs_sharing_a_word_are_no_negatives() -> None:
    mask = shared_word_mask(["car", "car", "big"], ["auto", "vehicle", "large"])
    assert mask.tolist() == [[False, True, False], [True, False, False],
                             [False, False, False]]


@pytest.mark.slow  # ~40 s of CPU training on a loaded 2-core machine
def test_contrastive_training_pulls_pairs_together_and_saves_a_model(
        tiny: Path, tmp_path: Path) -> None:
    output = tmp_path / "specialised"
    encoder = registry.encoders.get("lexiplug.contrastive_specialization.v1")(
        model=str(tiny), output=str(output), synonyms=[LexicalConstraints.from_pairs(PAIRS)],
        batch_size=8, epochs=30, learning_rate=1e-3, temperature=0.1)
    assert isinstance(encoder, ContrastiveSpecialization)
    folder = encoder.model_path
    record = (folder / "specialization.json").read_text(encoding="utf-8")
    assert "contrastive_specialization" in record
    assert pair_margin(folder, PAIRS) > pair_margin(tiny, PAIRS) + 0.1
    vectors = encoder.encode_texts(["cat", "queen"])
    assert vectors.shape == (2, 32)
    # the distillers take the folder like any local model
    static = registry.embedders.get("lexiplug.distill_vocab.v1")(model=str(folder), dim=8).fit()
    assert static.dim == 8


def test_a_finished_folder_is_reused(tiny: Path, tmp_path: Path) -> None:
    settings = ContrastiveSettings(model=str(tiny), output=str(tmp_path / "out"),
                                   synonyms=[str(_write_pairs(tmp_path))], batch_size=4,
                                   epochs=1)
    first = ContrastiveSpecialization(settings).model_path
    stamp = (first / "model.safetensors").stat().st_mtime_ns
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE((first / "model.safetensors").stat().st_mode) == 0o666 & ~umask
    again = ContrastiveSpecialization(settings).model_path
    assert (again / "model.safetensors").stat().st_mtime_ns == stamp


def _write_pairs(folder: Path) -> Path:
    path = folder / "syn.txt"
    path.write_text("".join(f"{a} {b}\n" for a, b in PAIRS), encoding="utf-8")
    return path


@pytest.mark.parametrize(("argument", "value"), [
    ("batch_size", 1), ("epochs", 0), ("temperature", 0.0), ("max_pairs", 1),
    ("language_prefix", "auto"),
])
def test_contrastive_settings_name_the_argument(tiny: Path, tmp_path: Path, argument: str,
                                                value: object) -> None:
    with pytest.raises(ConfigError) as caught:
        ContrastiveSettings(model=str(tiny), output=str(tmp_path / "o"),
                            **{argument: value})  # type: ignore[arg-type]
    assert caught.value.where == argument


def test_a_hub_name_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="local Hugging Face model folder") as caught:
        ContrastiveSettings(model="sentence-transformers/all-MiniLM-L6-v2",
                            output=str(tmp_path / "o"))
    assert caught.value.where == "model"


def test_too_few_pairs_is_a_training_error(tiny: Path, tmp_path: Path) -> None:
    settings = ContrastiveSettings(model=str(tiny), output=str(tmp_path / "o"),
                                   synonyms=[LexicalConstraints.from_pairs([("a", "b")])])
    with pytest.raises(TrainingError, match="at least 2"):
        _ = ContrastiveSpecialization(settings).model_path


# -- DefSent+ ----------------------------------------------------------------------------

TOPICS = {"cat": ["a small animal that says meow", "the pet that sat on the mat"],
          "king": ["the man who rules the land", "a queen is married to him"],
          "hello": ["a word said to greet the world", "what you say when you meet"],
          "www": ["the start of a web address", "http and com go with it"]}


def write_definitions(folder: Path) -> Path:
    """A generated definitions file in the documented format (no dictionary ships here)."""
    lines = ["# entry<TAB>definition"]
    lines += [f"{entry}\t{text}" for entry, texts in TOPICS.items() for text in texts]
    lines += ["cat\ta small animal that says meow", "dog\ta word said to greet the world"]
    path = folder / "definitions.tsv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_definitions_file_merges_repeats_and_drops_shared_definitions(tmp_path: Path) -> None:
    definitions = read_definitions(write_definitions(tmp_path))
    assert definitions.entries == ["cat", "king", "hello", "www"]  # dog's only one is shared
    assert definitions.n_repeated == 1 and definitions.n_shared_dropped == 2
    assert len(definitions.sentences) == 7
    bad = tmp_path / "bad.tsv"
    bad.write_text("cat\ta pet\nno tab here\n", encoding="utf-8")
    with pytest.raises(FormatError, match="entry<TAB>definition") as caught:
        read_definitions(bad)
    assert caught.value.where == f"{bad}:2"


def test_whitening_gives_an_identity_covariance() -> None:
    rng = np.random.default_rng(0)
    entries = rng.normal(size=(500, 4)) @ rng.normal(size=(4, 4)) + 3.0
    white = isotropic(entries, "whiten", eps=0.0)
    np.testing.assert_allclose(white.mean(axis=0), 0, atol=1e-9)
    np.testing.assert_allclose(np.cov(white.T), np.eye(4), atol=1e-6)
    assert isotropic(entries, "none", eps=0.0) is entries


def test_defsent_plus_trains_rounds_and_saves(tiny: Path, tmp_path: Path) -> None:
    encoder = registry.encoders.get("lexiplug.defsent_plus.v1")(
        model=str(tiny), output=str(tmp_path / "defsent"),
        definitions=str(write_definitions(tmp_path)), rounds=2, epochs_per_round=3,
        batch_size=4, learning_rate=1e-3, temperature=0.1, isotropy="center")
    import json

    record = json.loads((encoder.model_path / "specialization.json").read_text("utf-8"))
    losses = record["loss_per_round"]
    assert len(losses) == 2 and losses[1] < losses[0]
    assert record["n_entries"] == 4
    assert encoder.encode_texts(["a small animal"]).shape == (1, 32)


def test_defsent_settings_name_the_argument(tiny: Path, tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        DefSentSettings(model=str(tiny), output=str(tmp_path), definitions="x",
                        isotropy="round")
    assert caught.value.where == "isotropy"
