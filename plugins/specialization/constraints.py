"""Loading constraint lists for specialisation and placing them on a vocabulary.

A constraint source is a registered dataset name (kind ``constraints``, e.g.
``ppdb_synonyms``), a file path (``word1 word2`` a line) or a loaded
:class:`~lexiplug.plugins.datasets.readers_lexical.LexicalConstraints`. Words the vocabulary
lacks are counted and their pairs left out, never an error: constraint lists are far larger
than any corpus vocabulary. Only a list with no usable pair at all stops training.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeAlias

from lexiplug.errors import ConfigError
from lexiplug.plugins.datasets.readers_lexical import (
    LexicalConstraints,
    constraints_from_pairs,
    read_constraints,
)
from lexiplug.words import match_words, preview

logger = logging.getLogger(__name__)
PREFIX_MODES = ("auto", "keep", "strip")

ConstraintSource: TypeAlias = str | Path | LexicalConstraints


def load_constraints(source: ConstraintSource, *, where: str) -> LexicalConstraints:
    """One constraint list from a dataset name, a file or a loaded object."""
    if isinstance(source, LexicalConstraints):
        return source
    from lexiplug.registry import registry

    if isinstance(source, str) and registry.datasets.has(source):
        loaded = registry.datasets.get(source)().load()
        if not isinstance(loaded, LexicalConstraints):
            raise ConfigError(f"dataset {source!r} is a {type(loaded).__name__}, not a "
                              "constraint list", where=where)
        return loaded
    from lexiplug.data.resolver import resolve_data_path

    return read_constraints(resolve_data_path(source, what=where))


def merge_constraints(sources: Iterable[ConstraintSource], *, where: str
                      ) -> LexicalConstraints:
    """Several lists as one (duplicates across lists dropped and counted)."""
    lists = [load_constraints(s, where=where) for s in sources]
    pairs = [pair for c in lists for pair in c.pairs]
    merged = constraints_from_pairs(pairs, name="+".join(c.name for c in lists))
    merged.n_self_pairs += sum(c.n_self_pairs for c in lists)
    merged.n_duplicates += sum(c.n_duplicates for c in lists)
    return merged


@dataclass
class PlacedConstraints:
    """A list's pairs as vocabulary rows; what could not be placed, counted."""

    rows: list[tuple[int, int]]
    n_pairs: int
    n_dropped: int
    unknown_words: list[str] = field(default_factory=list)
    n_words: int = 0
    n_self_pairs: int = 0
    n_duplicates: int = 0

    def report(self) -> dict[str, object]:
        return {"n_pairs": self.n_pairs, "n_used": len(self.rows), "n_dropped": self.n_dropped,
                "n_words": self.n_words, "n_unknown_words": len(self.unknown_words),
                "unknown_words": self.unknown_words[:200], "n_self_pairs": self.n_self_pairs,
                "n_duplicates": self.n_duplicates}


def place_constraints(constraints: LexicalConstraints, key_to_index: dict[str, int], *,
                      language_prefix: str, lower_fallback: bool, what: str
                      ) -> PlacedConstraints:
    """Pairs whose two words the vocabulary has, as row pairs; unknown words counted."""
    if language_prefix not in PREFIX_MODES:
        raise ConfigError(f"expected one of {PREFIX_MODES}; found {language_prefix!r}",
                          where="language_prefix")
    if constraints.languages and (language_prefix == "strip" or (
            language_prefix == "auto"
            and not any(w in key_to_index for w in constraints.words()[:1000]))):
        # monolingual vectors have no ``en_`` keys: the prefix only names the language
        constraints = constraints.without_prefixes()
    match = match_words(key_to_index, constraints.words(), lower_fallback=lower_fallback)
    row = {word: key_to_index[key] for word, key in match.found.items()}
    rows = []
    for a, b in constraints.pairs:
        ra, rb = row.get(a), row.get(b)
        if ra is not None and rb is not None and ra != rb:
            rows.append((ra, rb))
    placed = PlacedConstraints(rows, len(constraints), len(constraints) - len(rows),
                               match.missing, len(match.found) + len(match.missing),
                               constraints.n_self_pairs, constraints.n_duplicates)
    if match.missing:
        logger.info("%s: %d of %d constraint words are not in the vectors (%d of %d pairs "
                    "left out), e.g. %s", what, len(match.missing), placed.n_words,
                    placed.n_dropped, placed.n_pairs, preview(match.missing, 10))
    return placed


def as_sources(value: Sequence[ConstraintSource] | ConstraintSource | None, *, where: str
               ) -> list[ConstraintSource]:
    """A list of sources from one source, a list, or nothing."""
    if value is None:
        return []
    if isinstance(value, str | Path | LexicalConstraints):
        return [value]
    sources = list(value)
    if any(not isinstance(s, str | Path | LexicalConstraints) for s in sources):
        raise ConfigError("expected dataset names or file paths", where=where)
    return sources
