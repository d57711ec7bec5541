"""Entry point of the built-in Chinese plugin: registers its names, imports nothing heavy."""

from __future__ import annotations

from lexiplug.hookspecs import hookimpl
from lexiplug.plugin_tools import register_modules
from lexiplug.registry import Registries

MODULES = (
    "lexiplug.plugins.chinese.cwe",
    "lexiplug.plugins.chinese.datasets",
    "lexiplug.plugins.chinese.compose_characters",
    "lexiplug.plugins.chinese.whole_words",
)


@hookimpl
def lexiplug_register(registry: Registries) -> None:
    register_modules(registry, MODULES)
