"""Phenotype data path: prepare (CSV/JSONL -> DocBin), generator, TCGA reports, spacy train."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from lexiplug.errors import FormatError
from lexiplug.plugins.tasks.phenotype.prepare import (
    load_reports,
    prepare_phenotype,
    split_groups,
)

from tests.helpers import require_data

REPO = Path(__file__).resolve().parents[1]
SEER = "pathology/seer-icdo3/seersiterecode_site-recode-data-2023.csv"
TCGA = "pathology/pathrep-bench-tcga/val.csv"


def _write_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_prepare_csv_with_newlines_and_missing_labels(tmp_path):
    import spacy
    from spacy.tokens import DocBin

    rows = [
        {"pid": "a", "text": "Lung, upper lobe:\n adenocarcinoma, grade 2.", "site": "C34",
         "stage": "Stage II"},
        {"pid": "b", "text": "Breast, \"left\": lobular carcinoma.", "site": "C50", "stage": ""},
        {"pid": "b", "text": "Breast re-excision.", "site": "C50", "stage": "[Not Available]"},
    ]
    source = _write_csv(tmp_path / "reports.csv", rows)
    summary = prepare_phenotype([source], tmp_path / "train.spacy", labels=["site", "stage"],
                                group_column="pid")
    assert summary["labels"] == {"site": ["C34", "C50"], "stage": ["Stage II"]}
    docs = list(DocBin().from_disk(tmp_path / "train.spacy").get_docs(spacy.blank("en").vocab))
    assert docs[0].text == rows[0]["text"]
    assert docs[0].cats == {"site=C34": 1.0, "site=C50": 0.0, "stage=Stage II": 1.0}
    assert docs[1].cats == {"site=C34": 0.0, "site=C50": 1.0}  # stage missing: left out


def test_prepare_jsonl_and_errors_name_the_line(tmp_path):
    good = tmp_path / "r.jsonl"
    good.write_text(json.dumps({"text": "x", "t": "1"}) + "\n\n" + json.dumps({"text": "y"})
                    + "\n")
    with pytest.raises(FormatError, match=r"r\.jsonl:3"):
        load_reports([good], "text", ["t"])
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{not json\n")
    with pytest.raises(FormatError, match=r"bad\.jsonl:1"):
        load_reports([bad], "text", ["t"])


def test_dev_split_keeps_patients_together():
    groups = [f"p{i // 3}" for i in range(300)]
    dev = split_groups(groups, 0.2, seed=0)
    dev_groups = {g for g, d in zip(groups, dev, strict=True) if d}
    train_groups = {g for g, d in zip(groups, dev, strict=True) if not d}
    assert len(dev_groups) == 20 and not dev_groups & train_groups


@pytest.mark.data
def test_generated_six_task_labels_come_from_the_tables():
    require_data(SEER)
    from lexiplug.plugins.tasks.phenotype.generate import TASKS, generate_reports

    reports = generate_reports(150, seed=2)
    assert len({r["patient_id"] for r in reports}) == 150 and len(reports) > 150
    for r in reports:
        assert r["subsite"].startswith(r["site"])
        if r["behavior"] == "2":
            assert 8010 <= int(r["histology"]) <= 8576
        if r["site"] in ("C50", "C34", "C64"):
            assert r["laterality"] in ("1", "2", "9")
    assert all(len({r[t] for r in reports}) >= 2 for t in TASKS)
    assert generate_reports(20, seed=2) == generate_reports(20, seed=2)


@pytest.mark.data
def test_tcga_reports_load_with_missing_stage():
    require_data(TCGA)
    from lexiplug.data.resolver import resolve_data_path

    reports = load_reports([resolve_data_path(TCGA)], "text", ["type_code", "stage_overall"],
                           "bcr_patient_barcode")
    assert len(reports) == 953
    assert len({r["labels"]["type_code"] for r in reports}) == 32
    missing = sum(r["labels"]["stage_overall"] is None for r in reports) / len(reports)
    assert 0.3 < missing < 0.45
    assert max(len(r["text"]) for r in reports) > 20_000


@pytest.mark.slow
@pytest.mark.data
def test_spacy_train_with_the_shipped_config(tmp_path):
    require_data(SEER)
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    tasks = "site,laterality,histology"
    subprocess.run([sys.executable, "-m", "lexiplug.cli.main", "task", "prepare", "phenotype",
                    str(tmp_path / "reports.csv"), "--option", "generate=40", "--option",
                    f"labels={tasks}", "-o", str(tmp_path / "train.spacy"),
                    "--dev-output", str(tmp_path / "dev.spacy"), "--dev-fraction", "0.25"],
                   check=True, env=env, capture_output=True, cwd=REPO)
    result = subprocess.run(
        [sys.executable, "-m", "spacy", "train", str(REPO / "configs" / "phenotype.cfg"),
         "--paths.train", str(tmp_path / "train.spacy"), "--paths.dev",
         str(tmp_path / "dev.spacy"), "--components.phenotype.model.embed_width", "16",
         "--components.phenotype.model.filters", "8", "--training.max_epochs", "2",
         "--output", str(tmp_path / "model")],
        env=env, capture_output=True, text=True, cwd=REPO)
    assert result.returncode == 0, result.stderr[-3000:]
    import spacy

    nlp = spacy.load(tmp_path / "model" / "model-last")
    doc = nlp("SPECIMEN: left upper lobe (lung), biopsy. FINAL DIAGNOSIS: adenocarcinoma.")
    assert set(doc._.phenotype) == set(tasks.split(","))
    scores = nlp.evaluate([])  # no examples: scores are None, not an error
    assert scores["phenotype_acc"] is None
