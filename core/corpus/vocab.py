"""The vocabulary: words ranked by count (ties by first occurrence), pruned by min_count."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..atomic import atomic_open
from ..errors import ConfigError, FormatError, TrainingError


@dataclass
class Vocabulary:
    """``words[i]`` is id ``i``; ids are frequency ranks (0 = most frequent)."""

    words: list[str]
    counts: np.ndarray
    index: dict[str, int] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.counts = np.asarray(self.counts, dtype=np.int64)
        if len(self.words) != len(self.counts):
            raise ValueError(f"{len(self.words)} words but {len(self.counts)} counts")
        self.index = {word: i for i, word in enumerate(self.words)}
        if len(self.index) != len(self.words):
            raise ValueError("vocabulary words must be unique")

    def __len__(self) -> int:
        return len(self.words)

    def __contains__(self, word: object) -> bool:
        return word in self.index

    def save(self, path: str | Path) -> None:
        """``word<TAB>count`` a line, written atomically."""
        bad = next((w for w in self.words if "\t" in w or "\n" in w or "\r" in w), None)
        if bad is not None:
            raise FormatError(f"cannot save the word {bad!r}: it holds a tab or newline", path=path)
        with atomic_open(path, "w", encoding="utf-8") as handle:
            for word, count in zip(self.words, self.counts.tolist(), strict=True):
                handle.write(f"{word}\t{count}\n")

    @classmethod
    def load(cls, path: str | Path) -> Vocabulary:
        words: list[str] = []
        counts: list[int] = []
        with open(path, encoding="utf-8") as handle:
            for number, line in enumerate(handle, 1):
                word, sep, count = line.rstrip("\n").rpartition("\t")
                if not sep or not count.isdigit():
                    raise FormatError(
                        f"expected 'word<TAB>count'; found {line[:60]!r}", path=path, line=number
                    )
                words.append(word)
                counts.append(int(count))
        return cls(words, np.asarray(counts, dtype=np.int64))


def check_vocabulary_options(min_count: int, max_vocab: int | None) -> None:
    if not isinstance(min_count, int) or min_count < 1:
        raise ConfigError(f"expected min_count >= 1; found {min_count!r}", where="corpus.min_count")
    if max_vocab is not None and (not isinstance(max_vocab, int) or max_vocab < 1):
        raise ConfigError(
            f"expected max_vocab >= 1 or None; found {max_vocab!r}", where="corpus.max_vocab"
        )


def rank_words(
    words: list[str], counts: np.ndarray, *, min_count: int, max_vocab: int | None
) -> np.ndarray:
    """Order of ``words`` (given in first-occurrence order) by count desc, pruned.

    Returns the kept positions; a stable sort keeps first-occurrence order among ties.
    """
    check_vocabulary_options(min_count, max_vocab)
    if len(words) == 0:
        raise TrainingError("the corpus is empty: it holds no token (check paths and format)")
    order = np.argsort(-counts, kind="stable")
    order = order[counts[order] >= min_count]
    if len(order) == 0:
        raise TrainingError(
            f"no word occurs at least min_count={min_count} times (the most frequent word, "
            f"{words[int(np.argmax(counts))]!r}, occurs {int(counts.max())} times); "
            "lower min_count or use a larger corpus"
        )
    if max_vocab is not None:
        order = order[:max_vocab]
    return order


def vocabulary_from_sentences(
    sentences: Iterable[list[str]], *, min_count: int = 5, max_vocab: int | None = None
) -> Vocabulary:
    """Count every token of ``sentences`` and keep the ranked, pruned vocabulary."""
    check_vocabulary_options(min_count, max_vocab)
    first_seen: dict[str, int] = {}
    for tokens in sentences:
        for word in tokens:
            first_seen[word] = first_seen.get(word, 0) + 1
    words = list(first_seen)
    counts = np.fromiter(first_seen.values(), dtype=np.int64, count=len(words))
    kept = rank_words(words, counts, min_count=min_count, max_vocab=max_vocab)
    return Vocabulary([words[i] for i in kept.tolist()], counts[kept])


def build_vocabulary(
    corpus: Iterable[list[str]], min_count: int = 5, max_vocab: int | None = None
) -> Vocabulary:
    """One pass over ``corpus`` (a :class:`Corpus` or any iterable of token lists)."""
    sentences = corpus.iter_sentences() if hasattr(corpus, "iter_sentences") else corpus
    return vocabulary_from_sentences(sentences, min_count=min_count, max_vocab=max_vocab)
