"""Entry point of the built-in datasets plugin: registers its names, imports nothing heavy."""

from __future__ import annotations

from lexiplug.hookspecs import hookimpl
from lexiplug.plugin_tools import register_modules
from lexiplug.registry import Registries

MODULES = (
    "lexiplug.plugins.datasets.word_benchmarks",
    "lexiplug.plugins.datasets.task_data",
    "lexiplug.plugins.datasets.seer_graph",
    "lexiplug.plugins.datasets.lexical_resources",
    "lexiplug.plugins.datasets.dutch_text",
)


@hookimpl
def lexiplug_register(registry: Registries) -> None:
    register_modules(registry, MODULES)
