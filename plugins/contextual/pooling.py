"""Sentence pooling over a transformer's hidden states (docs/contextual.md: masked mean pooling)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import torch

SentencePooling = Literal["mean", "cls", "max"]
SENTENCE_POOLINGS: tuple[str, ...] = ("mean", "cls", "max")


def pool_sentences(
    hidden: torch.Tensor, attention_mask: torch.Tensor, pooling: SentencePooling = "mean"
) -> torch.Tensor:
    """``(batch, seq, dim) -> (batch, dim)``; padding never contributes.

    ``mean`` averages the positions the attention mask keeps (special tokens included, as
    sentence-transformers does); ``cls`` takes the first position; ``max`` the element-wise
    maximum over kept positions. Accumulates in float32 whatever the model's dtype.
    """
    hidden = hidden.float()
    if pooling == "cls":
        return hidden[:, 0]
    mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
    if pooling == "mean":
        return (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)
    if pooling == "max":
        return hidden.masked_fill(mask == 0, float("-inf")).max(dim=1).values
    raise ValueError(f"pooling must be one of {SENTENCE_POOLINGS}, got {pooling!r}")


def mix_layers(
    hidden_states: Sequence[torch.Tensor], layers: Sequence[int], weights: Sequence[float] | None
) -> torch.Tensor:
    """The chosen layer, or a weighted sum of several (weights renormalised to sum to 1).

    ``hidden_states`` is the model's tuple (embeddings output first), so layer ``-1`` is the
    last and ``0`` the embedding layer.
    """
    if len(layers) == 1:
        return hidden_states[layers[0]].float()
    w = torch.tensor(
        list(weights) if weights is not None else [1.0] * len(layers), dtype=torch.float32
    )
    w = w / w.sum()
    mixed = hidden_states[layers[0]].float() * w[0]
    for layer, weight in zip(layers[1:], w[1:], strict=True):
        mixed = mixed + hidden_states[layer].float() * weight
    return mixed
