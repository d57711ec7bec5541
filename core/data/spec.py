"""What a registered dataset is: where its files are, their checksums, how to cite it.

A dataset registry entry is a function (no arguments needed) returning a :class:`DatasetSpec`;
``spec.load()`` reads the files into the dataset's own typed object (word pairs, analogy
questions, treebank sentences...).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import FormatError
from .resolver import resolve_data_path


@dataclass(frozen=True)
class DatasetSpec:
    """A named dataset: relative file paths (resolved by the data resolver), expected sha256
    per file (``None`` = not pinned), a citation and licence, and the reader to call."""

    name: str
    kind: str  # "similarity", "analogy", "bias", "treebank", "retrieval", "corpus", "graph"...
    files: tuple[str, ...]
    reader: Callable[..., Any]
    sha256: dict[str, str] = field(default_factory=dict)
    citation: str = ""
    license: str = ""
    description: str = ""
    gensim_file: bool = False  # files are relative to gensim's bundled test data

    def paths(self) -> list[Path]:
        """The dataset's files, resolved; raises DataNotFoundError naming where it looked."""
        if self.gensim_file:
            from .resolver import gensim_data_dir

            folder = gensim_data_dir()
            from ..errors import DataNotFoundError

            if folder is None:
                raise DataNotFoundError(
                    f"dataset {self.name!r} ships with gensim, which is not installed",
                    where=self.name,
                )
            return [folder / f for f in self.files]
        return [resolve_data_path(f, what=self.name) for f in self.files]

    def available(self) -> bool:
        try:
            return all(p.exists() for p in self.paths())
        except FileNotFoundError:
            return False

    def checksum(self) -> str:
        """sha256 over the files' bytes (first 16 hex digits); verified against ``sha256``."""
        digest = hashlib.sha256()
        for relative, path in zip(self.files, self.paths(), strict=True):
            file_digest = file_sha256(path)
            expected = self.sha256.get(relative)
            if expected is not None and expected != file_digest:
                raise FormatError(
                    f"checksum mismatch for dataset {self.name!r}: expected sha256 {expected}, "
                    f"found {file_digest}; the file was changed or is another version",
                    path=path,
                )
            digest.update(file_digest.encode())
        return digest.hexdigest()[:16]

    def load(self, **options: Any) -> Any:
        paths = self.paths()
        return self.reader(*paths, **options)


_SHA_CACHE: dict[tuple[str, float, int], str] = {}


def file_sha256(path: Path) -> str:
    stat = path.stat()
    key = (str(path), stat.st_mtime, stat.st_size)
    if key not in _SHA_CACHE:
        digest = hashlib.sha256()
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        _SHA_CACHE[key] = digest.hexdigest()
    return _SHA_CACHE[key]
