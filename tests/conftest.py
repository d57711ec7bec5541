"""Shared fixtures: seeded tiny data, and a skip for checks that need the shared data."""

from __future__ import annotations

import os

import numpy as np
import pytest
from hypothesis import settings

settings.register_profile("ci", derandomize=True, deadline=None, max_examples=100)
settings.register_profile("dev", deadline=None, max_examples=50)
settings.load_profile("ci" if os.environ.get("CI") else "dev")


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(1234)


def require_data(relative: str) -> None:
    """Skip the calling test, with a clear reason, when a shared dataset is absent."""
    from lexiplug.data.resolver import data_available, data_roots

    if not data_available(relative):
        roots = ", ".join(str(r) for r in data_roots())
        pytest.skip(f"needs shared data {relative!r} (looked in: {roots}; set LEXIPLUG_DATA)")


@pytest.fixture(autouse=True, scope="session")
def _state_key_in_a_temporary_folder(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Signed training state (lexiplug.checkpoint) uses a test key, not the user's own."""
    os.environ.setdefault("LEXIPLUG_STATE_KEY",
                          str(tmp_path_factory.mktemp("state_key") / "state.key"))
