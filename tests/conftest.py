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
