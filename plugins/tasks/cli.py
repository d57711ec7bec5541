"""``lexiplug task prepare|check|redact|phenotype``: the one command group of the task plugins.

``prepare`` turns raw sources into a task's training data; ``check`` (die/dat), ``redact``
(PII) and ``phenotype`` run a trained pipeline. Each task's own commands live in its
``cli.py``. For ``prepare``, each task names its ``prepare`` function as
``"module:function"`` below and is imported only when chosen; a task's function takes
``(sources, output, **options)`` and returns a summary. To add a task, add one line to
``PREPARERS`` and mount its commands at the end of this file.
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any

import typer
from lexiplug.cli.errors_boundary import user_errors
from lexiplug.errors import ConfigError

from .die_dat.cli import check as die_dat_check
from .phenotype.cli import phenotype as phenotype_labels
from .pii.cli import redact as pii_redact

PREPARERS: dict[str, str] = {
    "die_dat": "lexiplug.plugins.tasks.die_dat.prepare:prepare",
    "phenotype": "lexiplug.plugins.tasks.phenotype.prepare:prepare",
    "pii": "lexiplug.plugins.tasks.pii.prepare:prepare",
    "newsgroups": "lexiplug.plugins.documents.prepare:prepare",
    "sentiment": "lexiplug.plugins.tasks.sentiment.prepare:prepare",
}

task_app = typer.Typer(help="Task plugins: prepare training data, check die/dat, redact PII, "
                       "label reports.", no_args_is_help=True)


@task_app.callback()
def _group() -> None:
    """Task plugins: prepare training data, check die/dat, redact PII, label reports."""


def _option_value(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def parse_options(items: list[str]) -> dict[str, Any]:
    """``["key=value", ...]`` -> dict; values parsed as JSON when they are JSON."""
    options: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"expected KEY=VALUE, found {item!r}", where="--option")
        options[key.strip().replace("-", "_")] = _option_value(value)
    return options


def run_preparer(task: str, sources: list[Path], output: Path, **options: Any) -> Any:
    if task not in PREPARERS:
        raise ConfigError(f"unknown task {task!r}; known: {', '.join(sorted(PREPARERS))}",
                          where="task prepare")
    module_name, _, function = PREPARERS[task].partition(":")
    return getattr(importlib.import_module(module_name), function)(sources, output, **options)


@task_app.command()
@user_errors
def prepare(
    task: str = typer.Argument(..., help=f"Task name: {', '.join(sorted(PREPARERS))}."),
    sources: list[Path] = typer.Argument(..., help="Input files (CoNLL-U, text, ...)."),
    output: Path = typer.Option(..., "--output", "-o", help="Output file (e.g. train.spacy)."),
    dev_output: Path | None = typer.Option(None, "--dev-output",
                                           help="Also hold out a dev split here."),
    dev_fraction: float = typer.Option(0.1, "--dev-fraction", help="Share held out as dev."),
    seed: int = typer.Option(0, "--seed", help="Seed of the dev split."),
    option: list[str] = typer.Option([], "--option",
                                     help="Task-specific KEY=VALUE (repeatable)."),
    pos_tagger: Path | None = typer.Option(
        None, "--pos-tagger", help="die_dat: spaCy pipeline that gives raw-text targets a "
        "silver POS label (same as --option pos_tagger=PATH)."),
) -> None:
    """Turn raw sources into a task's training file(s) (spaCy DocBin)."""
    options = parse_options(option)
    if pos_tagger is not None:
        options["pos_tagger"] = pos_tagger
    if dev_output is not None:
        options.update(dev_output=dev_output, dev_fraction=dev_fraction, seed=seed)
    summary = run_preparer(task, list(sources), output, **options)
    typer.echo(json.dumps(summary, indent=2, default=str))


task_app.command("check")(die_dat_check)
task_app.command("redact")(pii_redact)
task_app.command("phenotype")(phenotype_labels)
