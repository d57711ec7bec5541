"""Helpers for plugin authors (built-in plugins use them too)."""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import typing
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from .data.spec import DatasetSpec

T = TypeVar("T")


def register_modules(registry: Any, modules: Iterable[str]) -> None:
    """Import each module and call its ``register(registry)``.

    Lets one plugin family keep each method in its own module while registering through a
    single entry point. The modules must not import heavy libraries at top level.
    """
    for name in modules:
        module = importlib.import_module(name)
        module.register(registry)


def dataset_factory(spec: DatasetSpec) -> Callable[[], DatasetSpec]:
    """A registrable factory returning the fixed ``DatasetSpec`` ``spec``, documented by the
    spec's description and citation (what ``lexiplug plugins`` and the registry show)."""

    def dataset() -> DatasetSpec:
        return spec

    dataset.__doc__ = f"{spec.description}. {spec.citation}"
    return dataset


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

    returns = build if inspect.isclass(build) else None
    return _described(factory, parameters, name=name, module=getattr(build, "__module__", None),
                      doc=doc or settings.__doc__, returns=returns)


def class_factory(cls: type[T], *, name: str, doc: str | None = None) -> Callable[..., T]:
    """A registrable factory with the signature of ``cls.__init__``, type hints resolved.

    confection reads a factory's type hints with ``typing.get_type_hints``, which on a class
    gives its attributes, not its constructor's arguments; this factory carries the
    constructor's, so a class whose module imports nothing heavy at top is registered without
    a hand-written shim that re-lists every argument.
    """
    hints = typing.get_type_hints(cls.__init__)
    # a dataclass field with default_factory shows a sentinel as its default: confection
    # would fill the config with it, so the factory's signature carries a made value instead
    made = ({f.name: f.default_factory() for f in dataclasses.fields(cls)
             if f.default_factory is not dataclasses.MISSING}
            if dataclasses.is_dataclass(cls) else {})
    parameters = [p.replace(annotation=hints.get(p.name, Any),
                            default=made.get(p.name, p.default))
                  for p in inspect.signature(cls).parameters.values()]

    def factory(*args: Any, **kwargs: Any) -> T:
        return cls(*args, **kwargs)

    return _described(factory, parameters, name=name, module=cls.__module__,
                      doc=doc or cls.__doc__, returns=cls)


def _described(factory: Callable[..., T], parameters: list[inspect.Parameter], *, name: str,
               module: str | None, doc: str | None, returns: type | None) -> Callable[..., T]:
    """``factory`` dressed as a hand-written function: signature, type hints (the return
    type too, so tests/test_contracts.py can check the object it makes), name, docstring."""
    empty = inspect.Signature.empty
    factory.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        parameters, return_annotation=empty if returns is None else returns)
    factory.__annotations__ = {p.name: p.annotation for p in parameters}
    if returns is not None:
        factory.__annotations__["return"] = returns
    factory.__name__ = factory.__qualname__ = name
    factory.__module__ = module or __name__
    factory.__doc__ = doc
    return factory


def _default(field: dataclasses.Field[Any]) -> Any:
    if field.default is not dataclasses.MISSING:
        return field.default
    if field.default_factory is not dataclasses.MISSING:
        return field.default_factory()
    return inspect.Parameter.empty


def read_saved_json(path: Any, format_name: str, folder_kind: str) -> dict[str, Any]:
    """The JSON object a plugin saved at ``path``, checked to carry ``"format": format_name``.

    Saved model folders of every family share this first check, so each states its own
    fields after it; every failure is a ``FormatError`` naming the file. ``folder_kind`` says
    what folder a user should have given ("a saved LM folder (config.json and ...)").
    """
    import json
    from pathlib import Path

    from .errors import FormatError

    path = Path(path)
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise FormatError(f"expected {folder_kind}; {path.name} is missing", path=path) from None
    except (OSError, ValueError) as error:
        raise FormatError(f"expected JSON ({error})", path=path) from None
    if not isinstance(config, dict) or config.get("format") != format_name:
        raise FormatError(f"expected a config of format {format_name!r}", path=path)
    return config
