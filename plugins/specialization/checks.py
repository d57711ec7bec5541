"""Argument checks the specialisation settings share; errors name only the argument."""

from __future__ import annotations

from typing import Any

from lexiplug.errors import ConfigError


def positive_ints(settings: Any, *names: str) -> None:
    for name in names:
        value = getattr(settings, name)
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ConfigError(f"expected a positive integer; found {value!r}", where=name)


def positive_numbers(settings: Any, *names: str) -> None:
    for name in names:
        value = getattr(settings, name)
        if not (isinstance(value, int | float) and value > 0):
            raise ConfigError(f"expected a positive number; found {value!r}", where=name)
