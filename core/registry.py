"""lexiplug's registries: named, versioned factories that configs and code resolve.

Backed by catalogue (without its own entry-point scanning: our plugin loader does that, one
plugin at a time). Looking up a name loads the plugins first, so ``import lexiplug`` stays
cheap and a misspelt name gets an error that lists what exists and what failed to load.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
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
    "engines",
    "doc_embedders",
    "lm_schemes",
)

_SINGULAR = {name: name[:-1] for name in SECTION_NAMES} | {
    "corpora": "corpus", "doc_embedders": "document embedder",
    "lm_schemes": "language-model scheme"}


def _ensure_loaded() -> None:
    # imported here: the loader imports this module, and ``import lexiplug`` loads no plugin
    from .plugin_loader import ensure_plugins_loaded

    ensure_plugins_loaded()


class Section:
    """One registry (e.g. ``embedders``): register, look up and list functions by name."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._catalogue = catalogue.create(NAMESPACE, name, entry_points=False)
        self._metadata: dict[str, Mapping[str, Any]] = {}

    def register(self, name: str, *, func: F | None = None, **metadata: Any) -> Any:
        """Register ``func`` under ``name``; without ``func``, return a decorator.

        ``metadata`` describes the entry for code that chooses among entries without calling
        them (``dataset_kinds`` of an evaluator, ``default_evaluation`` of a dataset): core code
        reads these keys instead of knowing plugin names.
        """
        self._metadata[name] = MappingProxyType(dict(metadata))
        return self._catalogue.register(name, func=func)

    def metadata(self, name: str) -> Mapping[str, Any]:
        """What ``name`` was registered with (empty when nothing); raises for unknown names."""
        self.get(name)
        return self._metadata.get(name, MappingProxyType({}))

    def with_metadata(self, key: str) -> dict[str, Any]:
        """``{name: metadata[key]}`` for every entry registered with ``key``, in registration
        order (plugins load in entry-point name order, so the order is stable)."""
        _ensure_loaded()
        present = self._registered_names()
        return {
            name: meta[key]
            for name, meta in self._metadata.items()
            if key in meta and name in present
        }

    def get(self, name: str) -> Callable[..., Any]:
        _ensure_loaded()
        if name in self._catalogue:
            return self._catalogue.get(name)
        known = self.names()
        lines = [f"Unknown {_SINGULAR.get(self.name, self.name)} {name!r}."]
        close = difflib.get_close_matches(name, known, n=3, cutoff=0.6)
        if close:
            lines.append(f"Did you mean: {', '.join(close)}?")
        lines.append(f"Available {self.name}: {', '.join(known) if known else '(none)'}.")
        from .plugin_loader import failed_plugins

        failed = failed_plugins()
        if failed:
            lines.append(
                "Plugins that failed to load: "
                + "; ".join(f"{record.name} ({record.error})" for record in failed)
                + ". Run `lexiplug plugins list` for details."
            )
        raise RegistryError(" ".join(lines), where=f"registry.{self.name}")

    def has(self, name: str) -> bool:
        _ensure_loaded()
        return name in self._catalogue

    def names(self) -> list[str]:
        _ensure_loaded()
        return sorted(self._catalogue.get_all())

    def get_all(self) -> dict[str, Callable[..., Any]]:
        _ensure_loaded()
        return dict(self._catalogue.get_all())

    def _registered_names(self) -> set[str]:
        return set(self._catalogue.get_all())

    def _clear(self) -> None:
        for key in [key for key in catalogue.REGISTRY if key[:2] == (NAMESPACE, self.name)]:
            del catalogue.REGISTRY[key]
        self._metadata.clear()


class Registries:
    """The set of lexiplug registries, one attribute per section."""

    corpora: Section
    datasets: Section
    embedders: Section
    encoders: Section
    transforms: Section
    evaluators: Section
    engines: Section
    doc_embedders: Section
    lm_schemes: Section

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

    def _snapshot(self) -> RegistrySnapshot:
        """Every entry and its metadata, to undo what a plugin that then failed registered."""
        entries = {key: value for key, value in catalogue.REGISTRY.items() if key[0] == NAMESPACE}
        metadata = {name: dict(self.section(name)._metadata) for name in SECTION_NAMES}
        return RegistrySnapshot(entries, metadata)

    def _restore(self, snapshot: RegistrySnapshot) -> None:
        """Back to ``snapshot``: new names go, names a plugin overwrote get their old entry."""
        for key in [key for key in catalogue.REGISTRY if key[0] == NAMESPACE]:
            del catalogue.REGISTRY[key]
        catalogue.REGISTRY.update(snapshot.entries)
        for name in SECTION_NAMES:
            section = self.section(name)
            section._metadata.clear()
            section._metadata.update(snapshot.metadata[name])


@dataclass(frozen=True)
class RegistrySnapshot:
    entries: dict[tuple[str, ...], Any]
    metadata: dict[str, dict[str, Mapping[str, Any]]]


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
