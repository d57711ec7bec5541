"""``lexiplug run CONFIG``: run a study and say where its report is."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import typer


def run(
    config: Path = typer.Argument(..., help="Study config (.cfg)."),
    output: Path | None = typer.Option(None, "--output", "-o",
                                       help="Output folder (default runs/<study name>/)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bars."),
    overrides: dict[str, Any] | None = None,
) -> None:
    """Run an embedding study: train, transform, evaluate, report.

    ``overrides`` maps dotted config keys to values (``{"embedders.glove.dim": 50}``), as
    parsed from ``--section.key value`` arguments.
    """
    from ..study.runner import run_study

    if not quiet:
        logging.basicConfig(level=logging.INFO, format="%(message)s")
        for chatty in ("gensim", "smart_open"):  # per-epoch lifecycle lines drown the report
            logging.getLogger(chatty).setLevel(logging.WARNING)
    outcome = run_study(config, output=output, quiet=quiet, overrides=overrides or {})
    typer.echo(f"study {outcome.config.name!r}: {len(outcome.rows)} rows, "
               f"{len(outcome.scored)} results in {outcome.seconds:.1f} s")
    for name in ("report.md", "results.json"):
        typer.echo(f"  {name}: {outcome.files[name]}")
    plots = [path for key, path in outcome.files.items() if key.startswith("plot: ")]
    if plots:
        typer.echo(f"  plots: {', '.join(str(p) for p in plots)}")
