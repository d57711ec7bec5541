"""The torch side of Binary Paragraph Vector (Grzegorczyk & Kurdziel; thesis §9a).

A document's trainable real vector goes through a linear layer and a sigmoid to ``bits``
code units; the forward pass rounds them to 0/1 with a straight-through gradient (the
sigmoid, not tanh, is what makes rounding to {0, 1} well defined), optionally after
Gaussian noise on the pre-activations (the noise alternative to straight-through). The code
predicts words by negative sampling:

- PV-DBOW: the code predicts each word sampled from the document.
- PV-DM: the code averaged with the context words' vectors predicts the centre word.
- Real-Binary PV-DBOW: the document's real vector predicts the words too (its own output
  weights), so one document embedding yields a long real vector and a short code.

Inference for unseen documents optimises new document vectors with every other weight
frozen. Randomness (example order, negatives, noise) is drawn per epoch from generators
seeded by ``(seed, epoch)``, so training resumed from an epoch checkpoint is identical to
uninterrupted training.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from torch import nn

from .token_ids import dbow_pairs, dm_windows


class BinaryPV(nn.Module):
    def __init__(self, n_docs: int, n_words: int, *, dim: int, bits: int, mode: str,
                 seed: int) -> None:
        super().__init__()
        generator = torch.Generator().manual_seed(seed)
        self.mode = mode
        self.n_words = n_words
        self.docs = nn.Parameter(document_init(n_docs, dim, generator))
        self.code = nn.Linear(dim, bits)
        with torch.no_grad():
            bound = 1.0 / np.sqrt(dim)
            self.code.weight.uniform_(-bound, bound, generator=generator)
            self.code.bias.zero_()
        self.out_code = nn.Parameter(torch.zeros(n_words, bits))
        # each word's own output bias (a softmax layer's): without it the model spends code
        # bits on a constant 1 that acts as the word-frequency bias, which leaves a 32-bit
        # code with fewer informative bits (bench/RESULTS.md, Document embeddings, 2nd part)
        self.out_code_bias = nn.Parameter(torch.zeros(n_words, 1))
        self.context = (nn.Parameter((torch.rand(n_words + 1, bits, generator=generator) - 0.5)
                                     / bits) if mode == "dm" else None)
        self.out_real = nn.Parameter(torch.zeros(n_words, dim)) if mode == "real_binary" else None
        self.out_real_bias = (nn.Parameter(torch.zeros(n_words, 1)) if mode == "real_binary"
                              else None)

    def code_units(self, doc_vectors: torch.Tensor, noise: float,
                   generator: torch.Generator | None) -> torch.Tensor:
        """0/1 code units, straight-through: rounded forward, sigmoid gradient backward."""
        logits = self.code(doc_vectors)
        if noise > 0 and generator is not None:
            logits = logits + noise * torch.randn(logits.shape, generator=generator)
        probabilities = torch.sigmoid(logits)
        return probabilities + (torch.round(probabilities) - probabilities).detach()


def document_init(n_docs: int, dim: int, generator: torch.Generator) -> torch.Tensor:
    return (torch.rand(n_docs, dim, generator=generator) - 0.5) / dim


def rows(table: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
    """``table[index]`` with a sparse gradient: an update then touches only the rows a batch
    used, which keeps the cost of an epoch linear in the corpus (a dense gradient would make
    every batch pay for every document and word)."""
    return nn.functional.embedding(index, table, sparse=True)


def make_optimizer(model: BinaryPV, learning_rate: float) -> PairedAdam:
    sparse = [model.docs, model.out_code, model.out_code_bias]
    sparse += [p for p in (model.context, model.out_real, model.out_real_bias) if p is not None]
    return PairedAdam(torch.optim.SparseAdam(sparse, lr=learning_rate),
                      torch.optim.Adam(model.code.parameters(), lr=learning_rate))


class PairedAdam:
    """SparseAdam for the embedding tables, Adam for the dense code layer, stepped together."""

    def __init__(self, *optimizers: Any) -> None:
        self.optimizers = [o for o in optimizers if o is not None]

    def zero_grad(self) -> None:
        for optimizer in self.optimizers:
            optimizer.zero_grad()

    def step(self) -> None:
        for optimizer in self.optimizers:
            optimizer.step()


def negative_loss(hidden: torch.Tensor, output: torch.Tensor, bias: torch.Tensor,
                  targets: torch.Tensor, negatives: torch.Tensor) -> torch.Tensor:
    """Mean negative-sampling loss: -log σ(h·o_w + b_w) - Σ_k log σ(-h·o_k - b_k)."""
    positive = (hidden * rows(output, targets)).sum(dim=1) + rows(bias, targets)[:, 0]
    negative = (torch.bmm(rows(output, negatives), hidden.unsqueeze(2)).squeeze(2)
                + rows(bias, negatives)[:, :, 0])
    return -(nn.functional.logsigmoid(positive).mean()
             + nn.functional.logsigmoid(-negative).sum(dim=1).mean())


def batch_loss(model: BinaryPV, doc_vectors: torch.Tensor, batch: dict[str, torch.Tensor],
               noise: float, generator: torch.Generator) -> torch.Tensor:
    vectors = rows(doc_vectors, batch["doc"])
    code = model.code_units(vectors, noise, generator)
    if model.mode == "dm":
        assert model.context is not None
        context = batch["context"]
        present = (context != model.n_words).float()
        summed = (rows(model.context, context) * present.unsqueeze(2)).sum(dim=1)
        code = (code + summed) / (1.0 + present.sum(dim=1, keepdim=True))
    loss = negative_loss(code, model.out_code, model.out_code_bias, batch["word"],
                         batch["negatives"])
    if model.out_real is not None and model.out_real_bias is not None:
        loss = loss + negative_loss(vectors, model.out_real, model.out_real_bias,
                                    batch["word"], batch["negatives"])
    return loss


def examples_per_epoch(documents: Sequence[np.ndarray], keep: np.ndarray, mode: str
                       ) -> float:
    """The expected number of training examples one epoch draws from ``documents``: one per
    token that survives subsampling (PV-DBOW) or one per token (PV-DM)."""
    if mode == "dm":
        return float(sum(len(ids) for ids in documents))
    return float(sum(keep[ids].sum() for ids in documents))


def run_epoch(model: BinaryPV, doc_vectors: torch.Tensor, optimizer: Any,
              documents: Sequence[np.ndarray], settings: Any, keep: np.ndarray,
              noise_weights: torch.Tensor, epoch: int, seed: int,
              batch_size: int | None = None) -> float:
    """One pass over the documents' examples (``batch_size`` per update, the settings' by
    default); returns the mean loss."""
    rng = np.random.default_rng([seed, epoch])
    generator = torch.Generator().manual_seed(seed * 100_003 + epoch)
    if model.mode == "dm":
        doc, word, context = dm_windows(documents, settings.window, model.n_words, rng)
        columns = {"doc": doc, "word": word, "context": context}
    else:
        doc, word = dbow_pairs(documents, keep, rng)
        columns = {"doc": doc, "word": word}
    tensors = {name: torch.from_numpy(values) for name, values in columns.items()}
    total, batches = 0.0, 0
    size = batch_size or settings.batch_size
    for start in range(0, len(word), size):
        batch = {name: values[start:start + size] for name, values in tensors.items()}
        batch["negatives"] = torch.multinomial(
            noise_weights, len(batch["word"]) * settings.negative, replacement=True,
            generator=generator).view(len(batch["word"]), settings.negative)
        optimizer.zero_grad()
        loss = batch_loss(model, doc_vectors, batch, settings.noise, generator)
        loss.backward()
        optimizer.step()
        total += float(loss.detach())
        batches += 1
    return total / max(batches, 1)


def codes_of(model: BinaryPV, doc_vectors: torch.Tensor) -> np.ndarray:
    """Deterministic 0/1 codes (no noise) of the given document vectors, packed."""
    with torch.no_grad():
        bits = torch.round(torch.sigmoid(model.code(doc_vectors))).numpy().astype(bool)
    return np.packbits(bits, axis=1)


def optimizer_arrays(paired: PairedAdam) -> dict[str, np.ndarray]:
    arrays: dict[str, np.ndarray] = {}
    for number, optimizer in enumerate(paired.optimizers):
        for index, state in optimizer.state_dict()["state"].items():
            for name, value in state.items():
                arrays[f"optimizer.{number}.{index}.{name}"] = torch.as_tensor(value).numpy()
    return arrays


def load_optimizer_arrays(paired: PairedAdam, arrays: dict[str, np.ndarray]) -> None:
    for number, optimizer in enumerate(paired.optimizers):
        state: dict[int, dict[str, torch.Tensor]] = {}
        prefix = f"optimizer.{number}."
        for key, value in arrays.items():
            if key.startswith(prefix):
                index, name = key[len(prefix):].split(".", 1)
                state.setdefault(int(index), {})[name] = torch.from_numpy(np.array(value))
        current = optimizer.state_dict()
        optimizer.load_state_dict({"state": state, "param_groups": current["param_groups"]})
