"""Setting checks the document embedders share: errors name only the argument."""

from __future__ import annotations

from collections.abc import Iterable

from lexiplug.errors import ConfigError


def positive_integers(settings: object, names: Iterable[str]) -> None:
    for name in names:
        value = getattr(settings, name)
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ConfigError(f"expected a positive integer, found {value!r}", where=name)


def check_learning_rate(value: float, name: str) -> None:
    if not 0.0 < value < 1.0:
        raise ConfigError(f"expected a learning rate in (0, 1), found {value!r}", where=name)
