"""Vector file formats: their names, opening (plain, gzip, bz2) and detection from content."""

from __future__ import annotations

import bz2
import gzip
import re
from pathlib import Path
from typing import IO, Literal

from ..errors import ConfigError, DataNotFoundError, FormatError

Format = Literal["word2vec-text", "word2vec-binary", "glove", "fasttext-vec", "native", "spacy"]
FORMATS: tuple[str, ...] = (
    "word2vec-text", "word2vec-binary", "glove", "fasttext-vec", "native", "spacy",
)
ALIASES = {"word2vec": "word2vec-text", "text": "word2vec-text", "binary": "word2vec-binary",
           "bin": "word2vec-binary", "vec": "fasttext-vec", "fasttext": "fasttext-vec",
           "npy": "native"}

_GZIP_MAGIC = b"\x1f\x8b"
_BZ2_MAGIC = b"BZh"
_PICKLE_MAGIC = b"\x80"  # the PROTO opcode that starts pickles of protocol 2 and later
_PICKLE_PROTOCOLS = (b"\x02", b"\x03", b"\x04", b"\x05")
_HEADER = re.compile(rb"^\s*(\d+)\s+(\d+)\s*$")
_SNIFF_BYTES = 1 << 20


def canonical_format(name: str) -> str:
    """The canonical format name for ``name`` (or an alias); ``auto`` passes through."""
    fmt = ALIASES.get(name, name)
    if fmt != "auto" and fmt not in FORMATS:
        raise ConfigError(
            f"unknown vectors format {name!r}; expected 'auto' or one of {', '.join(FORMATS)}",
            where="format",
        )
    return fmt


def require_exists(path: Path) -> None:
    if not path.exists():
        raise DataNotFoundError(f"vectors file not found: {path}", where=str(path))


def compression(path: Path) -> str | None:
    """``gzip``/``bz2`` from the file's magic bytes (not its name), else None."""
    with open(path, "rb") as handle:
        magic = handle.read(3)
    if magic.startswith(_GZIP_MAGIC):
        return "gzip"
    if magic.startswith(_BZ2_MAGIC):
        return "bz2"
    return None


def open_bytes(path: Path) -> IO[bytes]:
    """Open ``path`` for binary reading, decompressing gzip/bz2 transparently."""
    kind = compression(path)
    if kind == "gzip":
        return gzip.open(path, "rb")  # type: ignore[return-value]
    if kind == "bz2":
        return bz2.open(path, "rb")  # type: ignore[return-value]
    return open(path, "rb")


def open_bytes_for_write(path: Path, handle: IO[bytes]) -> IO[bytes]:
    """Wrap ``handle`` in a compressor when ``path``'s name asks for one (``.gz``/``.bz2``)."""
    if path.suffix == ".gz":
        return gzip.GzipFile(fileobj=handle, mode="wb", mtime=0)  # type: ignore[return-value]
    if path.suffix == ".bz2":
        return bz2.BZ2File(handle, "wb")  # type: ignore[return-value]
    return handle


def parse_header(line: bytes) -> tuple[int, int] | None:
    """``(rows, dim)`` from a word2vec header line, or None if it is not one."""
    match = _HEADER.match(line)
    if match is None:
        return None
    return int(match.group(1)), int(match.group(2))


def detect_format(path: Path) -> str:
    """Guess the format from what ``path`` holds (never from its name alone)."""
    require_exists(path)
    if path.is_dir():
        return _detect_dir_format(path)
    with open_bytes(path) as handle:
        try:
            head = handle.read(_SNIFF_BYTES)
        except (OSError, EOFError) as exc:
            raise FormatError(f"cannot read the file ({exc})", path=path) from None
    if not head.strip():
        raise FormatError("empty file: expected word vectors", path=path, line=1)
    if head[:1] == _PICKLE_MAGIC and head[1:2] in _PICKLE_PROTOCOLS:
        raise FormatError(
            "this is a Python pickle (what gensim's KeyedVectors.save / Word2Vec.save write), "
            "not a vectors file, and lexiplug does not unpickle files; if you trust it, load "
            "it with gensim.models.KeyedVectors.load(path) and pass the result to "
            "Vectors.from_gensim(...), or save it with save_word2vec_format",
            path=path,
        )
    first, _, rest = head.partition(b"\n")
    header = parse_header(first)
    if header is None:
        return "glove"
    return "word2vec-text" if _looks_like_text_record(rest, header[1]) else "word2vec-binary"


def _looks_like_text_record(rest: bytes, dim: int) -> bool:
    """After a header: a text record is ``word`` + ``dim`` decimal numbers on one line."""
    if not rest.strip():
        return True  # a header-only file
    line = rest.split(b"\n", 1)[0]
    _, _, tail = line.partition(b" ")
    # ragged text rows still count as text (the text parser then names the bad line);
    # binary float bytes are almost never all decimal characters
    return bool(tail.strip()) and _is_decimal_text(tail) and len(tail.split()) >= min(dim, 2)


def _is_decimal_text(data: bytes) -> bool:
    return all(byte in b"0123456789.eE+-naifNAIF \t\r" for byte in data)


def _detect_dir_format(path: Path) -> str:
    if (path / "vectors.npy").exists() or (path / "int8_codes.npy").exists() or (
            path / "binary_codes.npy").exists():  # codes only: read_native says how to open it
        return "native"
    if (path / "vocab" / "vectors").exists() or (path / "vectors").exists():
        return "spacy"
    found = ", ".join(sorted(p.name for p in path.iterdir())[:10]) or "nothing"
    raise FormatError(
        "folder is neither native lexiplug vectors (vectors.npy + vocab.txt + meta.json) nor a "
        f"spaCy vectors folder or pipeline (vectors / vocab/vectors); found: {found}",
        path=path,
    )
