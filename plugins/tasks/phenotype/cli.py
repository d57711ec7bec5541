"""``lexiplug task phenotype "report..." --model PATH``: each task's label for pathology reports.

``--model`` is a pipeline folder or an installed model package, found as the other task
commands find theirs (``plugins/tasks/pipelines.py``).
"""

from __future__ import annotations

import json
from typing import Any

import typer
from lexiplug.cli.errors_boundary import user_errors


@user_errors
def phenotype(
    texts: list[str] = typer.Argument(..., help="Report text(s)."),
    model: str = typer.Option(..., "--model", "-m",
                              help="Pipeline folder or installed package with a "
                                   "lexiplug_phenotype component."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Print each task's predicted label and probability for every report."""
    from ..pipelines import load_task_pipeline

    nlp = load_task_pipeline(model, "lexiplug_phenotype")
    report: list[dict[str, Any]] = [
        {"text": text, "labels": {task: {"label": label, "prob": float(prob)}
                                  for task, (label, prob) in (doc._.phenotype or {}).items()}}
        for text, doc in zip(texts, nlp.pipe(texts), strict=True)]
    if as_json:
        typer.echo(json.dumps(report, ensure_ascii=False, indent=2))
        return
    for entry in report:
        typer.echo(entry["text"][:80])
        for task, value in entry["labels"].items():
            typer.echo(f"  {task}: {value['label']} (p={value['prob']:.2f})")
