"""A corpus with planted senses: one word form used in two disjoint topics."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np


def planted_corpus(n_sentences: int = 3000, *, seed: int = 0, length: int = 8,
                   topic_size: int = 25) -> list[list[str]]:
    """Sentences from two topics (``a*`` and ``b*`` words); ``bank`` occurs in both, so its
    two uses never share a context word; ``river`` only in topic a, ``money`` only in b."""
    rng = np.random.default_rng(seed)
    topics = {"a": [f"a{i}" for i in range(topic_size)] + ["river"],
              "b": [f"b{i}" for i in range(topic_size)] + ["money"]}
    sentences = []
    for s in range(n_sentences):
        topic = "a" if s % 2 == 0 else "b"
        words = list(rng.choice(topics[topic], size=length))
        if s % 3 != 2:
            words[int(rng.integers(length))] = "bank"
        sentences.append(words)
    return sentences


def topic_contexts(topic: str, n: int = 40, *, seed: int = 1, length: int = 6,
                   topic_size: int = 25) -> list[list[str]]:
    rng = np.random.default_rng(seed)
    words = [f"{topic}{i}" for i in range(topic_size)]
    return [list(rng.choice(words, size=length)) for _ in range(n)]


def kill_after_epoch(monkeypatch: Any, epoch: int, fit: Callable[[], object]) -> None:
    """Run ``fit`` with DSG dying (KeyboardInterrupt) right after the checkpoint of ``epoch``,
    as a killed process would; the checkpoint stays behind for a resume."""
    import pytest
    from lexiplug.plugins.multisense.dsg import DisambiguatedSkipgram

    original = DisambiguatedSkipgram._save_checkpoint

    def save_then_die(self, folder, state, fingerprint):  # type: ignore[no-untyped-def]
        original(self, folder, state, fingerprint)
        if state.epochs_done == epoch:
            raise KeyboardInterrupt(f"killed after epoch {epoch}")

    monkeypatch.setattr(DisambiguatedSkipgram, "_save_checkpoint", save_then_die)
    with pytest.raises(KeyboardInterrupt):
        fit()
    monkeypatch.setattr(DisambiguatedSkipgram, "_save_checkpoint", original)
