"""A planted text/vision world, so grounding can be checked against a known truth.

Each word has distributional factors (only in text) and visual factors (in the visual
vectors, and only faintly in the text vectors). Grounding succeeds when it recovers the
visual geometry of words it never saw a visual vector for.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from lexiplug.vectors import Vectors


@dataclass
class PlantedWorld:
    text: Vectors
    visual: Vectors  # visual vectors of every word (the truth)
    train_words: list[str]
    heldout_words: list[str]

    def training_table(self) -> Vectors:
        """The visual table a user would have: training words only."""
        return self.visual.subset(self.train_words)


def planted_world(
    n_words: int = 1500,
    text_dim: int = 50,
    visual_dim: int = 32,
    distributional_factors: int = 20,
    visual_factors: int = 8,
    visual_share: float = 0.35,
    noise: float = 0.1,
    heldout_fraction: float = 0.3,
    seed: int = 0,
) -> PlantedWorld:
    rng = np.random.default_rng(seed)
    dist = rng.standard_normal((n_words, distributional_factors))
    vis = rng.standard_normal((n_words, visual_factors))
    latent = np.hstack([dist, visual_share * vis])
    mixing = rng.standard_normal((latent.shape[1], text_dim)) / np.sqrt(latent.shape[1])
    text = latent @ mixing + noise * rng.standard_normal((n_words, text_dim))
    projection = rng.standard_normal((visual_factors, visual_dim)) / np.sqrt(visual_factors)
    visual = np.tanh(vis @ projection) + 0.05 * rng.standard_normal((n_words, visual_dim))
    words = [f"w{i}" for i in range(n_words)]
    order = rng.permutation(n_words)
    n_held = round(heldout_fraction * n_words)
    heldout = [words[i] for i in sorted(order[:n_held])]
    train = [words[i] for i in sorted(order[n_held:])]
    return PlantedWorld(
        text=Vectors(words, text.astype(np.float32), metadata={"name": "planted_text"}),
        visual=Vectors(words, visual.astype(np.float32), metadata={"name": "planted_visual"}),
        train_words=train,
        heldout_words=heldout,
    )
