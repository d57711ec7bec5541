"""Training checkpoints that are whole or absent, never torn, shared by every trainer.

A checkpoint is one *bundle*: a folder holding the arrays (``arrays.safetensors``), a JSON
state and, written last, ``manifest.json`` with the SHA-256 of every other file and the
trainer's fingerprint (what must match to resume). The bundle is built in a temporary folder
and renamed into place (:func:`lexiplug.atomic.atomic_dir`), so a kill at any moment leaves
the previous bundle or the new one, and reading verifies every checksum before use.

:class:`CheckpointStore` keeps numbered bundles (``ckpt-<step>``) in one folder and removes
the previous one only after the next is complete, so an unlucky kill never costs more than
the work since the last checkpoint.

Bundles may also carry files that only a pickle can hold (gensim's training state). Those
are *signed*: the manifest carries an HMAC-SHA256 under a per-user key (``LEXIPLUG_STATE_KEY``
names its file; default ``~/.config/lexiplug/state.key``, created 0600 on first use), and
:func:`read_bundle` with ``signed=True`` refuses any folder this user's lexiplug did not write.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .atomic import atomic_dir, clean_stale, recover
from .errors import TrainingError

logger = logging.getLogger(__name__)

MANIFEST = "manifest.json"
ARRAYS = "arrays.safetensors"
STATE = "state.json"
FORMAT = "lexiplug-checkpoint"
_STEP_NAME = re.compile(r"^ckpt-(\d+)$")


@dataclass
class Bundle:
    """A verified bundle: its state, arrays, and the paths of its extra files."""

    path: Path
    fingerprint: str
    state: dict[str, Any]
    arrays: dict[str, np.ndarray] = field(default_factory=dict)

    def file(self, name: str) -> Path:
        return self.path / name


def write_bundle(
    path: str | Path,
    *,
    fingerprint: str,
    state: Mapping[str, Any],
    arrays: Mapping[str, np.ndarray] | None = None,
    files: Mapping[str, Callable[[Path], None]] | None = None,
    signed: bool = False,
) -> Path:
    """Write a bundle atomically: ``files`` maps a file name to a function writing it."""
    target = Path(path)
    with atomic_dir(target) as tmp:
        if arrays:
            from safetensors.numpy import save_file

            save_file({k: np.ascontiguousarray(v) for k, v in arrays.items()}, str(tmp / ARRAYS))
        (tmp / STATE).write_text(json.dumps(dict(state), indent=1), encoding="utf-8")
        for name, write in (files or {}).items():
            write(tmp / name)
        manifest: dict[str, Any] = {
            "format": FORMAT, "version": 1, "fingerprint": fingerprint,
            "files": {p.relative_to(tmp).as_posix(): _sha256(p)
                      for p in sorted(tmp.rglob("*")) if p.is_file()},
        }
        if signed:
            manifest["hmac"] = _sign(manifest)
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    return target


def read_bundle(path: str | Path, *, signed: bool = False) -> Bundle:
    """Read and verify a bundle; :class:`TrainingError` names what does not check out."""
    folder = Path(path)
    recover(folder)
    manifest_path = folder / MANIFEST
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise TrainingError(f"expected a lexiplug checkpoint manifest; cannot read it "
                            f"({error})", where=str(manifest_path)) from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise TrainingError(f"expected a manifest of format {FORMAT!r}",
                            where=str(manifest_path))
    if signed and not hmac.compare_digest(str(manifest.get("hmac", "")), _sign(manifest)):
        raise TrainingError(
            "refusing to load: this folder was not written by lexiplug for this user (its "
            "signature does not match), and it holds a pickle", where=str(manifest_path),
        )
    for name, digest in dict(manifest.get("files", {})).items():
        file = folder / name
        if not file.is_file() or _sha256(file) != digest:
            raise TrainingError("a checkpoint file is missing or does not match the checksum "
                                "in the manifest", where=str(file))
    state = json.loads((folder / STATE).read_text(encoding="utf-8"))
    arrays: dict[str, np.ndarray] = {}
    if (folder / ARRAYS).is_file():
        from safetensors.numpy import load_file

        arrays = load_file(str(folder / ARRAYS))
    return Bundle(folder, str(manifest.get("fingerprint")), state, arrays)


class CheckpointStore:
    """Numbered bundles in ``folder``; the newest intact one is the one to resume from."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)

    def save(
        self, step: int, *, fingerprint: str, state: Mapping[str, Any],
        arrays: Mapping[str, np.ndarray],
    ) -> Path:
        """Write checkpoint ``step``; only then remove the older ones."""
        path = write_bundle(self.folder / f"ckpt-{step:012d}", fingerprint=fingerprint,
                            state={**state, "step": step}, arrays=arrays)
        for older_step, older in self._steps():
            if older_step < step:
                _remove_tree(older)
        return path

    def latest(self) -> Bundle | None:
        """The newest intact checkpoint; ``None`` if there is none at all.

        A damaged newest checkpoint (disk trouble: a kill cannot tear one) falls back to the
        previous one with a warning; if every one is damaged, the error names the first.
        """
        steps = self._steps()
        if not steps:
            self._warn_about_old_layout()
            return None
        first_error: TrainingError | None = None
        for _, path in sorted(steps, reverse=True):
            try:
                return read_bundle(path)
            except TrainingError as error:
                logger.warning("skipping damaged checkpoint %s: %s", path, error)
                first_error = first_error or error
        assert first_error is not None
        raise first_error

    def _steps(self) -> list[tuple[int, Path]]:
        if not self.folder.is_dir():
            return []
        clean_stale(self.folder)  # puts back a checkpoint stranded by a kill mid-replace
        found = []
        for entry in self.folder.iterdir():
            match = _STEP_NAME.match(entry.name)
            if match and entry.is_dir():
                found.append((int(match[1]), entry))
        return found

    def _warn_about_old_layout(self) -> None:
        if self.folder.is_dir() and any(p.suffix in (".json", ".safetensors")
                                        for p in self.folder.iterdir()):
            logger.warning("%s holds checkpoint files in a layout older lexiplug versions "
                           "wrote; they are ignored and training starts over", self.folder)


def state_key() -> bytes:
    """This user's key for signing bundles that hold pickles (created on first use)."""
    default = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config") / "lexiplug"
    path = Path(os.environ.get("LEXIPLUG_STATE_KEY") or default / "state.key")
    try:
        return path.read_bytes()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process created it first
        return path.read_bytes()
    with os.fdopen(fd, "wb") as handle:
        handle.write(secrets.token_bytes(32))
    return path.read_bytes()


def _sign(manifest: Mapping[str, Any]) -> str:
    body = json.dumps({k: v for k, v in manifest.items() if k != "hmac"}, sort_keys=True)
    return hmac.new(state_key(), body.encode("utf-8"), hashlib.sha256).hexdigest()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _remove_tree(path: Path) -> None:
    import shutil

    shutil.rmtree(path, ignore_errors=True)


__all__ = ["Bundle", "CheckpointStore", "read_bundle", "state_key", "write_bundle"]
