"""Write a finished study's outputs: results.json, plots, report.md and report.html.

The bootstraps and plots take seconds on a real study, after the study's own progress bar
has finished, so this phase shows a bar of its own (silenced by ``quiet``).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..atomic import atomic_open
from ..evaluation.result import Result
from . import plots
from .analysis import analogy_split, error_table, own_interval
from .compare import Comparison
from .html import TableExtras, render_html
from .report import render_report
from .results import (
    bootstrap_resamples,
    comparisons,
    grouped_results,
    results_document,
    write_results_json,
)

if TYPE_CHECKING:
    from .outcome import StudyOutcome

logger = logging.getLogger(__name__)

_FIXED_STEPS = 5  # results.json, plots, plugin sections, report.md, report.html


def write_outputs(outcome: StudyOutcome, *, quiet: bool = False) -> dict[str, Path]:
    """Write every output file under ``outcome.output``; return them by name."""
    from tqdm.auto import tqdm

    out = outcome.output
    grouped = grouped_results(outcome)
    files: dict[str, Path] = {}
    with tqdm(total=2 * len(grouped) + _FIXED_STEPS, desc="report", unit="step",
              disable=quiet) as bar:
        bar.set_postfix_str("bootstrap CIs and paired tests")
        tables = comparisons(outcome, progress=bar.update)
        bar.set_postfix_str("own CIs and error analysis")
        extras = []
        for by_row in grouped.values():
            extras.append(_table_extras(by_row, n_resamples=bootstrap_resamples(outcome),
                                        seed=outcome.config.seed))
            bar.update()
        bar.set_postfix_str("results.json")
        files["results.json"] = write_results_json(out / "results.json",
                                                   results_document(outcome, tables))
        bar.update()
        bar.set_postfix_str("plots")
        plot_files = _plots(outcome, tables, out / "plots")
        files.update({f"plot: {title}": path for title, path in plot_files.items()})
        bar.update()
        bar.set_postfix_str("plugin sections")
        extra = _extra_sections(outcome)
        bar.update()
        bar.set_postfix_str("report.md")
        with atomic_open(out / "report.md", "w", encoding="utf-8") as handle:
            handle.write(render_report(outcome, tables, plot_files, extra))
        files["report.md"] = out / "report.md"
        bar.update()
        bar.set_postfix_str("report.html")
        page = render_html(outcome, tables, extras, plot_files, extra,
                           n_resamples=bootstrap_resamples(outcome))
        with atomic_open(out / "report.html", "w", encoding="utf-8") as handle:
            handle.write(page)
        files["report.html"] = out / "report.html"
        bar.update()
    return files


def _table_extras(by_row: dict[str, Result], *, n_resamples: int, seed: int) -> TableExtras:
    extras = TableExtras()
    for row, result in by_row.items():
        extras.own[row] = own_interval(result, n_resamples=n_resamples, seed=seed)
        errors = error_table(row, result.evaluator, result)
        if errors is not None:
            extras.errors.append(errors)
        split = analogy_split(row, result)
        if split is not None:
            extras.splits.append(split)
    return extras


def _plots(outcome: StudyOutcome, tables: list[Comparison], folder: Path) -> dict[str, Path]:
    report = outcome.config.report
    if not _plots_enabled(outcome):
        return {}
    written = dict(plots.score_charts(tables, folder))
    vectors = {name: row.vectors for name, row in outcome.rows.items()}
    method = str(report.get("projection", "pca")).lower()
    groups = report.get("word_groups") or plots.DEFAULT_WORD_GROUPS
    projection = plots.word_group_projection(vectors, groups, folder, method=method,
                                             seed=outcome.config.seed)
    if projection is not None:
        written[f"word groups ({method.upper()})"] = projection
    return written


def _plots_enabled(outcome: StudyOutcome) -> bool:
    return outcome.config.report.get("plots", True) is not False


def _extra_sections(outcome: StudyOutcome) -> list[tuple[str, str]]:
    """Sections plugins add (see ``lexiplug_report_sections`` in core/hookspecs.py)."""
    from ..plugin_loader import plugin_manager

    summary: dict[str, Any] = {
        "study": outcome.config.name,
        "output": str(outcome.output),
        "plots": (outcome.output / "plots") if _plots_enabled(outcome) else None,
        "report": dict(outcome.config.report),
        "rows": {name: row.vectors for name, row in outcome.rows.items()},
        "results": [(s.row, s.evaluation, s.result) for s in outcome.scored],
    }
    sections: list[tuple[str, str]] = []
    for answer in plugin_manager().hook.lexiplug_report_sections(results=summary):
        for item in answer or []:
            title, body = item
            sections.append((str(title), str(body)))
    return sections
