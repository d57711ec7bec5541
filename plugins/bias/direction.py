"""Bolukbasi et al. 2016 measures on a gender (or any binary) direction, and RIPA.

- gender direction: first principal component of the centred definitional pairs, on unit
  vectors; oriented towards the *first* word of each pair (debiaswe lists ``[female, male]``,
  so positive projections lean female, as debiaswe's ``she - he`` plots).
  :func:`gender_direction` is the ONE place it is computed: ``lexiplug.hard_debias.v1``
  neutralises against it, ``lexiplug.bias.v1`` measures on it and the Gonen & Goldberg check
  labels words with it, so the three never disagree on pairs, case lookup, centring,
  normalisation or sign.
- direct bias: mean |cos(w, g)|^c over neutral words (professions), c = 1 by default.
- indirect bias: β(w, v) = (w·v - w⊥·v⊥ / (‖w⊥‖‖v⊥‖)) / (w·v), on unit vectors.
- RIPA (Ethayarajh et al. 2019), as WEFE computes it: for each pair the unit difference
  b_i = (x_i - y_i)/‖x_i - y_i‖, and RIPA(w) = mean_i w·b_i on the raw (not normalised) w.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .weat import unit


@dataclass
class Direction:
    vector: np.ndarray  # unit length
    explained_variance_ratio: float


def pair_direction(first: np.ndarray, second: np.ndarray) -> Direction:
    """First principal component of the pairs' centred members (rows ``first[i], second[i]``)."""
    first, second = unit(first), unit(second)
    centre = (first + second) / 2
    stacked = np.concatenate([first - centre, second - centre])
    # Rows come in ± pairs, so their mean is already zero: an SVD is the PCA.
    _, singular, vt = np.linalg.svd(stacked, full_matrices=False)
    direction = vt[0]
    if float(np.mean((first - second) @ direction)) < 0:
        direction = -direction
    variance = singular**2
    return Direction(direction, float(variance[0] / variance.sum()) if variance.sum() else 0.0)


@dataclass
class GenderDirection:
    """The direction, the explained-variance share, and which pairs were (not) found."""

    vector: np.ndarray  # unit length, float64
    explained_variance_ratio: float
    pairs_used: list[tuple[str, str]] = field(default_factory=list)  # as listed
    keys_used: list[tuple[str, str]] = field(default_factory=list)  # vector keys looked up
    missing: list[str] = field(default_factory=list)  # listed words the model lacks
    first: np.ndarray | None = None  # raw rows of the pairs' first words
    second: np.ndarray | None = None


def gender_direction(model: Any, pairs: Sequence[Sequence[str]], *,
                     case_fallback: bool = True) -> GenderDirection:
    """The definitional pairs' direction on ``model`` (Vectors, or anything with
    ``encode_texts``): each word by its exact key, else its lower-cased key when
    ``case_fallback``; pairs with a word missing are dropped and listed. Raises nothing: a
    caller decides how many pairs it needs (``len(result.pairs_used)``)."""
    from lexiplug.plugins.evaluators.task_inputs import lookup_words

    words = [w for pair in pairs for w in pair]
    lookup = lookup_words(model, words, case_fallback=case_fallback)
    used = [(a, b) for a, b in pairs if a in lookup.vectors and b in lookup.vectors]
    missing = [w for w in dict.fromkeys(words) if w not in lookup.vectors]
    if not used:
        return GenderDirection(np.zeros(0), 0.0, [], [], missing)
    first = np.stack([lookup.vectors[a] for a, _ in used])
    second = np.stack([lookup.vectors[b] for _, b in used])
    direction = pair_direction(first, second)
    keys = [(lookup.found[a], lookup.found[b]) for a, b in used]
    return GenderDirection(direction.vector, direction.explained_variance_ratio, used, keys,
                           missing, first, second)


def projections(words: np.ndarray, direction: np.ndarray) -> np.ndarray:
    """cos(w, g) for each row."""
    return unit(words) @ direction


def direct_bias(words: np.ndarray, direction: np.ndarray, c: float = 1.0) -> float:
    return float(np.mean(np.abs(projections(words, direction)) ** c))


def indirect_bias(w: np.ndarray, v: np.ndarray, direction: np.ndarray) -> float:
    """β(w, v): the share of w·v that is due to the direction."""
    w, v = unit(w[None])[0], unit(v[None])[0]
    inner = float(w @ v)
    w_orth = w - (w @ direction) * direction
    v_orth = v - (v @ direction) * direction
    norms = float(np.linalg.norm(w_orth) * np.linalg.norm(v_orth))
    if inner == 0.0 or norms == 0.0:
        return float("nan")
    return (inner - float(w_orth @ v_orth) / norms) / inner


def ripa(words: np.ndarray, first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """RIPA per word, averaged over the pairs' unit difference vectors."""
    relation = unit(np.asarray(first, np.float64) - np.asarray(second, np.float64))
    return (np.asarray(words, np.float64) @ relation.T).mean(axis=1)
