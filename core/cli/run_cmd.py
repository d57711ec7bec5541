"""``lexiplug run CONFIG``: run a study and say where its report is.

The one declaration of the command's arguments; mount it with the extra-argument context
settings so ``--section.key value`` overrides reach it::

    app.command("run", context_settings=RUN_CONTEXT_SETTINGS)(user_errors(run))
"""

from __future__ import annotations

import logging
from pathlib import Path

import typer

from .log_output import configure_command_logging
from .overrides import parse_overrides
from .progress import progress_silenced

RUN_CONTEXT_SETTINGS = {"allow_extra_args": True, "ignore_unknown_options": True}


def run(
    ctx: typer.Context,
    config: Path = typer.Argument(..., help="Study config (.cfg)."),
    output: Path | None = typer.Option(
        None, "--output", "-o",
        help="Output folder (default runs/<study name>/: [study] name, else the config's "
             "file name without .cfg).",
    ),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bars."),
) -> None:
    """Run an embedding study: train, transform, evaluate, report (--section.key overrides)."""
    from ..study.runner import run_study

    overrides = parse_overrides(ctx.args)
    # every row scored on a dataset logs the dataset's warnings: show each one once
    configure_command_logging(logging.WARNING if quiet else logging.INFO)
    for chatty in ("gensim", "smart_open"):  # per-epoch lifecycle lines drown the report
        logging.getLogger(chatty).setLevel(logging.WARNING)
    with progress_silenced(quiet):
        outcome = run_study(config, output=output, quiet=quiet, overrides=overrides)
    typer.echo(f"study {outcome.config.name!r}: {len(outcome.rows)} rows, "
               f"{len(outcome.scored)} results in {outcome.seconds:.1f} s")
    for name in ("report.md", "report.html", "results.json"):
        typer.echo(f"  {name}: {outcome.files[name]}")
    plots = [path for key, path in outcome.files.items() if key.startswith("plot: ")]
    if plots:
        typer.echo(f"  plots: {', '.join(str(p) for p in plots)}")
