"""``lexiplug.contrastive_specialization.v1``: lexical specialisation of a transformer encoder.

Following BabelBERT (Green, Ponzetto & Glavaš 2023) in LexFit-style practice: each word of a
synonym pair is encoded alone (``[CLS] w [SEP]``, mean of its subword vectors, special tokens
left out); a batch of B pairs (x_i, y_i) is scored by the symmetric InfoNCE loss with in-batch
negatives,

    L = ½ [CE(S, I) + CE(Sᵀ, I)],   S_ij = cos(x_i, y_j) / τ   (τ = 0.05),

where pairs that share a word are masked out of each other's negatives (they are not
negatives). The fine-tuned encoder is saved as a normal local model folder (``output``),
usable by ``lexiplug.transformer.v1`` and the static distillers (``distill_vocab``,
``x2static_aggregate``), so a study row can be "MiniLM → specialised → distilled vectors".
Constraints crossing languages make it multilingual, as in the paper.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from lexiplug.errors import ConfigError, TrainingError
from lexiplug.plugin_tools import settings_factory
from lexiplug.registry import Registries

from .checks import positive_ints, positive_numbers
from .constraints import as_sources, merge_constraints
from .finetune import (
    TrainedModelEncoder,
    check_model_folder,
    encode_mean,
    load_for_training,
    save_model_folder,
)

NAME = "lexiplug.contrastive_specialization.v1"
logger = logging.getLogger(__name__)


@dataclass
class ContrastiveSettings:
    """Contrastive specialisation of the local encoder ``model`` on synonym pairs, saved to
    ``output``; a finished ``output`` trained with the same settings is reused."""

    model: str
    output: str
    synonyms: list[str] = field(default_factory=lambda: ["ppdb_synonyms"])
    max_pairs: int | None = 20_000
    batch_size: int = 64
    epochs: int = 1
    learning_rate: float = 2e-5
    temperature: float = 0.05
    max_length: int = 16
    seed: int = 0
    language_prefix: str = "strip"

    def __post_init__(self) -> None:
        check_model_folder(self.model)
        if not str(self.output).strip():
            raise ConfigError("expected a folder to save the specialised model in",
                              where="output")
        self.synonyms = as_sources(self.synonyms, where="synonyms")  # type: ignore[assignment]
        if not self.synonyms:
            raise ConfigError("expected at least one synonym list", where="synonyms")
        positive_ints(self, "batch_size", "epochs", "max_length")
        if self.batch_size < 2:
            raise ConfigError("expected batch_size >= 2: InfoNCE needs in-batch negatives",
                              where="batch_size")
        if self.max_pairs is not None and self.max_pairs < 2:
            raise ConfigError(f"expected max_pairs >= 2 or null; found {self.max_pairs!r}",
                              where="max_pairs")
        positive_numbers(self, "learning_rate", "temperature")
        if self.language_prefix not in ("keep", "strip"):
            raise ConfigError(f"expected 'keep' or 'strip'; found {self.language_prefix!r}",
                              where="language_prefix")


def training_pairs(settings: ContrastiveSettings) -> list[tuple[str, str]]:
    """The synonym pairs to train on: merged, prefixes stripped if asked, seeded sample."""
    constraints = merge_constraints(settings.synonyms, where="synonyms")
    if settings.language_prefix == "strip":
        constraints = constraints.without_prefixes()
    pairs = list(constraints.pairs)
    order = np.random.default_rng(settings.seed).permutation(len(pairs))
    chosen = [pairs[i] for i in order[:settings.max_pairs]]
    if len(chosen) < 2:
        raise TrainingError(f"{len(chosen)} synonym pair(s) after reading "
                            f"{settings.synonyms}; contrastive training needs at least 2",
                            where="synonyms")
    return chosen


def shared_word_mask(lefts: list[str], rights: list[str]) -> np.ndarray:
    """``mask[i, j]`` is True where pair j is no negative for pair i: j ≠ i and the two pairs
    share a word (a word repeated in a batch would otherwise be pushed from itself)."""
    n = len(lefts)
    mask = np.zeros((n, n), dtype=bool)
    words = [{a, b} for a, b in zip(lefts, rights, strict=True)]
    for i in range(n):
        for j in range(n):
            if i != j and words[i] & words[j]:
                mask[i, j] = True
    return mask


def info_nce(left: Any, right: Any, temperature: float, mask: Any) -> Any:
    """Symmetric InfoNCE over cosine similarities; masked entries are left out."""
    import torch
    import torch.nn.functional as F

    scores = F.normalize(left, dim=1) @ F.normalize(right, dim=1).T / temperature
    scores = scores.masked_fill(mask, float("-inf"))
    target = torch.arange(len(scores))
    return 0.5 * (F.cross_entropy(scores, target) + F.cross_entropy(scores.T, target))


def specialize_encoder(settings: ContrastiveSettings) -> Path:
    """Fine-tune and save; returns the model folder."""
    import torch

    pairs = training_pairs(settings)
    tokenizer, encoder = load_for_training(settings.model, settings.seed)
    optimiser = torch.optim.AdamW(encoder.parameters(), lr=settings.learning_rate)
    rng = np.random.default_rng(settings.seed)
    losses: list[float] = []
    started = time.perf_counter()
    for _ in range(settings.epochs):
        order = rng.permutation(len(pairs))
        for start in range(0, len(order) - 1, settings.batch_size):
            batch = [pairs[i] for i in order[start:start + settings.batch_size]]
            if len(batch) < 2:
                continue
            lefts, rights = [a for a, _ in batch], [b for _, b in batch]
            left = encode_mean(tokenizer, encoder, lefts, settings.max_length,
                               skip_special=True)
            right = encode_mean(tokenizer, encoder, rights, settings.max_length,
                                skip_special=True)
            mask = torch.from_numpy(shared_word_mask(lefts, rights))
            loss = info_nce(left, right, settings.temperature, mask)
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            losses.append(float(loss.detach()))
    if not losses or not np.isfinite(losses[-1]):
        raise TrainingError(f"training diverged or did not run (last losses "
                            f"{losses[-3:]}); lower learning_rate", where="learning_rate")
    report = {"n_pairs": len(pairs), "n_steps": len(losses),
              "loss_first": losses[0], "loss_last": float(np.mean(losses[-10:])),
              "seconds": time.perf_counter() - started}
    logger.info("contrastive specialisation: %d pairs, %d steps, loss %.3f -> %.3f",
                len(pairs), len(losses), report["loss_first"], report["loss_last"])
    return save_model_folder(tokenizer, encoder, settings.output, method=NAME,
                             settings=settings, report=report)


class ContrastiveSpecialization(TrainedModelEncoder):
    """The specialised encoder: trained on first use, then ``lexiplug.transformer.v1``."""

    settings: ContrastiveSettings

    def train(self) -> Path:
        return specialize_encoder(self.settings)


contrastive_specialization_v1 = settings_factory(
    ContrastiveSpecialization, ContrastiveSettings, name="contrastive_specialization_v1")


def register(registry: Registries) -> None:
    registry.encoders.register(NAME, func=contrastive_specialization_v1)
