"""The native format: a folder with ``vectors.npy`` (memory-mappable), ``vocab.txt``,
``meta.json`` and optionally ``counts.npy``.

``.npy`` loads with ``mmap_mode="r"`` in milliseconds whatever the size, and needs no
pickle (``allow_pickle=False``). ``vocab.txt`` holds one word per line, so words may hold
any character but a newline.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from ..atomic import atomic_dir
from ..errors import FormatError
from .formats import require_exists

FORMAT_NAME = "lexiplug-vectors"
FORMAT_VERSION = 1
_FILES = ("vectors.npy", "vocab.txt", "meta.json")


def read_native(
    path: Path, *, mmap: bool = False, errors: str = "strict"
) -> tuple[list[str], np.ndarray, np.ndarray | None, dict[str, Any]]:
    """``(keys, matrix, counts, metadata)`` from a native folder."""
    require_exists(path)
    missing = [name for name in _FILES if not (path / name).exists()]
    if missing == ["vectors.npy"] and _read_meta(path / "meta.json").get("quantized"):
        raise FormatError(
            "this native folder keeps only quantized codes (no vectors.npy); open it with "
            "lexiplug.vectors.io_quantized.load_quantized", path=path)
    if missing:
        raise FormatError(f"native vectors folder lacks {', '.join(missing)}", path=path)
    meta = _read_meta(path / "meta.json")
    matrix = load_npy(path / "vectors.npy", ndim=2, kinds="f", mmap=mmap, what="matrix")
    if matrix.dtype != np.float32:
        raise FormatError(
            f"expected a 2-D float32 matrix, found shape {matrix.shape} dtype {matrix.dtype}",
            path=path / "vectors.npy",
        )
    keys = _read_vocab(path / "vocab.txt", errors)
    expected = (meta.get("rows"), meta.get("dim"))
    if len(keys) != matrix.shape[0] or expected != matrix.shape:
        raise FormatError(
            f"meta.json says {expected[0]} x {expected[1]}, vectors.npy holds "
            f"{matrix.shape[0]} x {matrix.shape[1]} and vocab.txt {len(keys)} words",
            path=path,
        )
    counts = None
    if (path / "counts.npy").exists():
        counts = load_npy(path / "counts.npy", ndim=1, kinds="iu", mmap=False, what="counts")
        if counts.shape != (len(keys),):
            raise FormatError(f"counts.npy has shape {counts.shape}, expected ({len(keys)},)",
                              path=path / "counts.npy")
    return keys, matrix, counts, dict(meta.get("metadata") or {})


def load_npy(path: Path, *, ndim: int, kinds: str, mmap: bool, what: str) -> np.ndarray:
    """An ``.npy`` array whose header is checked against the file before numpy allocates."""
    check_npy_header(path, ndim=ndim, kinds=kinds, what=what)
    try:
        return np.load(path, mmap_mode="r" if mmap else None, allow_pickle=False)
    except (ValueError, OSError, EOFError) as exc:
        raise FormatError(f"cannot read the {what} ({exc})", path=path) from None


def check_npy_header(path: Path, *, ndim: int, kinds: str, what: str) -> None:
    """Raise a FormatError unless ``path`` is an ``.npy`` file of ``ndim`` dimensions, a dtype
    of one of ``kinds`` (``"f"``, ``"iu"``) and exactly the data its header promises.

    A broken header could otherwise ask numpy for any amount of memory or raise whatever
    numpy's header parser raises.
    """
    try:
        with open(path, "rb") as handle:
            version = np.lib.format.read_magic(handle)
            if version == (1, 0):
                shape, _, dtype = np.lib.format.read_array_header_1_0(handle)
            elif version == (2, 0):
                shape, _, dtype = np.lib.format.read_array_header_2_0(handle)
            else:
                raise ValueError(f"npy format version {version} is not one numpy.save writes "
                                 "for plain arrays")
            data_bytes = path.stat().st_size - handle.tell()
    except Exception as exc:
        # numpy's header parser tokenizes and literal_evals file content, and what it raises
        # for a broken header varies (TokenError, SyntaxError, ValueError, RecursionError...)
        raise FormatError(f"cannot read the {what} ({type(exc).__name__}: {exc})"[:300],
                          path=path) from None
    if len(shape) != ndim or dtype.kind not in kinds or dtype.hasobject:
        raise FormatError(
            f"expected a {ndim}-D {'float' if kinds == 'f' else 'integer'} {what}, found shape "
            f"{shape} dtype {dtype}", path=path,
        )
    needed = int(np.prod(shape, dtype=object)) * dtype.itemsize
    if needed != data_bytes:
        raise FormatError(
            f"the header promises {shape} {dtype} ({needed} bytes) but {data_bytes} bytes "
            "follow it; truncated or corrupt", path=path,
        )


def _read_meta(path: Path) -> dict[str, Any]:
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        reason = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)
        raise FormatError(f"meta.json is not valid JSON ({reason})", path=path) from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT_NAME:
        raise FormatError(f"meta.json does not describe {FORMAT_NAME!r} vectors", path=path)
    version = meta.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise FormatError(f"expected an integer format 'version' >= 1, found {version!r}"[:200],
                          path=path)
    if version > FORMAT_VERSION:
        raise FormatError(
            f"native format version {version} is newer than this lexiplug reads "
            f"({FORMAT_VERSION}); upgrade lexiplug", path=path,
        )
    if not isinstance(meta.get("metadata") or {}, dict):
        raise FormatError(
            f"expected 'metadata' to be a JSON object, found {type(meta['metadata']).__name__}",
            path=path,
        )
    return meta


def _read_vocab(path: Path, errors: str) -> list[str]:
    """The keys, one a line. Decoded in one call and then split (a newline byte is never part
    of a multi-byte UTF-8 sequence, so this equals decoding line by line): at 1M words, 2.3x
    faster than a decode per line, and the vocabulary is what opening a mmap'd table costs."""
    data = path.read_bytes()
    if data.endswith(b"\n"):
        data = data[:-1]
    try:
        lines = data.decode("utf-8", errors).split("\n") if data else []
    except UnicodeDecodeError:
        for number, line in enumerate(data.split(b"\n"), start=1):
            try:
                line.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise FormatError(f"word is not valid UTF-8 ({exc.reason})", path=path,
                                  line=number) from None
        raise
    if "" in lines:  # an empty key cannot be looked up, saved or told apart
        raise FormatError("empty word (one word a line expected)", path=path,
                          line=lines.index("") + 1)
    return lines


def write_native(
    path: Path, keys: list[str], matrix: np.ndarray | None, counts: np.ndarray | None,
    metadata: dict[str, Any], *, dim: int | None = None,
    extra: Callable[[Path], dict[str, Any]] | None = None,
) -> None:
    """Write the folder atomically (readers see the old folder or the new, never a mix).

    ``extra`` writes more files into the temporary folder and returns keys for meta.json
    (quantized codes, see io_quantized.py); ``matrix`` None (then ``dim`` is given) leaves
    out ``vectors.npy``, for a table kept only as codes.
    """
    with atomic_dir(path) as tmp:
        if matrix is not None:
            np.save(tmp / "vectors.npy", np.ascontiguousarray(matrix, dtype=np.float32),
                    allow_pickle=False)
        vocab = "".join(f"{key}\n" for key in keys)
        (tmp / "vocab.txt").write_bytes(vocab.encode("utf-8"))
        if counts is not None:
            np.save(tmp / "counts.npy", np.asarray(counts, dtype=np.int64), allow_pickle=False)
        meta = {
            "format": FORMAT_NAME, "version": FORMAT_VERSION, "rows": len(keys),
            "dim": int(matrix.shape[1]) if matrix is not None else dim,
            "dtype": "float32" if matrix is not None else None,
            "has_counts": counts is not None,
            "metadata": {k: v for k, v in metadata.items() if not k.startswith("_")},
        }
        if extra is not None:
            meta.update(extra(tmp))
        (tmp / "meta.json").write_text(json.dumps(meta, indent=2, default=str) + "\n",
                                       encoding="utf-8")
