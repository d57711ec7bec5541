"""bench/distill.py's ``--workdir``: a rerun reuses only rows whose vectors and timing are both
whole, and a folder made for another corpus size is refused (its rows would not compare)."""

from __future__ import annotations

import json
from pathlib import Path
from types import ModuleType

import pytest

from tests.helpers import load_bench_module


@pytest.fixture
def distill(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    return load_bench_module("distill.py", monkeypatch)


def test_a_finished_row_is_reused_only_with_its_vectors(distill, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    store = distill.RowStore(tmp_path, 100, keep=True)
    store.record({"name": "x2static", "seconds": 3.5})
    assert store.finished("x2static") is None  # timing without vectors: not finished
    store.vectors("x2static").write_bytes(b"npz")
    assert store.finished("x2static") == {"name": "x2static", "seconds": 3.5}
    assert json.loads((tmp_path / "settings.json").read_text()) == {"sentences": 100}


def test_without_workdir_nothing_is_reused(distill, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    store = distill.RowStore(tmp_path, 100, keep=False)
    store.vectors("gensim_word2vec").write_bytes(b"npz")
    store.record({"name": "gensim_word2vec", "seconds": 1.0})
    assert store.finished("gensim_word2vec") is None


def test_a_folder_of_another_sentence_count_is_refused(distill, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    distill.RowStore(tmp_path, 100, keep=True)
    with pytest.raises(SystemExit, match="sentences"):
        distill.RowStore(tmp_path, 60126, keep=True)
