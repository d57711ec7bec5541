"""``DocumentVectors``: what every document embedder here returns (lexiplug.contracts.DocVectors).

One row per document in corpus order: a float32 matrix (``vectors``), packed binary codes
(``codes``, ``numpy.packbits`` of ``bits`` bits per row, so 128 bits take 16 bytes), or both
(Real-Binary PV). Saved as a folder of ``vectors.npy`` / ``codes.npy`` and ``meta.json``
(keys, labels, bits, metadata), written atomically; nothing is pickled.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from lexiplug.atomic import atomic_dir
from lexiplug.errors import ConfigError, FormatError

FORMAT = "lexiplug-doc-vectors"


def check_bits(bits: int, where: str = "bits") -> int:
    """Codes are stored packed in whole bytes: ``bits`` must be a positive multiple of 8."""
    if not isinstance(bits, int) or isinstance(bits, bool) or bits <= 0 or bits % 8:
        raise ConfigError(f"expected a code length that is a positive multiple of 8 (32, 64, "
                          f"128), found {bits!r}", where=where)
    return bits


def pack_codes(binary: np.ndarray) -> np.ndarray:
    """``(n, bits)`` of 0/1 (or booleans) -> ``(n, bits // 8)`` uint8, big-endian bits."""
    binary = np.asarray(binary)
    check_bits(int(binary.shape[1]))
    return np.packbits(binary.astype(bool), axis=1)


def unpack_codes(codes: np.ndarray, bits: int) -> np.ndarray:
    return np.unpackbits(codes, axis=1, count=bits)


@dataclass
class DocumentVectors:
    """Document rows (see the module docstring). ``model`` is the fitted embedder, kept so a
    study's retrieval evaluator can infer rows for its queries; it is never saved."""

    keys: list[str]
    labels: list[str] | None
    vectors: np.ndarray | None = None
    codes: np.ndarray | None = None
    bits: int = 0
    metadata: dict[str, Any] = field(default_factory=dict)
    model: Any = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        n = len(self.keys)
        if self.vectors is None and self.codes is None:
            raise ConfigError("document vectors need real vectors, binary codes or both",
                              where="vectors")
        if self.vectors is not None:
            self.vectors = np.asarray(self.vectors, dtype=np.float32)
            if self.vectors.ndim != 2 or len(self.vectors) != n:
                raise ConfigError(f"expected a ({n}, dim) matrix, found shape "
                                  f"{self.vectors.shape}", where="vectors")
        if self.codes is not None:
            check_bits(self.bits)
            if self.codes.dtype != np.uint8 or self.codes.shape != (n, self.bits // 8):
                raise ConfigError(f"expected ({n}, {self.bits // 8}) uint8 packed codes, found "
                                  f"{self.codes.dtype} {self.codes.shape}", where="codes")
        if self.labels is not None and len(self.labels) != n:
            raise ConfigError(f"expected {n} labels, found {len(self.labels)}", where="labels")

    def __len__(self) -> int:
        return len(self.keys)

    def __contains__(self, key: object) -> bool:
        return key in set(self.keys)

    @property
    def dim(self) -> int:
        """Width of the real vectors, or the code length for code-only rows."""
        return int(self.vectors.shape[1]) if self.vectors is not None else self.bits

    def subset(self, indices: Iterable[int]) -> DocumentVectors:
        chosen = np.fromiter(indices, dtype=np.int64)
        return DocumentVectors(
            [self.keys[i] for i in chosen],
            None if self.labels is None else [self.labels[i] for i in chosen],
            None if self.vectors is None else self.vectors[chosen],
            None if self.codes is None else self.codes[chosen], self.bits,
            dict(self.metadata), self.model)

    def save(self, folder: str | Path) -> Path:
        """Write the folder atomically: a crash leaves the old folder or the new one."""
        target = Path(folder)
        with atomic_dir(target) as tmp:
            if self.vectors is not None:
                np.save(tmp / "vectors.npy", self.vectors, allow_pickle=False)
            if self.codes is not None:
                np.save(tmp / "codes.npy", self.codes, allow_pickle=False)
            meta = {"format": FORMAT, "version": 1, "keys": self.keys, "labels": self.labels,
                    "bits": self.bits, "metadata": self.metadata}
            (tmp / "meta.json").write_text(json.dumps(meta, default=str), encoding="utf-8")
        return target


def load_doc_vectors(folder: str | Path) -> DocumentVectors:
    """Read a folder :meth:`DocumentVectors.save` wrote; FormatError names what is wrong."""
    folder = Path(folder)
    meta_path = folder / "meta.json"
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise FormatError(f"expected document vectors' meta.json ({error})",
                          path=meta_path) from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise FormatError(f"expected format {FORMAT!r}", path=meta_path)
    arrays: dict[str, np.ndarray | None] = {}
    for name in ("vectors", "codes"):
        path = folder / f"{name}.npy"
        try:
            arrays[name] = np.load(path, allow_pickle=False) if path.exists() else None
        except ValueError as error:
            raise FormatError(f"expected a .npy array ({error})", path=path) from None
    try:
        return DocumentVectors(list(meta["keys"]), meta.get("labels"), arrays["vectors"],
                               arrays["codes"], int(meta.get("bits", 0)),
                               dict(meta.get("metadata") or {}))
    except (KeyError, ConfigError) as error:
        raise FormatError(f"the saved document vectors do not fit together: {error}",
                          path=folder) from None
