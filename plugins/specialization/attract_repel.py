"""``lexiplug.attract_repel.v1``: attract–repel specialisation (Mrkšić et al. 2017, TACL 5).

Synonym pairs (attract) are pulled together and antonym pairs (repel) pushed apart by a
mini-batch max-margin objective; a regulariser keeps every vector of a batch near its input
vector. For an attract batch B_A of pairs (x_l, x_r) with in-batch negatives t_l, t_r (the
batch words *closest* to x_l and x_r other than the pair itself):

    A(B_A) = Σ τ(δ_att + x_l·t_l − x_l·x_r) + τ(δ_att + x_r·t_r − x_l·x_r)

and for a repel batch, with t_l, t_r the batch words *farthest* from x_l and x_r:

    R(B_R) = Σ τ(δ_rep + x_l·x_r − x_l·t_l) + τ(δ_rep + x_l·x_r − x_r·t_r)

with τ = max(0, ·), dot products of unit vectors, δ_att = 0.6, δ_rep = 0, plus
λ Σ_{words of the batch} ‖x_i − x̂_i‖² towards the (unit) input vectors x̂ (λ = 1e-9 in the
paper). Attract and repel batches are shuffled together each epoch; AdaGrad (lr 0.05), as the
original TensorFlow code. Only words of the constraints move; the output is unit-normalised.
Constraints may cross languages (``en_dog de_hund``) when the vectors are one multilingual
space whose keys carry the same prefixes.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from lexiplug.errors import ConfigError, TrainingError
from lexiplug.plugin_tools import settings_factory
from lexiplug.plugins.datasets.readers_lexical import LexicalConstraints
from lexiplug.registry import Registries
from lexiplug.vectors.vectors import Vectors, unit_rows

from .checks import positive_ints, positive_numbers
from .constraints import PREFIX_MODES, as_sources, merge_constraints, place_constraints

NAME = "lexiplug.attract_repel.v1"
logger = logging.getLogger(__name__)

Sources = list[str]


@dataclass
class AttractRepelSettings:
    """Attract–repel: synonym and antonym lists (dataset names or files) and the objective's
    margins, regulariser and optimiser settings."""

    synonyms: Sources = field(default_factory=lambda: ["ppdb_synonyms"])
    antonyms: Sources = field(default_factory=lambda: ["ppdb_antonyms", "wordnet_antonyms"])
    attract_margin: float = 0.6
    repel_margin: float = 0.0
    regularization: float = 1e-9
    batch_size: int = 50
    epochs: int = 5
    learning_rate: float = 0.05
    seed: int = 0
    lower_fallback: bool = True
    language_prefix: str = "auto"

    def __post_init__(self) -> None:
        self.synonyms = as_sources(self.synonyms, where="synonyms")  # type: ignore[assignment]
        self.antonyms = as_sources(self.antonyms, where="antonyms")  # type: ignore[assignment]
        if not self.synonyms and not self.antonyms:
            raise ConfigError("expected at least one synonym or antonym list; both are empty",
                              where="synonyms")
        for name in ("attract_margin", "repel_margin", "regularization"):
            if not float(getattr(self, name)) >= 0:
                raise ConfigError(f"expected a number >= 0; found {getattr(self, name)!r}",
                                  where=name)
        positive_numbers(self, "learning_rate")
        positive_ints(self, "batch_size", "epochs")
        if self.batch_size < 2:
            raise ConfigError("expected batch_size >= 2: in-batch negatives need another pair",
                              where="batch_size")
        if self.language_prefix not in PREFIX_MODES:
            raise ConfigError(f"expected one of {PREFIX_MODES}; found "
                              f"{self.language_prefix!r}", where="language_prefix")


def in_batch_negatives(unit: Any, left: Any, right: Any, *, closest: bool) -> tuple[Any, Any]:
    """For each pair, the batch word closest (or farthest) to its left and to its right word.

    ``unit`` holds unit vectors indexed by the ids in ``left`` / ``right``. Candidates are
    all 2b words of the batch; the pair's own two words (and any other occurrence of them)
    are excluded. Returns ids; ``-1`` where no candidate is left (a batch of one pair).
    """
    import torch

    words = torch.cat([left, right])
    candidates = unit[words]
    results = []
    for side in (left, right):
        scores = unit[side] @ candidates.T
        own = (words[None, :] == left[:, None]) | (words[None, :] == right[:, None])
        fill = float("-inf") if closest else float("inf")
        scores = scores.masked_fill(own, fill)
        pick = scores.argmax(dim=1) if closest else scores.argmin(dim=1)
        chosen = words[pick]
        results.append(torch.where(own.all(dim=1), torch.full_like(chosen, -1), chosen))
    return results[0], results[1]


def batch_cost(rows: Any, left: Any, right: Any, neg_left: Any, neg_right: Any, *,
               attract: bool, margin: float) -> Any:
    """The max-margin cost of one batch (the formulas in this module's docstring); ``rows``
    are the batch's vectors, the other arguments ids into them (``-1``: no negative)."""
    import torch
    import torch.nn.functional as F

    def unit(ids: Any) -> Any:
        return F.normalize(rows[ids.clamp(min=0)], dim=1)

    x_l, x_r, t_l, t_r = unit(left), unit(right), unit(neg_left), unit(neg_right)
    pair = (x_l * x_r).sum(1)
    with_left, with_right = (x_l * t_l).sum(1), (x_r * t_r).sum(1)
    if attract:
        cost_l, cost_r = margin + with_left - pair, margin + with_right - pair
    else:
        cost_l, cost_r = margin + pair - with_left, margin + pair - with_right
    valid_l, valid_r = (neg_left >= 0).float(), (neg_right >= 0).float()
    return (torch.relu(cost_l) * valid_l + torch.relu(cost_r) * valid_r).sum()


def train_attract_repel(initial: np.ndarray, attract: np.ndarray, repel: np.ndarray,
                        settings: AttractRepelSettings) -> tuple[np.ndarray, list[float]]:
    """Optimise the rows of ``initial`` (unit vectors of the constrained words) for the local
    pair arrays ``attract`` and ``repel`` (shape (n, 2)); returns the new rows (unit length)
    and the mean cost per epoch.

    Each step touches only the batch's rows (pairs and negatives), with a sparse AdaGrad
    update (accumulators start at 0.1, as TensorFlow's): a dense step over the whole matrix
    would cost time proportional to the vocabulary for every batch of 50 pairs.
    """
    import torch

    threads = torch.get_num_threads()
    # batches are ~100 x 300 tensors: worker threads only add spin-waiting (on a loaded
    # 2-core machine each tiny op took 20-100 ms with 2 threads, 0.1 ms with one)
    torch.set_num_threads(1)
    try:
        return _train(initial, attract, repel, settings)
    finally:
        torch.set_num_threads(threads)


def _train(initial: np.ndarray, attract: np.ndarray, repel: np.ndarray,
           settings: AttractRepelSettings) -> tuple[np.ndarray, list[float]]:
    import torch

    torch.manual_seed(settings.seed)
    rng = np.random.default_rng(settings.seed)
    start = torch.from_numpy(np.ascontiguousarray(initial, dtype=np.float32))
    weights = start.clone()
    accumulator = torch.full_like(weights, 0.1)
    kinds = {True: torch.from_numpy(attract.astype(np.int64)),
             False: torch.from_numpy(repel.astype(np.int64))}
    size = settings.batch_size
    history: list[float] = []
    for _ in range(settings.epochs):
        schedule = []
        for kind, pairs in kinds.items():
            shuffled = rng.permutation(len(pairs))
            schedule += [(kind, shuffled[i:i + size]) for i in range(0, len(pairs), size)]
        # both lists are reshuffled each epoch and their batches interleaved at random
        order = rng.permutation(len(schedule))
        total = 0.0
        for position in order:
            is_attract, chosen = schedule[position]
            batch = kinds[is_attract][torch.from_numpy(chosen)]
            pair_ids, local = torch.unique(batch, return_inverse=True)
            left, right = local[:, 0], local[:, 1]
            unit = torch.nn.functional.normalize(weights[pair_ids], dim=1)
            neg_left, neg_right = in_batch_negatives(unit, left, right, closest=is_attract)
            rows = weights[pair_ids].requires_grad_(True)
            margin = settings.attract_margin if is_attract else settings.repel_margin
            cost = batch_cost(rows, left, right, neg_left, neg_right, attract=is_attract,
                              margin=margin)
            cost = cost + settings.regularization * ((rows - start[pair_ids]) ** 2).sum()
            (gradient,) = torch.autograd.grad(cost, rows)
            accumulator[pair_ids] += gradient ** 2
            weights[pair_ids] -= settings.learning_rate * gradient \
                / accumulator[pair_ids].sqrt()
            total += float(cost.detach())
        history.append(total / max(len(schedule), 1))
    return unit_rows(weights.numpy()), history


@dataclass
class AttractRepel:
    settings: AttractRepelSettings

    def apply(self, vectors: Vectors, **refs: Any) -> Vectors:
        s = self.settings
        placed = {}
        for kind, sources in (("synonyms", s.synonyms), ("antonyms", s.antonyms)):
            merged = merge_constraints(sources, where=kind) if sources else \
                LexicalConstraints([], name="none")
            placed[kind] = place_constraints(merged, vectors.key_to_index,
                                             language_prefix=s.language_prefix,
                                             lower_fallback=s.lower_fallback, what=kind)
        syn, ant = placed["synonyms"], placed["antonyms"]
        if not syn.rows and not ant.rows:
            raise TrainingError(
                f"no constraint pair has both words in the vectors ({len(vectors)} words; "
                f"{syn.n_pairs} synonym and {ant.n_pairs} antonym pairs, "
                f"{len(syn.unknown_words) + len(ant.unknown_words)} unknown words)",
                where="synonyms")
        rows = np.array(sorted({r for pairs in (syn.rows, ant.rows) for p in pairs for r in p}),
                        dtype=np.int64)
        local = {int(r): i for i, r in enumerate(rows)}

        def as_local(pairs: list[tuple[int, int]]) -> np.ndarray:
            return np.array([(local[a], local[b]) for a, b in pairs],
                            dtype=np.int64).reshape(-1, 2)

        base = unit_rows(vectors.matrix)
        moved, history = train_attract_repel(base[rows], as_local(syn.rows), as_local(ant.rows),
                                             s)
        matrix = np.array(base, dtype=np.float32, copy=True)
        matrix[rows] = moved
        for kind, p in placed.items():
            if p.unknown_words:
                logger.warning("attract_repel: %d of %d %s words are not in the vectors; "
                               "%d of %d pairs left out", len(p.unknown_words), p.n_words,
                               kind, p.n_dropped, p.n_pairs)
        out = vectors.with_matrix(matrix, note="attract_repel")
        out.metadata["attract_repel"] = {
            "synonyms": syn.report(), "antonyms": ant.report(),
            "n_updated": len(rows), "cost_per_epoch": history,
            "epochs": s.epochs, "seed": s.seed,
        }
        return out


attract_repel_v1 = settings_factory(AttractRepel, AttractRepelSettings, name="attract_repel_v1")


def attract_repel(vectors: Vectors, *, synonyms: Sequence[str | Path | LexicalConstraints] = (),
                  antonyms: Sequence[str | Path | LexicalConstraints] = (),
                  **settings: Any) -> Vectors:
    """Python shortcut: attract–repel ``vectors`` with these lists (objects allowed)."""
    return AttractRepel(AttractRepelSettings(list(synonyms), list(antonyms),  # type: ignore
                                             **settings)).apply(vectors)


def register(registry: Registries) -> None:
    registry.transforms.register(NAME, func=attract_repel_v1)
