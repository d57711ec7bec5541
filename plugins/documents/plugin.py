"""Entry point of the built-in documents plugin: registers its names, imports nothing heavy."""

from __future__ import annotations

from lexiplug.hookspecs import hookimpl
from lexiplug.plugin_tools import register_modules
from lexiplug.registry import Registries

MODULES = (
    "lexiplug.plugins.documents.corpus",
    "lexiplug.plugins.documents.datasets",
    "lexiplug.plugins.documents.doc2vec",
    "lexiplug.plugins.documents.binary_pv",
    "lexiplug.plugins.documents.baselines",
    "lexiplug.plugins.documents.evaluator",
)


@hookimpl
def lexiplug_register(registry: Registries) -> None:
    register_modules(registry, MODULES)
