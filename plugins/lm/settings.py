"""The ``[lm]`` block of an LM-lab config, checked once (no torch needed to read it).

A config has the ``[lm]`` block (these fields) and an ``[lm.scheme]`` block naming a
registered scheme (``@lm_schemes = "lexiplug.lm_bytes.v1"``) with its own arguments::

    [lm]
    output = "runs/lm/bytes"
    context = 256
    max_steps = 2000

    [lm.scheme]
    @lm_schemes = "lexiplug.lm_bytes.v1"
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from lexiplug.errors import ConfigError, FormatError, RegistryError

DEVICES = ("auto", "cpu", "cuda")
DTYPES = ("auto", "float32", "bfloat16")
# what may differ between a checkpoint and the config that resumes it
NOT_COMPARED = ("output", "device", "dtype", "threads", "checkpoint_every", "log_every",
                "eval_every", "eval_batches", "max_eval_bytes", "eval_data")


@dataclass
class LMSettings:
    """One LM-lab training run (docs/lm_lab.md lists every key).

    Data: ``data`` is a text file, or a folder of ``pattern`` files found through the data
    resolver (default: the Gutenberg books); ``held_out`` of its files (whole books, chosen by
    ``seed``) are held out, or the last ``held_out`` of a single file; ``eval_data`` names
    held-out text explicitly instead. ``max_train_bytes`` / ``max_eval_bytes`` keep the first
    N bytes (0: all). Backbone: ``dim``, ``layers``, ``heads``, ``context`` (positions per
    sequence; evaluation refuses longer contexts). Training: ``max_steps`` steps of
    ``batch_size`` random windows, AdamW with ``warmup`` steps of linear warm-up then cosine
    decay to a tenth of ``learning_rate``. ``threads``: torch CPU threads (0: torch's
    default); as in the oov family, one is the default, since these small matrices gain
    little from more and threads that wait for each other crawl on a busy machine.
    ``eval_every`` > 0 records held-out bits per byte
    on ``eval_batches`` batches during training (the training curve).
    """

    output: str = "runs/lm/model"
    data: str = "corpora/gutenberg-nltk"
    pattern: str = "*.txt"
    held_out: float = 0.05
    eval_data: str | None = None
    max_train_bytes: int = 0
    max_eval_bytes: int = 0
    dim: int = 128
    layers: int = 4
    heads: int = 4
    context: int = 128
    batch_size: int = 16
    max_steps: int = 1000
    learning_rate: float = 0.001
    warmup: int = 50
    weight_decay: float = 0.1
    grad_clip: float = 1.0
    seed: int = 0
    device: str = "auto"
    dtype: str = "auto"
    threads: int = 1
    checkpoint_every: int = 200
    log_every: int = 10
    eval_every: int = 0
    eval_batches: int = 4

    def __post_init__(self) -> None:
        positive = ("dim", "layers", "heads", "context", "batch_size", "max_steps",
                    "checkpoint_every", "log_every", "eval_batches")
        for name in positive:
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ConfigError(f"expected a positive integer; found {value!r}", where=name)
        for name in ("max_train_bytes", "max_eval_bytes", "warmup", "threads", "eval_every",
                     "seed"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ConfigError(f"expected an integer >= 0; found {value!r}", where=name)
        if self.dim % self.heads or (self.dim // self.heads) % 2:
            raise ConfigError(f"dim {self.dim} must split into {self.heads} heads of an even "
                              "size (rotary positions rotate pairs)", where="dim")
        for name in ("learning_rate", "grad_clip"):
            if not isinstance(getattr(self, name), (int, float)) or not getattr(self, name) > 0:
                raise ConfigError(f"expected a positive number; found {getattr(self, name)!r}",
                                  where=name)
        if not isinstance(self.weight_decay, (int, float)) or self.weight_decay < 0:
            raise ConfigError(f"expected a number >= 0; found {self.weight_decay!r}",
                              where="weight_decay")
        if not isinstance(self.held_out, (int, float)) or not 0 < self.held_out < 1:
            raise ConfigError(f"expected a fraction in (0, 1); found {self.held_out!r}",
                              where="held_out")
        if self.device not in DEVICES and not str(self.device).startswith("cuda:"):
            raise ConfigError(f"expected one of {DEVICES} or 'cuda:N'; found {self.device!r}",
                              where="device")
        if self.dtype not in DTYPES:
            raise ConfigError(f"expected one of {DTYPES}; found {self.dtype!r}", where="dtype")

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def compared(self) -> dict[str, Any]:
        """What must match to resume from a checkpoint (everything that shapes the run)."""
        return {k: v for k, v in asdict(self).items() if k not in NOT_COMPARED}


def differences(saved: Mapping[str, Any], current: Mapping[str, Any]) -> list[str]:
    """``key: saved != current`` for every key whose value differs (or is in one only)."""
    keys = sorted(set(saved) | set(current))
    return [f"{key}: {saved.get(key, '(absent)')!r} in the checkpoint, "
            f"{current.get(key, '(absent)')!r} now"
            for key in keys if saved.get(key) != current.get(key)]


def read_config(path: str | Path, overrides: Mapping[str, Any] | None = None
                ) -> tuple[LMSettings, Any]:
    """The settings and the scheme of a config file; errors name ``lm.<key>``.

    ``overrides`` are dotted keys as on the command line (``{"lm.max_steps": 10}``,
    ``{"lm.scheme.vocab_size": 512}``).
    """
    from confection import Config

    from .schemes import scheme_by_name

    try:
        loaded = Config().from_disk(path, interpolate=True)
    except (OSError, ValueError) as error:
        raise FormatError(f"expected a config file ({error})", path=path) from None
    block = loaded.get("lm")
    if not isinstance(block, dict):
        raise ConfigError("expected an [lm] block", where=str(path))
    block = {k: (dict(v) if isinstance(v, dict) else v) for k, v in block.items()}
    for key, value in (overrides or {}).items():
        parts = key.split(".")
        if parts[0] != "lm" or len(parts) < 2:
            raise ConfigError(f"expected an override of lm.KEY or lm.scheme.KEY; found "
                              f"{key!r}", where="command line")
        target = block
        for part in parts[1:-1]:
            target = target.setdefault(part, {})
        target[parts[-1]] = value
    scheme_block = dict(block.pop("scheme", None) or {})
    name = scheme_block.pop("@lm_schemes", None)
    if not name:
        raise ConfigError('expected an [lm.scheme] block with @lm_schemes = "<name>" (e.g. '
                          '"lexiplug.lm_bytes.v1")', where="lm.scheme")
    known = {f.name for f in fields(LMSettings)}
    unknown = sorted(set(block) - known)
    if unknown:
        raise ConfigError(f"unknown keys {unknown}; known: {sorted(known)}", where="lm")
    try:
        settings = LMSettings(**block)
    except ConfigError as error:
        raise ConfigError(error.message, where=f"lm.{error.where}") from None
    try:
        scheme = scheme_by_name(name, scheme_block)
    except RegistryError as error:
        raise ConfigError(error.message, where="lm.scheme.@lm_schemes") from None
    except ConfigError as error:
        where = "lm.scheme" + (f".{error.where}" if error.where else "")
        raise ConfigError(error.message, where=where) from None
    return settings, scheme
