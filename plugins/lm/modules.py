"""The torch side of each scheme: what goes into the backbone and how the next unit is scored.

Each head has three methods the network calls in order: ``sample(batch, generator)`` (per
sequence randomness: the lexinvariant codes; ``None`` otherwise), ``embed(batch, sampled)``
(``(batch, context, dim)`` backbone inputs) and ``nll(hidden, batch, sampled)`` (the negative
log-likelihood, in nats, of each position's target unit; 0 at padding). Imports torch at the
top: import this module only inside functions.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import torch
from torch import nn
from torch.nn import functional as F

from .backbone import Stack, init_weights
from .schemes import END_OF_WORD, IGNORE

Batch = dict[str, torch.Tensor]
SHORT_WORD = 8  # words of at most this many decoder steps are decoded together


class TokenHead(nn.Module):
    """``bytes`` and ``subword``: an embedding table in, a linear softmax out."""

    def __init__(self, n_inputs: int, n_outputs: int, dim: int) -> None:
        super().__init__()
        self.embedding = nn.Embedding(n_inputs, dim)
        self.head = nn.Linear(dim, n_outputs)
        nn.init.normal_(self.embedding.weight, std=0.02)
        init_weights(self, 1)

    def sample(self, batch: Batch, generator: torch.Generator | None) -> Any:
        return None

    def embed(self, batch: Batch, sampled: Any) -> torch.Tensor:
        return self.embedding(batch["inputs"])  # type: ignore[no-any-return]

    def nll(self, hidden: torch.Tensor, batch: Batch, sampled: Any) -> torch.Tensor:
        logits = self.head(hidden).float()
        nll = F.cross_entropy(logits.flatten(0, 1), batch["targets"].flatten(),
                              reduction="none").view(batch["targets"].shape)
        return nll * batch["mask"]


class LexinvariantHead(nn.Module):
    """No embedding table: ``sample`` draws, for every sequence of the batch, a standard
    Gaussian code per vocabulary id (the same id shares its code within the sequence, and a
    new sequence gets new codes). Inputs are the codes of the tokens; the logits are
    ``W h · code_v / sqrt(dim)`` over every id, so the output is tied to the same codes.
    With ``regular_fraction`` p > 0, each (sequence, id) pair keeps a learned embedding
    instead with probability p (semi-lexinvariant)."""

    def __init__(self, vocabulary: int, dim: int, regular_fraction: float = 0.0) -> None:
        super().__init__()
        self.vocabulary, self.dim = vocabulary, dim
        self.regular_fraction = regular_fraction
        self.bos = nn.Parameter(torch.randn(dim) * 0.02)
        self.out = nn.Linear(dim, dim, bias=False)
        nn.init.normal_(self.out.weight, std=0.02)
        self.regular = nn.Embedding(vocabulary, dim) if regular_fraction > 0 else None
        if self.regular is not None:
            nn.init.normal_(self.regular.weight, std=1.0)

    def sample(self, batch: Batch, generator: torch.Generator | None) -> torch.Tensor:
        """Codes ``(batch, vocabulary, dim)``, drawn on the CPU from ``generator`` (so a
        run is the same on any device) and moved to the batch's device."""
        rows = batch["inputs"].shape[0]
        codes = torch.randn(rows, self.vocabulary, self.dim, generator=generator)
        device = batch["inputs"].device
        if self.regular is not None:
            keep = torch.rand(rows, self.vocabulary, generator=generator) < self.regular_fraction
            codes = codes.to(device)
            return torch.where(keep.to(device)[..., None], self.regular.weight[None], codes)
        return codes.to(device)

    def embed(self, batch: Batch, sampled: torch.Tensor) -> torch.Tensor:
        inputs = batch["inputs"]
        is_bos = inputs == self.vocabulary
        ids = inputs.clamp(max=self.vocabulary - 1)
        x = torch.gather(sampled, 1, ids[..., None].expand(-1, -1, self.dim))
        return torch.where(is_bos[..., None], self.bos.to(x.dtype), x)

    def nll(self, hidden: torch.Tensor, batch: Batch, sampled: torch.Tensor) -> torch.Tensor:
        query = self.out(hidden).float()
        logits = torch.bmm(query, sampled.float().transpose(1, 2)) / math.sqrt(self.dim)
        nll = F.cross_entropy(logits.flatten(0, 1), batch["targets"].flatten(),
                              reduction="none").view(batch["targets"].shape)
        return nll * batch["mask"]


class WordPooledHead(nn.Module):
    """Words in through the oov family's ``ByteWordEncoder`` (plus a learned BOS vector at
    position 0); out through a causal byte decoder whose first position is the backbone's
    output (projected to ``decoder_dim``) and whose next positions are the bytes so far: it
    predicts each byte of the next word, then the end-of-word symbol."""

    def __init__(self, dim: int, max_word_bytes: int, byte_dim: int, widths: Sequence[int],
                 filters: int, hidden: int, decoder_dim: int, decoder_layers: int,
                 decoder_heads: int) -> None:
        from lexiplug.plugins.oov.network import ByteWordEncoder

        super().__init__()
        self.dim = dim
        self.encoder = ByteWordEncoder(dim, byte_dim=byte_dim, widths=widths, filters=filters,
                                       hidden=hidden)
        self.bos = nn.Parameter(torch.randn(dim) * 0.02)
        self.condition = nn.Linear(dim, decoder_dim)
        self.byte_embedding = nn.Embedding(256, decoder_dim)
        self.decoder = Stack(decoder_dim, decoder_layers, decoder_heads, max_word_bytes + 1)
        self.head = nn.Linear(decoder_dim, END_OF_WORD + 1)
        for module in (self.condition, self.byte_embedding, self.head):
            nn.init.normal_(module.weight, std=0.02)
        nn.init.zeros_(self.condition.bias)
        nn.init.zeros_(self.head.bias)

    def sample(self, batch: Batch, generator: torch.Generator | None) -> Any:
        return None

    def encode_words(self, ids: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """Word vectors ``(n, dim)`` of byte ids ``(n, width)`` in the oov layout."""
        width = int(lengths.max()) if lengths.numel() else 1
        return self.encoder(ids[:, :max(width, 1)], lengths)  # type: ignore[no-any-return]

    def embed(self, batch: Batch, sampled: Any) -> torch.Tensor:
        ids, lengths = batch["inputs"], batch["input_lengths"]
        rows, context, width = ids.shape
        words = self.encode_words(ids[:, 1:].reshape(-1, width), lengths[:, 1:].reshape(-1))
        words = words.view(rows, context - 1, self.dim)
        bos = self.bos.to(words.dtype).expand(rows, 1, self.dim)
        return torch.cat([bos, words], dim=1)

    def nll(self, hidden: torch.Tensor, batch: Batch, sampled: Any) -> torch.Tensor:
        mask = batch["mask"]
        targets = batch["targets"][mask]  # (n, width + 1)
        out = torch.zeros(mask.shape, dtype=torch.float32, device=hidden.device)
        if targets.shape[0] == 0:
            return out
        condition = self.condition(hidden[mask])
        steps = (targets != IGNORE).sum(dim=1)  # bytes + end-of-word of each word
        # most words are short: decode them apart from the long ones (less padding)
        short = steps <= SHORT_WORD
        word_nll = torch.zeros(targets.shape[0], dtype=torch.float32, device=hidden.device)
        for chosen in (short, ~short):
            if bool(chosen.any()):
                word_nll = word_nll.index_put(
                    (chosen.nonzero(as_tuple=True)[0],),
                    self.spell(condition[chosen], targets[chosen], int(steps[chosen].max())))
        out[mask] = word_nll
        return out

    def spell(self, condition: torch.Tensor, targets: torch.Tensor, steps: int
              ) -> torch.Tensor:
        """Each word's summed NLL of its bytes and end-of-word given its condition vector."""
        targets = targets[:, :steps]
        previous = targets[:, :steps - 1].clamp(min=0, max=255)  # past a word's end: unused
        x = torch.cat([condition[:, None], self.byte_embedding(previous)], dim=1)
        logits = self.head(self.decoder(x)).float()
        nll = F.cross_entropy(logits.flatten(0, 1), targets.flatten(), ignore_index=IGNORE,
                              reduction="none").view(targets.shape)
        return nll.sum(dim=1)
