"""Concreteness norms: split similarity scores into concrete and abstract word pairs.

Grounding papers ask whether vision helps abstract words too, so the similarity evaluator can
report Spearman separately for pairs whose two words are both concrete or both abstract,
given a user's norms file (e.g. Brysbaert et al. 2014, which we may not redistribute).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from lexiplug.errors import DataNotFoundError, FormatError


@dataclass(frozen=True)
class ConcretenessNorms:
    ratings: dict[str, float]
    threshold: float
    path: str

    def label(self, word: str) -> str | None:
        rating = self.ratings.get(word.lower())
        if rating is None:
            return None
        return "concrete" if rating >= self.threshold else "abstract"


def load_concreteness(
    path: str | Path, column: str | int = 1, threshold: float | None = None
) -> ConcretenessNorms:
    """Read a TSV of word and rating (a header row is allowed; ``column`` by name or index).

    ``threshold`` splits concrete from abstract; by default the median rating.
    """
    path = Path(path)
    if not path.exists():
        raise DataNotFoundError(f"concreteness norms {path} do not exist", where=str(path))
    ratings: dict[str, float] = {}
    index = column if isinstance(column, int) else None
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            fields = line.rstrip("\r\n").split("\t")
            if not line.strip():
                continue
            if index is None:
                if column not in fields:
                    raise FormatError(f"header has no column {column!r}: {fields}", path=path,
                                      line=number)
                index = fields.index(str(column))
                continue
            if len(fields) <= index:
                raise FormatError(f"expected a rating in column {index}, found {len(fields)} "
                                  "fields", path=path, line=number)
            try:
                rating = float(fields[index])
            except ValueError:
                if number == 1:  # a header row when the column is given by index
                    continue
                raise FormatError(f"rating {fields[index]!r} is not a number", path=path,
                                  line=number) from None
            ratings[fields[0].lower()] = rating
    if not ratings:
        raise FormatError("no ratings found", path=path)
    cut = float(np.median(list(ratings.values()))) if threshold is None else float(threshold)
    return ConcretenessNorms(ratings=ratings, threshold=cut, path=str(path))


def pair_groups(norms: ConcretenessNorms, pairs: list[tuple[str, str]]) -> list[str | None]:
    """``concrete`` / ``abstract`` when both words agree, else None (mixed or unrated)."""
    groups: list[str | None] = []
    for a, b in pairs:
        first, second = norms.label(a), norms.label(b)
        groups.append(first if first is not None and first == second else None)
    return groups
