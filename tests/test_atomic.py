import os
import stat
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from lexiplug.atomic import atomic_dir, atomic_open, atomic_path, recover


def test_atomic_open_replaces_only_on_success(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    target.write_text("old")
    with pytest.raises(RuntimeError), atomic_open(target) as handle:
        handle.write("half")
        raise RuntimeError("crash mid-write")
    assert target.read_text() == "old"
    assert list(tmp_path.iterdir()) == [target]  # no temp file left behind
    with atomic_open(target) as handle:
        handle.write("new")
    assert target.read_text() == "new"


def test_atomic_dir_swaps_whole_folder(tmp_path: Path) -> None:
    target = tmp_path / "model"
    with atomic_dir(target) as tmp:
        (tmp / "a.txt").write_text("1")
    with pytest.raises(ValueError), atomic_dir(target) as tmp:
        (tmp / "b.txt").write_text("2")
        raise ValueError("fail")
    assert sorted(p.name for p in target.iterdir()) == ["a.txt"]
    with atomic_dir(target) as tmp:
        (tmp / "c.txt").write_text("3")
    assert sorted(p.name for p in target.iterdir()) == ["c.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]


# -- permissions: what a plain open() / mkdir would give ---------------------------------


@pytest.fixture(params=[0o022, 0o077, 0o002])
def umask(request: pytest.FixtureRequest) -> Iterator[int]:
    previous = os.umask(request.param)
    try:
        yield request.param
    finally:
        os.umask(previous)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_atomic_files_and_folders_get_the_umask_like_open_and_mkdir(
    tmp_path: Path, umask: int
) -> None:
    plain_file, plain_dir = tmp_path / "plain.txt", tmp_path / "plain"
    plain_file.write_text("x")
    plain_dir.mkdir()
    with atomic_open(tmp_path / "opened.txt") as handle:
        handle.write("x")
    with atomic_path(tmp_path / "pathed.bin") as tmp:
        tmp.write_bytes(b"x")
    with atomic_dir(tmp_path / "folder") as tmp:
        (tmp / "inner.txt").write_text("x")
    assert _mode(tmp_path / "opened.txt") == _mode(plain_file) == 0o666 & ~umask
    assert _mode(tmp_path / "pathed.bin") == _mode(plain_file)
    assert _mode(tmp_path / "folder") == _mode(plain_dir) == 0o777 & ~umask
    assert _mode(tmp_path / "folder" / "inner.txt") == _mode(plain_file)


def test_a_replaced_file_keeps_its_own_mode(tmp_path: Path) -> None:
    target = tmp_path / "shared.txt"
    target.write_text("old")
    target.chmod(0o640)
    with atomic_open(target) as handle:
        handle.write("new")
    assert _mode(target) == 0o640 and target.read_text() == "new"


# -- crash litter: stale temporaries and stranded previous copies ------------------------


def _dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_the_next_write_removes_only_dead_writers_temporaries(tmp_path: Path) -> None:
    dead = _dead_pid()
    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        stale_file = tmp_path / f".vectors.txt.lxp-{dead}-0a1b2c3d.tmp"
        stale_file.write_bytes(b"\0" * 1000)
        stale_dir = tmp_path / f".model.lxp-{dead}-0a1b2c3e.tmp"
        stale_dir.mkdir()
        (stale_dir / "part.npy").write_bytes(b"\0" * 1000)
        live_file = tmp_path / f".vectors.txt.lxp-{live.pid}-0a1b2c3f.tmp"
        live_file.write_bytes(b"being written")
        unrelated = tmp_path / ".vectors.txt.abc.tmp"  # not ours: never touched
        unrelated.write_bytes(b"x")
        with atomic_open(tmp_path / "other.txt") as handle:
            handle.write("x")
        left = sorted(p.name for p in tmp_path.iterdir())
        assert left == sorted([live_file.name, unrelated.name, "other.txt"])
    finally:
        live.kill()
        live.wait()


def test_a_previous_copy_stranded_between_the_renames_is_put_back(tmp_path: Path) -> None:
    # a writer killed between "old copy aside" and "new copy in place", as it really happens
    target = tmp_path / "model"
    with atomic_dir(target) as tmp:
        (tmp / "a.txt").write_text("old copy")
    script = textwrap.dedent(f"""
        import os
        from lexiplug.atomic import atomic_dir
        real_rename = os.rename
        def rename(src, dst):
            real_rename(src, dst)
            if str(src).endswith("model"):
                os._exit(9)  # killed right after moving the old copy aside
        os.rename = rename
        with atomic_dir({str(target)!r}) as tmp:
            (tmp / "a.txt").write_text("new copy")
    """)
    assert subprocess.run([sys.executable, "-c", script]).returncode == 9
    assert not target.exists()
    assert [p.name.endswith(".old") for p in tmp_path.iterdir()].count(True) == 1
    assert recover(target) == target
    assert (target / "a.txt").read_text() == "old copy"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.endswith(".old")) == []


def test_the_next_write_restores_a_stranded_copy_before_replacing(tmp_path: Path) -> None:
    target = tmp_path / "model"
    stranded = tmp_path / f".model.lxp-{_dead_pid()}-00ff00ff.old"
    stranded.mkdir()
    (stranded / "a.txt").write_text("old copy")
    with pytest.raises(RuntimeError), atomic_dir(target) as tmp:
        (tmp / "a.txt").write_text("half")
        raise RuntimeError("this write fails too")
    assert (target / "a.txt").read_text() == "old copy"  # not lost with the failed write
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]


def test_a_folder_replace_that_loses_a_race_keeps_a_complete_copy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "entry"
    real_rename = os.rename
    raced = []

    def rename_after_a_rival(src: Any, dst: Any) -> None:
        if Path(dst) == target and not raced:  # a rival writer lands first, every time once
            raced.append(True)
            rival = tmp_path / "rival"
            rival.mkdir()
            (rival / "a.txt").write_text("rival")
            real_rename(rival, target)
        real_rename(src, dst)

    monkeypatch.setattr(os, "rename", rename_after_a_rival)
    with atomic_dir(target) as tmp:
        (tmp / "a.txt").write_text("mine")
    assert (target / "a.txt").read_text() in ("mine", "rival")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["entry"]


def test_loading_vectors_puts_back_a_copy_stranded_by_a_killed_save(tmp_path: Path) -> None:
    import numpy as np
    from lexiplug.vectors import Vectors
    from lexiplug.vectors.io import load_vectors, save_vectors

    target = tmp_path / "native"
    save_vectors(Vectors(["a", "b"], np.eye(2, dtype=np.float32)), target, format="native")
    target.rename(tmp_path / f".native.lxp-{_dead_pid()}-12345678.old")
    assert load_vectors(target).keys == ["a", "b"]
