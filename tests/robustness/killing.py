"""Helpers for the kill -9 tests: children that die at a chosen moment, and litter checks."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
FUZZ_CASES = int(os.environ.get("LEXIPLUG_FUZZ_CASES", "0"))


def die_after_rename(count: int) -> None:
    """SIGKILL this process right after its ``count``-th rename (``os.rename``/``os.replace``).

    Every write lexiplug commits is a rename, so walking ``count`` over 1, 2, ... kills a run
    in each window between two commits, the moments where a torn state could show.
    """
    done = [0]

    def wrap(real: Any) -> Any:
        def renamed(*args: Any, **kwargs: Any) -> None:
            real(*args, **kwargs)
            done[0] += 1
            if done[0] == count:
                os.kill(os.getpid(), signal.SIGKILL)
        return renamed

    os.rename = wrap(os.rename)
    os.replace = wrap(os.replace)


def run_child(script: str, *args: str, timeout: float = 300) -> int:
    """Run ``script`` in a fresh interpreter from the repository root; its return code."""
    env = {**os.environ, "PYTHONHASHSEED": "0", "TQDM_DISABLE": "1"}
    result = subprocess.run([sys.executable, "-c", script, *args], cwd=REPO, env=env,
                            timeout=timeout, capture_output=True, text=True)
    if result.returncode not in (0, -signal.SIGKILL):
        raise AssertionError(f"child failed ({result.returncode}):\n{result.stderr[-3000:]}")
    return result.returncode


def litter(folder: Path) -> list[str]:
    """Hidden temporaries and backups (``.NAME.*.tmp`` / ``.old``) left in ``folder``."""
    return sorted(p.name for p in folder.iterdir()
                  if p.name.startswith(".") and p.name.endswith((".tmp", ".old")))
