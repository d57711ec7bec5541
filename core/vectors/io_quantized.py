"""Quantized codes in the native format: files beside ``vocab.txt`` in a native folder.

A native folder may hold, next to (or instead of) ``vectors.npy``:

* ``row_norms.npy`` — the float rows' L2 norms (float32, one per word);
* int8: ``int8_codes.npy`` (rows x dim int8), ``int8_scale.npy`` and ``int8_offset.npy``
  (dim float32 each);
* binary: ``binary_codes.npy`` (rows x bytes uint8, see ``quantize.binary_width``) and
  ``binary_center.npy`` (dim float32).

``meta.json`` lists them under ``"quantized": {kind: {"codes", "params", "sha256"}}`` with
the sha256 of every small file (codebook and norms, checked at every load: a scale file from
another quantization is refused, naming it) and of the codes (checked with ``verify=True``:
hashing 300 MB takes a second, opening must not), and ``"checksum"``, the table's
:meth:`Vectors.checksum`, which an ANN index is matched against. Codes are memory-mapped; the
float rows for rescoring are read with ``pread`` for the candidates only, so they never count
towards the process's resident memory.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..atomic import recover
from ..data.spec import file_sha256
from ..errors import ConfigError, FormatError
from .formats import require_exists
from .io_native import _read_meta, _read_vocab, check_npy_header, load_npy, write_native
from .quantize import QUANT_KINDS, binary_width
from .quantized import QuantizedVectors, quantize_vectors
from .vectors import Vectors

NORMS_FILE = "row_norms.npy"
CODES_FILE = {"int8": "int8_codes.npy", "binary": "binary_codes.npy"}
PARAM_FILES = {
    "int8": {"scale": "int8_scale.npy", "offset": "int8_offset.npy"},
    "binary": {"center": "binary_center.npy"},
}
_CODE_DTYPE = {"int8": np.dtype(np.int8), "binary": np.dtype(np.uint8)}


def save_quantized(
    vectors: Vectors, path: str | Path, kinds: Sequence[str] = ("int8",), *,
    keep_float: bool = True,
) -> Path:
    """Write ``vectors`` as a native folder with codes of each of ``kinds`` (atomically).

    ``keep_float`` keeps ``vectors.npy`` too, so queries can rescore with exact rows; without
    it the folder holds codes only (smaller on disk, approximate scores).
    """
    kinds = list(dict.fromkeys(kinds))
    if not kinds:
        raise ConfigError("save_quantized needs at least one kind", where="kinds")
    tables = [quantize_vectors(vectors, kind) for kind in kinds]
    return _write(Path(path), tables, vectors.matrix if keep_float else None)


def write_quantized(path: Path, table: QuantizedVectors, *, keep_float: bool = True) -> Path:
    """Write one quantized table (what :meth:`QuantizedVectors.save` calls)."""
    matrix = table.float_matrix if keep_float else None
    return _write(path, [table], matrix)


def _write(path: Path, tables: list[QuantizedVectors], matrix: np.ndarray | None) -> Path:
    first = tables[0]
    metadata = {k: v for k, v in first.metadata.items()
                if k not in ("table_checksum", "source", "source_format")}

    def add_codes(folder: Path) -> dict[str, Any]:
        np.save(folder / NORMS_FILE, np.asarray(first.norms, dtype=np.float32),
                allow_pickle=False)
        quantized: dict[str, Any] = {}
        for table in tables:
            codes_file = CODES_FILE[table.kind]
            np.save(folder / codes_file, np.ascontiguousarray(table.codes), allow_pickle=False)
            files = PARAM_FILES[table.kind]
            for name, filename in files.items():
                np.save(folder / filename, table.params[name].astype(np.float32),
                        allow_pickle=False)
            hashed = [*files.values(), NORMS_FILE, codes_file]
            quantized[table.kind] = {
                "codes": codes_file, "params": files,
                "sha256": {name: file_sha256(folder / name) for name in hashed},
            }
        return {"quantized": quantized, "norms": NORMS_FILE,
                "checksum": first.metadata.get("table_checksum")}

    write_native(path, first.keys, matrix, first.counts, metadata, dim=first.dim,
                 extra=add_codes)
    return path


def load_quantized(
    path: str | Path, kind: str | None = None, *, verify: bool = False
) -> QuantizedVectors:
    """Open the ``kind`` codes of a native folder (default: the one it holds, int8 first).

    Codes are memory-mapped; the codebook and norms are checked against meta.json's sha256;
    ``verify`` also hashes the codes (reads them whole). With ``vectors.npy`` present, the
    table rescores candidates with exact rows read from it.
    """
    path = Path(path)
    recover(path)
    require_exists(path)
    meta = _read_meta(path / "meta.json")
    quantized = meta.get("quantized")
    if not isinstance(quantized, dict) or not quantized:
        raise FormatError("meta.json lists no quantized codes; write them with "
                          "`lexiplug vectors convert --quantize int8` or save_quantized",
                          path=path / "meta.json")
    kind = kind or next((k for k in QUANT_KINDS if k in quantized), None)
    if kind not in quantized or kind not in QUANT_KINDS:
        raise ConfigError(f"{path} holds {sorted(quantized)} codes, not {kind!r}", where="kind")
    entry = quantized[kind]
    if not isinstance(entry, dict) or not isinstance(entry.get("sha256"), dict):
        raise FormatError(f"meta.json's quantized.{kind} entry is malformed",
                          path=path / "meta.json")
    rows, dim = meta.get("rows"), meta.get("dim")
    if not isinstance(rows, int) or not isinstance(dim, int) or dim < 1:
        raise FormatError(f"expected integer rows and dim, found {rows!r} x {dim!r}",
                          path=path / "meta.json")
    keys = _read_vocab(path / "vocab.txt", "strict")
    if len(keys) != rows:
        raise FormatError(f"meta.json says {rows} rows, vocab.txt holds {len(keys)} words",
                          path=path / "vocab.txt")
    hashes: dict[str, str] = entry["sha256"]
    codes_file = path / CODES_FILE[kind]
    width = dim if kind == "int8" else binary_width(dim)
    codes = _load_checked(codes_file, (rows, width), _CODE_DTYPE[kind], mmap=True)
    if verify:
        _require_hash(codes_file, hashes)
    params = {}
    for name, filename in PARAM_FILES[kind].items():
        _require_hash(path / filename, hashes)
        params[name] = _load_checked(path / filename, (dim,), np.dtype(np.float32), mmap=False)
    _require_hash(path / NORMS_FILE, hashes)
    norms = _load_checked(path / NORMS_FILE, (rows,), np.dtype(np.float32), mmap=False)
    counts = None
    if (path / "counts.npy").exists():
        counts = load_npy(path / "counts.npy", ndim=1, kinds="iu", mmap=False, what="counts")
    table = QuantizedVectors(
        keys, kind, codes, params, norms, dim=dim, counts=counts,
        metadata={**dict(meta.get("metadata") or {}), "source": str(path),
                  "table_checksum": meta.get("checksum")},
    )
    if (path / "vectors.npy").exists():
        reader = NpyRowReader(path / "vectors.npy", rows=rows, dim=dim)
        table.float_rows = reader
        table.float_matrix = np.load(path / "vectors.npy", mmap_mode="r", allow_pickle=False)
    return table


class NpyRowReader:
    """Reads chosen rows of a 2-D float32 ``.npy`` with ``os.pread``: the rows are copied,
    never mapped, so reading candidates does not grow the process's resident set."""

    def __init__(self, path: Path, *, rows: int, dim: int) -> None:
        check_npy_header(path, ndim=2, kinds="f", what="matrix")
        with open(path, "rb") as handle:
            version = np.lib.format.read_magic(handle)
            read_header = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                           else np.lib.format.read_array_header_2_0)
            shape, fortran, dtype = read_header(handle)
            self.offset = handle.tell()
        if tuple(shape) != (rows, dim) or fortran or dtype != np.dtype("<f4"):
            raise FormatError(
                f"expected a C-ordered little-endian float32 {rows} x {dim} matrix, found "
                f"{tuple(shape)} {dtype}{' (Fortran order)' if fortran else ''}", path=path)
        self.path, self.row_bytes, self.dim = path, 4 * dim, dim

    def __call__(self, indices: np.ndarray) -> np.ndarray:
        out = bytearray()
        fd = os.open(self.path, os.O_RDONLY)
        try:
            for index in indices:
                out += os.pread(fd, self.row_bytes, self.offset + int(index) * self.row_bytes)
        finally:
            os.close(fd)
        if len(out) != len(indices) * self.row_bytes:
            raise FormatError("vectors.npy is shorter than its header says", path=self.path)
        return np.frombuffer(bytes(out), dtype="<f4").reshape(len(indices), self.dim)


def _require_hash(path: Path, hashes: dict[str, str]) -> None:
    if not path.exists():
        raise FormatError("missing; meta.json lists it among the quantized files", path=path)
    expected = hashes.get(path.name)
    found = file_sha256(path)
    if expected != found:
        raise FormatError(
            f"does not belong to this table: its sha256 is {found[:16]}..., meta.json expects "
            f"{str(expected)[:16]}... (a file from another table or quantization, or a "
            "corrupt one); re-run `lexiplug vectors convert --quantize`", path=path)


def _load_checked(path: Path, shape: tuple[int, ...], dtype: np.dtype, *, mmap: bool
                  ) -> np.ndarray:
    if not path.exists():
        raise FormatError("missing; meta.json lists it among the quantized files", path=path)
    array = load_npy(path, ndim=len(shape), kinds=dtype.kind, mmap=mmap, what="quantized data")
    if array.shape != shape or array.dtype != dtype:
        raise FormatError(f"expected {shape} {dtype}, found {array.shape} {array.dtype}",
                          path=path)
    return array
