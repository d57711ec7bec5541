"""The decoder backbone every scheme shares: pre-norm transformer blocks with rotary
positions (RoPE, Su et al. 2021), causal self-attention and a GELU MLP.

Plain ``torch.nn`` modules; the word-pooled scheme's byte decoder is built from the same
:class:`Block`. This module imports torch at the top: import it only inside functions.
"""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn import functional as F


class RMSNorm(nn.Module):
    def __init__(self, dim: int, eps: float = 1e-6) -> None:
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        scale = torch.rsqrt(x.float().pow(2).mean(dim=-1, keepdim=True) + self.eps)
        return (x.float() * scale).to(x.dtype) * self.weight


def rope_tables(length: int, head_dim: int, base: float = 10000.0, *,
                device: torch.device | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """``cos`` and ``sin`` of shape ``(length, head_dim // 2)`` for rotary positions."""
    inverse = 1.0 / base ** (torch.arange(0, head_dim, 2, device=device).float() / head_dim)
    angles = torch.arange(length, device=device).float()[:, None] * inverse[None, :]
    return angles.cos(), angles.sin()


def apply_rope(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
    """Rotate pairs ``(x[..., :h], x[..., h:])`` of ``x`` ``(batch, heads, length, head_dim)``."""
    half = x.shape[-1] // 2
    first, second = x[..., :half].float(), x[..., half:].float()
    rotated = torch.cat([first * cos - second * sin, first * sin + second * cos], dim=-1)
    return rotated.to(x.dtype)


class Attention(nn.Module):
    def __init__(self, dim: int, heads: int) -> None:
        super().__init__()
        if dim % heads or (dim // heads) % 2:
            raise ValueError(f"dim {dim} must split into {heads} heads of an even size")
        self.heads = heads
        self.qkv = nn.Linear(dim, 3 * dim, bias=False)
        self.out = nn.Linear(dim, dim, bias=False)

    def forward(self, x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
        batch, length, dim = x.shape
        q, k, v = self.qkv(x).view(batch, length, 3, self.heads, dim // self.heads).unbind(2)
        q, k, v = (t.transpose(1, 2) for t in (q, k, v))
        q, k = apply_rope(q, cos, sin), apply_rope(k, cos, sin)
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        return self.out(y.transpose(1, 2).reshape(batch, length, dim))  # type: ignore[no-any-return]


class Block(nn.Module):
    def __init__(self, dim: int, heads: int, mlp_ratio: int = 4) -> None:
        super().__init__()
        self.norm1 = RMSNorm(dim)
        self.attention = Attention(dim, heads)
        self.norm2 = RMSNorm(dim)
        self.mlp = nn.Sequential(nn.Linear(dim, mlp_ratio * dim), nn.GELU(),
                                 nn.Linear(mlp_ratio * dim, dim))

    def forward(self, x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
        x = x + self.attention(self.norm1(x), cos, sin)
        return x + self.mlp(self.norm2(x))  # type: ignore[no-any-return]


class Stack(nn.Module):
    """``layers`` blocks and a final norm over sequences of at most ``max_length``."""

    def __init__(self, dim: int, layers: int, heads: int, max_length: int) -> None:
        super().__init__()
        self.dim, self.max_length = dim, max_length
        self.blocks = nn.ModuleList(Block(dim, heads) for _ in range(layers))
        self.norm = RMSNorm(dim)
        cos, sin = rope_tables(max_length, dim // heads)
        self.register_buffer("cos", cos, persistent=False)
        self.register_buffer("sin", sin, persistent=False)
        init_weights(self, layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        length = x.shape[1]
        if length > self.max_length:
            raise ValueError(f"{length} positions, more than the {self.max_length} trained")
        cos, sin = self.cos[:length], self.sin[:length]  # type: ignore[index]
        for block in self.blocks:
            x = block(x, cos, sin)
        return self.norm(x)  # type: ignore[no-any-return]


def init_weights(module: nn.Module, layers: int) -> None:
    """GPT-2's initialisation: normal(0, 0.02), residual projections scaled by depth."""
    for name, param in module.named_parameters():
        if param.dim() < 2:
            continue
        std = 0.02 / math.sqrt(2 * layers) if name.endswith(("out.weight", "mlp.2.weight")) \
            else 0.02
        nn.init.normal_(param, mean=0.0, std=std)
    for sub in module.modules():
        if isinstance(sub, nn.Linear) and sub.bias is not None:
            nn.init.zeros_(sub.bias)
