"""``lexiplug.defsent_plus.v1``: sentence embeddings trained on dictionary definitions.

DefSent+ (Liu 2024) replaces DefSent's frozen MLM head with *entry embeddings*, so any entry
(multi-word ones included) can be a target. Progressive separate training, per round:

1. entry embeddings E_e = mean over the entry's definitions s of pool(enc(s));
2. optionally make the entry space isotropic: ``isotropy="whiten"`` centres and whitens
   (E ← (E − μ) Σ^{-1/2}), ``"center"`` only centres, ``"none"`` keeps it as is (the
   quasi-isotropic variant);
3. with E frozen, train the encoder so each definition is projected onto its own entry:
   logits cos(pool(enc(s)), E_e) / τ over all entries, cross-entropy;
4. rebuild E with the updated encoder and repeat for ``rounds`` rounds.

Definitions come from a file of ``entry<TAB>definition`` lines (several lines per entry;
``#`` comments). A definition written for several entries names none of them, so it is
dropped and counted. No dictionary ships offline with the packages this project may install,
so the format is the interface (docs/specialization.md). The result is a normal model folder.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from lexiplug.errors import ConfigError, FormatError, TrainingError
from lexiplug.plugin_tools import settings_factory
from lexiplug.registry import Registries

from .checks import positive_ints, positive_numbers
from .finetune import (
    TrainedModelEncoder,
    check_model_folder,
    encode_mean,
    load_for_training,
    save_model_folder,
)

NAME = "lexiplug.defsent_plus.v1"
ISOTROPY = ("whiten", "center", "none")
logger = logging.getLogger(__name__)


@dataclass
class Definitions:
    """Entries and their definitions; ``entry_of[i]`` is the entry of ``sentences[i]``."""

    entries: list[str]
    sentences: list[str]
    entry_of: np.ndarray
    n_shared_dropped: int = 0
    n_repeated: int = 0

    @classmethod
    def from_pairs(cls, pairs: list[tuple[str, str]]) -> Definitions:
        """From (entry, definition) pairs; repeats merged, shared definitions dropped."""
        owners: dict[str, set[str]] = {}
        order: list[tuple[str, str]] = []
        repeated = 0
        for entry, sentence in pairs:
            seen = owners.setdefault(sentence, set())
            if entry in seen:
                repeated += 1
                continue
            seen.add(entry)
            order.append((entry, sentence))
        kept = [(e, s) for e, s in order if len(owners[s]) == 1]
        entries = list(dict.fromkeys(e for e, _ in kept))
        index = {e: i for i, e in enumerate(entries)}
        return cls(entries, [s for _, s in kept],
                   np.array([index[e] for e, _ in kept], dtype=np.int64),
                   len(order) - len(kept), repeated)


def read_definitions(path: str | Path) -> Definitions:
    """``entry<TAB>definition`` a line; a line without both is a FormatError (file:line)."""
    from lexiplug.plugins.datasets.readers_text import read_text

    path = Path(path)
    pairs = []
    for number, raw in enumerate(read_text(path).split("\n"), start=1):
        line = raw.rstrip("\r")
        if not line.strip() or line.startswith("#"):
            continue
        entry, tab, sentence = line.partition("\t")
        if not tab or not entry.strip() or not sentence.strip():
            raise FormatError(f"expected 'entry<TAB>definition', found {line[:80]!r}",
                              path=path, line=number)
        pairs.append((entry.strip(), sentence.strip()))
    definitions = Definitions.from_pairs(pairs)
    if len(definitions.entries) < 2:
        raise FormatError(f"expected definitions of at least 2 entries, found "
                          f"{len(definitions.entries)}", path=path)
    return definitions


def isotropic(entries: np.ndarray, mode: str, eps: float = 1e-5) -> np.ndarray:
    """Centre (and whiten) the entry matrix: E ← (E − μ) Σ^{-1/2} for ``whiten``."""
    if mode == "none":
        return entries
    centred = entries - entries.mean(axis=0)
    if mode == "center":
        return centred
    covariance = centred.T @ centred / max(len(centred) - 1, 1)
    values, vectors = np.linalg.eigh(covariance)
    inverse_root = vectors @ np.diag(1.0 / np.sqrt(np.maximum(values, 0) + eps)) @ vectors.T
    return centred @ inverse_root


@dataclass
class DefSentSettings:
    """DefSent+ on the local encoder ``model`` with the ``definitions`` file, saved to
    ``output``; a finished ``output`` trained with the same settings is reused."""

    model: str
    output: str
    definitions: str
    rounds: int = 3
    epochs_per_round: int = 1
    isotropy: str = "whiten"
    temperature: float = 0.05
    batch_size: int = 32
    learning_rate: float = 2e-5
    max_length: int = 64
    seed: int = 0

    def __post_init__(self) -> None:
        check_model_folder(self.model)
        if self.isotropy not in ISOTROPY:
            raise ConfigError(f"expected one of {ISOTROPY}; found {self.isotropy!r}",
                              where="isotropy")
        positive_ints(self, "rounds", "epochs_per_round", "batch_size", "max_length")
        positive_numbers(self, "learning_rate", "temperature")


def entry_matrix(tokenizer: Any, encoder: Any, definitions: Definitions, settings: DefSentSettings
                 ) -> np.ndarray:
    """Step 1 and 2: mean pooled definition vectors per entry, made (quasi-)isotropic."""
    import torch

    encoder.eval()
    pooled = []
    with torch.no_grad():
        for start in range(0, len(definitions.sentences), 64):
            chunk = definitions.sentences[start:start + 64]
            pooled.append(encode_mean(tokenizer, encoder, chunk, settings.max_length,
                                      skip_special=False).numpy())
    vectors = np.concatenate(pooled).astype(np.float64)
    sums = np.zeros((len(definitions.entries), vectors.shape[1]))
    np.add.at(sums, definitions.entry_of, vectors)
    counts = np.bincount(definitions.entry_of, minlength=len(definitions.entries))
    encoder.train()
    return isotropic(sums / counts[:, None], settings.isotropy)


def train_defsent_plus(settings: DefSentSettings, definitions: Definitions | None = None
                       ) -> Path:
    """Progressive separate training; returns the saved model folder."""
    import torch
    import torch.nn.functional as F

    definitions = definitions or read_definitions(settings.definitions)
    tokenizer, encoder = load_for_training(settings.model, settings.seed)
    optimiser = torch.optim.AdamW(encoder.parameters(), lr=settings.learning_rate)
    rng = np.random.default_rng(settings.seed)
    targets = torch.from_numpy(definitions.entry_of)
    history: list[float] = []
    started = time.perf_counter()
    for _ in range(settings.rounds):
        frozen = F.normalize(torch.tensor(entry_matrix(tokenizer, encoder, definitions,
                                                       settings), dtype=torch.float32), dim=1)
        losses = []
        for _ in range(settings.epochs_per_round):
            order = rng.permutation(len(definitions.sentences))
            for start in range(0, len(order), settings.batch_size):
                rows = order[start:start + settings.batch_size]
                texts = [definitions.sentences[i] for i in rows]
                pooled = encode_mean(tokenizer, encoder, texts, settings.max_length,
                                     skip_special=False)
                logits = F.normalize(pooled, dim=1) @ frozen.T / settings.temperature
                loss = F.cross_entropy(logits, targets[torch.from_numpy(rows)])
                optimiser.zero_grad()
                loss.backward()
                optimiser.step()
                losses.append(float(loss.detach()))
        history.append(float(np.mean(losses)))
        logger.info("defsent+: round %d, mean loss %.4f", len(history), history[-1])
    if not np.isfinite(history[-1]):
        raise TrainingError(f"training diverged (losses per round {history}); lower "
                            "learning_rate", where="learning_rate")
    report = {"n_entries": len(definitions.entries), "n_definitions": len(definitions.sentences),
              "n_shared_dropped": definitions.n_shared_dropped,
              "loss_per_round": history, "seconds": time.perf_counter() - started}
    return save_model_folder(tokenizer, encoder, settings.output, method=NAME,
                             settings=settings, report=report)


class DefSentPlus(TrainedModelEncoder):
    """The DefSent+ encoder: trained on first use, then ``lexiplug.transformer.v1``."""

    settings: DefSentSettings

    def train(self) -> Path:
        return train_defsent_plus(self.settings)


defsent_plus_v1 = settings_factory(DefSentPlus, DefSentSettings, name="defsent_plus_v1")


def register(registry: Registries) -> None:
    registry.encoders.register(NAME, func=defsent_plus_v1)
