"""Helpers for plugin authors (built-in plugins use them too)."""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from typing import Any


def register_modules(registry: Any, modules: Iterable[str]) -> None:
    """Import each module and call its ``register(registry)``.

    Lets one plugin family keep each method in its own module while registering through a
    single entry point. The modules must not import heavy libraries at top level.
    """
    for name in modules:
        module = importlib.import_module(name)
        module.register(registry)
