"""The quickstart study end to end: real embedders, gensim's bundled data, no shared folder."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
QUICKSTART = ROOT / "configs" / "quickstart.cfg"


@pytest.mark.slow
def test_quickstart_writes_a_number_for_every_evaluator(tmp_path: Path) -> None:
    # a subprocess through the real CLI, with the shared data folder hidden, as on a fresh machine
    env = {**os.environ, "LEXIPLUG_DATA": str(tmp_path / "no-shared-data"),
           "PYTHONHASHSEED": "0"}
    out = tmp_path / "quickstart"
    completed = subprocess.run(
        [sys.executable, "-m", "lexiplug.cli.main", "run", str(QUICKSTART), "--output", str(out),
         "--quiet"],
        capture_output=True, text=True, env=env, timeout=600, cwd=tmp_path,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    document = json.loads((out / "results.json").read_text())
    report = (out / "report.md").read_text()
    rows = {row["name"] for row in document["rows"]}
    assert rows == {"word2vec", "ppmi_svd", "bitcipher"}
    evaluations = {"similarity", "analogy"}
    for evaluation in evaluations:
        scored = [r for r in document["results"] if r["evaluation"] == evaluation]
        assert {r["row"] for r in scored} == rows
        for result in scored:
            score = result["metrics"][result["primary"]]
            assert score is not None and math.isfinite(score), result
            assert 0 < result["n_covered"] <= result["n_items"]
            assert result["dataset_checksum"]
        assert f"## {evaluation} — " in report
    for table in document["comparisons"]:
        assert table["n_shared"] and all(r["shared_score"] is not None for r in table["rows"])
    assert (out / "plots" / "scores_similarity.png").stat().st_size > 0
    assert (out / "plots" / "scores_analogy.png").stat().st_size > 0
    assert "data:image/png;base64," in (out / "report.html").read_text(encoding="utf-8")
    assert document["timings"]["fits"] == 3
