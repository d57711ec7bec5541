"""lexiplug's registries: named, versioned factories that configs and code resolve.

Backed by catalogue (without its own entry-point scanning: our plugin loader does that, one
plugin at a time). Looking up a name loads the plugins first, so ``import lexiplug`` stays
cheap and a misspelt name gets an error that lists what exists and what failed to load.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from typing import Any, TypeVar

import catalogue

from .errors import RegistryError

F = TypeVar("F", bound=Callable[..., Any])

NAMESPACE = "lexiplug"
SECTION_NAMES = (
    "corpora",
    "datasets",
    "embedders",
    "encoders",
    "transforms",
    "evaluators",
    "reports",
)

_SINGULAR = {name: name[:-1] for name in SECTION_NAMES} | {"corpora": "corpus"}


class Section:
    """One registry (e.g. ``embedders``): register, look up and list functions by name."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._catalogue = catalogue.create(NAMESPACE, name, entry_points=False)

    def register(self, name: str, *, func: F | None = None) -> Any:
        """Register ``func`` under ``name``; without ``func``, return a decorator."""
        return self._catalogue.register(name, func=func)

    def get(self, name: str) -> Callable[..., Any]:
        from .plugin_loader import ensure_plugins_loaded, failed_plugins

        ensure_plugins_loaded()
        if name in self._catalogue:
            return self._catalogue.get(name)
        known = self.names()
        lines = [f"Unknown {_SINGULAR.get(self.name, self.name)} {name!r}."]
        close = difflib.get_close_matches(name, known, n=3, cutoff=0.6)
        if close:
            lines.append(f"Did you mean: {', '.join(close)}?")
        lines.append(f"Available {self.name}: {', '.join(known) if known else '(none)'}.")
        failed = failed_plugins()
        if failed:
            lines.append(
                "Plugins that failed to load: "
                + "; ".join(f"{record.name} ({record.error})" for record in failed)
                + ". Run `lexiplug plugins list` for details."
            )
        raise RegistryError(" ".join(lines), where=f"registry.{self.name}")

    def has(self, name: str) -> bool:
        from .plugin_loader import ensure_plugins_loaded

        ensure_plugins_loaded()
        return name in self._catalogue

    def names(self) -> list[str]:
        from .plugin_loader import ensure_plugins_loaded

        ensure_plugins_loaded()
        return sorted(self._catalogue.get_all())

    def get_all(self) -> dict[str, Callable[..., Any]]:
        from .plugin_loader import ensure_plugins_loaded

        ensure_plugins_loaded()
        return dict(self._catalogue.get_all())

    def _registered_names(self) -> set[str]:
        return set(self._catalogue.get_all())

    def _clear(self) -> None:
        for key in [key for key in catalogue.REGISTRY if key[:2] == (NAMESPACE, self.name)]:
            del catalogue.REGISTRY[key]


class Registries:
    """The set of lexiplug registries, one attribute per section."""

    corpora: Section
    datasets: Section
    embedders: Section
    encoders: Section
    transforms: Section
    evaluators: Section
    reports: Section

    def __init__(self) -> None:
        for section in SECTION_NAMES:
            setattr(self, section, Section(section))

    def section(self, name: str) -> Section:
        if name not in SECTION_NAMES:
            raise RegistryError(
                f"Unknown registry {name!r}. Registries: {', '.join(SECTION_NAMES)}."
            )
        section: Section = getattr(self, name)
        return section

    def all_names(self) -> set[str]:
        """Every registered ``section:name`` (without loading plugins)."""
        return {
            f"{section}:{name}"
            for section in SECTION_NAMES
            for name in self.section(section)._registered_names()
        }

    def _clear(self) -> None:
        for section in SECTION_NAMES:
            self.section(section)._clear()


registry = Registries()


def config_registry() -> type:
    """A confection registry that resolves ``@embedders = "..."`` etc. through ours.

    Built on first use so that confection (and its pydantic) is imported only by code that
    resolves configs.
    """
    global _CONFIG_REGISTRY
    if _CONFIG_REGISTRY is None:
        import confection

        class LexiplugConfigRegistry(confection.registry):  # type: ignore[misc]
            @classmethod
            def has(cls, registry_name: str, func_name: str) -> bool:
                if registry_name in SECTION_NAMES:
                    return registry.section(registry_name).has(func_name)
                return bool(super().has(registry_name, func_name))

            @classmethod
            def get(cls, registry_name: str, func_name: str) -> Callable[..., Any]:
                if registry_name in SECTION_NAMES:
                    return registry.section(registry_name).get(func_name)
                return super().get(registry_name, func_name)  # type: ignore[no-any-return]

        for section in SECTION_NAMES:
            setattr(LexiplugConfigRegistry, section, registry.section(section)._catalogue)
        _CONFIG_REGISTRY = LexiplugConfigRegistry
    return _CONFIG_REGISTRY


_CONFIG_REGISTRY: type | None = None
