"""The multisense part of a study report: each multi-sense row's senses of a few words.

Answers the ``lexiplug_report_sections`` hook (``plugins/multisense/plugin.py``): for every
row whose vectors are :class:`~.sense_vectors.SenseVectors`, the sense plot
(:func:`~.plot.plot_senses`: the senses in 2-D with their nearest neighbours) of the words in
``[report] sense_words``, or, without that list, of the row's most frequent words that kept
more than one sense. Rows of one vector per word add nothing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .plot import plot_senses, sense_neighbours

TITLE = "Word senses"
MAX_ROWS = 4
DEFAULT_WORDS = 3
NEIGHBOURS = 6


def report_sections(results: Mapping[str, Any]) -> list[tuple[str, str]] | None:
    """One markdown section with a sense plot per (multi-sense row, word); None when no row
    has senses or plots are off."""
    from .sense_vectors import SenseVectors

    rows = {name: v for name, v in results["rows"].items() if isinstance(v, SenseVectors)}
    folder = results.get("plots")
    if not rows or folder is None:
        return None
    requested = (results.get("report") or {}).get("sense_words")
    output = Path(results["output"])
    parts = ["Each star is a sense of the word (its share of the training occurrences in "
             "brackets), the dots of its colour the sense's nearest words; a PCA of them all."]
    for name, senses in list(rows.items())[:MAX_ROWS]:
        words = _words(senses, requested)
        if not words:
            parts.append(f"**{name}**: no word of {list(requested or [])} with more than one "
                         "sense" if requested else f"**{name}**: every word has one sense")
            continue
        for word in words:
            target = Path(folder) / f"senses_{_slug(name)}_{_slug(word)}.png"
            path = plot_senses(senses, word, target, topn=NEIGHBOURS)
            link = path.relative_to(output) if path.is_relative_to(output) else path
            lists = "; ".join(f"#{k}: " + ", ".join(w for w, _ in group) for k, group in
                              enumerate(sense_neighbours(senses, word, NEIGHBOURS)))
            parts.append(f"**{name}**, *{word}* ({senses.sense_count(word)} senses): {lists}"
                         f"\n\n![senses of {word} in {name}]({link.as_posix()})")
    return [(TITLE, "\n\n".join(parts))]


def _words(senses: Any, requested: Sequence[str] | None) -> list[str]:
    """The requested words this row knows with more than one sense, or its most frequent
    multi-sense words."""
    if requested:
        return [w for w in requested if w in senses.key_to_index and senses.sense_count(w) > 1]
    multi = np.flatnonzero(senses.n_senses > 1)
    if senses.counts is not None:
        multi = multi[np.argsort(-np.asarray(senses.counts)[multi], kind="stable")]
    return [senses.keys[i] for i in multi[:DEFAULT_WORDS]]


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "_", text)[:40]
