"""Helpers the tests import (fixtures stay in conftest.py): a skip for checks that need the
shared data, fake ``lexiplug`` entry points to load plugins without installing them, small
vectors files, and the bench scripts loaded as modules."""

from __future__ import annotations

import importlib.util
import sys
import types
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from lexiplug import plugin_loader
from lexiplug.hookspecs import hookimpl
from lexiplug.vectors import Vectors

BENCH = Path(__file__).resolve().parents[1] / "bench"


def load_bench_module(file_name: str, monkeypatch: pytest.MonkeyPatch | None = None
                      ) -> types.ModuleType:
    """``bench/<file_name>`` as a fresh module: the bench scripts are not a package and import
    their neighbours (``_harness``), so ``bench/`` goes on ``sys.path`` for the test through
    ``monkeypatch`` (for functions that import a neighbour when called), or only while the
    module loads when no ``monkeypatch`` is given."""
    path = BENCH / file_name
    spec = importlib.util.spec_from_file_location(f"bench_{path.stem}", path)
    assert spec is not None and spec.loader is not None, path
    module = importlib.util.module_from_spec(spec)
    if monkeypatch is not None:
        monkeypatch.syspath_prepend(str(BENCH))
        spec.loader.exec_module(module)
        return module
    sys.path.insert(0, str(BENCH))
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(BENCH))
    return module


def require_data(relative: str) -> None:
    """Skip the calling test, with a clear reason, when a shared dataset is absent."""
    from lexiplug.data.resolver import data_available, data_roots

    if not data_available(relative):
        roots = ", ".join(str(r) for r in data_roots())
        pytest.skip(f"needs shared data {relative!r} (looked in: {roots}; set LEXIPLUG_DATA)")


@dataclass
class FakeDistribution:
    name: str
    version: str = "1.0"


@dataclass
class FakeEntryPoint:
    """Just what the loader uses of ``importlib.metadata.EntryPoint``."""

    name: str
    module: types.ModuleType | BaseException
    dist: FakeDistribution | None = field(default_factory=lambda: FakeDistribution("fake-dist"))
    loads: int = 0

    @property
    def value(self) -> str:
        return self.module.__name__ if isinstance(self.module, types.ModuleType) else "broken"

    def load(self) -> types.ModuleType:
        self.loads += 1
        if isinstance(self.module, BaseException):
            raise self.module
        return self.module


def plugin_module(
    name: str, register: Callable[[Any], None], **hooks: Callable
) -> types.ModuleType:
    """A module object with a ``lexiplug_register`` hookimpl (and any other hooks)."""
    module = types.ModuleType(name)

    def lexiplug_register(registry: Any) -> None:
        register(registry)

    module.lexiplug_register = hookimpl(lexiplug_register)  # type: ignore[attr-defined]
    for hook_name, function in hooks.items():
        setattr(module, hook_name, hookimpl(function))
    return module


def registers(section: str, *names: str) -> Callable[[Any], None]:
    def register(registry: Any) -> None:
        for name in names:
            registry.section(section).register(name, func=lambda name=name: name)

    return register


def fails_with(error: BaseException) -> Callable[[Any], None]:
    def register(registry: Any) -> None:
        raise error

    return register


def records_by_name() -> dict[str, plugin_loader.PluginRecord]:
    return {record.name: record for record in plugin_loader.plugin_records()}


def write_random_vectors(path: Path, words: Sequence[str], dim: int = 6) -> Path:
    """A word2vec text file of seeded random vectors, for CLI tests that need any file."""
    matrix = np.random.default_rng(0).standard_normal((len(words), dim)).astype(np.float32)
    Vectors(list(words), matrix).save(path, format="word2vec-text")
    return path
