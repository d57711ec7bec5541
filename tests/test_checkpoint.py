"""lexiplug.checkpoint: bundles verify before use; a failed save keeps the previous one."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from lexiplug.checkpoint import CheckpointStore, read_bundle, write_bundle
from lexiplug.errors import TrainingError


def test_a_store_round_trips_and_keeps_only_the_newest(tmp_path: Path) -> None:
    store = CheckpointStore(tmp_path)
    assert store.latest() is None
    for step in (1, 2):
        store.save(step, fingerprint="f", state={"epoch": step},
                   arrays={"w": np.full(3, step, dtype=np.float64)})
    latest = store.latest()
    assert latest is not None and latest.state == {"epoch": 2, "step": 2}
    np.testing.assert_array_equal(latest.arrays["w"], [2.0, 2.0, 2.0])
    assert [p.name for p in tmp_path.iterdir()] == ["ckpt-000000000002"]


def test_a_failed_save_leaves_the_previous_checkpoint(tmp_path: Path) -> None:
    store = CheckpointStore(tmp_path)
    store.save(1, fingerprint="f", state={}, arrays={"w": np.zeros(2)})
    bad = {"w": np.zeros(2), "x": np.array(["not a number"])}  # safetensors refuses strings
    with pytest.raises(Exception):  # noqa: B017 - whatever the writer raises
        store.save(2, fingerprint="f", state={}, arrays=bad)
    latest = store.latest()
    assert latest is not None and latest.state["step"] == 1
    assert [p.name for p in tmp_path.iterdir()] == ["ckpt-000000000001"]


def test_a_damaged_checkpoint_is_named_and_an_older_one_is_used(tmp_path: Path) -> None:
    store = CheckpointStore(tmp_path)
    first = store.save(1, fingerprint="f", state={}, arrays={"w": np.zeros(2)})
    second = write_bundle(tmp_path / "ckpt-000000000002", fingerprint="f", state={"step": 2},
                          arrays={"w": np.ones(2)})
    assert first.is_dir()
    (second / "arrays.safetensors").write_bytes(b"torn")
    with pytest.raises(TrainingError, match="does not match the checksum"):
        read_bundle(second)
    latest = store.latest()
    assert latest is not None and latest.state["step"] == 1
    (first / "state.json").write_text("{}")
    with pytest.raises(TrainingError, match=r"arrays\.safetensors"):
        store.latest()


def test_a_signed_bundle_refuses_a_forged_or_foreign_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LEXIPLUG_STATE_KEY", str(tmp_path / "key"))
    bundle = write_bundle(tmp_path / "model", fingerprint="f", state={}, signed=True,
                          files={"model.pkl": lambda p: p.write_bytes(b"pickle")})
    assert read_bundle(bundle, signed=True).file("model.pkl").read_bytes() == b"pickle"
    assert (tmp_path / "key").stat().st_mode & 0o077 == 0
    unsigned = write_bundle(tmp_path / "other", fingerprint="f", state={},
                            files={"model.pkl": lambda p: p.write_bytes(b"payload")})
    with pytest.raises(TrainingError, match="not written by lexiplug for this user"):
        read_bundle(unsigned, signed=True)
    monkeypatch.setenv("LEXIPLUG_STATE_KEY", str(tmp_path / "another user's key"))
    with pytest.raises(TrainingError, match="not written by lexiplug for this user"):
        read_bundle(bundle, signed=True)
