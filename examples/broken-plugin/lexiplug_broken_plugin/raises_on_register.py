"""Imports fine, then fails inside its ``lexiplug_register`` hook."""

from __future__ import annotations

from typing import Any

from lexiplug.hookspecs import hookimpl

MESSAGE = "lexiplug-broken-plugin: lexiplug_register fails on purpose"


def half_registered() -> None:
    """Registered just before the hook raises, so tests can see what a failed plugin leaves."""


@hookimpl
def lexiplug_register(registry: Any) -> None:
    registry.embedders.register("broken.half_registered.v1", func=half_registered)
    raise RuntimeError(MESSAGE)
