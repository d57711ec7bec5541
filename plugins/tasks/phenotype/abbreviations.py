"""Abbreviations defined in report text, as word-graph edges for retrofitting.

Reports define their own short forms ("ductal carcinoma in situ (DCIS)"); the SEER /
ICD-O-3 tables in the shared data have site names but no morphology term list, so this is
where the histology vocabulary of the reports can join the knowledge graph. Detection is
Schwartz & Hearst's algorithm (PSB 2003): a parenthesised short form of 2–10 characters
(here one token starting with a letter), and the shortest span of the words before it in which the
short form's characters occur in order, right to left, its first character at the start
of a word. Unlabelled text only: it reads no gold label.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

import numpy as np
from lexiplug.plugins.datasets.graph import WordGraph

RELATION = "abbreviation"
_PARENTHESIS = re.compile(r"\(([^()]{1,40})\)")
_WORD = re.compile(r"[a-z][a-z-]+")
# words that never carry the meaning of a long form (as in seer_graph's list)
_STOPWORDS = frozenset({"and", "of", "the", "or", "in", "to", "with", "without", "for", "by",
                        "on", "at", "as", "an", "a", "nos"})


def best_long_form(short: str, candidate: str) -> str | None:
    """Schwartz & Hearst's ``findBestLongForm``: the shortest suffix of ``candidate`` that
    holds the characters of ``short`` in order (matched right to left), the first one at a
    word start; None when there is none."""
    s_index, l_index = len(short) - 1, len(candidate) - 1
    while s_index >= 0:
        char = short[s_index].lower()
        if not char.isalnum():
            s_index -= 1
            continue
        while l_index >= 0 and (
            candidate[l_index].lower() != char
            or (s_index == 0 and l_index > 0 and candidate[l_index - 1].isalnum())
        ):
            l_index -= 1
        if l_index < 0:
            return None
        l_index -= 1
        s_index -= 1
    start = candidate.rfind(" ", 0, l_index + 1) + 1
    return candidate[start:]


def abbreviation_pairs(text: str) -> Iterable[tuple[str, str]]:
    """``(short form, long form)`` for each definition found in ``text``."""
    for match in _PARENTHESIS.finditer(text):
        short = re.split(r"[,;]", match.group(1))[0].strip()
        if not _valid_short_form(short):
            continue
        before = re.split(r"[.;:\n]", text[: match.start()])[-1].split()
        window = before[-min(len(short) + 5, 2 * len(short)):]
        if not window:
            continue
        long = best_long_form(short, " ".join(window))
        if long is None or len(long) <= len(short) or short.lower() in long.lower().split():
            continue
        if "(" in long or ")" in long:  # spans another parenthesis: a list, not a definition
            continue
        if len(long.split()) < 2:  # one-word "long forms" are mostly false matches here
            continue
        yield short, long


def _valid_short_form(short: str) -> bool:
    # one token starting with a letter: "(2 sets)", "(slide 3t)" and "(1mm)" are not short
    # forms in these reports, though Schwartz & Hearst's looser test would take them
    return 2 <= len(short) <= 10 and short[0].isalpha() and " " not in short


def find_abbreviations(texts: Iterable[str], min_count: int = 1) -> dict[str, str]:
    """Short form (lower-cased) → its most frequent long form (lower-cased), over every
    definition seen at least ``min_count`` times."""
    counts: Counter[tuple[str, str]] = Counter()
    for text in texts:
        counts.update((s.lower(), " ".join(long.lower().split()))
                      for s, long in abbreviation_pairs(text))
    best: dict[str, tuple[int, str]] = {}
    for (short, long), n in counts.items():
        if n >= min_count and (short not in best or n > best[short][0]):
            best[short] = (n, long)
    return {short: long for short, (_, long) in sorted(best.items())}


def abbreviation_graph(abbreviations: dict[str, str], weight: float = 1.0) -> WordGraph:
    """Edges from each short form to the content words of its long form."""
    heads: list[str] = []
    tails: list[str] = []
    for short, long in abbreviations.items():
        for word in dict.fromkeys(_WORD.findall(long)):
            if word not in _STOPWORDS and word != short:
                heads.append(short)
                tails.append(word)
    return WordGraph(heads, tails, np.full(len(heads), weight), [RELATION] * len(heads),
                     name="report_abbreviations")


def joined(first: WordGraph, second: WordGraph, name: str) -> WordGraph:
    """Both graphs' edges in one graph (retrofitting merges duplicates by weight)."""
    return WordGraph([*first.heads, *second.heads], [*first.tails, *second.tails],
                     np.concatenate([first.weights, second.weights]),
                     [*first.relations, *second.relations], name=name)
