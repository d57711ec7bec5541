"""The ``phenotype`` entry of ``lexiplug task prepare`` (heavy imports inside the command)."""

from __future__ import annotations

import json
from pathlib import Path

import typer


def prepare(
    sources: list[Path] = typer.Argument(None, help="CSV or JSONL report files."),
    output: Path = typer.Option(..., "--output", "-o", help="DocBin file (.spacy) to write."),
    labels: str = typer.Option(..., "--labels", help="Comma-separated label columns (tasks)."),
    text_column: str = typer.Option("text", "--text-column"),
    group_column: str | None = typer.Option(None, "--group-column",
                                            help="Patient id column: dev split by patient."),
    dev_output: Path | None = typer.Option(None, "--dev-output", help="Dev DocBin file."),
    dev_fraction: float = typer.Option(0.1, "--dev-fraction"),
    generate: int = typer.Option(0, "--generate", help="Instead of SOURCES: this many "
                                 "patients of generated six-task reports (SEER / ICD-O-3)."),
    seed: int = typer.Option(0, "--seed"),
) -> None:
    """Reports + label columns -> DocBins with the labels as ``task=label`` doc.cats."""
    from .prepare import prepare_phenotype

    tasks = [name.strip() for name in labels.split(",") if name.strip()]
    files: list[Path] = list(sources or [])
    if generate:
        from .generate import generate_reports, write_reports

        generated = output.with_suffix(".reports.csv")
        write_reports(generate_reports(generate, seed=seed), generated)
        typer.echo(f"{generated}: generated reports")
        files = [generated]
        group_column = group_column or "patient_id"
    if not files:
        raise typer.BadParameter("give report files or --generate N")
    summary = prepare_phenotype(files, output, labels=tasks, text_column=text_column,
                                group_column=group_column, dev_output=dev_output,
                                dev_fraction=dev_fraction, seed=seed)
    typer.echo(json.dumps(summary, indent=1))
