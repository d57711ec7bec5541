"""The debiaswe lists (Bolukbasi et al. 2016) as hard debiasing's defaults.

Definitional and equalize pairs come from the registered ``debiaswe`` dataset; the words
*not* to neutralise default to debiaswe's 1,441-word ``gender_specific_full.json`` (what its
``debias.py`` uses), with the 218-word seed list as the alternative.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from lexiplug.errors import ConfigError, FormatError

GENDER_SPECIFIC_FILES = {
    "full": "bias/debiaswe/gender_specific_full.json",
    "seed": "bias/debiaswe/gender_specific_seed.json",
}


def debiaswe_lists() -> Any:
    """The loaded ``debiaswe`` dataset (definitional pairs, equalize pairs, professions)."""
    from lexiplug.registry import registry

    return registry.datasets.get("debiaswe")().load()


def gender_specific_words(choice: str | Sequence[str], where: str) -> list[str]:
    """``"full"``/``"seed"`` (debiaswe files) or an explicit word list."""
    if not isinstance(choice, str):
        return [str(word) for word in choice]
    if choice not in GENDER_SPECIFIC_FILES:
        raise ConfigError(
            f"expected 'full', 'seed' or a list of words; found {choice!r}", where=where
        )
    from lexiplug.data.resolver import resolve_data_path

    path = resolve_data_path(GENDER_SPECIFIC_FILES[choice], what="debiaswe")
    try:
        words = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise FormatError(f"expected JSON, {error.msg}", path=path, line=error.lineno) from None
    if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
        raise FormatError("expected a JSON list of words", path=path)
    return words


def checked_pairs(pairs: Any, where: str) -> list[tuple[str, str]]:
    """A non-empty list of two-word pairs, or a ConfigError saying what was found."""
    if not isinstance(pairs, (list, tuple)) or not pairs:
        raise ConfigError(f"expected a non-empty list of [word, word] pairs; found {pairs!r}",
                          where=where)
    checked = []
    for index, pair in enumerate(pairs):
        if not (isinstance(pair, (list, tuple)) and len(pair) == 2
                and all(isinstance(w, str) and w for w in pair)):
            raise ConfigError(f"expected item {index} to be a [word, word] pair; found {pair!r}",
                              where=where)
        checked.append((pair[0], pair[1]))
    return checked
