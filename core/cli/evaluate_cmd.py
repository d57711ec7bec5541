"""``lexiplug evaluate VECTORS``: word-similarity and analogy scores with coverage and CIs."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from .log_output import collected_warnings
from .progress import progress_silenced, reading, steps


def evaluate(
    vectors: Path = typer.Argument(..., help="Vectors file or folder (any supported format)."),
    datasets: list[str] = typer.Option([], "--datasets", "-d",
                                       help="Dataset names (default: every similarity and "
                                            "analogy set found). Repeat or comma-separate."),
    oov: str = typer.Option("skip", "--oov", help="skip: score covered items only; vectors: "
                                                    "use the vectors' OOV policy."),
    format: str = typer.Option("auto", "--format", "-f", help="Input vectors format."),
    as_json: bool = typer.Option(False, "--json/--no-json", help="Print JSON results."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bars."),
) -> None:
    """Score vectors on word-similarity and analogy datasets, with coverage and CIs."""
    from ..errors import DataNotFoundError
    from ..evaluation.api import default_datasets, evaluate_vectors
    from ..vectors.io import load_vectors

    named = [part for item in datasets for part in item.split(",") if part]
    with progress_silenced(quiet):
        with reading(vectors, quiet):
            loaded = load_vectors(vectors, format=format)
        names = named or default_datasets()
        if not names:
            raise DataNotFoundError(
                "no word-benchmark dataset was found; set LEXIPLUG_DATA to the shared data "
                "folder or name datasets with --datasets", where="--datasets")
        # one dataset at a time, so the bar moves; warnings are printed once, after the bar
        with collected_warnings() as logged:
            results = [result for name in steps(names, desc="evaluating", unit=" dataset")
                       for result in evaluate_vectors(loaded, [name], oov=oov)]
    shown_with_a_score = {warning for result in results for warning in result.warnings}
    for message in logged:
        if as_json or message not in shown_with_a_score:
            typer.echo(f"warning: {message}", err=True)
    if as_json:
        typer.echo(json.dumps([r.to_dict(details=False) for r in results], indent=2))
        return
    for result in results:
        typer.echo(result.summary())
        for warning in result.warnings:
            typer.echo(f"    warning: {warning}")
