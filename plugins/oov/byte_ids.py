"""Words as padded arrays of byte ids: what :class:`~.network.ByteWordEncoder` reads.

Id 0 is padding, 1 and 2 mark the word's start and end (so ``"at"`` inside a word and the
word ``at`` differ), and byte ``b`` is ``b + 3``. A word longer than ``max_bytes`` keeps its
first and last halves: prefixes and suffixes carry most of the morphology (Turkish and
English inflections are suffixes), and a middle cut keeps both. Words are encoded as UTF-8;
strings holding surrogate escapes (bytes that were not UTF-8 when read with
``errors="surrogateescape"``) get their original bytes back, and any other lone surrogate is
replaced, so no string raises.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

PAD, START, END = 0, 1, 2
OFFSET = 3
VOCABULARY = 256 + OFFSET


def word_bytes(word: str) -> bytes:
    """The word's UTF-8 bytes; never raises (see the module docstring)."""
    try:
        return word.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return word.encode("utf-8", "replace")


@dataclass
class ByteBatch:
    """``ids``: ``(n, width)`` int64, each row ``START bytes END`` then ``PAD``;
    ``lengths``: ids per row including the markers; ``n_truncated``: words cut to fit."""

    ids: np.ndarray
    lengths: np.ndarray
    n_truncated: int


def byte_batch(words: list[str], max_bytes: int, min_width: int = 1) -> ByteBatch:
    """Byte ids of ``words``, padded to the longest (at least ``min_width`` columns)."""
    if max_bytes < 2:
        raise ValueError(f"max_bytes must be >= 2, got {max_bytes}")
    encoded = [word_bytes(w) for w in words]
    head = (max_bytes + 1) // 2
    tail = max_bytes - head
    n_truncated = 0
    for i, raw in enumerate(encoded):
        if len(raw) > max_bytes:
            encoded[i] = raw[:head] + raw[len(raw) - tail:]
            n_truncated += 1
    lengths = np.fromiter((len(raw) + 2 for raw in encoded), dtype=np.int64, count=len(encoded))
    width = max(int(lengths.max()) if lengths.size else 0, min_width)
    ids = np.zeros((len(encoded), width), dtype=np.int64)
    ids[:, 0] = START
    for i, raw in enumerate(encoded):
        ids[i, 1 : len(raw) + 1] = np.frombuffer(raw, dtype=np.uint8).astype(np.int64) + OFFSET
        ids[i, len(raw) + 1] = END
    return ByteBatch(ids, lengths, n_truncated)
