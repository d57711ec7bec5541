"""``report.md``: one table per evaluator × dataset, on the items every row covers."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from .compare import SIGNIFICANCE, Comparison

if TYPE_CHECKING:
    from .outcome import StudyOutcome


def render_report(
    outcome: StudyOutcome,
    tables: list[Comparison],
    plots: dict[str, Path],
    extra_sections: list[tuple[str, str]],
) -> str:
    config = outcome.config
    fitted = outcome.fits
    cached = sum(1 for t in outcome.timings if t.cached)
    lines = [
        f"# Study `{config.name}`",
        "",
        f"Config `{config.path}` · seed {config.seed} · {outcome.seconds:.1f} s in total "
        f"({fitted} embedder fit(s) run, {cached} step(s) served from the cache). Every figure, "
        "its coverage and confidence interval, dataset checksums, the resolved config and "
        "library versions are in `results.json`.",
        "",
        "## Rows",
        "",
        "| row | made by | words | dim |",
        "|---|---|---:|---:|",
    ]
    for row in outcome.rows.values():
        lines.append(f"| {row.name} | {' → '.join(row.lineage)} | {len(row.vectors):,} | "
                     f"{row.vectors.dim} |")
    lines.append("")
    for table in tables:
        lines.extend(_table(table))
    if plots:
        lines += ["## Plots", ""]
        for title, path in plots.items():
            relative = path.relative_to(outcome.output) if path.is_relative_to(
                outcome.output) else path
            lines += [f"### {title}", "", f"![{title}]({relative.as_posix()})", ""]
    warnings: dict[tuple[str, str], list[str]] = {}
    for s in outcome.scored:
        for warning in s.result.warnings:
            rows = warnings.setdefault((s.evaluation, warning), [])
            if s.row not in rows:
                rows.append(s.row)
    if warnings:
        lines += ["## Warnings", ""]
        lines += [f"- {evaluation} ({', '.join(rows)}): {warning}"
                  for (evaluation, warning), rows in warnings.items()]
        lines.append("")
    for title, body in extra_sections:
        lines += [f"## {title}", "", body.rstrip(), ""]
    lines += ["## Timings", "", "| step | row | seconds | cached |", "|---|---|---:|---|"]
    for timing in outcome.timings:
        lines.append(f"| {timing.step} | {timing.row or ''} | {timing.seconds:.2f} | "
                     f"{'yes' if timing.cached else 'no'} |")
    lines.append("")
    return "\n".join(lines)


def _table(table: Comparison) -> list[str]:
    lines = [f"## {table.evaluation} — {table.dataset}", ""]
    metric = table.primary
    direction = {True: "higher is better", False: "lower is better",
                 None: "no better direction"}[table.higher_is_better]
    if table.n_shared is not None:
        lines.append(
            f"Compared on the **{table.n_shared} of {table.n_items}** items covered by every "
            f"row ({table.statistic} over those items; {direction}). Each row's own figure, "
            "on all the items it covers, is given beside it."
        )
        lines += ["", f"| row | {metric} (shared items) | 95% CI | own {metric} | own coverage |",
                  "|---|---:|---|---:|---:|"]
        for figure in table.rows:
            name = f"**{figure.row}** (best)" if figure.row == table.best else figure.row
            ci = (f"[{figure.shared_ci[0]:.3f}, {figure.shared_ci[1]:.3f}]"
                  if figure.shared_ci else "—")
            coverage = _coverage(figure.n_covered, figure.n_items)
            lines.append(f"| {name} | {_number(figure.shared_score)} | {ci} | "
                         f"{_number(figure.score)} | {coverage} |")
    else:
        lines.append(f"Each row's figure on the items it covers ({direction}).")
        lines += ["", f"| row | {metric} | own coverage |", "|---|---:|---:|"]
        for figure in table.rows:
            lines.append(f"| {figure.row} | {_number(figure.score)} | "
                         f"{_coverage(figure.n_covered, figure.n_items)} |")
    lines.append("")
    if table.best is not None:
        lines.append(f"Best: **{table.best}**, separated from {table.runner_up} by a paired "
                     f"bootstrap on the shared items (p = {table.p_value:.3f} < {SIGNIFICANCE}).")
        lines.append("")
    for note in table.notes:
        lines += [f"_Note: {note}._", ""]
    return lines


def _number(value: Any) -> str:
    return "n/a" if value is None else f"{value:.4f}"


def _coverage(covered: int, items: int) -> str:
    share = covered / items if items else 0.0
    return f"{covered}/{items} ({share:.1%})"
