"""Entry point of the built-in engines plugin: registers its names, imports nothing heavy."""

from __future__ import annotations

from lexiplug.hookspecs import hookimpl
from lexiplug.plugin_tools import register_modules
from lexiplug.registry import Registries

MODULES = ("lexiplug.plugins.engines.local", "lexiplug.plugins.engines.ray_engine")


@hookimpl
def lexiplug_register(registry: Registries) -> None:
    register_modules(registry, MODULES)
