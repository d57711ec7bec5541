"""The step cache: each step's output stored under a hash of what determines it.

A step's key hashes its filled config (registered name + every argument, defaults included),
the checksums of its inputs (corpus files, datasets) and the keys of the steps it reads, so a
re-run recomputes exactly the steps whose inputs changed. Entries are written atomically: a
crash leaves either the old entry or none, and concurrent writers of one key (two studies
sharing a cache) each leave a complete copy. The cache only saves work, so an entry that
cannot be written is a warning, never the end of a study that has already trained.
"""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path
from typing import Any

import numpy as np

from ..atomic import atomic_dir, atomic_open, recover
from ..evaluation.result import ItemRecord, Result
from ..vectors import Vectors

logger = logging.getLogger(__name__)

VectorsOutput = Vectors | dict[str, Vectors]


def step_key(kind: str, payload: dict[str, Any]) -> str:
    """A stable 20-hex-digit hash of ``payload`` (sorted JSON; non-JSON values by ``str``)."""
    text = json.dumps({"kind": kind, **payload}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:20]


class StepCache:
    """Vectors and evaluation results by step key, under one folder (``None`` disables it)."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder

    # -- vectors -------------------------------------------------------------------------

    def _vectors_dir(self, key: str) -> Path | None:
        return None if self.folder is None else self.folder / "vectors" / key

    def has_vectors(self, key: str) -> bool:
        """Whether ``load_vectors(key)`` would find an entry (without reading the arrays)."""
        folder = self._vectors_dir(key)
        return folder is not None and (folder / "entry.json").is_file()

    def load_vectors(self, key: str) -> VectorsOutput | None:
        folder = self._vectors_dir(key)
        if folder is None:
            return None
        recover(folder)  # a previous copy stranded by a writer killed mid-replace
        if not (folder / "entry.json").is_file():
            return None
        try:
            entry = json.loads((folder / "entry.json").read_text(encoding="utf-8"))
            if entry["kind"] == "slices":
                return {name: _read_vectors(folder / f"slice_{i}")
                        for i, name in enumerate(entry["slices"])}
            return _read_vectors(folder / "vectors")
        except Exception as error:  # a damaged entry is recomputed, not fatal
            logger.warning("ignoring unreadable cache entry %s: %s", folder, error)
            return None

    def save_vectors(self, key: str, value: VectorsOutput) -> None:
        folder = self._vectors_dir(key)
        if folder is None:
            return
        try:
            with atomic_dir(folder) as tmp:
                if isinstance(value, dict):
                    for i, vectors in enumerate(value.values()):
                        _write_vectors(vectors, tmp / f"slice_{i}")
                    entry = {"kind": "slices", "slices": list(value)}
                else:
                    _write_vectors(value, tmp / "vectors")
                    entry = {"kind": "vectors"}
                (tmp / "entry.json").write_text(json.dumps(entry), encoding="utf-8")
        except OSError as error:
            logger.warning("could not write cache entry %s (%s); the step will be recomputed "
                           "next time", folder, error)

    # -- evaluation results --------------------------------------------------------------

    def _results_file(self, key: str) -> Path | None:
        return None if self.folder is None else self.folder / "results" / f"{key}.json"

    def load_results(self, key: str) -> list[Result] | None:
        path = self._results_file(key)
        if path is None or not path.is_file():
            return None
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return [result_from_dict(item) for item in data]
        except Exception as error:
            logger.warning("ignoring unreadable cache entry %s: %s", path, error)
            return None

    def save_results(self, key: str, results: list[Result]) -> None:
        path = self._results_file(key)
        if path is None:
            return
        try:
            with atomic_open(path, "w", encoding="utf-8") as handle:
                json.dump([r.to_dict() for r in results], handle, default=_json_default)
        except OSError as error:
            logger.warning("could not write cache entry %s (%s); the step will be recomputed "
                           "next time", path, error)


def result_from_dict(data: dict[str, Any]) -> Result:
    """Rebuild a :class:`Result` written by ``Result.to_dict``."""
    fields = {key: data[key] for key in (
        "evaluator", "dataset", "metrics", "primary", "n_items", "n_covered",
    )}
    return Result(
        **fields,
        ci={name: (float(low), float(high)) for name, (low, high) in data.get("ci", {}).items()},
        details=list(data.get("details") or []),
        dataset_checksum=data.get("dataset_checksum"),
        warnings=list(data.get("warnings") or []),
        extra=dict(data.get("extra") or {}),
        items=[ItemRecord(**item) for item in data.get("items") or []],
        item_statistic=data.get("item_statistic"),
        higher_is_better=data.get("higher_is_better", True),
    )


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    return str(value)


def _write_vectors(vectors: Vectors, folder: Path) -> None:
    from ..vectors.io import save_vectors

    save_vectors(vectors, folder, format="native")


def _read_vectors(folder: Path) -> Vectors:
    from ..vectors.io import load_vectors

    return load_vectors(folder, format="native")
