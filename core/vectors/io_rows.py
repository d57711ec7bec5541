"""Where parsed rows go: one preallocated float32 matrix, duplicate policy, finiteness checks.

Parsers hand over blocks of ``(words, rows)``; the sink never builds Python lists of
numbers and holds at most one block besides the matrix, so peak memory stays near the
matrix size. When the row count is unknown (GloVe, compressed files) the matrix grows with
``ndarray.resize``, which large allocations serve with ``mremap`` rather than a copy.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import Literal

import numpy as np

from ..errors import ConfigError, FormatError, require_one_of

logger = logging.getLogger(__name__)

DuplicatePolicy = Literal["first", "last", "error"]
DUPLICATE_POLICIES = ("first", "last", "error")

# Real word vectors have at most a few thousand dimensions; a larger dim is almost surely a
# broken or hostile file, refused before its rows are read (``max_dim`` or this env var
# raise the bound).
DEFAULT_MAX_DIM = 65_536
MAX_DIM_ENV = "LEXIPLUG_MAX_DIM"
# first allocation when the row count is unknown or untrusted (compressed files): small,
# then grown geometrically as rows really arrive
_INITIAL_BYTES = 16 << 20


def resolve_max_dim(max_dim: int | None) -> int:
    """``max_dim`` if given, else ``$LEXIPLUG_MAX_DIM``, else :data:`DEFAULT_MAX_DIM`."""
    if max_dim is None:
        raw = os.environ.get(MAX_DIM_ENV, "")
        try:
            max_dim = int(raw) if raw.strip() else DEFAULT_MAX_DIM
        except ValueError:
            raise ConfigError(f"expected a positive integer, found {raw[:40]!r}",
                              where=MAX_DIM_ENV) from None
    if max_dim <= 0:
        raise ConfigError(f"max_dim must be positive, got {max_dim}", where="max_dim")
    return max_dim


def check_dim(dim: int, max_dim: int, path: Path, line: int) -> None:
    """Refuse a dimension past ``max_dim`` before any row of it is allocated."""
    if dim > max_dim:
        raise FormatError(
            f"vectors of {dim} dimensions exceed the limit of {max_dim} (pass max_dim= or set "
            f"{MAX_DIM_ENV} to read larger ones)", path=path, line=line,
        )


def untrusted_capacity(dim: int, wanted: int | None) -> int:
    """Rows to allocate first when the row count is unknown or cannot be checked against the
    file's size: about 16 MiB worth, never more than ``wanted``."""
    rows = max(1, _INITIAL_BYTES // (4 * max(dim, 1)))
    return min(rows, wanted) if wanted else rows


class RowSink:
    """Collects keys and rows; ``unit`` names what a position is in messages (line/record)."""

    def __init__(
        self, path: Path, dim: int, capacity: int, *, max_rows: int | None = None,
        duplicates: DuplicatePolicy = "first", unit: Literal["line", "record"] = "line",
    ) -> None:
        require_one_of(duplicates, DUPLICATE_POLICIES, "duplicates")
        self.path = path
        self.dim = dim
        self.max_rows = max_rows
        self.duplicates = duplicates
        self.unit = unit
        self.keys: list[str] = []
        self.index: dict[str, int] = {}
        self.capacity = max(capacity, 1)
        # allocated on the first block, once real rows have confirmed `dim`
        self.matrix = np.empty((0, dim), dtype=np.float32)
        self.n_dupes = 0
        self.dupe_examples: list[str] = []

    @property
    def full(self) -> bool:
        return self.max_rows is not None and len(self.keys) >= self.max_rows

    def error(self, message: str, position: int) -> FormatError:
        if self.unit == "line":
            return FormatError(message, path=self.path, line=position)
        return FormatError(f"record {position}: {message}", path=self.path)

    def add(self, words: list[str], rows: np.ndarray, first_position: int) -> None:
        """Append a block; ``first_position`` is the line/record number of ``words[0]``."""
        if self.max_rows is not None:
            room = self.max_rows - len(self.keys)
            words, rows = words[:room], rows[:room]
        finite = np.isfinite(rows).all(axis=1)
        if not finite.all():
            bad = int(np.argmin(finite))
            raise self.error(
                f"non-finite value (NaN, inf, or beyond float32 range) in the vector of "
                f"{words[bad]!r}", first_position + bad,
            )
        keep = self._keep_mask(words, rows, first_position)
        start = len(self.keys)
        needed = start + (len(words) if keep is None else int(keep.sum()))
        self._ensure_capacity(needed)
        if keep is None:
            self.matrix[start:needed] = rows
            self.keys.extend(words)
        else:
            self.matrix[start:needed] = rows[keep]
            self.keys.extend(w for w, k in zip(words, keep.tolist(), strict=True) if k)

    def _keep_mask(
        self, words: list[str], rows: np.ndarray, first_position: int
    ) -> np.ndarray | None:
        """Register the words; None when all are new (the common, fast case)."""
        index = self.index
        start = len(index)
        before = len(index)
        for offset, word in enumerate(words):
            index.setdefault(word, start + offset)
        if len(index) - before == len(words):
            return None
        # duplicates present (within the block or with earlier rows): redo carefully
        for word in words:
            if index.get(word, -1) >= start:
                del index[word]
        keep = np.ones(len(words), dtype=bool)
        next_row = start
        for offset, word in enumerate(words):
            row = index.get(word)
            if row is None:
                index[word] = next_row
                next_row += 1
                continue
            keep[offset] = False
            self._note_duplicate(word, first_position + offset)
            if self.duplicates == "last":
                if row < start:
                    self.matrix[row] = rows[offset]
                else:
                    rows[np.flatnonzero(keep)[row - start]] = rows[offset]
        return keep

    def _note_duplicate(self, word: str, position: int) -> None:
        if self.duplicates == "error":
            raise self.error(
                f"duplicate word {word!r} (duplicates='error'; use 'first' or 'last' to keep one)",
                position,
            )
        self.n_dupes += 1
        if len(self.dupe_examples) < 5:
            self.dupe_examples.append(f"{word!r} ({self.unit} {position})")

    def _ensure_capacity(self, rows: int) -> None:
        if rows <= self.matrix.shape[0]:
            return
        if self.matrix.shape[0] == 0:
            self.matrix = np.empty((max(self.capacity, rows), self.dim), dtype=np.float32)
            return
        new_rows = max(rows, int(self.matrix.shape[0] * 1.5) + 1024)
        if self.max_rows is not None:
            new_rows = min(new_rows, max(self.max_rows, rows))
        self.matrix.resize((new_rows, self.dim), refcheck=False)

    def finish(self) -> tuple[list[str], np.ndarray]:
        """The keys and the matrix trimmed to the rows actually read."""
        if self.n_dupes:
            kept = "first" if self.duplicates == "first" else "last"
            logger.warning(
                "%s: %d duplicate word(s), kept the %s vector of each (duplicates=%r): %s",
                self.path, self.n_dupes, kept, self.duplicates, ", ".join(self.dupe_examples),
            )
        n = len(self.keys)
        if n == 0:
            return self.keys, np.zeros((0, self.dim), dtype=np.float32)
        if n != self.matrix.shape[0]:
            self.matrix.resize((n, self.dim), refcheck=False)
        return self.keys, self.matrix


def decode_words(raw_words: list[bytes], errors: str,
                 bad_word: Callable[[int, bytes, UnicodeDecodeError], FormatError]) -> list[str]:
    """UTF-8 words of one block, decoded in one pass; only when that fails is each word
    tried alone, so the error (``bad_word(index, word, exc)``) can name its record or line."""
    try:
        return [word.decode("utf-8", errors) for word in raw_words]
    except UnicodeDecodeError:
        for index, word in enumerate(raw_words):
            try:
                word.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise bad_word(index, word, exc) from None
        raise
