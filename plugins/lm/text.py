"""Text for the LM lab: reading files, the book split, words as byte chunks, and ciphers.

Everything here is plain Python and numpy (no torch), and every function keeps the byte
accounting exact: bits per byte divide by the UTF-8 bytes of the text *as decoded*. A file
that is not valid UTF-8 is decoded with U+FFFD for each invalid sequence (three bytes in the
decoded text), and the replacements are counted and reported, never hidden.
"""

from __future__ import annotations

import hashlib
import logging
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from lexiplug.errors import ConfigError, DataNotFoundError, TrainingError

logger = logging.getLogger(__name__)

REPLACEMENT = "\ufffd"
_REPLACEMENT_BYTES = REPLACEMENT.encode("utf-8")
# a word: a run of whitespace then a run of anything else; or whitespace that ends the text
_WORD = re.compile(rb"[ \t\n\r\f\v]*[^ \t\n\r\f\v]+|[ \t\n\r\f\v]+")


@dataclass
class TextSource:
    """Texts read from files: ``text`` joins them (files kept apart by one newline)."""

    text: str
    files: list[str] = field(default_factory=list)
    n_replaced: int = 0  # invalid UTF-8 sequences replaced by U+FFFD
    skipped_empty: list[str] = field(default_factory=list)

    @property
    def n_bytes(self) -> int:
        return len(self.text.encode("utf-8"))

    def checksum(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()


def decode(raw: bytes) -> tuple[str, int]:
    """``raw`` as text, each invalid UTF-8 sequence replaced by U+FFFD; and how many were.

    A valid encoded U+FFFD (``EF BF BD``) always decodes as itself and never overlaps an
    invalid sequence (``EF`` is never a continuation byte), so the count is exact.
    """
    text = raw.decode("utf-8", errors="replace")
    return text, text.count(REPLACEMENT) - raw.count(_REPLACEMENT_BYTES)


def read_files(paths: Sequence[Path], *, what: str = "text") -> TextSource:
    """Read and join ``paths``; empty files are skipped and listed; none left is an error."""
    parts: list[str] = []
    source = TextSource("")
    for path in paths:
        try:
            raw = Path(path).read_bytes()
        except OSError as error:
            raise DataNotFoundError(f"cannot read the {what} file ({error})",
                                    where=str(path)) from None
        if not raw.strip():
            source.skipped_empty.append(str(path))
            continue
        text, replaced = decode(raw)
        source.n_replaced += replaced
        source.files.append(str(path))
        parts.append(text)
    if source.skipped_empty:
        logger.warning("lm: skipped %d empty %s file(s): %s", len(source.skipped_empty), what,
                       ", ".join(source.skipped_empty[:5]))
    if source.n_replaced:
        logger.warning("lm: %d invalid UTF-8 sequence(s) in the %s were replaced by U+FFFD "
                       "(3 bytes each in the text that is modelled)", source.n_replaced, what)
    if not parts:
        where = ", ".join(str(p) for p in paths[:3]) or "(no files)"
        raise TrainingError(f"no {what} to read: every file is empty or there is none",
                            where=where)
    source.text = "\n".join(parts)
    return source


def text_files(location: str | Path, pattern: str = "*.txt") -> list[Path]:
    """The files of a folder matching ``pattern`` (sorted), or the one file named; folders
    are found through the data resolver when not a path that exists."""
    from lexiplug.data.resolver import resolve_data_path

    path = Path(location).expanduser()
    if not path.exists():
        try:
            path = resolve_data_path(str(location))
        except DataNotFoundError as error:
            raise DataNotFoundError(error.message, where="data") from None
    if path.is_file():
        return [path]
    files = sorted(p for p in path.glob(pattern) if p.is_file())
    if not files:
        raise DataNotFoundError(f"no file matching {pattern!r} in {path}", where="data")
    return files


@dataclass
class Split:
    """Training and held-out text, and how they were made."""

    train: TextSource
    held_out: TextSource
    how: str


def split_books(files: Sequence[Path], *, held_out: float, seed: int) -> Split:
    """Hold out ``ceil(held_out * n)`` whole files (books), chosen by ``seed``.

    With a single file, its last ``held_out`` fraction (cut at a line break when there is
    one) is held out instead.
    """
    if not 0 < held_out < 1:
        raise ConfigError(f"expected a fraction in (0, 1); found {held_out!r}", where="held_out")
    files = [Path(f) for f in files]
    if len(files) == 1:
        whole = read_files(files)
        cut = int(len(whole.text) * (1 - held_out))
        newline = whole.text.rfind("\n", 0, cut)
        cut = newline + 1 if newline > len(whole.text) // 2 else cut
        train = TextSource(whole.text[:cut], whole.files, whole.n_replaced)
        held = TextSource(whole.text[cut:], whole.files, 0)
        if not train.text or not held.text.strip():
            raise TrainingError("the text is too short to hold out a part of it",
                                where=str(files[0]))
        return Split(train, held, f"last {held_out:.0%} of {files[0].name}")
    n_held = max(1, math.ceil(held_out * len(files)))
    order = np.random.default_rng(seed).permutation(len(files))
    held_files = sorted(files[i] for i in order[:n_held])
    train_files = sorted(files[i] for i in order[n_held:])
    names = ", ".join(f.name for f in held_files)
    return Split(read_files(train_files), read_files(held_files, what="held-out text"),
                 f"{n_held} of {len(files)} files held out: {names}")


# -- words ----------------------------------------------------------------------------------


def word_chunks(data: bytes, max_bytes: int) -> list[bytes]:
    """``data`` cut into words: each is leading whitespace plus a run of non-space bytes
    (``b" the"``), text-final whitespace is a word of its own, and a word longer than
    ``max_bytes`` is cut into pieces of ``max_bytes``. The pieces join back to ``data``."""
    if max_bytes < 1:
        raise ValueError(f"max_bytes must be >= 1, got {max_bytes}")
    out: list[bytes] = []
    for match in _WORD.finditer(data):
        word = match.group()
        if len(word) <= max_bytes:
            out.append(word)
        else:
            out.extend(word[i:i + max_bytes] for i in range(0, len(word), max_bytes))
    return out


# -- ciphers --------------------------------------------------------------------------------

LETTERS = "abcdefghijklmnopqrstuvwxyz"


def letter_cipher(seed: int) -> dict[str, str]:
    """A random substitution of the 26 ASCII letters, applied alike to upper case.

    Every other character (spaces, punctuation, digits, non-ASCII) is kept, and ASCII maps
    to ASCII, so a text and its cipher have the same number of UTF-8 bytes.
    """
    rng = np.random.default_rng([seed, 26])
    shuffled = [LETTERS[i] for i in rng.permutation(26)]
    table = dict(zip(LETTERS, shuffled, strict=True))
    table.update({a.upper(): b.upper() for a, b in list(table.items())})
    return table


def apply_letter_cipher(text: str, seed: int) -> str:
    return text.translate(str.maketrans(letter_cipher(seed)))
