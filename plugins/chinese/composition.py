"""Which characters make up a word, which words are not built from their characters, and
vectors for unknown words composed from their characters.

A word is *compositional* when it has at least two Han characters and is not on the
exclusion list. Single characters (the word and the character are the same unit), words
without Han characters (Latin, digits, punctuation) and listed words are not: the CWE paper
excludes transliterations (``沙发`` sofa, ``巧克力`` chocolate), whose characters were chosen
for their sound, not their meaning. :data:`TRANSLITERATIONS` is a small built-in list of
common ones; ``exclude`` adds a user list.

Character rows: position-agnostic, character ``c`` has row ``c``; position-based, it has rows
``3c`` (begin), ``3c+1`` (middle), ``3c+2`` (end) and a word's first character uses its begin
row, its last the end row, the others the middle row.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from lexiplug.corpus.chinese import han_characters

BEGIN, MIDDLE, END = 0, 1, 2
POSITIONS = 3

TRANSLITERATIONS: frozenset[str] = frozenset(
    "沙发 巧克力 咖啡 吉他 沙拉 坦克 幽默 逻辑 摩托 雷达 可乐 马拉松 奥林匹克 因特网 "
    "巴士 芭蕾 卡通 引擎 维他命 布丁 汉堡 披萨 比萨 香槟 白兰地 威士忌 伏特加 啤酒 沙龙 "
    "模特 苏打 咖喱 拷贝 克隆 基因 蒙太奇 浪漫 乌托邦 图腾 尼古丁 吗啡 可卡因 歇斯底里 "
    "扑克 高尔夫 保龄球 桑拿 迪斯科 的士 卡车 吉普 摩登 沙丁鱼 柠檬 芒果 葡萄 琵琶 "
    "菩萨 佛陀 罗汉 袈裟 刹那 涅槃 般若 菠萝 玻璃 雪茄 纳米 赫兹 瓦特 焦耳 伏特 欧姆".split()
)


def position_of(index: int, length: int) -> int:
    """BEGIN for the first character, END for the last, MIDDLE for the rest."""
    if index == 0:
        return BEGIN
    return END if index == length - 1 else MIDDLE


def is_compositional(word: str, excluded: frozenset[str]) -> bool:
    """At least two Han characters and not excluded (see the module docstring)."""
    return word not in excluded and len(han_characters(word)) >= 2


@dataclass
class CharacterTable:
    """The character vocabulary and, per word, the character rows its input is composed of.

    ``word_chars`` is CSR: word ``w`` uses rows ``char_rows[char_start[w]:char_start[w+1]]``
    (empty for non-compositional words). ``row_counts[r]`` is the corpus count behind row
    ``r`` (the summed counts of the words using it); an untrained row has count 0.
    """

    characters: list[str]
    position_based: bool
    char_start: np.ndarray
    char_rows: np.ndarray
    row_counts: np.ndarray

    def __post_init__(self) -> None:
        self.index = {char: i for i, char in enumerate(self.characters)}

    @property
    def n_rows(self) -> int:
        return len(self.characters) * (POSITIONS if self.position_based else 1)

    def row(self, char_index: int, position: int) -> int:
        return char_index * POSITIONS + position if self.position_based else char_index

    def rows_for(self, word: str) -> list[int]:
        """Trained character rows composing ``word`` (unknown characters are left out)."""
        chars = han_characters(word)
        rows = []
        for i, char in enumerate(chars):
            index = self.index.get(char)
            if index is None:
                continue
            row = self.row(index, position_of(i, len(chars)))
            if self.row_counts[row] > 0:
                rows.append(row)
            elif self.position_based:  # this position never trained: any trained position
                rows.extend(r for r in range(index * POSITIONS, index * POSITIONS + POSITIONS)
                            if self.row_counts[r] > 0)
        return rows


def build_character_table(
    words: Sequence[str], counts: Sequence[int] | np.ndarray, *, excluded: Iterable[str],
    position_based: bool, min_char_count: int = 1,
) -> CharacterTable:
    """Characters of the compositional words (those whose summed word counts reach
    ``min_char_count``), ordered by that count, and each word's character rows."""
    excluded_set = frozenset(excluded)
    counts = np.asarray(counts, dtype=np.int64)
    char_totals: dict[str, int] = {}
    word_chars: list[list[str]] = []
    for word, count in zip(words, counts.tolist(), strict=True):
        chars = han_characters(word) if is_compositional(word, excluded_set) else []
        word_chars.append(chars)
        for char in chars:
            char_totals[char] = char_totals.get(char, 0) + count
    kept = sorted((c for c, n in char_totals.items() if n >= min_char_count),
                  key=lambda c: (-char_totals[c], c))
    index = {char: i for i, char in enumerate(kept)}
    n_rows = len(kept) * (POSITIONS if position_based else 1)
    row_counts = np.zeros(n_rows, dtype=np.int64)
    starts = [0]
    rows: list[int] = []
    for chars, count in zip(word_chars, counts.tolist(), strict=True):
        known = [(i, c) for i, c in enumerate(chars) if c in index]
        if len(known) >= 1 and len(chars) >= 2:
            for i, char in known:
                row = (index[char] * POSITIONS + position_of(i, len(chars)) if position_based
                       else index[char])
                rows.append(row)
                row_counts[row] += count
        starts.append(len(rows))
    return CharacterTable(kept, position_based, np.asarray(starts, dtype=np.int64),
                          np.asarray(rows, dtype=np.int32), row_counts)


class CharacterComposer:
    """Vectors for words outside the vocabulary: the mean of their characters' rows.

    Called by :class:`lexiplug.Vectors` (``oov="subword"``) for unknown words. A word none of
    whose characters is known gets a zero vector, so ``composes(word)`` tells "composed"
    from "missing" (coverage reports count them apart).
    """

    def __init__(self, table: CharacterTable, char_matrix: np.ndarray) -> None:
        self.table = table
        self.char_matrix = np.asarray(char_matrix, dtype=np.float32)

    def composes(self, word: str) -> bool:
        return bool(self.table.rows_for(word))

    def __call__(self, word: str) -> np.ndarray:
        rows = self.table.rows_for(word)
        if not rows:
            return np.zeros(self.char_matrix.shape[1], dtype=np.float32)
        return self.char_matrix[rows].mean(axis=0)


@dataclass(frozen=True)
class CoverageSplit:
    """How a word-pair set's pairs are covered: both words known, at least one composed from
    characters (the rest known), or at least one word with no vector at all."""

    known: int
    composed: int
    missing: int

    @property
    def total(self) -> int:
        return self.known + self.composed + self.missing

    @property
    def coverage(self) -> float:
        """Share of pairs that get a score (known + composed)."""
        return (self.known + self.composed) / self.total if self.total else 0.0

    def as_dict(self) -> dict[str, float]:
        total = self.total or 1
        return {"coverage": self.coverage, "known": self.known / total,
                "composed": self.composed / total, "missing": self.missing / total}


def word_status(word: str, vocabulary: object, composer: CharacterComposer | None) -> str:
    """``known`` (in ``vocabulary``), ``composed`` (from characters) or ``missing``."""
    if word in vocabulary:  # type: ignore[operator]
        return "known"
    if composer is not None and composer.composes(word):
        return "composed"
    return "missing"


def pair_status(first: str, second: str, vocabulary: object,
                composer: CharacterComposer | None) -> str:
    """The worse of the two words' statuses (missing > composed > known)."""
    statuses = {word_status(first, vocabulary, composer), word_status(second, vocabulary,
                                                                       composer)}
    for status in ("missing", "composed"):
        if status in statuses:
            return status
    return "known"


def coverage_split(pairs: Iterable[tuple[str, str]], vocabulary: object,
                   composer: CharacterComposer | None) -> CoverageSplit:
    """Count the pairs by :func:`pair_status`."""
    tally = {"known": 0, "composed": 0, "missing": 0}
    for first, second in pairs:
        tally[pair_status(first, second, vocabulary, composer)] += 1
    return CoverageSplit(**tally)


def composer_from_character_vectors(characters: Sequence[str],
                                    matrix: np.ndarray) -> CharacterComposer:
    """A composer over plain character vectors (a character-level model): every word, known
    or not, is the mean of its known characters' vectors."""
    table = CharacterTable(list(characters), False, np.zeros(1, dtype=np.int64),
                           np.zeros(0, dtype=np.int32), np.ones(len(characters), dtype=np.int64))
    return CharacterComposer(table, matrix)
