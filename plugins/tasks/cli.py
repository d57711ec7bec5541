"""``lexiplug task prepare TASK ...``: one shared command group, one entry per task.

Each task names its command as ``"module:function"`` (a Typer command function in the task's
light ``cli`` module); commands are imported when the group is built, their heavy imports
stay inside them. Add a task with one line in ``PREPARE_COMMANDS``.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

import typer

PREPARE_COMMANDS: dict[str, str] = {
    "die_dat": "lexiplug.plugins.tasks.die_dat.cli:prepare",
    "pii": "lexiplug.plugins.tasks.pii.cli:prepare",
    "phenotype": "lexiplug.plugins.tasks.phenotype.cli:prepare",
}

task_app = typer.Typer(help="Task data preparation (DocBins for spacy train).",
                       no_args_is_help=True)
prepare_app = typer.Typer(help="Prepare a task's training data.", no_args_is_help=True)
task_app.add_typer(prepare_app, name="prepare")


def _unavailable(task: str, target: str, error: Exception) -> Callable[..., Any]:
    def command() -> None:
        raise typer.BadParameter(f"the {task!r} preparation command {target} could not be "
                                 f"loaded: {error}")

    command.__doc__ = f"(unavailable: {target} failed to load)"
    return command


def _load(target: str) -> Callable[..., Any]:
    module, _, function = target.partition(":")
    return getattr(importlib.import_module(module), function)


for _task, _target in PREPARE_COMMANDS.items():
    try:
        _command = _load(_target)
    except (ImportError, AttributeError) as _error:
        _command = _unavailable(_task, _target, _error)
    prepare_app.command(_task)(_command)
