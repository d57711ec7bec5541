"""Freed heap memory goes back to the OS during task training (glibc ``malloc_trim``)."""

from __future__ import annotations

import platform
from types import SimpleNamespace
from typing import Any

import pytest
from lexiplug.memory import release_freed_memory


def test_release_runs_on_glibc_and_is_a_no_op_elsewhere() -> None:
    expected = platform.system() == "Linux" and platform.libc_ver()[0] == "glibc"
    assert release_freed_memory() is expected


def test_task_training_releases_memory_every_few_updates(monkeypatch: pytest.MonkeyPatch
                                                         ) -> None:
    from lexiplug.plugins.tasks import training_step

    calls: list[int] = []
    monkeypatch.setattr(training_step, "release_freed_memory", lambda: calls.append(1) or True)
    monkeypatch.setattr(training_step, "_updates", iter(range(1, 10_000)))

    def begin_update(docs: Any) -> tuple[float, Any]:
        return 0.0, lambda d_scores: None

    pipe = SimpleNamespace(name="toy", model=SimpleNamespace(begin_update=begin_update),
                           finish_update=lambda sgd: None)
    losses = {"toy": 0.0}
    for _ in range(3 * training_step.RELEASE_EVERY):
        training_step.train_step(pipe, [], lambda scores: (1.0, scores), object(), losses)
    assert len(calls) == 3 and losses["toy"] == 3 * training_step.RELEASE_EVERY
