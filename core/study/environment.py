"""What a study ran with: library versions, read from package metadata (nothing imported)."""

from __future__ import annotations

import importlib.metadata
import platform
import sys

TRACKED = ("lexiplug", "numpy", "scipy", "gensim", "torch", "spacy", "scikit-learn", "confection")


def library_versions() -> dict[str, str | None]:
    """Installed version of each tracked library (None when it is not installed)."""
    versions: dict[str, str | None] = {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
    }
    for name in TRACKED:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = None
    return versions
