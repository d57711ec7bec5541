"""The README's and every docs page's commands, run exactly as written.

Every fenced block labelled ``bash``/``sh``/``shell`` runs as one ``bash -e`` script, and every
``python`` block as one ``python -c``, in a scratch copy of the repository (so ``runs/``,
``corpus/`` and the like land there) with this interpreter's ``bin`` first on ``PATH``. A
``../shared/data`` beside the copy points at the shared data when it is present; a block that
uses it is skipped, saying so, when it is not. Studies share one step cache
(``LEXIPLUG_CACHE``), so the pages' several quickstart runs train each step once.

A page marks a block on the line before its fence:

* ``<!-- not-run: reason -->``: never run here (needs a GPU, the network, hours, or a model
  the reader brings); the reason shows as the skip reason.
* ``<!-- slow: reason -->``: run only when slow tests run.

Blocks without a language that start like a command fail the label check: say ``bash`` to
have them run, or ``text`` for a synopsis or sample output. The README's set-up lines
(``python3.11 -m venv ... && pip install ...``) are checked against what ``.ci/run`` installs
instead of being run, and the commands after the install run as the other blocks do.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PAGES = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
SHELL_LANGUAGES = {"bash", "sh", "shell"}
COMMAND_START = re.compile(r"^(\$ )?(lexiplug|python3?(\.\d+)?|pip|spacy)(\s|$)")
MARKER = re.compile(r"^<!--\s*(not-run|slow)\s*:\s*(.+?)\s*-->$")
FENCE = re.compile(r"^```\s*([\w+-]*)\s*$")
# the README's set-up: venv creation and installs, checked against .ci/run instead of run
SETUP_SEGMENT = re.compile(r"^(python3(\.\d+)? -m venv \S+|\. \S+/bin/activate|pip install .+)$")
# commands a block may name that must not run from inside the test suite
SUITE_ITSELF = "python -m pytest"
BLOCK_TIMEOUT_S = 900
COPY_IGNORE = shutil.ignore_patterns(
    ".git", ".venv", "venv", "runs", "corpus", "training", "models", "vectors", "bench",
    "__pycache__", "*.egg-info", ".mypy_cache", ".ruff_cache", ".pytest_cache", ".hypothesis",
)


@dataclass(frozen=True)
class Block:
    page: Path
    line: int  # of the opening fence
    language: str
    text: str
    marker: tuple[str, str] | None  # ("not-run" | "slow", reason)

    @property
    def label(self) -> str:
        return f"{self.page.relative_to(REPO)}:{self.line}"


def fenced_blocks(page: Path) -> list[Block]:
    """Every fenced block of ``page``, with the marker comment on the line before it."""
    blocks: list[Block] = []
    lines = page.read_text(encoding="utf-8").splitlines()
    index = 0
    while index < len(lines):
        opening = FENCE.match(lines[index])
        if opening is None:
            index += 1
            continue
        end = next((j for j in range(index + 1, len(lines)) if lines[j].strip() == "```"),
                   len(lines))
        before = next((lines[j].strip() for j in range(index - 1, -1, -1) if lines[j].strip()),
                      "")
        marker = MARKER.match(before)
        blocks.append(Block(
            page, index + 1, opening.group(1).lower(), "\n".join(lines[index + 1:end]),
            (marker.group(1), marker.group(2)) if marker else None,
        ))
        index = end + 1
    return blocks


ALL_BLOCKS = [block for page in PAGES for block in fenced_blocks(page)]
RUNNABLE = [b for b in ALL_BLOCKS if b.language in SHELL_LANGUAGES | {"python"}]


def readme_commands(block: Block) -> str:
    """A shell block with its set-up segments (checked against .ci/run) taken out."""
    kept = []
    for line in block.text.splitlines():
        segments = [s.strip() for s in line.split("&&")]
        if not any(SETUP_SEGMENT.match(s) for s in segments):
            kept.append(line)
            continue
        rest = [s for s in segments if not SETUP_SEGMENT.match(s) and s != SUITE_ITSELF]
        kept.append(" && ".join(rest))
    return "\n".join(kept)


def setup_segments() -> list[str]:
    return [segment.strip() for block in ALL_BLOCKS if block.language in SHELL_LANGUAGES
            for line in block.text.splitlines() for segment in line.split("&&")
            if SETUP_SEGMENT.match(segment.strip())]


def shared_data() -> Path | None:
    from lexiplug.data.resolver import data_roots

    return next((root for root in data_roots() if root.is_dir()), None)


@pytest.fixture(scope="module")
def scratch_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``<tmp>/lexiplug`` (the repository's files) beside ``<tmp>/shared/data``."""
    base = tmp_path_factory.mktemp("docs")
    copy = base / "lexiplug"
    shutil.copytree(REPO, copy, ignore=COPY_IGNORE, symlinks=True)
    data = shared_data()
    if data is not None:
        (base / "shared").mkdir()
        (base / "shared" / "data").symlink_to(data.resolve(), target_is_directory=True)
    return copy


def test_pages_have_blocks_to_check() -> None:
    assert any(b.page.name == "README.md" for b in RUNNABLE)
    assert len(RUNNABLE) >= 5


def test_command_blocks_are_labelled() -> None:
    unlabelled = [
        block.label for block in ALL_BLOCKS
        if not block.language and block.text.strip()
        and COMMAND_START.match(block.text.strip().splitlines()[0])
    ]
    assert not unlabelled, (
        f"fenced blocks that look like commands but have no language: {unlabelled}; label "
        "them bash (run by this test) or text (a synopsis or sample output)"
    )


def test_markers_sit_before_blocks_that_exist() -> None:
    for page in PAGES:
        lines = page.read_text(encoding="utf-8").splitlines()
        for number, line in enumerate(lines, 1):
            if MARKER.match(line.strip()):
                following = next((t for t in lines[number:] if t.strip()), "")
                assert FENCE.match(following), f"{page.name}:{number}: marker before no block"


def test_readme_setup_is_what_ci_installs() -> None:
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    segments = setup_segments()
    assert any(s.startswith("pip install -e") for s in segments), segments
    for segment in segments:
        words = shlex.split(segment)
        if words[0].startswith("python") and words[1:3] == ["-m", "venv"]:
            assert f"python_bin=${{PYTHON:-{words[0]}}}" in ci, segment
        elif words[:2] == ["pip", "install"] and words[2] == "-e":
            requested = _extras(words[3])
            installed = _extras(next(w for w in shlex.split(_ci_line(ci, "-e")) if "." in w
                                     and not w.startswith("-")))
            assert requested <= installed, f"{segment}: CI installs {sorted(installed)}"
        elif words[:2] == ["pip", "install"]:
            assert words[2] in shlex.split(_ci_line(ci, words[2])), segment


def _ci_line(ci: str, needle: str) -> str:
    return next(line for line in ci.splitlines()
                if "pip install" in line and needle in line and not line.lstrip().startswith("#"))


def _extras(spec: str) -> set[str]:
    match = re.search(r"\[(.*)\]", spec)
    return set(match.group(1).split(",")) if match else set()


def _params() -> list[pytest.param]:  # type: ignore[valid-type]
    params = []
    for block in RUNNABLE:
        marks = []
        if block.marker and block.marker[0] == "slow":
            marks.append(pytest.mark.slow)
        if "shared/data" in block.text:
            marks.append(pytest.mark.data)
        params.append(pytest.param(block, id=block.label, marks=marks))
    return params


@pytest.mark.parametrize("block", _params())
def test_block_runs_as_written(block: Block, scratch_copy: Path) -> None:
    if block.marker and block.marker[0] == "not-run":
        pytest.skip(f"{block.label}: {block.marker[1]}")
    if "shared/data" in block.text and not (scratch_copy.parent / "shared" / "data").exists():
        pytest.skip(f"{block.label} needs the shared data (set LEXIPLUG_DATA)")
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    # blocks that run the same study share its step cache, as one reader's checkout would
    env.setdefault("LEXIPLUG_CACHE", str(scratch_copy.parent / "study-cache"))
    if block.language == "python":
        command = [sys.executable, "-c", block.text]
    else:
        script = readme_commands(block)
        if not script.strip():
            pytest.skip(f"{block.label}: only set-up lines (checked against .ci/run)")
        command = ["bash", "-e", "-o", "pipefail", "-c", script]
    completed = subprocess.run(command, cwd=scratch_copy, env=env, capture_output=True,
                               text=True, timeout=BLOCK_TIMEOUT_S)
    assert completed.returncode == 0, (
        f"{block.label} failed (exit {completed.returncode}) as written:\n{block.text}\n"
        f"--- stdout\n{completed.stdout[-3000:]}\n--- stderr\n{completed.stderr[-3000:]}"
    )
