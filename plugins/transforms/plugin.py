"""Entry point of the built-in transforms plugin: registers its names, imports nothing heavy."""

from __future__ import annotations

from lexiplug.hookspecs import hookimpl
from lexiplug.plugin_tools import register_modules
from lexiplug.registry import Registries

MODULES = (
    "lexiplug.plugins.transforms.hard_debias",
    "lexiplug.plugins.transforms.retrofit",
    "lexiplug.plugins.transforms.procrustes",
    "lexiplug.plugins.transforms.seer_graph",
    "lexiplug.plugins.transforms.cade",
)


@hookimpl
def lexiplug_register(registry: Registries) -> None:
    register_modules(registry, MODULES)
