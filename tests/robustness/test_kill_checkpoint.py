"""kill -9 during checkpointing, then ``resume``: the result is the uninterrupted run's.

The child dies right after its n-th rename, for every n up to the run's last commit, so each
window between two writes is hit once (on the old layout, weights and state written apart,
one of these windows resumed GloVe never again and x2static silently diverged). More random
kill points with ``LEXIPLUG_FUZZ_CASES``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from ..static_fixtures import planted_sentences
from .killing import FUZZ_CASES, litter, run_child

GLOVE_EPOCHS = 3
GLOVE = {"vector_size": 16, "window": 4, "min_count": 1, "seed": 7, "progress": False}

GLOVE_CHILD = """
import sys
from pathlib import Path
from tests.robustness.killing import die_after_rename
from tests.robustness.test_kill_checkpoint import glove
corpus_file, checkpoints, kill_at, resume = sys.argv[1:5]
die_after_rename(int(kill_at))
glove(Path(corpus_file), Path(checkpoints), resume=resume == "1")
"""


def glove(corpus_file: Path, checkpoints: Path | None, resume: bool = False) -> np.ndarray:
    """The run the kill test interrupts: a checkpoint after each of 3 epochs."""
    from lexiplug.corpus.reader import text_files_corpus
    from lexiplug.plugins.static.glove import glove_v1

    corpus = text_files_corpus(str(corpus_file.parent), pattern=corpus_file.name,
                               pretokenized=True)
    embedder = glove_v1(epochs=GLOVE_EPOCHS, resume=resume,
                        checkpoint_dir=None if checkpoints is None else str(checkpoints), **GLOVE)
    return np.asarray(embedder.fit(corpus).matrix)


@pytest.fixture(scope="module")
def corpus_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("corpus") / "corpus.txt"
    path.write_text("\n".join(" ".join(s) for s in planted_sentences(300)) + "\n",
                    encoding="utf-8")
    return path


def _kill_points(default: list[int], most: int) -> list[int]:
    if not FUZZ_CASES:
        return default
    rng = np.random.default_rng(FUZZ_CASES)
    return sorted({*range(1, most + 1), *rng.integers(1, most + 1, FUZZ_CASES).tolist()})


@pytest.fixture(scope="module")
def glove_straight(corpus_file: Path) -> np.ndarray:
    pytest.importorskip("numba")
    return glove(corpus_file, None)


@pytest.mark.parametrize("kill_at", _kill_points([2, 3], 2 * GLOVE_EPOCHS))
def test_glove_killed_while_checkpointing_resumes_bit_identically(
    corpus_file: Path, glove_straight: np.ndarray, tmp_path: Path, kill_at: int
) -> None:
    checkpoints = tmp_path / "ckpt"
    straight = glove_straight
    run_child(GLOVE_CHILD, str(corpus_file), str(checkpoints), str(kill_at), "0")
    resumed = glove(corpus_file, checkpoints, resume=True)
    np.testing.assert_array_equal(resumed, straight)
    assert litter(checkpoints) == []  # a killed writer's temporaries are gone


def test_glove_killed_again_during_a_resume_still_resumes(
    corpus_file: Path, glove_straight: np.ndarray, tmp_path: Path
) -> None:
    checkpoints = tmp_path / "ckpt"
    straight = glove_straight
    run_child(GLOVE_CHILD, str(corpus_file), str(checkpoints), "1", "0")
    run_child(GLOVE_CHILD, str(corpus_file), str(checkpoints), "1", "1")
    np.testing.assert_array_equal(glove(corpus_file, checkpoints, resume=True), straight)


X2STATIC_CHILD = """
import sys
from tests.robustness.killing import die_after_rename
from tests.robustness.test_kill_checkpoint import x2static
model, checkpoints, kill_at = sys.argv[1], sys.argv[2], int(sys.argv[3])
die_after_rename(kill_at)
x2static(model, checkpoints)
"""

X2STATIC_CORPUS = planted_sentences(30, length=6, seed=2)


def x2static(model: str, checkpoints: str | None) -> np.ndarray:
    """24 steps, a checkpoint every 2: the run the kill test interrupts."""
    from lexiplug.plugins.contextual.x2static import X2Static

    embedder = X2Static(model, epochs=3, batch_size=4, min_count=1, subsample=0.05,
                        checkpoint_dir=checkpoints, checkpoint_every=2, seed=3, device="cpu")
    return np.asarray(embedder.fit(X2STATIC_CORPUS).matrix)


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("transformers")
    from lexiplug.plugins.contextual.testing import build_tiny_bert

    return build_tiny_bert(tmp_path_factory.mktemp("tiny_bert"))


@pytest.mark.parametrize("kill_at", _kill_points([5], 16))
def test_x2static_killed_while_checkpointing_resumes_to_the_same_vectors(
    tiny_model: Path, tmp_path: Path, kill_at: int
) -> None:
    checkpoints = tmp_path / "ckpt"
    straight = x2static(str(tiny_model), None)  # cheap: the teacher is the slow part
    run_child(X2STATIC_CHILD, str(tiny_model), str(checkpoints), str(kill_at))
    resumed = x2static(str(tiny_model), str(checkpoints))
    np.testing.assert_array_equal(resumed, straight)
