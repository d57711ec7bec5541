"""The ``lexiplug`` command: built-ins here, plugin commands mounted on demand.

Heavy libraries load inside the commands, so ``lexiplug --help`` stays fast. Plugin commands
come from the ``lexiplug_cli`` entry-point group (name = command, value = a Typer app or a
function), listed in ``--help`` from metadata alone and imported only when run; plugins may
also add commands through the ``lexiplug_cli_commands`` hook, loaded when a command is unknown.
"""

from __future__ import annotations

import importlib.metadata
import sys
from typing import Any

import typer

from .data_cmd import data_app
from .errors_boundary import user_errors
from .evaluate_cmd import evaluate
from .plugin_help import entry_point_help
from .plugins_cmd import plugins_app
from .run_cmd import RUN_CONTEXT_SETTINGS, run
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
    # typer's rich help panels print a `<bool>` value for every flag, as if `--json true` were
    # the syntax; click's plain help renders flags as flags
    rich_markup_mode=None,
)


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"lexiplug {importlib.metadata.version('lexiplug')}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_print_version, is_eager=True,
                                 help="Print the installed lexiplug version and exit."),
) -> None:
    """Word and document embeddings, their evaluation, and the NLP tasks built on them."""


app.add_typer(plugins_app, name="plugins")
app.add_typer(data_app, name="data")
app.add_typer(vectors_app, name="vectors")


app.command("run", context_settings=RUN_CONTEXT_SETTINGS)(user_errors(run))
app.command("train", context_settings=TRAIN_CONTEXT_SETTINGS)(user_errors(train))


app.command("evaluate")(user_errors(evaluate))


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
        help_line = entry_point_help(entry_point) or (
            f"Plugin command from {origin}: see `lexiplug {name} --help`."
        )

        def placeholder() -> None:  # pragma: no cover - replaced before it can run
            pass

        app.command(name=name, help=help_line, context_settings=_EXTRA_ARGS)(placeholder)


def main(argv: list[str] | None = None) -> None:
    arguments = sys.argv[1:] if argv is None else argv
    _add_plugin_commands(arguments)
    app(args=arguments, prog_name="lexiplug")


if __name__ == "__main__":
    main()
