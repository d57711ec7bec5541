"""``lexiplug train CONFIG``: train one embedder from a config and save its vectors.

A plain function taking typer arguments; mount it with the extra-argument context settings
so ``--section.key value`` overrides reach it::

    app.command("train", context_settings=TRAIN_CONTEXT_SETTINGS)(user_errors(train))
"""

from __future__ import annotations

from pathlib import Path

import typer

from .overrides import parse_overrides

TRAIN_CONTEXT_SETTINGS = {"allow_extra_args": True, "ignore_unknown_options": True}


def train(
    ctx: typer.Context,
    config: Path = typer.Argument(..., help="Training config (.cfg), e.g. configs/static/x.cfg."),
    output: Path | None = typer.Option(None, "--output", "-o", help="Where to save the vectors."),
    format: str | None = typer.Option(
        None, "--format", "-f",
        help="native, word2vec-text, word2vec-binary, glove, fasttext-vec (default: the "
             "config's output.format, else native).",
    ),
    resume: bool = typer.Option(False, "--resume", help="Resume from the last checkpoint."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bars."),
) -> None:
    """Train one embedder from a config and save its vectors. Overrides: --section.key value."""
    from ..training import train_from_config

    written = train_from_config(
        config, overrides=parse_overrides(ctx.args), output=output, format=format,
        resume=resume, quiet=quiet,
    )
    typer.echo(f"saved vectors to {written}")
