"""bench/distill.py's model2vec venv is isolated and fully pinned (issue 27 item 13): a venv
that shared our site-packages broke when our transformers pulled a newer ``kernels``."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from tests.helpers import load_bench_module


@pytest.fixture
def distill(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    return load_bench_module("distill.py", monkeypatch)


def test_lock_pins_every_package(distill) -> None:  # type: ignore[no-untyped-def]
    lines = [line.strip() for line in distill.M2V_LOCK.read_text().splitlines()]
    pins = [line for line in lines if line and not line.startswith("#")]
    assert all(re.fullmatch(r"[A-Za-z0-9_.\-\[\]]+==[A-Za-z0-9_.+!\-]+", p) for p in pins), pins
    names = {p.split("==")[0].lower().replace("_", "-") for p in pins}
    assert set(distill.M2V_PACKAGES) <= names
    assert "kernels" not in names  # the package that broke the shared venv


def test_anchor_venv_is_isolated_and_installed_from_the_lock(
    distill, tmp_path: Path, monkeypatch: pytest.MonkeyPatch  # type: ignore[no-untyped-def]
) -> None:
    calls: list[list[str]] = []

    def fake_run(cmd: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
        calls.append([str(c) for c in cmd])
        if "venv" in cmd:
            Path(cmd[-1], "bin").mkdir(parents=True, exist_ok=True)
        return subprocess.CompletedProcess(cmd, 0, "", "")

    monkeypatch.setattr(distill.Path, "home", staticmethod(lambda: tmp_path))
    monkeypatch.setattr(distill.subprocess, "run", fake_run)
    python = distill.ensure_model2vec_venv()
    venv = python.parent.parent
    assert venv.is_relative_to(tmp_path)
    assert not list(venv.rglob("*.pth"))  # nothing points into our site-packages
    install = next(c for c in calls if "install" in c)
    assert install[0] == str(python) and "--no-deps" in install
    assert install[install.index("-r") + 1] == str(distill.M2V_LOCK)
    assert any("-I" in c for c in calls)  # the import check runs isolated
    assert sys.executable not in install
