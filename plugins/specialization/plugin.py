"""Entry point of the built-in specialization plugin: registers its names, imports nothing heavy."""

from __future__ import annotations

from lexiplug.hookspecs import hookimpl
from lexiplug.plugin_tools import register_modules
from lexiplug.registry import Registries

MODULES = (
    "lexiplug.plugins.specialization.attract_repel",
    "lexiplug.plugins.specialization.contrastive",
    "lexiplug.plugins.specialization.defsent_plus",
)


@hookimpl
def lexiplug_register(registry: Registries) -> None:
    register_modules(registry, MODULES)
