"""spaCy train callbacks of the task configs: the short-run warning (#15 defect 10)."""

from __future__ import annotations

import warnings
from pathlib import Path
from types import SimpleNamespace

import pytest

pytest.importorskip("spacy")

from lexiplug.plugins.tasks.callbacks import (
    short_training_warning,
    warn_short_training_v1,
)

REPO = Path(__file__).resolve().parents[1]
TASK_CONFIGS = ["die_dat_binary", "die_dat_multitask", "pii", "pii_finetune", "phenotype",
                "ud_tagger_nl"]


def test_a_run_shorter_than_eval_frequency_is_named() -> None:
    message = short_training_warning({"max_steps": 20, "eval_frequency": 200})
    assert message and "model-best" in message and "--training.eval_frequency 20" in message
    assert short_training_warning({"max_steps": 0, "eval_frequency": 200}) is None
    assert short_training_warning({"max_steps": 400, "eval_frequency": 200}) is None


def test_the_callback_warns_once_at_the_first_step() -> None:
    callback = warn_short_training_v1()
    nlp = SimpleNamespace(config={"training": {"max_steps": 5, "eval_frequency": 200}})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for step in range(5):
            callback(nlp, {"step": step, "epoch": 0})
    assert len(caught) == 1 and "untrained" in str(caught[0].message)


@pytest.mark.parametrize("name", TASK_CONFIGS)
def test_every_task_config_warns_about_short_runs(name: str) -> None:
    from spacy.util import load_config, registry

    training = load_config(REPO / "configs" / f"{name}.cfg")["training"]
    assert training["before_update"] == {"@callbacks": "lexiplug.warn_short_training.v1"}
    resolved = registry.resolve({"callback": training["before_update"]})["callback"]
    assert callable(resolved)
