"""Helpers for plugin authors (built-in plugins use them too)."""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import typing
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

T = TypeVar("T")


def register_modules(registry: Any, modules: Iterable[str]) -> None:
    """Import each module and call its ``register(registry)``.

    Lets one plugin family keep each method in its own module while registering through a
    single entry point. The modules must not import heavy libraries at top level.
    """
    for name in modules:
        module = importlib.import_module(name)
        module.register(registry)


def settings_factory(
    build: Callable[[Any], T], settings: type[Any], *, name: str, doc: str | None = None
) -> Callable[..., T]:
    """A registrable factory whose arguments are the fields of the ``settings`` dataclass.

    Settings are written once, as the dataclass (checked in its ``__post_init__``); the
    factory's signature, defaults and type hints are derived from it, so confection validates
    and fills a config block exactly as for a hand-written function, and ``build(settings)``
    makes the object. Errors name only the argument (``where="window"``); whoever resolves the
    block adds its path.
    """
    hints = typing.get_type_hints(settings)
    parameters = [
        inspect.Parameter(
            field.name, inspect.Parameter.KEYWORD_ONLY, annotation=hints[field.name],
            default=_default(field),
        )
        for field in dataclasses.fields(settings) if field.init
    ]

    def factory(**kwargs: Any) -> T:
        return build(settings(**kwargs))

    factory.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    factory.__annotations__ = {p.name: p.annotation for p in parameters}
    factory.__name__ = factory.__qualname__ = name
    factory.__module__ = getattr(build, "__module__", __name__)
    factory.__doc__ = doc or settings.__doc__
    return factory


def _default(field: dataclasses.Field[Any]) -> Any:
    if field.default is not dataclasses.MISSING:
        return field.default
    if field.default_factory is not dataclasses.MISSING:
        return field.default_factory()
    return inspect.Parameter.empty
