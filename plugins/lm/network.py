"""The whole network: a scheme's head around the shared backbone, and how it is run.

Imports torch at the top: import it only inside functions.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np
import torch
from torch import nn

from .backbone import Stack
from .settings import LMSettings


class LMNetwork(nn.Module):
    """``head.embed`` → backbone → ``head.nll``: per-position negative log-likelihood (nats)."""

    def __init__(self, head: nn.Module, settings: LMSettings) -> None:
        super().__init__()
        self.head = head
        self.backbone = Stack(settings.dim, settings.layers, settings.heads, settings.context)

    def forward(self, batch: dict[str, torch.Tensor],
                generator: torch.Generator | None = None) -> torch.Tensor:
        sampled = self.head.sample(batch, generator)  # type: ignore[operator]
        hidden = self.backbone(self.head.embed(batch, sampled))  # type: ignore[operator]
        return self.head.nll(hidden, batch, sampled)  # type: ignore[no-any-return,operator]

    def backbone_parameters(self) -> int:
        return sum(p.numel() for p in self.backbone.parameters())


def build_network(scheme: Any, settings: LMSettings) -> LMNetwork:
    """The network of ``scheme`` with weights drawn from ``settings.seed`` (the global torch
    generator is left as it was)."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(settings.seed)
        return LMNetwork(scheme.build(settings.dim), settings)



def autocast(device: torch.device, dtype: str) -> contextlib.AbstractContextManager[Any]:
    """bfloat16 autocast on a GPU that supports it (``dtype = "auto"`` or ``"bfloat16"``);
    float32 on the CPU unless ``bfloat16`` is asked for."""
    wanted = dtype == "bfloat16" or (dtype == "auto" and device.type == "cuda"
                                     and torch.cuda.is_bf16_supported())
    if not wanted:
        return contextlib.nullcontext()
    return torch.autocast(device_type=device.type, dtype=torch.bfloat16)


def to_tensors(batch: Mapping[str, np.ndarray], device: torch.device) -> dict[str, torch.Tensor]:
    return {key: torch.from_numpy(np.ascontiguousarray(value)).to(device)
            for key, value in batch.items()}


@contextlib.contextmanager
def torch_threads(threads: int) -> Iterator[None]:
    """``threads`` torch CPU threads inside the block (0: leave them as they are)."""
    from lexiplug.plugins.oov.settings import torch_threads as fixed_threads

    if not threads:
        yield
        return
    with fixed_threads(threads):
        yield
