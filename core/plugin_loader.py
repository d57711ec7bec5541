"""Find and load plugins from the ``lexiplug`` entry-point group, one failure at a time.

pluggy's ``load_setuptools_entrypoints`` stops at the first plugin that fails to import; we
load each entry point on its own so a broken third-party plugin cannot take the rest down.
Loading is lazy: it runs on the first registry lookup, never at ``import lexiplug``.
"""

from __future__ import annotations

import importlib.metadata
import logging
import os
import sys
import threading
import time
import traceback
from dataclasses import dataclass, field
from typing import Any

import pluggy

from . import hookspecs

logger = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "lexiplug"
DISABLE_ENV = "LEXIPLUG_DISABLE_PLUGINS"
TRACE_ENV = "LEXIPLUG_TRACE_PLUGINS"


@dataclass
class PluginRecord:
    """What happened when one entry point was loaded."""

    name: str
    module: str
    distribution: str | None
    version: str | None
    status: str  # "loaded", "failed" or "disabled"
    seconds: float = 0.0
    error: str | None = None
    registered: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "module": self.module,
            "distribution": self.distribution,
            "version": self.version,
            "status": self.status,
            "seconds": round(self.seconds, 4),
            "error": self.error,
            "registered": list(self.registered),
        }


_lock = threading.RLock()
_manager: pluggy.PluginManager | None = None
_records: list[PluginRecord] = []
_loaded = False
_loading = False  # a plugin's register hook that looks names up must not restart loading


def _disabled_names() -> set[str]:
    raw = os.environ.get(DISABLE_ENV, "")
    return {part.strip() for part in raw.split(",") if part.strip()}


def _trace(message: str) -> None:
    if os.environ.get(TRACE_ENV, "") not in ("", "0", "false"):
        print(f"[lexiplug plugins] {message}", file=sys.stderr)


def plugin_manager() -> pluggy.PluginManager:
    """The process-wide plugin manager, with every plugin loaded."""
    ensure_plugins_loaded()
    assert _manager is not None
    return _manager


def plugin_records() -> list[PluginRecord]:
    """One record per entry point: loaded, failed (with the error) or disabled."""
    ensure_plugins_loaded()
    return list(_records)


def failed_plugins() -> list[PluginRecord]:
    return [record for record in plugin_records() if record.status == "failed"]


def ensure_plugins_loaded() -> None:
    """Load every entry point of the ``lexiplug`` group once, recording failures."""
    global _manager, _loaded, _loading
    if _loaded:
        return
    with _lock:
        if _loaded or _loading:
            return
        _loading = True
        try:
            _load_entry_points()
        finally:
            _loading = False


def _load_entry_points() -> None:
    global _manager, _loaded
    from .registry import registry  # local: registry imports this module lazily too

    manager = pluggy.PluginManager(hookspecs.PROJECT_NAME)
    manager.add_hookspecs(hookspecs)
    disabled = _disabled_names()
    entry_points = sorted(
        importlib.metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda ep: ep.name
    )
    seen: dict[str, PluginRecord] = {}
    for entry_point in entry_points:
        first = seen.get(entry_point.name)
        if first is not None and first.module == entry_point.value:
            continue  # the same dist visible twice on sys.path
        dist = getattr(entry_point, "dist", None)
        record = PluginRecord(
            name=entry_point.name,
            module=entry_point.value,
            distribution=dist.name if dist is not None else None,
            version=dist.version if dist is not None else None,
            status="disabled" if entry_point.name in disabled else "loaded",
        )
        _records.append(record)
        if first is not None:  # two plugins under one name: keep the first, say so
            record.status = "failed"
            record.error = (
                f"entry point name {entry_point.name!r} is already used by "
                f"{first.distribution or '?'} ({first.module}); rename one of them"
            )
            logger.warning("lexiplug plugin %r not loaded: %s", record.name, record.error)
            _trace(f"{entry_point.name}: FAILED {record.error}")
            continue
        seen[entry_point.name] = record
        if record.status == "disabled":
            _trace(f"{entry_point.name}: disabled by {DISABLE_ENV}")
            continue
        start = time.perf_counter()
        before = registry.all_names()
        snapshot = registry._snapshot()
        try:
            module = entry_point.load()
            manager.register(module, name=entry_point.name)
            hook_impls = [
                impl for impl in manager.hook.lexiplug_register.get_hookimpls()
                if impl.plugin is module
            ]
            for impl in hook_impls:
                impl.function(registry=registry)
        except KeyboardInterrupt:
            raise
        except BaseException as error:  # a plugin's bug, even SystemExit,
            # must not break every lexiplug command
            record.status = "failed"
            record.error = f"{type(error).__name__}: {error}"
            # A half-registered plugin would fail at run time, after other steps trained:
            # its names go, and names it overwrote get their previous entry back.
            dropped = sorted(registry.all_names() - before)
            registry._restore(snapshot)
            if dropped:
                record.error += f" (its names were dropped: {', '.join(dropped)})"
            if manager.is_registered(manager.get_plugin(entry_point.name)):
                manager.unregister(name=entry_point.name)
            logger.warning("lexiplug plugin %r failed to load: %s", entry_point.name, error)
            _trace(f"{entry_point.name}: FAILED\n{traceback.format_exc()}")
        record.seconds = time.perf_counter() - start
        record.registered = sorted(registry.all_names() - before)
        if record.status == "loaded":
            _trace(
                f"{entry_point.name}: loaded in {record.seconds * 1000:.1f} ms, "
                f"registered {len(record.registered)} names"
            )
    _manager = manager
    _loaded = True


def reset_for_tests() -> None:
    """Forget loaded plugins, so a test can load them again under another environment."""
    global _manager, _loaded
    with _lock:
        _manager = None
        _loaded = False
        _records.clear()
