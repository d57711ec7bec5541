"""``ByteWordEncoder``: a word's UTF-8 bytes to one vector (a plain ``torch.nn.Module``).

The shape follows the word encoders of HAT and of Kim et al.'s character-aware models: byte
embeddings, parallel 1-D convolutions of several widths (byte n-gram detectors), max-pooling
over the positions that hold the word, then a highway layer and a projection to the target
dimension. A CNN rather than a transformer because it must encode 50,000+ words a second on a
CPU: one pass of a few small convolutions, no attention over positions.

Other families import it as a module (``from lexiplug.plugins.oov.network import
ByteWordEncoder``); its input is what :func:`lexiplug.plugins.oov.byte_ids.byte_batch` makes.
This module imports torch at the top: import it only inside functions that need it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

import torch
from torch import nn

from .byte_ids import PAD, VOCABULARY


class ByteWordEncoder(nn.Module):
    """Byte ids ``(batch, width)`` and lengths ``(batch,)`` to word vectors ``(batch, dim)``.

    Args:
        dim: output size (the dimension of the vectors it learns to reproduce).
        byte_dim: size of each byte's embedding.
        widths: convolution widths in bytes (one filter bank per width).
        filters: filters per width; the pooled features are ``filters * len(widths)``.
        hidden: size of the highway layer before the projection to ``dim``.

    Inputs shorter than the widest filter are padded inside ``forward``; positions past a
    word's ``length`` never win the max-pool, so padding does not change a word's vector.
    """

    def __init__(self, dim: int, *, byte_dim: int = 32, widths: Sequence[int] = (1, 2, 3, 4, 5),
                 filters: int = 64, hidden: int = 128) -> None:
        super().__init__()
        if dim < 1 or byte_dim < 1 or filters < 1 or hidden < 1 or not widths:
            raise ValueError("dim, byte_dim, filters and hidden must be positive; widths non-empty")
        self.dim = dim
        self.widths = tuple(int(w) for w in widths)
        self.embed = nn.Embedding(VOCABULARY, byte_dim, padding_idx=PAD)
        self.convs = nn.ModuleList(nn.Conv1d(byte_dim, filters, w) for w in self.widths)
        pooled = filters * len(self.widths)
        self.reduce = nn.Linear(pooled, hidden)
        self.gate = nn.Linear(hidden, hidden)
        self.transform = nn.Linear(hidden, hidden)
        self.project = nn.Linear(hidden, dim)

    def forward(self, ids: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        widest = max(self.widths)
        if ids.shape[1] < widest:
            ids = nn.functional.pad(ids, (0, widest - ids.shape[1]), value=PAD)
        pooled = []
        for width, bias, taps in zip(self.widths, self.biases(), self.tap_tables(), strict=True):
            y = window_sums(taps, ids, lengths, width)
            pooled.append(torch.relu(y.amax(dim=1) + bias))
        h = torch.tanh(self.reduce(torch.cat(pooled, dim=1)))
        gate = torch.sigmoid(self.gate(h))
        h = gate * torch.relu(self.transform(h)) + (1 - gate) * h
        return self.project(h)  # type: ignore[no-any-return]

    def biases(self) -> list[torch.Tensor]:
        return [cast(torch.Tensor, conv.bias) for conv in self.convs]

    def tap_tables(self) -> list[torch.Tensor]:
        """Per width, ``(VOCABULARY, width, filters)``: each byte's contribution to a filter
        at each offset in the window (embedding times that offset's kernel slice)."""
        return [torch.einsum("ve,fek->vkf", self.embed.weight, conv.weight)
                for conv in self.convs]


def window_sums(taps: torch.Tensor, ids: torch.Tensor, lengths: torch.Tensor,
                width: int) -> torch.Tensor:
    """A convolution without its bias, by lookup: ``(batch, windows, filters)``.

    The byte embedding and the convolution are both linear, so a window's response is the
    sum over its offsets of a table row per byte; on a CPU, ``width`` gathers and adds of a
    259-row table are several times faster than ``Conv1d`` over the embedded bytes, and equal
    to it up to float rounding (tests/test_oov.py checks this against ``Conv1d``). A window
    that starts past the word's last full window repeats that window instead (the first
    window is always kept), so padding never wins the max-pool and needs no mask.
    """
    n_windows = ids.shape[1] - width + 1
    last_start = (lengths - width).clamp(min=0)
    starts = torch.minimum(torch.arange(n_windows, device=ids.device)[None, :],
                           last_start[:, None])
    total = taps[:, 0][ids.gather(1, starts)]
    for offset in range(1, width):
        total = total + taps[:, offset][ids.gather(1, starts + offset)]
    return total
