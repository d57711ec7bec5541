"""Entry point of the built-in multisense plugin: registers its names, imports nothing heavy."""

from __future__ import annotations

from typing import Any

from lexiplug.hookspecs import hookimpl
from lexiplug.plugin_tools import register_modules
from lexiplug.registry import Registries

MODULES = (
    "lexiplug.plugins.multisense.dsg",
    "lexiplug.plugins.multisense.clustering",
    "lexiplug.plugins.multisense.datasets",
    "lexiplug.plugins.multisense.scws",
    "lexiplug.plugins.multisense.wsi",
)


@hookimpl
def lexiplug_register(registry: Registries) -> None:
    register_modules(registry, MODULES)


@hookimpl
def lexiplug_report_sections(results: dict[str, Any]) -> list[tuple[str, str]] | None:
    """The sense plots of the study's multi-sense rows; the plotting code is imported only
    when a report is written."""
    from .report import report_sections

    return report_sections(results)
