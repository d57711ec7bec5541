"""Entry point of the built-in transforms plugin: registers its names, imports nothing heavy."""

from __future__ import annotations

from lexiplug.hookspecs import hookimpl
from lexiplug.registry import Registries


@hookimpl
def lexiplug_register(registry: Registries) -> None:
    pass
