"""Entry point of the built-in lm plugin: registers its names, imports nothing heavy."""

from __future__ import annotations

from lexiplug.hookspecs import hookimpl
from lexiplug.plugin_tools import register_modules
from lexiplug.registry import Registries

MODULES = (
    "lexiplug.plugins.lm.schemes",
    "lexiplug.plugins.lm.word_vectors",
)


@hookimpl
def lexiplug_register(registry: Registries) -> None:
    register_modules(registry, MODULES)
