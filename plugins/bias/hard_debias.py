"""``lexiplug.hard_debias.v1``: Bolukbasi et al. (2016) neutralise + equalise.

The direction is the first principal component of the centred, unit-normalised definitional
pairs, computed by the shared ``direction.gender_direction`` (the bias
evaluator measures with the very same function, so "direct bias after" is bias along the
direction that was removed). Every word outside the gender-specific list (expanded to its
lower/Title/UPPER variants, docs/transforms.md) loses its component along it; each equalize pair,
in every casing the vocabulary holds, is moved to be symmetric about the neutral subspace.
Output rows are unit length, as debiaswe's. Hard debiasing removes *direct* bias by
construction; the neighbour check of Gonen & Goldberg (``neighbour_bias.py``) shows what it
leaves behind. The output's metadata carries ``bias_reference`` (the direction and G&G's
labels from the *original* vectors) so ``lexiplug.bias.v1`` can report direct bias and the
neighbour check "after" on the original's terms without being handed the original row.
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
from lexiplug.words import case_variants, expand_case, preview

from .direction import gender_direction
from .word_lists import checked_pairs, debiaswe_lists, gender_specific_words

NAME = "lexiplug.hard_debias.v1"
WHERE = "transforms.hard_debias"
logger = logging.getLogger(__name__)


@dataclass
class HardDebias:
    definitional_pairs: list[tuple[str, str]]
    equalize_pairs: list[tuple[str, str]]
    gender_specific: list[str]
    lower_fallback: bool = True
    record_reference: bool = True

    def direction(self, vectors: Vectors) -> tuple[np.ndarray, dict[str, Any]]:
        """The bias direction on ``vectors`` and a record of the pairs used and missing."""
        found = gender_direction(vectors, self.definitional_pairs,
                                 case_fallback=self.lower_fallback)
        if not found.pairs_used:
            raise TrainingError(
                f"none of the {len(self.definitional_pairs)} definitional pairs has both words "
                f"in the vectors; missing: {preview(found.missing)}",
                where=f"{WHERE}.definitional_pairs",
            )
        return found.vector, {"definitional_pairs_used": [list(p) for p in found.keys_used],
                              "missing_definitional": found.missing,
                              "direction_variance_ratio": found.explained_variance_ratio}

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
        if self.record_reference:
            out.metadata["bias_reference"] = self._reference(vectors, direction)
        return out

    def _reference(self, vectors: Vectors, direction: np.ndarray) -> dict[str, Any]:
        """G&G labels and original projections (debiaswe professions when the data is there)."""
        from lexiplug.errors import LexiplugError

        from .neighbour_bias import bias_reference

        try:
            professions = list(debiaswe_lists().professions)
        except LexiplugError:
            professions = []
        reference = bias_reference(vectors, direction, exclude=self.gender_specific,
                                   professions=professions)
        return {**reference.as_dict(), "source": NAME,
                "definitional_pairs": [list(p) for p in self.definitional_pairs]}

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
    record_reference: bool = True,
) -> HardDebias:
    """Hard debiasing; lists default to debiaswe's (``gender_specific``: full/seed/list).
    ``record_reference`` stores the original direction and neighbour labels in the output's
    metadata for the bias evaluator."""
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
    return HardDebias(definitional, list(equalize), specific, lower_fallback,
                      bool(record_reference))


def register(registry: Registries) -> None:
    registry.transforms.register(NAME, func=hard_debias_v1)
