"""Word-pair similarity files: ``word1<TAB>word2<TAB>score``, one pair a line.

Strict where gensim is lenient: a line that is not two words and a finite number is a
:class:`~lexiplug.errors.FormatError` naming ``file:line``, because a silently skipped line
changes a benchmark's figures. CRLF endings, a missing final newline, blank lines and ``#``
comment lines (gensim's bundled copies have them) are accepted.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from lexiplug.errors import FormatError

from .readers_text import read_text


@dataclass
class WordPairs:
    """Word pairs with human scores; ``lines`` are 1-based source line numbers."""

    pairs: list[tuple[str, str]]
    scores: np.ndarray
    lines: list[int]
    path: Path | None = None
    name: str = ""
    comments: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.pairs)

    @classmethod
    def from_pairs(
        cls, pairs: list[tuple[str, str]], scores: list[float] | np.ndarray, *, name: str = ""
    ) -> WordPairs:
        """Word pairs built in code (tests, user lists); lines count from 1."""
        scores_array = np.asarray(scores, dtype=np.float64)
        if scores_array.shape != (len(pairs),):
            raise FormatError(
                f"expected one score per pair ({len(pairs)}), got shape {scores_array.shape}"
            )
        return cls(list(pairs), scores_array, list(range(1, len(pairs) + 1)), None, name)


def read_word_pairs(path: str | Path, *, name: str = "", encoding: str = "utf-8") -> WordPairs:
    """Read a word-similarity file (tab separated; whitespace accepted when there is no tab)."""
    path = Path(path)
    text = read_text(path, encoding)
    pairs: list[tuple[str, str]] = []
    scores: list[float] = []
    lines: list[int] = []
    comments: list[str] = []
    for line_no, raw in enumerate(text.split("\n"), start=1):
        line = raw.rstrip("\r")
        if not line.strip():
            continue
        if line.startswith("#"):
            comments.append(line)
            continue
        fields = line.split("\t")
        if len(fields) != 3:
            fields = line.split()
        if len(fields) != 3:
            raise FormatError(
                f"expected 'word1<TAB>word2<TAB>score', found {len(fields)} fields: {line[:80]!r}",
                path=path, line=line_no,
            )
        first, second, score_text = (f.strip() for f in fields)
        try:
            score = float(score_text)
        except ValueError:
            raise FormatError(
                f"expected a numeric score in the third field, found {score_text[:40]!r}",
                path=path, line=line_no,
            ) from None
        if not math.isfinite(score) or not first or not second:
            raise FormatError(
                f"expected two words and a finite score, found {line[:80]!r}", path=path,
                line=line_no,
            )
        pairs.append((first, second))
        scores.append(score)
        lines.append(line_no)
    if not pairs:
        raise FormatError("expected at least one word pair, found none", path=path)
    return WordPairs(pairs, np.asarray(scores, dtype=np.float64), lines, path, name, comments)
