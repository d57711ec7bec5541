"""word2vec binary files: a ``rows dim`` text header, then ``word`` + space + ``dim`` float32s.

Records are read in blocks of bytes; Python finds each word's end (one ``find`` per
record) and the vectors are copied out of the block as one gathered array, so the work per
record is a few C calls. Like gensim (and the C tool) a newline before a word is skipped.
"""

from __future__ import annotations

from pathlib import Path

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
_MAX_WORD_BYTES = 1 << 16
_FLOAT = np.dtype("<f4")


def read_binary(
    path: Path, *, errors: str = "strict", duplicates: DuplicatePolicy = "first",
    limit: int | None = None, block_bytes: int = BLOCK_BYTES, max_dim: int = DEFAULT_MAX_DIM,
) -> tuple[list[str], np.ndarray]:
    """Read a word2vec binary file, checking the header against the file's size first."""
    with open_bytes(path) as handle:
        header_line = handle.readline(1024)
        if not header_line.strip():
            raise FormatError("empty file: expected a '<rows> <dim>' header", path=path, line=1)
        header = parse_header(header_line)
        if header is None or header[1] <= 0:
            shown = header_line[:60].decode("utf-8", "replace")
            raise FormatError(f"expected a header line '<rows> <dim>', found {shown!r}",
                              path=path, line=1)
        rows, dim = header
        check_dim(dim, max_dim, path, 1)
        wanted = min(rows, limit) if limit else rows
        capacity = _checked_capacity(path, rows, dim, len(header_line), wanted)
        sink = RowSink(path, dim, capacity, max_rows=wanted, duplicates=duplicates,
                       unit="record")
        reader = _RecordReader(path, dim, errors)
        buffer = b""
        offset = len(header_line)  # file offset of buffer[0], for messages
        eof = False
        while not sink.full:
            data = b"" if eof else handle.read(block_bytes)
            eof = eof or len(data) < block_bytes
            buffer += data
            done = len(sink.keys) + sink.n_dupes
            words, matrix, used = reader.records(
                buffer, done + 1, offset, final=eof, most=wanted - done
            )
            if words:
                sink.add(words, matrix, done + 1)
            buffer = buffer[used:]
            offset += used
            if eof and not words:
                break
        read = len(sink.keys) + sink.n_dupes
        if read < wanted:
            raise FormatError(
                f"truncated: header says {rows} vectors of {dim} float32s but the file ends "
                f"after {read} (at byte {offset + len(buffer)})", path=path,
            )
        if not limit or limit >= rows:
            trailing = buffer + (b"" if eof else handle.read(_MAX_WORD_BYTES))
            if trailing.strip():
                raise FormatError(
                    f"header says {rows} vectors but more data follows the last one "
                    f"(at byte {offset})", path=path,
                )
    return sink.finish()


class _RecordReader:
    def __init__(self, path: Path, dim: int, errors: str) -> None:
        self.path, self.dim, self.errors = path, dim, errors
        self.vector_bytes = dim * _FLOAT.itemsize

    def records(
        self, buffer: bytes, first_record: int, offset: int, *, final: bool, most: int
    ) -> tuple[list[str], np.ndarray, int]:
        """Whole records at the start of ``buffer``: words, vectors, bytes consumed."""
        raw_words: list[bytes] = []
        starts: list[int] = []
        pos = 0
        size = len(buffer)
        width = self.vector_bytes
        while len(starts) < most:
            space = buffer.find(b" ", pos, pos + _MAX_WORD_BYTES)
            if space < 0:
                if size - pos >= _MAX_WORD_BYTES or (final and buffer[pos:].strip()):
                    raise FormatError(
                        f"record {first_record + len(starts)}: no space after the word "
                        f"(at byte {offset + pos}); truncated or not word2vec binary",
                        path=self.path,
                    )
                break
            if space + 1 + width > size:
                if final:
                    raise FormatError(
                        f"record {first_record + len(starts)}: truncated vector (needs "
                        f"{width} bytes, file has {size - space - 1} left at byte "
                        f"{offset + space + 1})", path=self.path,
                    )
                break
            raw_words.append(buffer[pos:space].lstrip(b"\n"))
            starts.append(space + 1)
            pos = space + 1 + width
        if not starts:
            return [], np.zeros((0, self.dim), np.float32), 0
        packed = b"".join([buffer[start : start + width] for start in starts])
        vectors = np.frombuffer(packed, dtype=_FLOAT).astype(np.float32)
        return self._decode(raw_words, first_record), vectors.reshape(len(starts), self.dim), pos

    def _decode(self, raw_words: list[bytes], first_record: int) -> list[str]:
        words = decode_words(raw_words, self.errors, lambda i, word, exc: FormatError(
            f"record {first_record + i}: word is not valid UTF-8 ({exc.reason}: "
            f"{word[:40]!r}); pass errors='replace' to load it anyway",
            path=self.path,
        ))
        if "" in words:
            i = words.index("")
            raise FormatError(f"record {first_record + i}: empty word", path=self.path)
        return words


def _checked_capacity(path: Path, rows: int, dim: int, header_bytes: int, wanted: int) -> int:
    if compression(path) is not None:
        return untrusted_capacity(dim, wanted)
    left = path.stat().st_size - header_bytes
    record = 2 + dim * _FLOAT.itemsize  # 1-byte word, a space, the floats
    if rows * record > left:
        raise FormatError(
            f"header says {rows} vectors of {dim} float32s ({rows * record} bytes at least) "
            f"but only {left} bytes follow; truncated or wrong header", path=path, line=1,
        )
    return wanted


def write_binary(path: Path, keys: list[str], matrix: np.ndarray, block_rows: int = 4096) -> None:
    """Write word2vec binary (each record ends with a newline, as the C tool writes)."""
    with atomic_open(path, "wb") as raw:
        handle = open_bytes_for_write(path, raw)
        try:
            handle.write(f"{len(keys)} {matrix.shape[1]}\n".encode())
            for start in range(0, len(keys), block_rows):
                rows = np.ascontiguousarray(matrix[start : start + block_rows], dtype=_FLOAT)
                handle.write(b"".join(
                    word.encode("utf-8") + b" " + row.tobytes() + b"\n"
                    for word, row in zip(keys[start : start + block_rows], rows, strict=True)
                ))
        finally:
            if handle is not raw:
                handle.close()
