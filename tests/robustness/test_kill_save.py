"""kill -9 during ``save_vectors``, for every format: the target is old or complete, never torn.

One child per format forks writers that save two alternating versions of a table over one
target in a loop; the child kills each writer with SIGKILL at a random moment, then loads the
target and checks it is exactly one of the two versions. Its last save to the same folder
must clear what the killed writers left (issue #27 item 11). A few kills per format by
default; ``LEXIPLUG_FUZZ_CASES`` kills that many times per format.
"""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

import numpy as np
import pytest

from .killing import FUZZ_CASES, REPO, litter

FORMATS = ("word2vec-text", "word2vec-binary", "glove", "fasttext-vec", "native", "spacy")
KILLS = FUZZ_CASES or 3
NAMES = {"word2vec-text": "v.txt", "word2vec-binary": "v.bin", "glove": "v.glove.txt",
         "fasttext-vec": "v.vec", "native": "v_native", "spacy": "v_spacy"}

CHILD = """
import json, sys
from tests.robustness.test_kill_save import kill_campaign
print(json.dumps(kill_campaign(sys.argv[1], sys.argv[2], int(sys.argv[3]))))
"""


def _versions(rows: int, dim: int) -> tuple[object, object]:
    from lexiplug.vectors import Vectors

    matrix = np.random.default_rng(0).standard_normal((rows, dim)).astype(np.float32)
    keys = [f"word{i}" for i in range(rows)]
    return Vectors(keys, matrix), Vectors(keys, -matrix)


def _which(target: Path, fmt: str, versions: tuple[object, ...]) -> int:
    """Which version the target holds; raises if it is neither (a torn or mixed file)."""
    from lexiplug.vectors.io import load_vectors

    loaded = load_vectors(target, format=fmt)
    for index, version in enumerate(versions):
        if loaded.keys == version.keys and np.array_equal(  # type: ignore[attr-defined]
            loaded.matrix, version.matrix  # type: ignore[attr-defined]
        ):
            return index
    raise AssertionError(f"{target} holds neither version: torn or mixed")


def kill_campaign(fmt: str, folder: str, kills: int) -> dict[str, object]:
    """Fork writers and kill each mid-save; runs in a child so a stuck fork cannot hang pytest."""
    from lexiplug.vectors.io import save_vectors

    target = Path(folder) / NAMES[fmt]
    rows = 400 if fmt == "spacy" else 4000
    versions = _versions(rows, 32)
    save_vectors(versions[1], target, format=fmt)  # type: ignore[arg-type]  # imports done
    start = time.perf_counter()
    save_vectors(versions[0], target, format=fmt)  # type: ignore[arg-type]
    seconds = time.perf_counter() - start
    rng = np.random.default_rng([FUZZ_CASES, FORMATS.index(fmt)])
    seen = []
    litter_seen = 0
    for _ in range(kills):
        pid = os.fork()
        if pid == 0:  # the writer: alternate the two versions until killed
            try:
                n = 1
                while True:
                    save_vectors(versions[n % 2], target, format=fmt)  # type: ignore[arg-type]
                    n += 1
            finally:
                os._exit(1)
        time.sleep(float(rng.uniform(0.2, 3.0)) * seconds)
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        litter_seen += len(litter(target.parent))
        seen.append(_which(target, fmt, versions))
    save_vectors(versions[0], target, format=fmt)  # type: ignore[arg-type]
    return {"seen": seen, "litter_seen": litter_seen, "litter_left": litter(target.parent),
            "final": _which(target, fmt, versions), "save_seconds": seconds}


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_killed_save_leaves_the_old_or_the_new_copy(fmt: str, tmp_path: Path) -> None:
    if fmt == "spacy":
        pytest.importorskip("spacy")
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-c", CHILD, fmt, str(tmp_path), str(KILLS)],
                            cwd=REPO, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert len(report["seen"]) == KILLS  # every kill left a loadable, whole version
    assert report["litter_left"] == []  # the next save cleared the killed writers' temporaries
    assert report["final"] == 0
