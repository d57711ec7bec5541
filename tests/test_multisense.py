"""Disambiguated Skip-gram, the sense-vectors type and the context-clustering baseline, on a
corpus with a planted two-sense word (``bank`` in two topics that share no word)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import numpy as np
import pytest
from lexiplug.contracts import SenseEmbedding
from lexiplug.errors import ConfigError, FormatError, OOVError, TrainingError
from lexiplug.plugins.multisense.dsg import DisambiguatedSkipgram, DSGSettings
from lexiplug.plugins.multisense.sense_vectors import SenseVectors
from lexiplug.vectors import Vectors

from .multisense_planted import kill_after_epoch, planted_corpus, topic_contexts

SMALL = {"dim": 24, "window": 4, "senses": 3, "min_count": 1, "min_sense_count": 500,
         "epochs": 5, "sample": 0.0}


def train(**overrides: object) -> SenseVectors:
    return DisambiguatedSkipgram(DSGSettings(**{**SMALL, **overrides})).fit(planted_corpus())


@pytest.fixture(scope="module")
def senses() -> SenseVectors:
    return train()


def unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v)


def test_dsg_finds_the_two_planted_senses(senses: SenseVectors) -> None:
    assert isinstance(senses, SenseEmbedding)
    # the third sense is never needed and is pruned; priors follow the 50/50 usage
    assert senses.sense_count("bank") == 2
    assert np.allclose(senses.sense_priors("bank"), 0.5, atol=0.1)
    choice_a = senses.disambiguate_many("bank", topic_contexts("a")).argmax(axis=1)
    choice_b = senses.disambiguate_many("bank", topic_contexts("b")).argmax(axis=1)
    assert len(set(choice_a)) == 1 and len(set(choice_b)) == 1
    assert choice_a[0] != choice_b[0]
    sense_a, sense_b = senses.sense_matrix("bank")[[choice_a[0], choice_b[0]]]
    river, money = senses.vector("river"), senses.vector("money")
    assert unit(sense_a) @ unit(river) > 0.7 and unit(sense_b) @ unit(money) > 0.7
    assert unit(sense_a) @ unit(money) < 0.3 and unit(sense_b) @ unit(river) < 0.3


def test_single_sense_skipgram_cannot_separate_the_uses(senses: SenseVectors) -> None:
    from gensim.models import Word2Vec

    model = Word2Vec(planted_corpus(), vector_size=24, window=4, min_count=1, sg=1, sample=0,
                     epochs=4, workers=1, seed=0)
    bank = unit(model.wv["bank"])
    # one vector must sit between the topics: far from each where a DSG sense is close
    best_sg = max(bank @ unit(model.wv["river"]), bank @ unit(model.wv["money"]))
    sense_cos = unit(senses.sense_matrix("bank")) @ np.stack(
        [unit(senses.vector("river")), unit(senses.vector("money"))]).T
    assert sense_cos.max(axis=0).min() > best_sg + 0.15


def test_rare_words_keep_one_sense(senses: SenseVectors) -> None:
    assert senses.sense_count("a3") == 1
    assert np.allclose(senses.vector("a3"), senses.sense_matrix("a3")[0])


def test_same_seed_same_vectors() -> None:
    a, b = train(epochs=2), train(epochs=2)
    assert np.array_equal(a.senses, b.senses) and np.array_equal(a.context, b.context)
    assert not np.array_equal(a.senses, train(epochs=2, seed=1).senses)


def test_resume_after_a_kill_gives_the_uninterrupted_result(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    whole = train(epochs=3)
    kill_after_epoch(monkeypatch, 2, lambda: train(epochs=3, checkpoint_dir=str(tmp_path)))
    resumed = train(epochs=3, checkpoint_dir=str(tmp_path), resume=True)
    assert resumed.metadata["history"][0]["epoch"] == 1  # epochs 1-2 came from the checkpoint
    assert np.array_equal(resumed.senses, whole.senses)
    assert np.array_equal(resumed.context, whole.context)
    assert np.array_equal(resumed.priors, whole.priors)


def test_fit_seconds_count_each_epoch_once(tmp_path: Path) -> None:
    import time

    start = time.perf_counter()
    model = train(epochs=2, checkpoint_dir=str(tmp_path))
    wall = time.perf_counter() - start
    epochs = sum(e["seconds"] for e in model.metadata["history"])
    assert epochs <= model.metadata["fit_seconds"] <= wall
    # resumed with nothing left to train: the checkpointed epochs' seconds, not twice them
    resumed = train(epochs=2, checkpoint_dir=str(tmp_path), resume=True)
    assert resumed.metadata["fit_seconds"] < model.metadata["fit_seconds"] * 1.5


def test_resume_refuses_a_checkpoint_of_other_settings(tmp_path: Path) -> None:
    train(epochs=1, checkpoint_dir=str(tmp_path))
    with pytest.raises(TrainingError, match="other settings"):
        train(epochs=1, dim=16, checkpoint_dir=str(tmp_path), resume=True)


def test_save_load_round_trip_is_atomic_with_normal_permissions(
        senses: SenseVectors, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = senses.save(tmp_path / "bank.senses")
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask
    loaded = SenseVectors.load(path)
    assert loaded.keys == senses.keys
    for name in ("senses", "priors", "disambiguation", "context", "matrix"):
        assert np.array_equal(getattr(loaded, name), getattr(senses, name))
    assert np.allclose(loaded.disambiguate("bank", ["a1", "a2"]),
                       senses.disambiguate("bank", ["a1", "a2"]))
    before = path.read_bytes()
    import safetensors.numpy

    def broken(*args: object, **kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(safetensors.numpy, "save", broken)
    with pytest.raises(OSError):
        senses.save(path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["bank.senses"]


def test_loading_a_file_that_is_not_sense_vectors_names_it(tmp_path: Path) -> None:
    bad = tmp_path / "bad.senses"
    bad.write_text("not safetensors", encoding="utf-8")
    with pytest.raises(FormatError, match=r"bad\.senses"):
        SenseVectors.load(bad)
    with pytest.raises(FormatError, match="no such file"):
        SenseVectors.load(tmp_path / "missing.senses")


def test_sense_vectors_degrade_to_plain_vectors(senses: SenseVectors, tmp_path: Path) -> None:
    assert isinstance(senses, Vectors)
    plain = senses.to_vectors()
    assert type(plain) is Vectors and np.array_equal(plain.matrix, senses.matrix)
    # the prior-weighted mean is the one-vector view; most_frequent picks the top sense
    mean = senses.sense_priors("bank") @ senses.sense_matrix("bank")
    assert np.allclose(senses.vector("bank"), mean, atol=1e-6)
    top = senses.to_vectors("most_frequent").vector("bank")
    assert any(np.allclose(top, row) for row in senses.sense_matrix("bank"))
    # an ordinary format saves the one-vector view, which plain Vectors load
    path = senses.save(tmp_path / "flat.txt", format="word2vec-text")
    assert Vectors.load(path).shape == senses.shape
    assert all(w.startswith("a") or w == "bank" for w, _ in senses.most_similar("river", topn=3))


def test_unknown_word_and_unknown_context(senses: SenseVectors,
                                         caplog: pytest.LogCaptureFixture) -> None:
    with pytest.raises(OOVError, match="zzz"):
        senses.disambiguate("zzz", ["a1"])
    with caplog.at_level("WARNING"):
        probabilities = senses.disambiguate("bank", ["qqq", "xxx"])
    assert np.allclose(probabilities, senses.sense_priors("bank"))
    assert "no context word" in caplog.text


@pytest.mark.parametrize(("key", "value"), [("senses", 0), ("dim", -1), ("window", 1.5),
                                            ("prune_threshold", 1.0), ("collapse", "max")])
def test_bad_settings_name_the_argument(key: str, value: object) -> None:
    with pytest.raises(ConfigError) as error:
        DSGSettings(**{key: value})  # type: ignore[arg-type]
    assert error.value.where == key


def test_registered_factory_builds_the_embedder() -> None:
    from lexiplug.registry import registry

    embedder = registry.embedders.get("lexiplug.disambiguated_skipgram.v1")(dim=8, senses=2)
    assert isinstance(embedder, DisambiguatedSkipgram) and embedder.params.senses == 2
    with pytest.raises(TrainingError, match="min_count"):
        embedder.fit(["a b c"])


@pytest.mark.slow  # two gensim trainings / matplotlib: seconds
def test_context_clustering_baseline_splits_the_planted_word() -> None:
    from lexiplug.plugins.multisense.clustering import ContextClustering, ContextClusteringSettings

    model = ContextClustering(ContextClusteringSettings(
        dim=24, window=4, senses=2, min_count=1, min_sense_count=500, epochs=4, sample=0.0,
    )).fit(planted_corpus())
    assert model.sense_count("bank") == 2 and model.sense_count("a3") == 1
    choice_a = model.disambiguate_many("bank", topic_contexts("a")).argmax(axis=1)
    choice_b = model.disambiguate_many("bank", topic_contexts("b")).argmax(axis=1)
    assert np.mean(choice_a == choice_a[0]) > 0.9 and np.mean(choice_b == choice_b[0]) > 0.9
    assert choice_a[0] != choice_b[0]


def test_spacy_component_writes_sense_and_vector(senses: SenseVectors, tmp_path: Path) -> None:
    import spacy

    path = senses.save(tmp_path / "planted.senses")
    nlp = spacy.blank("en")
    nlp.add_pipe("lexiplug_senses", config={"path": str(path), "window": 3})
    doc_a = nlp("a1 a2 bank a3 a4")
    doc_b = nlp("b1 b2 bank b3 b4")
    expected_a = int(senses.disambiguate("bank", ["a1", "a2", "a3", "a4"]).argmax())
    assert doc_a[2]._.sense == expected_a and doc_b[2]._.sense != expected_a
    assert np.array_equal(doc_a[2]._.sense_vector, senses.sense_matrix("bank")[expected_a])
    assert nlp("unknownword")[0]._.sense is None


def test_spacy_component_without_vectors_says_what_to_set() -> None:
    import spacy

    nlp = spacy.blank("en")
    nlp.add_pipe("lexiplug_senses")
    with pytest.raises(ConfigError, match="path"):
        nlp("bank")


@pytest.mark.slow  # imports matplotlib
def test_sense_plot_shows_each_sense_with_its_neighbours(senses: SenseVectors,
                                                         tmp_path: Path) -> None:
    from lexiplug.plugins.multisense.plot import plot_senses, sense_neighbours

    def topic(word: str) -> str:
        return "a" if word[0] == "a" or word == "river" else "b" if word[0] == "b" or \
            word == "money" else "?"

    groups = sense_neighbours(senses, "bank", topn=4)
    topics = [[topic(word) for word, _ in group] for group in groups]
    assert sorted(group[0] for group in topics) == ["a", "b"]
    assert all(group.count(group[0]) >= 3 for group in topics)
    path = plot_senses(senses, "bank", tmp_path / "bank.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_pruning_drops_rare_senses_but_never_a_words_last_one() -> None:
    from lexiplug.plugins.multisense.dsg import prune

    # word 0: senses chosen 60, 38 and 2 times; word 1: one sense never chosen;
    # word 2: not seen this epoch, so nothing is known against its senses
    word_of_sense = np.array([0, 0, 0, 1, 1, 2, 2])
    active = np.ones(7, dtype=np.uint8)
    marginal = np.array([60.0, 38.0, 2.0, 0.0, 5.0, 0.0, 0.0])
    assert prune(active, marginal, word_of_sense, 3, threshold=0.05) == 2
    assert active.tolist() == [1, 1, 0, 0, 1, 1, 1]
    # the survivors are each above the threshold: nothing more goes
    assert prune(active, marginal * active, word_of_sense, 3, threshold=0.05) == 0
