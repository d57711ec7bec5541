"""The ``lexiplug`` command: built-ins here, plugin commands mounted on demand.

Heavy libraries load inside the commands, so ``lexiplug --help`` stays fast. Plugin commands
come from the ``lexiplug_cli`` entry-point group (name = command, value = a Typer app or a
function), listed in ``--help`` from metadata alone and imported only when run; plugins may
also add commands through the ``lexiplug_cli_commands`` hook, loaded when a command is unknown.
"""

from __future__ import annotations

import importlib.metadata
import json
import sys
from pathlib import Path
from typing import Any

import typer

from .data_cmd import data_app
from .errors_boundary import user_errors
from .overrides import parse_overrides
from .plugins_cmd import plugins_app
from .train_cmd import TRAIN_CONTEXT_SETTINGS, train
from .vectors_cmd import vectors_app

CLI_ENTRY_POINT_GROUP = "lexiplug_cli"
_EXTRA_ARGS = {"allow_extra_args": True, "ignore_unknown_options": True}

app = typer.Typer(
    name="lexiplug",
    help="Word and document embeddings, their evaluation, and the NLP tasks built on them.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(plugins_app, name="plugins")
app.add_typer(data_app, name="data")
app.add_typer(vectors_app, name="vectors")


@app.command(context_settings=_EXTRA_ARGS)
@user_errors
def run(
    ctx: typer.Context,
    config: Path = typer.Argument(..., help="Study config (.cfg)."),
    output: Path | None = typer.Option(None, "--output", "-o",
                                       help="Output folder (default runs/<config name>/)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bars."),
) -> None:
    """Run an embedding study: train, transform, evaluate, report (--section.key overrides)."""
    from .run_cmd import run as run_study

    run_study(config=config, output=output, quiet=quiet, overrides=parse_overrides(ctx.args))


app.command("train", context_settings=TRAIN_CONTEXT_SETTINGS)(user_errors(train))


@app.command()
@user_errors
def evaluate(
    vectors: Path = typer.Argument(..., help="Vectors file or folder (any supported format)."),
    datasets: list[str] = typer.Option([], "--datasets", "-d",
                                       help="Dataset names (default: every similarity and "
                                            "analogy set found). Repeat or comma-separate."),
    oov: str = typer.Option("skip", "--oov", help="skip: score covered items only; vectors: "
                                                    "use the vectors' OOV policy."),
    format: str = typer.Option("auto", "--format", "-f", help="Input vectors format."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON results."),
) -> None:
    """Score vectors on word-similarity and analogy datasets, with coverage and CIs."""
    from ..evaluation.api import evaluate_vectors
    from ..vectors.io import load_vectors

    names = [part for item in datasets for part in item.split(",") if part] or None
    loaded = load_vectors(vectors, format=format)
    results = evaluate_vectors(loaded, names, oov=oov)
    if as_json:
        typer.echo(json.dumps([r.to_dict(details=False) for r in results], indent=2))
        return
    for result in results:
        typer.echo(result.summary())
        for warning in result.warnings:
            typer.echo(f"    warning: {warning}")


def _cli_entry_points() -> dict[str, importlib.metadata.EntryPoint]:
    found = importlib.metadata.entry_points(group=CLI_ENTRY_POINT_GROUP)
    return {ep.name: ep for ep in sorted(found, key=lambda ep: ep.name)}


def _mount(target: Any, name: str) -> None:
    if isinstance(target, typer.Typer):
        app.add_typer(target, name=name)
    elif callable(target):
        app.command(name=name)(target)


def _add_plugin_commands(argv: list[str]) -> None:
    builtin = {"run", "train", "evaluate", "plugins", "data", "vectors"}
    command = next((arg for arg in argv if not arg.startswith("-")), None)
    entry_points = _cli_entry_points()
    if command in entry_points:
        _mount(entry_points[command].load(), command)
        return
    if command is not None and command not in builtin:
        from ..plugin_loader import plugin_manager

        for commands in plugin_manager().hook.lexiplug_cli_commands():
            for target in commands or []:
                name = getattr(getattr(target, "info", None), "name", None) or getattr(
                    target, "__name__", None
                )
                if name:
                    _mount(target, name.replace("_", "-") if not isinstance(target, typer.Typer)
                           else name)
        return
    for name, entry_point in entry_points.items():
        origin = entry_point.dist.name if entry_point.dist is not None else "a plugin"

        def placeholder() -> None:  # pragma: no cover - replaced before it can run
            pass

        app.command(name=name, help=f"Plugin command from {origin}: see `lexiplug {name} --help`.",
                    context_settings=_EXTRA_ARGS)(placeholder)


def main(argv: list[str] | None = None) -> None:
    arguments = sys.argv[1:] if argv is None else argv
    _add_plugin_commands(arguments)
    app(args=arguments, prog_name="lexiplug")


if __name__ == "__main__":
    main()
