"""Which torch device a ``device`` setting means: one rule for every family that trains or
encodes with torch, so ``"auto"`` picks the same device everywhere and a GPU asked for on a
machine without one fails at configuration time with the field named, not deep in a CUDA
call. torch is imported only when a device is resolved (the core stays torch-free)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .errors import ConfigError

if TYPE_CHECKING:
    import torch


def resolve_device(device: str, *, where: str = "device") -> torch.device:
    """``"auto"``: the first CUDA device when torch sees one, else the CPU; otherwise the
    named device (``"cpu"``, ``"cuda"``, ``"cuda:N"``, ``"mps"``), refused with a
    :class:`ConfigError` naming ``where`` when torch cannot parse it or sees no CUDA."""
    import torch

    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        resolved = torch.device(device)
    except (RuntimeError, TypeError) as error:
        raise ConfigError(f"expected 'auto', 'cpu', 'cuda' or 'cuda:N'; found {device!r} "
                          f"({error})", where=where) from None
    if resolved.type == "cuda" and not torch.cuda.is_available():
        raise ConfigError(f"expected a CUDA device; torch sees none (found {device!r}; use "
                          "'auto' or 'cpu')", where=where)
    return resolved


__all__ = ["resolve_device"]
