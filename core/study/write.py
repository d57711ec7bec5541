"""Write a finished study's outputs: results.json, plots, then report.md (which links them)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..atomic import atomic_open
from . import plots
from .report import render_report
from .results import comparisons, results_document, write_results_json

if TYPE_CHECKING:
    from .outcome import StudyOutcome

logger = logging.getLogger(__name__)


def write_outputs(outcome: StudyOutcome, *, quiet: bool = False) -> dict[str, Path]:
    """Write every output file under ``outcome.output``; return them by name."""
    out = outcome.output
    tables = comparisons(outcome)
    files: dict[str, Path] = {}
    files["results.json"] = write_results_json(out / "results.json",
                                               results_document(outcome, tables))
    plot_files = _plots(outcome, tables, out / "plots")
    files.update({f"plot: {title}": path for title, path in plot_files.items()})
    extra = _extra_sections(outcome)
    report = render_report(outcome, tables, plot_files, extra)
    with atomic_open(out / "report.md", "w", encoding="utf-8") as handle:
        handle.write(report)
    files["report.md"] = out / "report.md"
    return files


def _plots(outcome: StudyOutcome, tables: list[Any], folder: Path) -> dict[str, Path]:
    report = outcome.config.report
    if report.get("plots", True) is False:
        return {}
    written = dict(plots.score_charts([t for t in tables], folder))
    vectors = {name: row.vectors for name, row in outcome.rows.items()}
    method = str(report.get("projection", "pca")).lower()
    groups = report.get("word_groups") or plots.DEFAULT_WORD_GROUPS
    projection = plots.word_group_projection(vectors, groups, folder, method=method,
                                             seed=outcome.config.seed)
    if projection is not None:
        written[f"word groups ({method.upper()})"] = projection
    if any("bias" in s.function for s in outcome.scored):
        professions = report.get("professions") or plots.DEFAULT_PROFESSIONS
        gender = plots.gender_direction_plot(vectors, folder, professions=professions)
        if gender is not None:
            written["professions on the gender direction"] = gender
    return written


def _extra_sections(outcome: StudyOutcome) -> list[tuple[str, str]]:
    from ..plugin_loader import plugin_manager

    summary = {
        "study": outcome.config.name,
        "output": str(outcome.output),
        "rows": {name: row.vectors for name, row in outcome.rows.items()},
        "results": [(s.row, s.evaluation, s.result) for s in outcome.scored],
    }
    sections: list[tuple[str, str]] = []
    for answer in plugin_manager().hook.lexiplug_report_sections(results=summary):
        for item in answer or []:
            title, body = item
            sections.append((str(title), str(body)))
    return sections
