"""Text vector files: word2vec / fastText ``.vec`` (header ``rows dim``) and GloVe (no header).

Parsing is per block of lines: Python touches each *line* once (to cut the word off) and
numpy's C parser reads all the numbers of a block in one call, so there is no Python list
of float strings and peak memory is the matrix plus a few block-sized buffers. Fields are
separated by single spaces, as gensim expects; the numbers parse exactly as gensim parses
them (decimal -> double -> float32), so matrices are bit-identical.

GloVe words may contain spaces: the last ``dim`` fields of a line are the numbers and the
rest is the word (``dim`` comes from the first line, whose word is taken as one field).
A GloVe line with extra numbers therefore reads as a word with spaces — GloVe files carry
no header to check against.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import numpy as np

from ..atomic import atomic_open
from ..errors import FormatError
from .formats import compression, open_bytes, open_bytes_for_write, parse_header
from .io_rows import (
    DEFAULT_MAX_DIM,
    DuplicatePolicy,
    RowSink,
    check_dim,
    decode_words,
    untrusted_capacity,
)

BLOCK_BYTES = 1 << 19
_BOM = b"\xef\xbb\xbf"


def read_text(
    path: Path, *, header: bool, errors: str = "strict", duplicates: DuplicatePolicy = "first",
    limit: int | None = None, block_bytes: int = BLOCK_BYTES, max_dim: int = DEFAULT_MAX_DIM,
) -> tuple[list[str], np.ndarray]:
    """Read a word2vec-style (``header=True``) or GloVe (``header=False``) text file."""
    with open_bytes(path) as handle:
        lines = _blocks_of_lines(handle, path, block_bytes)
        first_block, first_line_no = next(lines, ([], 1))
        if not first_block or not any(line.strip() for line in first_block):
            raise FormatError("empty file: expected word vectors", path=path, line=1)
        if header:
            rows, dim = _read_header(first_block[0], path)
            check_dim(dim, max_dim, path, 1)
            first_block, first_line_no = first_block[1:], 2
            capacity = _checked_capacity(path, rows, dim, limit)
        else:
            rows, dim = -1, _glove_dim(first_block[0], path)
            check_dim(dim, max_dim, path, 1)
            capacity = _glove_capacity(path, len(first_block[0]), dim, limit)
        sink = RowSink(path, dim, capacity, max_rows=limit if limit else None,
                       duplicates=duplicates)
        parser = _BlockParser(path, dim, glove=not header, errors=errors)
        seen = _parse_blocks(parser, sink, _chain(first_block, first_line_no, lines), rows)
    if header and seen < rows and not sink.full:
        raise FormatError(
            f"header says {rows} vectors but the file holds only {seen}", path=path,
            line=seen + 2,
        )
    return sink.finish()


def _parse_blocks(
    parser: _BlockParser, sink: RowSink, blocks: Iterator[tuple[list[bytes], int]], rows: int
) -> int:
    """Feed blocks to the sink; returns the number of vector lines read (blank lines aside)."""
    seen = 0
    blank_at: int | None = None  # a blank line is only fine if nothing but blanks follows
    for block, line_no in blocks:
        if sink.full:
            break
        if blank_at is not None and any(line.strip() for line in block):
            raise FormatError("blank line inside the vectors", path=sink.path, line=blank_at)
        end = len(block)
        while end and not block[end - 1].strip():
            end -= 1
        if end < len(block) and blank_at is None:
            blank_at = line_no + end
        block = block[:end]
        if not block:
            continue
        words, matrix = parser.parse(block, line_no)
        if rows >= 0 and seen + len(block) > rows and not (
            sink.max_rows is not None and sink.max_rows <= rows
        ):
            raise FormatError(
                f"header says {rows} vectors but the file holds more", path=sink.path,
                line=line_no + rows - seen,
            )
        sink.add(words, matrix, line_no)
        seen += len(block)
    return seen


class _BlockParser:
    """Turns a block of lines into ``(words, float32 rows)``, naming the line of any fault."""

    def __init__(self, path: Path, dim: int, *, glove: bool, errors: str) -> None:
        self.path, self.dim, self.glove, self.errors = path, dim, glove, errors

    def parse(self, block: list[bytes], line_no: int) -> tuple[list[str], np.ndarray]:
        dim = self.dim
        raw_words: list[bytes] = []
        tails: list[bytes] = []
        for offset, line in enumerate(block):
            line = line.rstrip()
            spaces = line.count(b" ")
            if spaces == dim:
                word, _, tail = line.partition(b" ")
            elif spaces > dim and self.glove:
                word, tail = _split_glove(line, dim)
            elif not line:
                raise FormatError("blank line inside the vectors", path=self.path,
                                  line=line_no + offset)
            else:
                raise self._ragged(line, line_no + offset)
            if not word:
                raise FormatError("empty word at the start of the line", path=self.path,
                                  line=line_no + offset)
            raw_words.append(word)
            tails.append(tail)
        numbers = self._numbers(b" ".join(tails), len(tails))
        if numbers is None:
            self._diagnose(tails, line_no)
            raise FormatError("could not parse the numbers", path=self.path, line=line_no)
        return self._decode(raw_words, line_no), numbers.reshape(len(tails), dim)

    def _numbers(self, text: bytes, n_lines: int) -> np.ndarray | None:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error")  # older numpy only warns on unparsable text
                numbers = np.fromstring(text, dtype=np.float32, sep=" ")  # type: ignore[call-overload]
        except (ValueError, DeprecationWarning, RuntimeWarning):
            return None
        return numbers if numbers.size == n_lines * self.dim else None

    def _diagnose(self, tails: list[bytes], line_no: int) -> None:
        """Find the first line whose numbers do not parse, and say why."""
        for offset, tail in enumerate(tails):
            for column, field in enumerate(tail.split(b" "), start=1):
                try:
                    float(field)
                except ValueError:
                    shown = field[:40].decode("utf-8", "replace")
                    raise FormatError(
                        f"value {column} is not a number: {shown!r} (expected {self.dim} "
                        "numbers separated by single spaces)",
                        path=self.path, line=line_no + offset,
                    ) from None
            if self._numbers(tail, 1) is None:
                raise FormatError(
                    f"could not parse the numbers of this line as {self.dim} floats",
                    path=self.path, line=line_no + offset,
                )

    def _ragged(self, line: bytes, line_no: int) -> FormatError:
        fields = len(line.split(b" ")) - 1
        what = "word and " if self.glove else "a word without spaces and "
        return FormatError(
            f"expected {what}{self.dim} numbers separated by single spaces, found "
            f"{max(fields, 0)} field(s) after the first", path=self.path, line=line_no,
        )

    def _decode(self, raw_words: list[bytes], line_no: int) -> list[str]:
        return decode_words(raw_words, self.errors, lambda offset, word, exc: FormatError(
            f"word is not valid UTF-8 ({exc.reason} at byte {exc.start}: "
            f"{word[:40]!r}); pass errors='replace' to load it anyway",
            path=self.path, line=line_no + offset,
        ))


def _split_glove(line: bytes, dim: int) -> tuple[bytes, bytes]:
    word, *numbers = line.rsplit(b" ", dim)
    return word, b" ".join(numbers)


def _read_header(line: bytes, path: Path) -> tuple[int, int]:
    header = parse_header(line)
    if header is None:
        shown = line[:60].decode("utf-8", "replace")
        raise FormatError(
            f"expected a header line '<rows> <dim>', found {shown!r}", path=path, line=1
        )
    rows, dim = header
    if dim <= 0:
        raise FormatError(f"header dimension must be positive, found {dim}", path=path, line=1)
    return rows, dim


def _glove_dim(line: bytes, path: Path) -> int:
    dim = line.rstrip().count(b" ")
    if dim <= 0:
        shown = line[:60].decode("utf-8", "replace")
        raise FormatError(
            f"expected 'word number number ...', found {shown!r}", path=path, line=1
        )
    return dim


def _checked_capacity(path: Path, rows: int, dim: int, limit: int | None) -> int:
    """Rows to allocate for a header; an impossible header is rejected before allocating."""
    wanted = min(rows, limit) if limit else rows
    if compression(path) is not None:
        return untrusted_capacity(dim, wanted)  # size unknown up front: grow as rows arrive
    size = path.stat().st_size
    # a row is at least a 1-byte word plus `dim` times (separator + 1 digit) plus a newline
    most = (size + 1) // (2 * dim + 2)
    if rows > most:
        raise FormatError(
            f"header says {rows} vectors of {dim} numbers, but a {size}-byte file can hold at "
            f"most {most}", path=path, line=1,
        )
    return wanted


def _glove_capacity(path: Path, first_line_bytes: int, dim: int, limit: int | None) -> int:
    if compression(path) is not None:
        return untrusted_capacity(dim, limit)
    else:
        guess = int(path.stat().st_size / max(first_line_bytes, 1) * 1.05) + 16
    return min(guess, limit) if limit else guess


def _blocks_of_lines(
    handle: IO[bytes], path: Path, block_bytes: int
) -> Iterator[tuple[list[bytes], int]]:
    """Yield ``(lines, number of the first line)`` for blocks of whole lines."""
    carry = b""
    line_no = 1
    first = True
    while True:
        try:
            data = handle.read(block_bytes)
        except (OSError, EOFError) as exc:
            raise FormatError(f"cannot read the file ({exc})", path=path) from None
        if first:
            data = data[len(_BOM):] if data.startswith(_BOM) else data
            first = False
        if not data:
            break
        data = carry + data
        cut = data.rfind(b"\n")
        if cut < 0:
            carry = data
            continue
        carry = data[cut + 1 :]
        lines = data[:cut].split(b"\n")
        yield lines, line_no
        line_no += len(lines)
    if carry:
        yield [carry], line_no


def _chain(
    first: list[bytes], first_no: int, rest: Iterator[tuple[list[bytes], int]]
) -> Iterator[tuple[list[bytes], int]]:
    if first:
        yield first, first_no
    yield from rest


def write_text(
    path: Path, keys: list[str], matrix: np.ndarray, *, header: bool, precision: int | None = None,
    block_rows: int = 2048,
) -> None:
    """Write word2vec-style (``header=True``) or GloVe text; ``.gz``/``.bz2`` names compress.

    Numbers are written with 9 significant digits by default, which round-trips float32
    exactly; ``precision`` gives fixed decimals instead (smaller files, lossy).
    """
    fmt = "%.9g" if precision is None else f"%.{int(precision)}f"
    row_fmt = " ".join([fmt] * matrix.shape[1])
    with atomic_open(path, "wb") as raw:
        handle = open_bytes_for_write(path, raw)
        try:
            if header:
                handle.write(f"{len(keys)} {matrix.shape[1]}\n".encode())
            for start in range(0, len(keys), block_rows):
                rows = np.asarray(matrix[start : start + block_rows], dtype=np.float64).tolist()
                lines = [
                    f"{word} {row_fmt % tuple(row)}\n"
                    for word, row in zip(keys[start : start + block_rows], rows, strict=True)
                ]
                handle.write("".join(lines).encode("utf-8"))
        finally:
            if handle is not raw:
                handle.close()

