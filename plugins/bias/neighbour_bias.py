"""Gonen & Goldberg (2019): bias that hard debiasing leaves in the neighbourhoods.

Words are labelled male/female-biased by their projection on the bias direction in the
*original* (reference) vectors: the ``n_per_side`` most extreme of each side among the
``restrict_vocab`` most frequent words that are not gender-specific. On the vectors under
test we then ask how well geometry alone still recovers those labels:

- ``kmeans_purity``: k-means with two clusters, accuracy of the best cluster-label matching
  (G&G report ~0.99 before and ~0.92 after hard debiasing on GloVe);
- ``knn_accuracy``: leave-one-out majority vote of each word's ``k`` nearest labelled words;
- ``profession_neighbour_corr``: Pearson correlation, over professions, between a word's
  original projection and the share of its 100 nearest neighbours labelled male... female.

The labels are a :class:`BiasReference`: small enough to travel in the debiased vectors'
metadata (``lexiplug.hard_debias.v1`` records one), so the bias evaluator can score a
debiased row of a study "after" against labels from its original vectors without being handed
them. It is a report, not a pass/fail check: 0.5 means the bias is no longer recoverable.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from lexiplug.errors import TrainingError
from lexiplug.vectors.vectors import Vectors, unit_rows
from lexiplug.words import expand_case, preview

from .direction import gender_direction


@dataclass
class NeighbourBias:
    kmeans_purity: float
    knn_accuracy: float
    profession_neighbour_corr: float | None
    n_words: int
    k: int

    def as_dict(self) -> dict[str, float | int | None]:
        return asdict(self)


@dataclass
class BiasReference:
    """What the neighbour check needs from the original vectors: the direction, the labelled
    words (1 = the pairs' first side) and original projections of labelled words and
    professions."""

    direction: list[float]
    words: list[str]
    labels: list[int]
    projections: dict[str, float] = field(default_factory=dict)
    n_per_side: int = 500
    restrict_vocab: int = 50_000

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> BiasReference:
        return cls(**{k: data[k] for k in ("direction", "words", "labels", "projections",
                                           "n_per_side", "restrict_vocab") if k in data})


def bias_direction(vectors: Vectors, pairs: Sequence[Sequence[str]]) -> np.ndarray:
    """The shared :func:`gender_direction` on ``vectors``; a TrainingError if no pair is found."""
    found = gender_direction(vectors, pairs)
    if not found.pairs_used:
        raise TrainingError(f"no definitional pair is in the vectors; missing "
                            f"{preview(found.missing)}", where="neighbour_bias.pairs")
    return found.vector


def biased_words(
    reference: Vectors, direction: np.ndarray, *, exclude: Iterable[str], n_per_side: int,
    restrict_vocab: int,
) -> tuple[list[str], np.ndarray, np.ndarray]:
    """The most extreme words on each side: (words, labels 1 = first side, projections)."""
    limit = min(restrict_vocab, len(reference))
    skip = expand_case(reference.key_to_index, exclude)
    candidates = np.array([i for i, w in enumerate(reference.keys[:limit])
                           if w not in skip and w.isalpha()], dtype=np.int64)
    projection = reference.unit_matrix[candidates] @ direction.astype(np.float32)
    n = min(n_per_side, len(candidates) // 2)
    order = np.argsort(projection)
    chosen = np.concatenate([order[-n:], order[:n]])
    labels = np.concatenate([np.ones(n, dtype=np.int64), np.zeros(n, dtype=np.int64)])
    return [reference.keys[i] for i in candidates[chosen]], labels, projection[chosen]


def bias_reference(
    reference: Vectors, direction: np.ndarray, *, exclude: Iterable[str],
    professions: Sequence[str] = (), n_per_side: int = 500, restrict_vocab: int = 50_000,
) -> BiasReference:
    """Labels and original projections from ``reference`` on ``direction``."""
    words, labels, projection = biased_words(reference, direction, exclude=exclude,
                                             n_per_side=n_per_side,
                                             restrict_vocab=restrict_vocab)
    known = [p for p in dict.fromkeys(professions) if p in reference.key_to_index]
    original = (reference.unit_matrix[[reference.key_to_index[p] for p in known]]
                @ direction.astype(np.float32)) if known else np.zeros(0)
    projections = {w: round(float(p), 6) for w, p in zip(words, projection, strict=True)}
    projections.update({w: round(float(p), 6) for w, p in zip(known, original, strict=True)})
    return BiasReference([float(x) for x in direction], words, [int(x) for x in labels],
                         projections, n_per_side, restrict_vocab)


def neighbour_check(model: Vectors, reference: BiasReference, *, professions: Sequence[str] = (),
                    k: int = 10, seed: int = 0) -> NeighbourBias:
    """How well ``model``'s geometry recovers ``reference``'s labels."""
    from sklearn.cluster import KMeans

    keep = [i for i, w in enumerate(reference.words) if w in model.key_to_index]
    if len(keep) < 4:
        raise TrainingError(f"only {len(keep)} of the {len(reference.words)} biased words are "
                            "in the vectors under test", where="neighbour_bias")
    words = [reference.words[i] for i in keep]
    labels = np.asarray(reference.labels, dtype=np.int64)[keep]
    unit = unit_rows(model[words])
    clusters = KMeans(n_clusters=2, n_init=10, random_state=seed).fit_predict(unit)
    agreement = float(np.mean(clusters == labels))
    purity = max(agreement, 1.0 - agreement)
    scores = unit @ unit.T
    np.fill_diagonal(scores, -np.inf)
    k_used = min(k, len(words) - 1)
    nearest = np.argpartition(-scores, k_used - 1, axis=1)[:, :k_used]
    knn_accuracy = float(np.mean((labels[nearest].mean(axis=1) > 0.5) == labels))
    corr = _profession_correlation(model, reference, unit, labels, professions)
    return NeighbourBias(purity, knn_accuracy, corr, len(words), k_used)


def neighbour_cluster_bias(
    model: Vectors,
    reference: Vectors | None = None,
    *,
    definitional_pairs: Sequence[Sequence[str]],
    exclude: Iterable[str] = (),
    professions: Sequence[str] = (),
    n_per_side: int = 500,
    restrict_vocab: int = 50_000,
    k: int = 10,
    seed: int = 0,
) -> NeighbourBias:
    """Neighbour-based bias of ``model``, with labels from ``reference`` (default: itself)."""
    reference = model if reference is None else reference
    direction = bias_direction(reference, definitional_pairs)
    labels = bias_reference(reference, direction, exclude=exclude, professions=professions,
                            n_per_side=n_per_side, restrict_vocab=restrict_vocab)
    return neighbour_check(model, labels, professions=professions, k=k, seed=seed)


def _profession_correlation(
    model: Vectors, reference: BiasReference, labelled: np.ndarray, labels: np.ndarray,
    professions: Sequence[str], n_neighbours: int = 100,
) -> float | None:
    """Pearson(original projection, share of first-side words among the nearest neighbours)."""
    known = [p for p in dict.fromkeys(professions)
             if p in model.key_to_index and p in reference.projections]
    if len(known) < 3:
        return None
    scores = unit_rows(model[known]) @ labelled.T
    n = min(n_neighbours, len(labels))
    nearest = np.argpartition(-scores, n - 1, axis=1)[:, :n]
    share = labels[nearest].mean(axis=1)
    original = np.array([reference.projections[p] for p in known])
    if np.ptp(share) == 0 or np.ptp(original) == 0:
        return None
    return float(np.corrcoef(original, share)[0, 1])
