"""The hooks a lexiplug plugin can implement.

A plugin is a module named by an entry point in the ``lexiplug`` group. It implements any of
these hooks with the :data:`hookimpl` marker; built-in plugins do exactly the same.
"""

from __future__ import annotations

from typing import Any

import pluggy

PROJECT_NAME = "lexiplug"

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)


@hookspec
def lexiplug_register(registry: Any) -> None:
    """Register the plugin's functions in lexiplug's registries.

    ``registry`` is :class:`lexiplug.registry.registry`; call e.g.
    ``registry.embedders.register("myplugin.thing.v1", func=make_thing)``. Keep heavy imports
    (torch, transformers, gensim) inside the registered functions: this hook runs on the first
    registry lookup of every lexiplug process, and a slow import here slows every command.
    """


@hookspec
def lexiplug_cli_commands() -> list[Any] | None:
    """Return ``typer.Typer`` apps or plain functions to add to the ``lexiplug`` CLI.

    Each returned Typer app is mounted under its ``name``; a plain function becomes a
    command named after it. Called only when the CLI runs a command that is not built in, so
    ``lexiplug --help`` stays fast.
    """


@hookspec
def lexiplug_after_fit(name: str, vectors: Any, config: dict[str, Any]) -> None:
    """Called after an embedder in a study has produced ``vectors`` for the row ``name``.

    Use it to log, export or inspect trained vectors; return value is ignored.
    """


@hookspec
def lexiplug_after_evaluate(name: str, evaluator: str, result: Any) -> None:
    """Called after evaluator ``evaluator`` scored the row ``name``, with its ``Result``."""


@hookspec
def lexiplug_report_sections(results: dict[str, Any]) -> list[tuple[str, str]] | None:
    """Return extra ``(title, markdown)`` sections for a study's ``report.md`` and ``report.html``.

    ``results`` holds ``study`` (name), ``output`` (the output folder), ``plots`` (the folder
    to draw PNGs into, or None when ``[report] plots = false``), ``report`` (the ``[report]``
    settings), ``rows`` (``{row: Vectors}``) and ``results`` (``(row, evaluation, Result)``
    triples). Link a plot by its path relative to ``output``: ``report.html`` embeds it. This
    is how a plugin puts its own knowledge (word lists, plots) into a report; core's report
    knows no plugin.
    """
