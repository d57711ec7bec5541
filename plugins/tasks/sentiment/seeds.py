"""Seed words per language, shipped as package data (``seeds/<lang>.json``).

A seed set names positive and negative seed words (the random walk of the lexicon starts
from them), antonym pairs (the corpus-PMI feature), negator words (which flip the polarity
of the word before them in Turkish, "güzel değil", and after them in English, "not good")
and a few frequent function words, used to tell a text in the other language.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from lexiplug.errors import ConfigError, FormatError

SHIPPED = ("en", "tr")


@dataclass(frozen=True)
class SeedSet:
    language: str
    positive: tuple[str, ...]
    negative: tuple[str, ...]
    antonym_pairs: tuple[tuple[str, str], ...]
    negators: tuple[str, ...]
    stopwords: tuple[str, ...]


def _words(raw: object, key: str, path: str) -> tuple[str, ...]:
    if not isinstance(raw, list) or not raw or not all(isinstance(w, str) and w for w in raw):
        raise FormatError(f"expected {key!r} to be a non-empty list of words", path=path)
    return tuple(w.lower() for w in raw)


def load_seeds(name_or_path: str) -> SeedSet:
    """The shipped seed set ``en``/``tr``, or a JSON file of the same shape."""
    if name_or_path in SHIPPED:
        text = resources.files(__package__).joinpath(f"seeds/{name_or_path}.json").read_text(
            encoding="utf-8")
        where = f"seeds/{name_or_path}.json"
    else:
        path = Path(name_or_path)
        if not path.is_file():
            raise ConfigError(f"expected one of {SHIPPED} or a seed JSON file, found "
                              f"{name_or_path!r}", where="seeds")
        text, where = path.read_text(encoding="utf-8"), str(path)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise FormatError(f"expected JSON ({error.msg})", path=where, line=error.lineno) from None
    pairs = data.get("antonym_pairs")
    if not isinstance(pairs, list) or not all(
            isinstance(p, list) and len(p) == 2 and all(isinstance(w, str) for w in p)
            for p in pairs):
        raise FormatError("expected 'antonym_pairs' to be a list of [positive, negative] pairs",
                          path=where)
    return SeedSet(
        language=str(data.get("language", name_or_path)),
        positive=_words(data.get("positive"), "positive", where),
        negative=_words(data.get("negative"), "negative", where),
        antonym_pairs=tuple((p.lower(), n.lower()) for p, n in pairs),
        negators=tuple(w.lower() for w in data.get("negators", [])),
        stopwords=tuple(w.lower() for w in data.get("stopwords", [])),
    )
