"""Entry point of the decoders family: registers its names, imports nothing heavy."""

from __future__ import annotations

from lexiplug.hookspecs import hookimpl
from lexiplug.plugin_tools import register_modules
from lexiplug.registry import Registries

MODULES = ("lexiplug.plugins.decoders.register_all",)


@hookimpl
def lexiplug_register(registry: Registries) -> None:
    register_modules(registry, MODULES)
