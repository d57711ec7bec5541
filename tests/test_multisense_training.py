"""Disambiguated Skip-gram's training against the method (docs/multisense.md): the context
words' own disambiguation vectors, pruning once after training, the torch trainer against
the numba one, and the sense plot in a study report."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from lexiplug.errors import ConfigError
from lexiplug.plugins.multisense.dsg import DisambiguatedSkipgram, DSGSettings
from lexiplug.plugins.multisense.sense_vectors import SenseVectors
from lexiplug.vectors import Vectors

from .multisense_planted import kill_after_epoch, planted_corpus, topic_contexts

SMALL = {"dim": 24, "window": 4, "senses": 3, "min_count": 1, "min_sense_count": 500,
         "epochs": 4, "sample": 0.0}


def train(n_sentences: int = 3000, **overrides: Any) -> SenseVectors:
    settings = DSGSettings(**{**SMALL, **overrides})
    return DisambiguatedSkipgram(settings).fit(planted_corpus(n_sentences))


def separates_bank(senses: SenseVectors) -> bool:
    choice_a = senses.disambiguate_many("bank", topic_contexts("a")).argmax(axis=1)
    choice_b = senses.disambiguate_many("bank", topic_contexts("b")).argmax(axis=1)
    return (senses.sense_count("bank") == 2 and len(set(choice_a)) == 1
            and len(set(choice_b)) == 1 and choice_a[0] != choice_b[0])


def test_context_rows_are_disambiguation_vectors_learnt_only_by_disambiguation() -> None:
    # No word may have senses here, so nothing is disambiguated: the context words'
    # disambiguation vectors keep their start whatever the skip-gram learning rate, while
    # the output vectors (which the context rows used to be) follow it.
    still_a = train(epochs=1, min_sense_count=10**6, alpha=0.025)
    still_b = train(epochs=1, min_sense_count=10**6, alpha=0.05)
    assert np.array_equal(still_a.context, still_b.context)
    assert not np.array_equal(still_a.senses, still_b.senses)
    # with a two-sense word, the disambiguation gradient reaches its context words' rows
    moved_a = train(epochs=1, alpha=0.025)
    moved_b = train(epochs=1, alpha=0.05)
    topic_rows = [moved_a.key_to_index[f"a{i}"] for i in range(25)]
    assert not np.allclose(moved_a.context[topic_rows], moved_b.context[topic_rows])


def test_pruning_runs_once_after_the_last_epoch() -> None:
    pruned = train(prune_threshold=0.2)
    history = pruned.metadata["history"]
    assert [h["pruned"] for h in history[:-1]] == [0] * (len(history) - 1)
    assert history[-1]["pruned"] > 0
    # pruning after training is the same as pruning the unpruned model's priors
    whole = train(prune_threshold=0.0)
    again = whole.pruned(0.2)
    assert np.array_equal(again.n_senses, pruned.n_senses)
    assert np.array_equal(again.senses, pruned.senses)
    assert np.allclose(again.priors, pruned.priors)


def test_pruned_keeps_each_words_most_frequent_sense() -> None:
    eye = np.eye(2, dtype=np.float32)
    senses = SenseVectors(["x", "y"], np.stack([eye[0], eye[1], eye[0], eye[1]]), [2, 2],
                          [0.9, 0.1, 0.5, 0.5], np.stack([eye[0], eye[1], eye[0], eye[1]]),
                          eye)
    kept = senses.pruned(0.6)
    assert kept.n_senses.tolist() == [1, 1] and kept.priors.tolist() == [1.0, 1.0]
    assert np.array_equal(kept.sense_matrix("y"), eye[:1])  # a tie keeps the first
    assert senses.pruned(0.2).n_senses.tolist() == [1, 2]
    with pytest.raises(ConfigError, match="threshold"):
        senses.pruned(1.0)


@pytest.mark.parametrize(("key", "value"), [("prune_after", 0), ("prune_after", 9),
                                            ("trainer", "jax"), ("batch", 0),
                                            ("device", "cuda")])
def test_bad_trainer_settings_name_the_argument(key: str, value: object) -> None:
    with pytest.raises(ConfigError) as caught:
        DSGSettings(**{**SMALL, key: value})
    assert caught.value.where == key


@pytest.fixture(scope="module")
def numba_run() -> SenseVectors:
    return train(trainer="numba")


@pytest.mark.slow  # about a minute: the torch trainer takes a Python step per 64 positions
def test_torch_trainer_finds_the_senses_the_numba_one_finds(numba_run: SenseVectors) -> None:
    torch_run = train(trainer="torch", device="cpu", batch=64)
    assert separates_bank(numba_run) and separates_bank(torch_run)
    assert np.allclose(torch_run.sense_priors("bank"), 0.5, atol=0.1)
    numba_loss = [h["loss"] for h in numba_run.metadata["history"]]
    torch_loss = [h["loss"] for h in torch_run.metadata["history"]]
    # both learn (the loss falls) to about the same skip-gram loss per pair
    assert numba_loss[-1] < numba_loss[0] and torch_loss[-1] < torch_loss[0]
    assert abs(torch_loss[-1] - numba_loss[-1]) < 0.1 * numba_loss[-1]


def test_torch_trainer_is_seeded_and_resumes_exactly(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    common = {"n_sentences": 300, "epochs": 2, "trainer": "torch", "device": "cpu",
              "batch": 128, "min_sense_count": 100}
    whole = train(**common)
    assert np.array_equal(whole.senses, train(**common).senses)
    assert not np.array_equal(whole.senses, train(**{**common, "seed": 1}).senses)
    kill_after_epoch(monkeypatch, 1, lambda: train(**common, checkpoint_dir=str(tmp_path)))
    resumed = train(**common, checkpoint_dir=str(tmp_path), resume=True)
    assert np.array_equal(resumed.senses, whole.senses)
    assert np.array_equal(resumed.context, whole.context)
    assert np.array_equal(resumed.priors, whole.priors)


def test_sense_plot_is_a_section_of_the_study_report(numba_run: SenseVectors,
                                                     tmp_path: Path) -> None:
    from lexiplug.plugins.multisense.report import report_sections

    plain = Vectors(["bank"], np.ones((1, 24), dtype=np.float32))
    summary: dict[str, Any] = {"output": str(tmp_path), "plots": tmp_path / "plots",
                               "report": {}, "rows": {"dsg": numba_run, "sg": plain},
                               "results": []}
    sections = report_sections(summary)
    assert sections is not None and len(sections) == 1
    title, body = sections[0]
    assert title == "Word senses"
    assert "](plots/senses_dsg_bank.png)" in body and "*bank* (2 senses)" in body
    assert (tmp_path / "plots" / "senses_dsg_bank.png").read_bytes()[:4] == b"\x89PNG"
    assert "**sg**" not in body  # one vector per word: nothing to show
    chosen = report_sections({**summary, "report": {"sense_words": ["a1", "bank"]}})
    # a1 has one sense: it is not plotted
    assert chosen is not None and "*a1*" not in chosen[0][1] and "*bank*" in chosen[0][1]
    assert report_sections({**summary, "plots": None}) is None
    assert report_sections({**summary, "rows": {"sg": plain}}) is None


def test_the_plugin_answers_the_report_hook(tmp_path: Path) -> None:
    from lexiplug.plugin_loader import plugin_manager

    eye = np.eye(3, dtype=np.float32)
    senses = SenseVectors(["bank", "river", "money"], np.stack([eye[0], eye[1], eye[0], eye[1]]),
                          [2, 1, 1], [0.5, 0.5, 1.0, 1.0],
                          np.stack([5 * eye[0], 5 * eye[1], eye[2], eye[2]]),
                          np.stack([eye[2], eye[0], eye[1]]))
    summary = {"study": "s", "output": str(tmp_path), "plots": tmp_path / "plots",
               "report": {}, "rows": {"dsg": senses}, "results": []}
    answers = plugin_manager().hook.lexiplug_report_sections(results=summary)
    titles = [title for answer in answers if answer for title, _ in answer]
    assert "Word senses" in titles
    assert (tmp_path / "plots" / "senses_dsg_bank.png").exists()
