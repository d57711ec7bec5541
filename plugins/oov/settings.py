"""The settings of a byte word encoder, checked once (no torch needed to read or check them)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from lexiplug.errors import ConfigError

WEIGHTINGS = ("log_count", "count", "uniform")
DEVICES = ("cpu", "cuda", "auto")
# the settings that shape the network: a saved encoder's config must carry them all
ARCHITECTURE = ("byte_dim", "widths", "filters", "hidden", "max_bytes")


@dataclass
class ByteEncoderSettings:
    """A byte-level word encoder trained to reproduce a ``Vectors`` table (docs/oov.md).

    ``path``: a saved encoder to load instead of training one. ``weighting``: each training
    word's weight in the loss, from its count in the vectors (``log_count`` = log(1 + count),
    Mimick's frequency weighting softened; ``uniform`` when the vectors carry no counts).
    ``mse_weight``: weight of the squared error (on vectors scaled to mean norm 1) next to
    the cosine loss, so the encoder learns norms as well as directions. ``max_bytes``: longer
    words keep their first and last halves and are counted in a warning. ``threads``: torch
    CPU threads while training and encoding; its small matrices gain little from more, and
    on a busy machine two threads that wait for each other ran ten times slower than one.
    """

    path: str | None = None
    byte_dim: int = 32
    widths: list[int] = field(default_factory=lambda: [1, 2, 3, 4, 5])
    filters: int = 64
    hidden: int = 128
    max_bytes: int = 24
    epochs: int = 30
    batch_size: int = 256
    learning_rate: float = 0.003
    weighting: Literal["log_count", "count", "uniform"] = "log_count"
    mse_weight: float = 0.5
    seed: int = 0
    device: Literal["cpu", "cuda", "auto"] = "cpu"
    threads: int = 1

    def __post_init__(self) -> None:
        if self.path is not None and not Path(self.path, "config.json").is_file():
            raise ConfigError(f"expected the folder of a saved byte encoder (config.json + "
                              f"model.safetensors); found no {Path(self.path, 'config.json')}",
                              where="path")
        for name in ("byte_dim", "filters", "hidden", "epochs", "batch_size", "threads"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ConfigError(f"expected a positive integer; found {value!r}", where=name)
        if not isinstance(self.max_bytes, int) or self.max_bytes < 2:
            raise ConfigError(f"expected an integer >= 2; found {self.max_bytes!r}",
                              where="max_bytes")
        widths = list(self.widths)
        if not widths or any(not isinstance(w, int) or w < 1 for w in widths):
            raise ConfigError(f"expected a non-empty list of positive integers; found "
                              f"{self.widths!r}", where="widths")
        self.widths = widths
        if not self.learning_rate > 0:
            raise ConfigError(f"expected a positive number; found {self.learning_rate!r}",
                              where="learning_rate")
        if not self.mse_weight >= 0:
            raise ConfigError(f"expected a number >= 0; found {self.mse_weight!r}",
                              where="mse_weight")
        if self.weighting not in WEIGHTINGS:
            raise ConfigError(f"expected one of {WEIGHTINGS}; found {self.weighting!r}",
                              where="weighting")
        if self.device not in DEVICES:
            raise ConfigError(f"expected one of {DEVICES}; found {self.device!r}",
                              where="device")

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def training_fingerprint(self) -> dict[str, Any]:
        """What must match to resume: everything but where it runs and how long."""
        where_and_how_long = ("path", "epochs", "device", "threads")
        return {k: v for k, v in asdict(self).items() if k not in where_and_how_long}


@contextmanager
def torch_threads(threads: int) -> Iterator[None]:
    """Run the block with ``threads`` torch CPU threads, then restore the caller's count."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        yield
    finally:
        torch.set_num_threads(before)
