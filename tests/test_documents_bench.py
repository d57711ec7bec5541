"""bench/documents.py's training batches (issue 17): batches of similar-length documents,
cut by a token budget so the few very long 20 Newsgroups posts cannot make one batch of
several hundred thousand tokens (spaCy's CNN ensemble was OOM-killed on such a batch)."""

from __future__ import annotations

import importlib
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench"


@pytest.fixture
def bench(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    monkeypatch.syspath_prepend(str(BENCH))  # the bench imports its sibling _harness
    return importlib.import_module("documents")


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
    from types import SimpleNamespace

    docs = [SimpleNamespace(text=t) for t in ("alpha beta", "beta gamma", "zeta eta", "")]
    assert [d.text for d in bench.with_known_word(docs)] == ["alpha beta", "beta gamma"]
