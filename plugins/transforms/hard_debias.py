"""``lexiplug.hard_debias.v1``: Bolukbasi et al. (2016) neutralise + equalise.

The direction is the first principal component of the centred, unit-normalised definitional
pairs. Every word outside the gender-specific list (expanded to its lower/Title/UPPER
variants, PAPERS.md §3) loses its component along it; each equalize pair, in every casing the
vocabulary holds, is moved to be symmetric about the neutral subspace. Output rows are unit
length, as debiaswe's. Hard debiasing removes *direct* bias by construction; the neighbour
check of Gonen & Goldberg (``neighbour_bias.py``) shows what it leaves behind.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from lexiplug.errors import TrainingError
from lexiplug.registry import Registries
from lexiplug.vectors.vectors import Vectors, unit_rows

from .word_lists import checked_pairs, debiaswe_lists, gender_specific_words
from .words import case_variants, expand_case, match_words, preview

NAME = "lexiplug.hard_debias.v1"
WHERE = "transforms.hard_debias"
logger = logging.getLogger(__name__)


def pair_direction(first: np.ndarray, second: np.ndarray) -> tuple[np.ndarray, float]:
    """Unit first principal component of the centred pairs, oriented first - second; and
    the share of variance it explains."""
    centre = (first + second) / 2
    stacked = np.concatenate([first - centre, second - centre]).astype(np.float64)
    _, singular, vt = np.linalg.svd(stacked, full_matrices=False)
    direction = vt[0]
    if float(np.sum((first - second) @ direction)) < 0:
        direction = -direction
    variance = singular**2
    ratio = float(variance[0] / variance.sum()) if variance.sum() > 0 else 0.0
    return direction / np.linalg.norm(direction), ratio


@dataclass
class HardDebias:
    definitional_pairs: list[tuple[str, str]]
    equalize_pairs: list[tuple[str, str]]
    gender_specific: list[str]
    lower_fallback: bool = True

    def direction(self, vectors: Vectors) -> tuple[np.ndarray, dict[str, Any]]:
        """The bias direction on ``vectors`` and a record of the pairs used and missing."""
        words = [w for pair in self.definitional_pairs for w in pair]
        match = match_words(vectors.key_to_index, words, lower_fallback=self.lower_fallback)
        pairs = [(match.found[a], match.found[b]) for a, b in self.definitional_pairs
                 if a in match.found and b in match.found]
        if not pairs:
            raise TrainingError(
                f"none of the {len(self.definitional_pairs)} definitional pairs has both words "
                f"in the vectors; missing: {preview(match.missing)}",
                where=f"{WHERE}.definitional_pairs",
            )
        unit = vectors.unit_matrix
        first = unit[[vectors.key_to_index[a] for a, _ in pairs]]
        second = unit[[vectors.key_to_index[b] for _, b in pairs]]
        direction, ratio = pair_direction(first, second)
        return direction, {"definitional_pairs_used": [list(p) for p in pairs],
                           "missing_definitional": match.missing,
                           "direction_variance_ratio": ratio}

    def apply(self, vectors: Vectors, **refs: Any) -> Vectors:
        direction, record = self.direction(vectors)
        g = direction.astype(np.float32)
        matrix = unit_rows(np.asarray(vectors.matrix)).copy()
        index = vectors.key_to_index
        specific = expand_case(index, self.gender_specific)
        neutral = np.ones(len(vectors), dtype=bool)
        neutral[[index[w] for w in specific]] = False
        matrix[neutral] -= np.outer(matrix[neutral] @ g, g)
        matrix = unit_rows(matrix)
        equalized, missing_equalize = self._equalize(matrix, index, g)
        record.update(n_neutralised=int(neutral.sum()), n_gender_specific=len(specific),
                      n_equalized_pairs=equalized, missing_equalize=missing_equalize)
        if record["missing_definitional"] or missing_equalize:
            logger.warning("hard_debias: words not in the vectors: definitional %s; equalize %s",
                           preview(record["missing_definitional"]), preview(missing_equalize))
        out = vectors.with_matrix(unit_rows(matrix), note="hard_debias")
        out.metadata["hard_debias"] = record
        return out

    def _equalize(self, matrix: np.ndarray, index: dict[str, int], g: np.ndarray
                  ) -> tuple[int, list[str]]:
        """Equalise each pair in every casing present; returns (pairs moved, missing words)."""
        done = 0
        seen: set[tuple[str, str]] = set()
        for a, b in self.equalize_pairs:
            for va, vb in ((a.lower(), b.lower()), (a.title(), b.title()), (a.upper(), b.upper())):
                if va not in index or vb not in index or (va, vb) in seen:
                    continue
                seen.add((va, vb))
                ia, ib = index[va], index[vb]
                mean = (matrix[ia] + matrix[ib]) / 2
                y = mean - (mean @ g) * g
                z = float(np.sqrt(max(0.0, 1.0 - float(y @ y))))
                if float((matrix[ia] - matrix[ib]) @ g) < 0:
                    z = -z
                matrix[ia] = y + z * g
                matrix[ib] = y - z * g
                done += 1
        missing = [w for pair in self.equalize_pairs for w in pair
                   if not any(v in index for v in case_variants(w))]
        return done, list(dict.fromkeys(missing))


def hard_debias_v1(
    definitional_pairs: Sequence[Sequence[str]] | None = None,
    equalize_pairs: Sequence[Sequence[str]] | None = None,
    gender_specific: str | Sequence[str] = "full",
    lower_fallback: bool = True,
) -> HardDebias:
    """Hard debiasing; lists default to debiaswe's (``gender_specific``: full/seed/list)."""
    lists: Any = (debiaswe_lists() if definitional_pairs is None or equalize_pairs is None
                  else None)
    definitional = checked_pairs(
        lists.definitional_pairs if definitional_pairs is None else list(definitional_pairs),
        f"{WHERE}.definitional_pairs")
    equalize = (lists.equalize_pairs if equalize_pairs is None else
                ([] if len(equalize_pairs) == 0 else
                 checked_pairs(list(equalize_pairs), f"{WHERE}.equalize_pairs")))
    specific = gender_specific_words(gender_specific, f"{WHERE}.gender_specific")
    # The definitional words are gender-specific by definition, whatever the list says.
    specific = list(dict.fromkeys([*specific, *(w for p in definitional for w in p)]))
    return HardDebias(definitional, list(equalize), specific, lower_fallback)


def register(registry: Registries) -> None:
    registry.transforms.register(NAME, func=hard_debias_v1)
