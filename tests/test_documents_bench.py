"""bench/documents.py's training batches (issue 17): batches of similar-length documents,
cut by a token budget so the few very long 20 Newsgroups posts cannot make one batch of
several hundred thousand tokens (spaCy's CNN ensemble was OOM-killed on such a batch); and
its classification checkpoints, which resume exactly (Adam's state included)."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType, SimpleNamespace

import numpy as np
import pytest

from tests.helpers import load_bench_module


@pytest.fixture
def bench(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    return load_bench_module("documents.py", monkeypatch)


def test_without_budget_batches_are_fixed_size_runs_of_sorted_lengths(bench: ModuleType) -> None:
    lengths = [5, 1, 4, 2, 3]
    assert bench.length_batches(lengths, 2) == [[1, 3], [4, 2], [0]]


def test_token_budget_bounds_every_batch_and_keeps_every_document(bench: ModuleType) -> None:
    lengths = [10, 10, 10, 10, 300, 40, 40, 500]
    batches = bench.length_batches(lengths, 32, 100)
    assert sorted(i for batch in batches for i in batch) == list(range(len(lengths)))
    for batch in batches:
        # over the budget only as a document alone
        assert sum(lengths[i] for i in batch) <= 100 or len(batch) == 1
    assert [4] in batches and [7] in batches
    assert batches[0] == [0, 1, 2, 3, 5]  # 80 tokens; the next 40 would pass 100


def test_budget_larger_than_any_batch_changes_nothing(bench: ModuleType) -> None:
    lengths = [7, 3, 9, 1, 4, 4, 8]
    assert bench.length_batches(lengths, 3, 10**6) == bench.length_batches(lengths, 3)


def test_database_keeps_only_documents_with_a_word_seen_twice(bench: ModuleType) -> None:
    """The full train split has two posts whose every word occurs once; Binary PV (min_count
    2) refuses them, so the bench leaves them out of the database instead of crashing."""
    docs = [SimpleNamespace(text=t) for t in ("alpha beta", "beta gamma", "zeta eta", "")]
    assert [d.text for d in bench.with_known_word(docs)] == ["alpha beta", "beta gamma"]


def _topic_documents(n: int, seed: int) -> list[SimpleNamespace]:
    rng = np.random.default_rng(seed)
    words = {"space": "orbit nasa launch moon rocket", "hockey": "puck goal ice team season"}
    docs = []
    for i in range(n):
        label = ("space", "hockey")[i % 2]
        own, other = words[label].split(), words[("hockey", "space")[i % 2]].split()
        tokens = list(rng.choice(own, 6)) + list(rng.choice(other, 2))
        docs.append(SimpleNamespace(text=" ".join(tokens), label=label))
    return docs


def _last_checkpoint(folder: Path) -> dict[str, np.ndarray]:
    from lexiplug.checkpoint import CheckpointStore

    bundle = CheckpointStore(folder).latest()
    assert bundle is not None
    return bundle.arrays


@pytest.mark.parametrize("name", ["spacy_bow", "rcnn"])
def test_a_resumed_classifier_ends_where_the_uninterrupted_run_ends(
        bench: ModuleType, tmp_path: Path, name: str) -> None:
    train, dev, test = _topic_documents(24, 0), _topic_documents(8, 1), _topic_documents(8, 2)
    options = {"rcnn_max_length": 20, "rcnn_lr": 0.01, "vectors": None, "batch_tokens": None}
    straight = bench.spacy_row(name, train, dev, test, 3,
                               {**options, "checkpoint": tmp_path / "straight"})
    bench.spacy_row(name, train, dev, test, 2, {**options, "checkpoint": tmp_path / "split"})
    resumed = bench.spacy_row(name, train, dev, test, 3,
                              {**options, "checkpoint": tmp_path / "split"})
    whole, pieces = _last_checkpoint(tmp_path / "straight"), _last_checkpoint(tmp_path / "split")
    assert any(key.startswith("optimizer.mom1.") for key in whole)
    assert sorted(whole) == sorted(pieces)
    for key in whole:  # the weights and Adam's moments, bit for bit
        assert np.array_equal(whole[key], pieces[key]), key
    assert resumed["chosen"] == straight["chosen"]
