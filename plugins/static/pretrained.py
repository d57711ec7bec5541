"""``lexiplug.pretrained.v1``: existing vectors as a study row (nothing is trained).

Lets a study compare vectors trained elsewhere (a GloVe release, a word2vec ``.bin``, a
native folder) with ones it trains. ``fit`` ignores the corpus; the cache key includes the
file's content hash (``fingerprint``), so replacing the file re-runs what depends on it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lexiplug.errors import ConfigError, DataNotFoundError
from lexiplug.registry import Registries

NAME = "lexiplug.pretrained.v1"


class PretrainedVectors:
    def __init__(self, path: Path, format: str, limit: int | None, oov: str) -> None:
        self.path = path
        self.format = format
        self.limit = limit
        self.oov = oov

    def fit(self, corpus: Any = None) -> Any:
        from lexiplug.vectors.io import load_vectors

        return load_vectors(self.path, format=self.format, limit=self.limit,
                            oov=self.oov)  # type: ignore[arg-type]

    def fingerprint(self) -> str:
        """Content hash of the file (or of every file of a native folder)."""
        import hashlib

        from lexiplug.data.spec import file_sha256

        files = sorted(p for p in self.path.rglob("*") if p.is_file()) if self.path.is_dir() \
            else [self.path]
        digest = hashlib.sha256()
        for file in files:
            digest.update(file.name.encode("utf-8"))
            digest.update(file_sha256(file).encode("ascii"))
        return digest.hexdigest()[:16]


def pretrained_v1(
    path: str, format: str = "auto", limit: int | None = None, oov: str = "error"
) -> PretrainedVectors:
    """Load vectors from ``path`` (absolute, or relative to the data folder)."""
    from lexiplug.data.resolver import resolve_data_path

    candidate = Path(path).expanduser()
    try:
        resolved = candidate if candidate.exists() else resolve_data_path(path)
    except DataNotFoundError as error:
        raise DataNotFoundError(error.message, where="path") from None
    if limit is not None and limit <= 0:
        raise ConfigError(f"limit must be a positive number of rows, got {limit}", where="limit")
    return PretrainedVectors(resolved, format, limit, oov)


def register(registry: Registries) -> None:
    registry.embedders.register(NAME, func=pretrained_v1)
