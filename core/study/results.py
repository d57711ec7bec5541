"""``results.json``: every figure of a study with what it takes to trust and reproduce it."""

from __future__ import annotations

import datetime as dt
import json
import math
from collections import defaultdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..atomic import atomic_open
from ..evaluation.result import Result
from .cache import _json_default
from .compare import Comparison, compare
from .environment import library_versions

if TYPE_CHECKING:
    from .outcome import StudyOutcome

RESULTS_FORMAT = 1


def comparisons(outcome: StudyOutcome) -> list[Comparison]:
    """One table per evaluation section × dataset, rows in study order."""
    grouped: dict[tuple[str, str], dict[str, Result]] = defaultdict(dict)
    for scored in outcome.scored:
        grouped[(scored.evaluation, scored.result.dataset)][scored.row] = scored.result
    report = outcome.config.report
    n_resamples = int(report.get("bootstrap_resamples", 1000))
    return [
        compare(evaluation, by_row, n_resamples=n_resamples, seed=outcome.config.seed)
        for (evaluation, _), by_row in grouped.items()
    ]


def results_document(outcome: StudyOutcome, tables: list[Comparison]) -> dict[str, Any]:
    config = outcome.config
    datasets: dict[str, Any] = {}
    for evaluation in outcome.plan.evaluations.values():
        for name, spec in evaluation.datasets:
            if name is None or name in datasets:
                continue
            datasets[name] = {
                "checksum": spec.checksum() if hasattr(spec, "checksum") else None,
                "kind": getattr(spec, "kind", None),
                "citation": getattr(spec, "citation", None),
            }
    return {
        "format": RESULTS_FORMAT,
        "study": config.name,
        "config_path": str(config.path),
        "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "seed": config.seed,
        "versions": library_versions(),
        "config": {
            "raw": config.raw,
            "resolved": _resolved(outcome),
        },
        "datasets": datasets,
        "rows": [
            {"name": row.name, "lineage": row.lineage, "slice": row.slice, "key": row.key,
             "n_words": len(row.vectors), "dim": row.vectors.dim}
            for row in outcome.rows.values()
        ],
        "results": [
            {"row": s.row, "evaluation": s.evaluation, "function": s.function,
             "cached": s.cached, "seconds": round(s.seconds, 4),
             **s.result.to_dict(details=False)}
            for s in outcome.scored
        ],
        "comparisons": [table.to_dict() for table in tables],
        "timings": {
            "total_seconds": round(outcome.seconds, 3),
            "fits": outcome.fits,
            "steps": [t.to_dict() for t in outcome.timings],
        },
    }


def _resolved(outcome: StudyOutcome) -> dict[str, Any]:
    """Each block's filled config (defaults included) plus the references it was wired by."""
    plan = outcome.plan
    sections: dict[str, Any] = {"study": dict(outcome.config.study), "report":
                                dict(outcome.config.report)}
    for section, steps in (("corpora", plan.corpora), ("embedders", plan.embedders),
                           ("transforms", plan.transforms), ("evaluate", plan.evaluations)):
        sections[section] = {
            name: {**step.filled, **step.block.refs} for name, step in steps.items()
        }
    return sections


def write_results_json(path: Path, document: dict[str, Any]) -> Path:
    with atomic_open(path, "w", encoding="utf-8") as handle:
        json.dump(_finite(document), handle, indent=2, default=_json_default, allow_nan=False)
        handle.write("\n")
    return path


def _finite(value: Any) -> Any:
    """NaN and infinities become null: JSON has no such numbers, and a reader must not guess."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value
