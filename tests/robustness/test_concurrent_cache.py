"""Several processes saving the same study-cache key at once: every save succeeds and the
entry left behind is one complete copy (issue #27 item 1: 80 of 400 saves used to crash)."""

from __future__ import annotations

import multiprocessing
import os
from pathlib import Path

import numpy as np

WRITERS = 4
SAVES_EACH = int(os.environ.get("LEXIPLUG_FUZZ_CASES", "0")) // WRITERS or 15


def _table(seed: int) -> object:
    from lexiplug.vectors import Vectors

    rng = np.random.default_rng(seed)
    words = [f"w{i}" for i in range(300)]
    return Vectors(words, rng.standard_normal((300, 16)).astype(np.float32))


def _save_repeatedly(folder: str, key: str, start: multiprocessing.synchronize.Event) -> None:
    from lexiplug.study.cache import StepCache

    cache = StepCache(Path(folder))
    table = _table(7)  # a cache key names its content: every writer holds the same vectors
    start.wait()
    for _ in range(SAVES_EACH):
        cache.save_vectors(key, table)  # type: ignore[arg-type]
        cache.save_results(key, [])


def test_concurrent_writers_of_one_cache_key_all_succeed(tmp_path: Path) -> None:
    from lexiplug.study.cache import StepCache

    context = multiprocessing.get_context("spawn")
    start = context.Event()
    writers = [context.Process(target=_save_repeatedly, args=(str(tmp_path), "k1", start))
               for _ in range(WRITERS)]
    for process in writers:
        process.start()
    start.set()
    for process in writers:
        process.join(timeout=120)
    assert [p.exitcode for p in writers] == [0] * WRITERS
    loaded = StepCache(tmp_path).load_vectors("k1")
    expected = _table(7)
    assert loaded is not None
    assert loaded.keys == expected.keys  # type: ignore[union-attr,attr-defined]
    np.testing.assert_array_equal(loaded.matrix, expected.matrix)  # type: ignore[union-attr,attr-defined]
    assert StepCache(tmp_path).load_results("k1") == []
    vectors_folder = tmp_path / "vectors"
    assert sorted(p.name for p in vectors_folder.iterdir()) == ["k1"]  # no temporaries left
    assert sorted(p.name for p in (tmp_path / "results").iterdir()) == ["k1.json"]


def test_an_unwritable_cache_entry_is_a_warning_not_a_crash(
    tmp_path: Path, caplog: object
) -> None:
    from lexiplug.study.cache import StepCache

    (tmp_path / "vectors").write_text("a file where the cache expects a folder")
    (tmp_path / "results").write_text("same")
    cache = StepCache(tmp_path)
    cache.save_vectors("k1", _table(1))  # type: ignore[arg-type]
    cache.save_results("k1", [])
    assert cache.load_vectors("k1") is None
    assert "could not write cache entry" in caplog.text  # type: ignore[attr-defined]
