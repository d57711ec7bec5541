"""``lexiplug task check "tekst..." --model PATH``: die/dat suggestions, grammar-checker style.

``--model`` is a pipeline folder or an installed model package, found as ``lexiplug task
redact`` finds its model (``plugins/tasks/pipelines.py``). ``lexiplug diedat check`` is the
old name, kept as an alias for one release.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer
from lexiplug.cli.errors_boundary import user_errors

from ..aliases import deprecated_alias

DEFAULT_MODEL = "runs/die_dat_binary/model-best"


def load_pipeline(model: str | Path):  # type: ignore[no-untyped-def]
    from ..pipelines import load_task_pipeline

    return load_task_pipeline(model, "lexiplug_die_dat", hint=(
        "train one with `python -m spacy train configs/die_dat_binary.cfg ...` (see "
        "docs/die_dat.md)"))


@user_errors
def check(
    texts: list[str] = typer.Argument(..., help="Dutch text(s) to check."),
    model: str = typer.Option(DEFAULT_MODEL, "--model", "-m",
                              help="Trained pipeline folder or installed model package."),
    show_all: bool = typer.Option(False, "--all", help="Show every die/dat, not only issues."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Print the die/dat tokens whose written form disagrees with a confident prediction."""
    nlp = load_pipeline(model)
    report: list[dict[str, Any]] = []
    for text, doc in zip(texts, nlp.pipe(texts), strict=True):
        tokens = [t for t in doc if t._.die_dat] if show_all else doc._.die_dat_issues
        items = [{"start": t.idx, "end": t.idx + len(t), "written": t.text, **t._.die_dat}
                 for t in tokens]
        report.append({"text": text, "items": items})
    if as_json:
        typer.echo(json.dumps(report, ensure_ascii=False, indent=2))
        return
    for entry in report:
        if not entry["items"]:
            typer.echo(f"{entry['text']}\n  no die/dat issues")
            continue
        typer.echo(entry["text"])
        for item in entry["items"]:
            marker = "→" if item["issue"] else "="
            typer.echo(f"  {item['start']}-{item['end']} {item['written']!r} {marker} "
                       f"{item['form']!r} (p={item['prob']:.2f})")


diedat_app = typer.Typer(help="Deprecated alias group of `lexiplug task check` (kept for one "
                         "release).", no_args_is_help=True)


@diedat_app.callback()
def _group() -> None:
    """Deprecated: use `lexiplug task check` (keeps `check` a subcommand)."""


diedat_app.command("check")(deprecated_alias(check, "check"))
