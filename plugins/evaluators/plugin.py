"""Entry point of the built-in evaluators plugin: registers its names, imports nothing heavy."""

from __future__ import annotations

from lexiplug.hookspecs import hookimpl
from lexiplug.plugin_tools import register_modules
from lexiplug.registry import Registries

MODULES = (
    "lexiplug.plugins.evaluators.similarity",
    "lexiplug.plugins.evaluators.analogy",
    "lexiplug.plugins.evaluators.probing",
    "lexiplug.plugins.evaluators.retrieval",
    "lexiplug.plugins.evaluators.bli",
)


@hookimpl
def lexiplug_register(registry: Registries) -> None:
    register_modules(registry, MODULES)
