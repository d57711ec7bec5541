"""Synthetic pathology reports with the paper's six tasks (site, subsite, laterality,
behavior, histology, grade) built from the SEER / ICD-O-3 tables.

No public corpus has these six labels (docs/phenotype.md), so this path is tested on generated
reports. What exists comes from the tables: subsites and their SEER site rows (topography
ranges, excluded and required histology ranges, allowed behaviours) from the SEER Site
Recode 2023 table, paired organs from the ICD-10-CM → ICD-O-3 table (sites coded with
laterality right/left and never "not paired"). ``terms.py`` only says how a code is written.
Each patient gets 1-3 reports with the same labels, so splits must be by patient.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from lexiplug.errors import ConfigError, FormatError

from .terms import (
    BEHAVIOR_TERMS,
    FILLER,
    GRADE_TERMS,
    HISTOLOGY_TERMS,
    LATERALITY_TERMS,
    PROCEDURES,
    SUBSITE_TERMS,
)

FOLDER = "pathology/seer-icdo3/"
SITE_RECODE = FOLDER + "seersiterecode_site-recode-data-2023.csv"
ICD10CM = FOLDER + "icd_icd-10-cm-to-icd-o-3.csv"
TASKS = ("site", "subsite", "laterality", "behavior", "histology", "grade")
COLUMNS = ("report_id", "patient_id", "text", *TASKS)
IN_SITU_HISTOLOGY = range(8010, 8577)
STOPWORDS = frozenset({"and", "of", "the", "other", "excluding", "including", "malignant"})


def expand_ranges(field: str) -> list[str]:
    """``"C340-C343,C348"`` -> C340..C343, C348 (also plain ``"9050-9055"``)."""
    codes: list[str] = []
    for item in (part.strip() for part in field.split(",")):
        if not item:
            continue
        low, _, high = item.partition("-")
        prefix = "C" if low.startswith("C") else ""
        start, stop = int(low.lstrip("C")), int((high or low).lstrip("C"))
        width = len(low.lstrip("C"))
        codes.extend(f"{prefix}{n:0{width}d}" for n in range(start, stop + 1))
    return codes


@dataclass(frozen=True)
class SiteRow:
    name: str
    topography: frozenset[str]
    histology_in: frozenset[str]
    histology_out: frozenset[str]
    behaviors: tuple[str, ...]

    def allows(self, histology: str) -> bool:
        if histology in self.histology_out:
            return False
        return not self.histology_in or histology in self.histology_in

    @property
    def words(self) -> list[str]:
        cleaned = "".join(c if c.isalpha() else " " for c in self.name.lower())
        return [w for w in cleaned.split() if w not in STOPWORDS]


def read_site_rows(path: Path) -> list[SiteRow]:
    """Site rows (indentation 1) of the SEER Site Recode table that name their topography
    (the haematological rows cover every site and say nothing about where)."""
    rows: list[SiteRow] = []
    with open(path, encoding="utf-8", newline="") as handle:
        for line, row in enumerate(csv.DictReader(handle), start=2):
            try:
                if row["Indentation"] != "1" or row["Sites IN"].startswith("C000-C809"):
                    continue
                rows.append(SiteRow(
                    row["Name"], frozenset(expand_ranges(row["Sites IN"])),
                    frozenset(expand_ranges(row["Hist IN"])),
                    frozenset(expand_ranges(row["Hist OUT"])),
                    tuple(b.strip() for b in row["Beh IN"].split(",") if b.strip())))
            except (KeyError, ValueError) as exc:
                raise FormatError(f"expected a SEER site recode row, found {row!r} ({exc})",
                                  path=str(path), line=line) from exc
    return rows


def paired_sites(path: Path) -> frozenset[str]:
    """Major sites coded with right/left laterality and never as "not a paired site"."""
    seen: dict[str, set[str]] = {}
    with open(path, encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            seen.setdefault(row["ICD-O-3-PRIMARY-SITE"][:3], set()).add(row["LATERALITY"])
    return frozenset(site for site, values in seen.items()
                     if values & {"1", "2"} and "0" not in values)


@dataclass(frozen=True)
class Choice:
    subsite: str
    row: SiteRow
    histologies: tuple[str, ...]


def report_choices(rows: Sequence[SiteRow]) -> list[Choice]:
    """Every subsite of the term list that a table row covers, with the histologies of the
    term list that the row allows there."""
    choices = []
    for subsite in SUBSITE_TERMS:
        row = next((r for r in rows if subsite in r.topography), None)
        if row is None:
            continue
        histologies = tuple(code for code, (_, sites) in HISTOLOGY_TERMS.items()
                            if (not sites or subsite[:3] in sites) and row.allows(code))
        if histologies:
            choices.append(Choice(subsite, row, histologies))
    return choices


def _pick(rng: np.random.Generator, options: Sequence[str]) -> str:
    return options[int(rng.integers(len(options)))]


def _report_text(rng: np.random.Generator, labels: dict[str, str], row: SiteRow,
                 decoy: tuple[str, str] | None) -> str:
    lat = _pick(rng, LATERALITY_TERMS[labels["laterality"]])
    subsite = _pick(rng, SUBSITE_TERMS[labels["subsite"]])
    site_word = _pick(rng, row.words or [row.name.lower()])
    histology = _pick(rng, HISTOLOGY_TERMS[labels["histology"]][0])
    behavior = _pick(rng, BEHAVIOR_TERMS[labels["behavior"]])
    grade = _pick(rng, GRADE_TERMS[labels["grade"]])
    procedure = _pick(rng, PROCEDURES)
    diagnosis = " ".join(w for w in (grade, behavior, histology) if w)
    where = " ".join(w for w in (lat, subsite) if w)
    lines = [f"SPECIMEN: {where} ({site_word}), {procedure}.",
             f"FINAL DIAGNOSIS: {where.capitalize()}, {procedure}: {diagnosis}."]
    if decoy is not None:
        lines.insert(0, f"Clinical history: prior {decoy[0]} of the {decoy[1]}, treated.")
    filler = rng.choice(len(FILLER), size=int(rng.integers(2, 9)), replace=True)
    lines.extend(FILLER[i] for i in filler)
    order = [0, 1, *rng.permutation(np.arange(2, len(lines))).tolist()]
    return "\n".join(lines[i] for i in order)


def generate_reports(n_patients: int = 300, *, seed: int = 0, decoy_rate: float = 0.2,
                     max_reports_per_patient: int = 3) -> list[dict[str, str]]:
    """Reports as dicts with ``report_id``, ``patient_id``, ``text`` and the six labels."""
    if n_patients < 1:
        raise ConfigError(f"expected n_patients >= 1, found {n_patients!r}",
                          where="generate.n_patients")
    from lexiplug.data.resolver import resolve_data_path

    rows = read_site_rows(resolve_data_path(SITE_RECODE, what="SEER site recode table"))
    paired = paired_sites(resolve_data_path(ICD10CM, what="ICD-10-CM to ICD-O-3 table"))
    choices = report_choices(rows)
    rng = np.random.default_rng(seed)
    reports: list[dict[str, str]] = []
    for p in range(n_patients):
        choice = choices[int(rng.integers(len(choices)))]
        histology = _pick(rng, choice.histologies)
        behaviors = [b for b in choice.row.behaviors if b in BEHAVIOR_TERMS
                     and (b != "2" or int(histology) in IN_SITU_HISTOLOGY)]
        site = choice.subsite[:3]
        labels = {
            "site": site, "subsite": choice.subsite,
            "laterality": _pick(rng, ("1", "2", "9")) if site in paired else "0",
            "behavior": "3" if rng.random() < 0.8 or "2" not in behaviors else "2",
            "histology": histology, "grade": _pick(rng, tuple(GRADE_TERMS)),
        }
        decoy = None
        if rng.random() < decoy_rate:
            other = choices[int(rng.integers(len(choices)))]
            decoy = (_pick(rng, HISTOLOGY_TERMS[other.histologies[0]][0]),
                     _pick(rng, SUBSITE_TERMS[other.subsite]))
        for r in range(int(rng.integers(1, max_reports_per_patient + 1))):
            text = _report_text(rng, labels, choice.row, decoy)
            reports.append({"report_id": f"P{p:05d}-{r}", "patient_id": f"P{p:05d}",
                            "text": text, **labels})
    return reports


def write_reports(reports: Sequence[dict[str, Any]], path: str | Path) -> Path:
    """CSV (RFC 4180, header ``COLUMNS``) or JSONL by the file suffix; atomic."""
    from lexiplug.atomic import atomic_open

    path = Path(path)
    with atomic_open(path, "w", encoding="utf-8", newline="") as handle:
        if path.suffix == ".jsonl":
            for report in reports:
                handle.write(json.dumps(report, ensure_ascii=False) + "\n")
        else:
            writer = csv.DictWriter(handle, fieldnames=list(reports[0]) if reports else COLUMNS)
            writer.writeheader()
            writer.writerows(reports)
    return path
