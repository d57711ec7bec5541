"""``lexiplug.local.v1``: this process, one shard after another (the default engine)."""

from __future__ import annotations

from lexiplug.engine import LocalEngine
from lexiplug.plugin_tools import class_factory
from lexiplug.registry import Registries

NAME = "lexiplug.local.v1"


def register(registry: Registries) -> None:
    registry.engines.register(NAME, func=class_factory(LocalEngine, name="local_v1"))
