"""``lexiplug diedat check "tekst..." --model PATH``: die/dat suggestions, grammar-checker style."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer
from lexiplug.cli.errors_boundary import user_errors
from lexiplug.errors import DataNotFoundError

diedat_app = typer.Typer(help="Dutch die/dat checker (lexiplug_die_dat component).",
                         no_args_is_help=True)


@diedat_app.callback()
def _group() -> None:
    """Dutch die/dat checker (keeps `check` a subcommand)."""


def load_pipeline(model: Path):  # type: ignore[no-untyped-def]
    import spacy

    if not model.exists():
        raise DataNotFoundError(
            "no trained die/dat pipeline here; train one with `python -m spacy train "
            "configs/die_dat_binary.cfg ...` (see docs/die_dat.md)", where=str(model))
    nlp = spacy.load(model)
    if not any(factory == "lexiplug_die_dat" for factory in
               (nlp.get_pipe_meta(name).factory for name in nlp.pipe_names)):
        raise DataNotFoundError("the pipeline has no lexiplug_die_dat component",
                                where=str(model))
    return nlp


@diedat_app.command()
@user_errors
def check(
    texts: list[str] = typer.Argument(..., help="Dutch text(s) to check."),
    model: Path = typer.Option(Path("runs/die_dat_binary/model-best"), "--model", "-m",
                               help="Trained pipeline folder."),
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
