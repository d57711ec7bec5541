"""Load and save :class:`Vectors` in every supported format.

Formats: ``word2vec-text`` (header ``rows dim``), ``word2vec-binary``, ``glove`` (no header;
words may contain spaces), ``fasttext-vec`` (= word2vec text), ``native`` (a folder:
``vectors.npy`` + ``vocab.txt`` + ``meta.json`` [+ ``counts.npy``]) and ``spacy`` (a spaCy
vectors folder or pipeline). ``auto`` detects the format from the content; text files may be
gzip or bz2 compressed.

Loading is strict: every fault is a :class:`~lexiplug.errors.FormatError` naming the file and
line (or record). Policies:

* ``errors``: ``strict`` (default) rejects words that are not UTF-8; ``replace`` substitutes
  U+FFFD (and ``ignore`` drops the bad bytes).
* ``duplicates``: ``first`` (default, as gensim) keeps the first vector of a repeated word
  and logs one warning; ``last`` keeps the last vector (at the first word's position);
  ``error`` raises.
* NaN, inf, or numbers beyond float32 range are always errors, in every format: read
  errors name the file and line (or record, or row); ``save_vectors`` refuses such a matrix
  before writing anything. A memory-mapped native matrix (``mmap=True``) is not scanned at
  load, which would read it all; its first similarity query finds a non-finite row instead.
"""

from __future__ import annotations

import zlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..atomic import recover
from ..errors import ConfigError, FormatError, LexiplugError, require_one_of
from .formats import FORMATS, canonical_format, detect_format, require_exists
from .io_rows import DuplicatePolicy, resolve_max_dim
from .vectors import OOVPolicy, Vectors

if TYPE_CHECKING:
    from .interop import LoadedVectors

__all__ = ["FORMATS", "detect_format", "load_vectors", "save_vectors"]

_ERRORS = ("strict", "replace", "ignore")


def load_vectors(
    path: str | Path,
    format: str = "auto",
    *,
    errors: str = "strict",
    duplicates: DuplicatePolicy = "first",
    limit: int | None = None,
    mmap: bool = False,
    oov: OOVPolicy = "error",
    block_bytes: int | None = None,
    max_dim: int | None = None,
) -> Vectors:
    """Read vectors from ``path``; see the module docstring for formats and policies.

    ``limit`` reads only the first N vectors (as gensim's ``limit``); ``mmap`` memory-maps a
    native matrix instead of reading it (read-only, near-instant); ``block_bytes`` sets the
    parser's read size (memory vs. speed; the default suits files of any size); ``max_dim``
    (default ``$LEXIPLUG_MAX_DIM`` or 65,536) refuses text and binary files whose vectors
    are wider, before allocating anything for them.
    """
    path = Path(path)
    recover(path)  # a previous copy stranded by a save killed mid-replace comes back
    require_exists(path)
    fmt = canonical_format(format)
    require_one_of(errors, _ERRORS, "errors")
    if limit is not None and limit < 0:
        raise ConfigError(f"limit must be >= 0, got {limit}", where="limit")
    parser_options: dict[str, Any] = {"max_dim": resolve_max_dim(max_dim)}
    if block_bytes is not None:
        parser_options["block_bytes"] = int(block_bytes)
    try:
        if fmt == "auto":
            fmt = detect_format(path)
        return _load(path, fmt, errors=errors, duplicates=duplicates, limit=limit, mmap=mmap,
                     oov=oov, parser_options=parser_options)
    except LexiplugError:
        raise
    except (OSError, EOFError, zlib.error) as exc:  # unreadable or corrupt compressed data
        raise FormatError(f"cannot read {fmt} vectors ({exc})", path=path) from None


def _load(
    path: Path, fmt: str, *, errors: str, duplicates: DuplicatePolicy, limit: int | None,
    mmap: bool, oov: OOVPolicy, parser_options: dict[str, Any],
) -> Vectors:
    counts: np.ndarray | None = None
    metadata: dict[str, Any] = {}
    if fmt in ("word2vec-text", "fasttext-vec", "glove"):
        from .io_text import read_text

        keys, matrix = read_text(path, header=fmt != "glove", errors=errors,
                                 duplicates=duplicates, limit=limit, **parser_options)
    elif fmt == "word2vec-binary":
        from .io_binary import read_binary

        keys, matrix = read_binary(path, errors=errors, duplicates=duplicates, limit=limit,
                                   **parser_options)
    elif fmt == "native":
        from .io_native import read_native

        keys, matrix, counts, metadata = read_native(path, mmap=mmap, errors=errors)
        if limit:
            keys, matrix = keys[:limit], matrix[:limit]
            counts = None if counts is None else counts[:limit]
        if not mmap:
            _require_finite(matrix, keys, path / "vectors.npy")
    else:  # spacy
        loaded = _load_spacy(path)
        keys, matrix, metadata = loaded.keys, loaded.matrix, loaded.metadata
        if limit:
            keys, matrix = keys[:limit], matrix[:limit]
        _require_finite(matrix, keys, path)
    metadata = {**metadata, "source": str(path), "source_format": fmt}
    try:
        return Vectors(keys, matrix, counts=counts, metadata=metadata, oov=oov)
    except LexiplugError as exc:  # e.g. duplicate keys inside a native vocab.txt
        raise FormatError(exc.message, path=path) from None


def _load_spacy(path: Path) -> LoadedVectors:
    """spaCy's reader, with its table's npy header checked first and any fault of spaCy's
    own parsers (srsly, msgpack, numpy's header tokenizer raise many kinds) a FormatError."""
    from .interop import load_spacy_vectors
    from .io_native import check_npy_header

    table = path / "vocab" / "vectors" if (path / "vocab" / "vectors").exists() else (
        path / "vectors")
    if table.is_file():
        check_npy_header(table, ndim=2, kinds="f", what="spaCy vectors table")
    try:
        return load_spacy_vectors(path)
    except LexiplugError:
        raise
    except Exception as exc:
        raise FormatError(f"cannot read spaCy vectors ({type(exc).__name__}: {exc})"[:300],
                          path=path) from None


def save_vectors(
    vectors: Vectors, path: str | Path, format: str = "native", *, precision: int | None = None
) -> Path:
    """Write ``vectors`` atomically in ``format``; returns the path written.

    Text formats write 9 significant digits (exact float32 round trip) unless ``precision``
    asks for fixed decimals. A ``.gz``/``.bz2`` suffix compresses text and binary files.
    Words a format cannot hold (a space in word2vec, a newline anywhere) raise a
    :class:`~lexiplug.errors.FormatError` before anything is written.
    """
    path = Path(path)
    fmt = canonical_format(format)
    if fmt == "auto":
        raise ConfigError("save_vectors needs an explicit format", where="format")
    keys, matrix = vectors.keys, np.asarray(vectors.matrix)
    _check_writable_words(keys, fmt, path)
    _require_finite(matrix, keys, path, writing=fmt)
    if fmt in ("word2vec-text", "fasttext-vec", "glove"):
        from .io_text import write_text

        write_text(path, keys, matrix, header=fmt != "glove", precision=precision)
    elif fmt == "word2vec-binary":
        from .io_binary import write_binary

        write_binary(path, keys, matrix)
    elif fmt == "native":
        from .io_native import write_native

        write_native(path, keys, matrix, vectors.counts, vectors.metadata)
    else:
        from .interop import save_spacy_vectors

        save_spacy_vectors(vectors, path)
    return path


def _check_writable_words(keys: list[str], fmt: str, path: Path) -> None:
    """Reject words the format would mangle, naming the first one."""
    forbidden = {"native": "\n", "spacy": "", "glove": "\n"}.get(fmt, " \n")
    for number, key in enumerate(keys, start=1):
        if not key:
            raise FormatError(f"word {number} is empty; {fmt} cannot hold an empty word",
                              path=path)
        if not key.isascii():
            try:
                key.encode("utf-8")
            except UnicodeEncodeError:
                raise FormatError(f"word {number} ({key[:40]!r}) cannot be encoded as UTF-8",
                                  path=path) from None
        if forbidden and any(ch in key for ch in forbidden):
            raise FormatError(
                f"word {number} ({key[:40]!r}) contains whitespace that {fmt} cannot hold "
                f"(forbidden: {forbidden!r}); save as 'native' or 'glove' instead", path=path,
            )
    if fmt in ("glove", "word2vec-text", "fasttext-vec") and keys and keys[0][:1] == "\ufeff":
        raise FormatError("the first word starts with a byte-order mark, which text readers "
                          "strip", path=path)
    if fmt == "glove" and keys and " " in keys[0]:
        raise FormatError(
            f"the first word ({keys[0][:40]!r}) contains a space; glove readers take the "
            "dimension from the first line, so its word must be a single field", path=path,
        )


def _require_finite(
    matrix: np.ndarray, keys: list[str], path: Path, *, writing: str | None = None,
    block_rows: int = 16_384,
) -> None:
    """Raise a FormatError naming the first row holding NaN or inf (scanned in blocks, so
    the check needs no matrix-sized temporary)."""
    for start in range(0, matrix.shape[0], block_rows):
        finite = np.isfinite(matrix[start : start + block_rows]).all(axis=1)
        if finite.all():
            continue
        row = start + int(np.argmin(finite))
        word = keys[row][:40] if row < len(keys) else "?"
        if writing:
            raise FormatError(
                f"cannot save: the vector of {word!r} (row {row + 1}) holds NaN or inf, "
                f"which {writing} readers (ours included) reject; fix or drop the row first",
                path=path,
            )
        raise FormatError(
            f"non-finite value (NaN or inf) in the vector of {word!r} (row {row + 1})",
            path=path,
        )
