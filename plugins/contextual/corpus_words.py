"""Sentences and a word vocabulary from whatever corpus the distillers are given.

Accepts lexiplug's corpus objects (anything with ``iter_sentences()``), a path to a text
file or folder (one sentence a line, whitespace-tokenised), or an iterable of strings or
word lists. Streams: the corpus is never held as a list.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
from lexiplug.errors import ConfigError, DataNotFoundError, TrainingError


def iter_sentences(corpus: Any, *, lowercase: bool = False) -> Iterator[list[str]]:
    """Word lists, one per sentence; empty sentences skipped."""
    for words in _raw_sentences(corpus):
        if lowercase:
            words = [w.lower() for w in words]
        if words:
            yield words


def _raw_sentences(corpus: Any) -> Iterator[list[str]]:
    if corpus is None:
        raise ConfigError("this embedder needs a corpus, got None", where="corpus")
    if hasattr(corpus, "iter_sentences"):
        yield from (list(s) for s in corpus.iter_sentences())
        return
    if isinstance(corpus, (str, Path)):
        yield from _file_sentences(Path(corpus))
        return
    for item in corpus:
        yield item.split() if isinstance(item, str) else list(item)


def _file_sentences(path: Path) -> Iterator[list[str]]:
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.is_file())
    elif path.is_file():
        files = [path]
    else:
        raise DataNotFoundError(f"no corpus file or folder at {path}", where="corpus")
    for file in files:
        with file.open(encoding="utf-8") as handle:
            for line in handle:
                yield line.split()


def count_words(sentences: Iterable[list[str]]) -> Counter[str]:
    counts: Counter[str] = Counter()
    for words in sentences:
        counts.update(words)
    return counts


def corpus_vocabulary(
    counts: Counter[str], *, min_count: int = 1, max_vocab: int | None = None
) -> tuple[list[str], np.ndarray]:
    """Words with at least ``min_count`` occurrences, most frequent first (ties by word)."""
    items = sorted(
        ((w, c) for w, c in counts.items() if c >= min_count), key=lambda x: (-x[1], x[0])
    )
    if max_vocab is not None:
        items = items[:max_vocab]
    if not items:
        top = counts.most_common(1)
        raise TrainingError(
            f"no word occurs at least min_count={min_count} times "
            f"(most frequent: {top[0] if top else 'none, the corpus is empty'})",
            where="min_count",
        )
    return [w for w, _ in items], np.array([c for _, c in items], dtype=np.int64)
