"""Shared fixtures: seeded tiny data and fake plugin entry points (helpers live in helpers.py)."""

from __future__ import annotations

import importlib.metadata
import os
from collections.abc import Iterator
from typing import Any

import catalogue
import numpy as np
import pytest
from hypothesis import settings
from lexiplug import plugin_loader
from lexiplug.registry import NAMESPACE

from tests.helpers import FakeEntryPoint

settings.register_profile("ci", derandomize=True, deadline=None, max_examples=100)
settings.register_profile("dev", deadline=None, max_examples=50)
settings.load_profile("ci" if os.environ.get("CI") else "dev")


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(1234)


@pytest.fixture
def entry_points(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[FakeEntryPoint]]:
    """The fake ``lexiplug`` entry points a test installs, in an emptied registry.

    Afterwards the registry holds what it held before minus the real plugins' names, and the
    loader is reset, so the next lookup loads (and records) the real plugins again.
    """
    fakes: list[FakeEntryPoint] = []
    real_entry_points = importlib.metadata.entry_points

    def fake_entry_points(*, group: str | None = None, **kwargs: Any) -> Any:
        # Other groups get the real answer: a library first imported during the test (pydantic's
        # plugin loader, via confection) binds this function by name and calls it for ever after.
        if group != plugin_loader.ENTRY_POINT_GROUP:
            if group is None:
                return real_entry_points(**kwargs)
            return real_entry_points(group=group, **kwargs)
        return list(fakes)

    # names the real plugins own are dropped: they re-register (and are recorded) on reload
    owned = {name for record in plugin_loader.plugin_records() for name in record.registered}
    saved = {
        key: value for key, value in catalogue.REGISTRY.items()
        if key[0] == NAMESPACE and f"{key[1]}:{key[2]}" not in owned
    }
    for key in [key for key in catalogue.REGISTRY if key[0] == NAMESPACE]:
        del catalogue.REGISTRY[key]
    monkeypatch.setattr(importlib.metadata, "entry_points", fake_entry_points)
    monkeypatch.delenv(plugin_loader.DISABLE_ENV, raising=False)
    monkeypatch.delenv(plugin_loader.TRACE_ENV, raising=False)
    plugin_loader.reset_for_tests()
    yield fakes
    for key in [key for key in catalogue.REGISTRY if key[0] == NAMESPACE]:
        del catalogue.REGISTRY[key]
    catalogue.REGISTRY.update(saved)
    plugin_loader.reset_for_tests()


@pytest.fixture(autouse=True, scope="session")
def _state_key_in_a_temporary_folder(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Signed training state (lexiplug.checkpoint) uses a test key, not the user's own."""
    os.environ.setdefault("LEXIPLUG_STATE_KEY",
                          str(tmp_path_factory.mktemp("state_key") / "state.key"))
