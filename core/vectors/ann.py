"""Approximate nearest neighbours: an HNSW graph (faiss) saved beside a native table.

HNSW (Malkov & Yashunin 2018, "Efficient and robust approximate nearest neighbor search using
Hierarchical Navigable Small World graphs") finds a query's neighbours by a greedy walk over a
layered proximity graph: ``M`` links per node, ``ef_construction`` candidates kept while
building, ``ef_search`` while searching (more: higher recall, slower). The graph is built over
unit rows with inner product, so its scores are cosines; lexiplug then recomputes the returned
rows' cosines from the table's own float rows, so an approximate answer's scores are the very
numbers the exact search gives for those words.

Why faiss-cpu and not hnswlib (measured on this machine, 100,000 x 300 clustered table, M=16,
ef_construction=100, one query thread): hnswlib built 1.6x faster (19 s vs 30 s) and answered
1.8x more queries per second at ef_search=64 (9,000 vs 5,000, recall@10 1.000 vs 0.9996), but
faiss ships wheels (hnswlib is a source distribution that needs a C++ compiler) and memory-maps
its saved index (0.009 s to open vs 0.15 s to read, which grows with the table: ~1.5 s for 1M
rows against a 1 s goal). Both exceed the query-speed goal by far.

Graph storage (``storage``). ``"flat"`` (faiss ``IndexHNSWFlat``) keeps a float32 copy of every
unit row inside the index, so table + index cost 2.2x the matrix. ``"sq8"`` (``IndexHNSWSQ``)
keeps one byte per dimension instead (per-dimension min/max scalar quantization, the range
taken exactly from every row), a quarter of that copy; the walk then ranks by approximate
cosines, so the index is asked for ``oversample`` x ``topn`` candidates and lexiplug rescores
them with exact cosines from the table's float rows before keeping ``topn``. Measured on a
100,000 x 300 sample of bench/ann.py's table (bench/results/ann.md): see the figures there for
why the default is what it is.

On disk the index is a folder ``ann_index/`` inside the native folder (written atomically, as
one): ``index.faiss`` and ``index.json`` (kind, parameters, rows, dim, the table's checksum,
the file's size and sha256). ``meta.json`` of the table records the same under ``"index"``. An
index whose recorded checksum is not the table's is refused; a truncated or altered file is
refused by its size and a sampled hash at every load (the full sha256 with ``verify=True``).
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..atomic import atomic_dir, atomic_open, recover
from ..errors import ConfigError, FormatError, LexiplugError, require_one_of
from .threads import bounded_threads, check_threads

if TYPE_CHECKING:
    from .vectors import Vectors

ANN_KINDS: tuple[str, ...] = ("hnsw",)
STORAGES: tuple[str, ...] = ("flat", "sq8")
DEFAULT_OVERSAMPLE = {"flat": 1, "sq8": 2}
INDEX_DIR = "ann_index"
INDEX_FILE = "index.faiss"
INDEX_META = "index.json"
INDEX_FORMAT = "lexiplug-ann"
_ADD_BLOCK_ROWS = 65_536
_SAMPLE_BLOCKS, _SAMPLE_BYTES = 16, 1 << 16


@dataclass(frozen=True)
class HnswParams:
    """HNSW settings; the defaults reach recall@10 >= 0.95 on bench/ann.py's tables.

    ``storage`` and ``oversample`` default to what an index saved before they existed was
    (a float copy, ``topn`` candidates), so its ``index.json`` still loads as it was built.
    """

    M: int = 16
    ef_construction: int = 128
    ef_search: int = 128
    storage: str = "flat"
    oversample: int = 1

    def __post_init__(self) -> None:
        for name, low in (("M", 2), ("ef_construction", 1), ("ef_search", 1),
                          ("oversample", 1)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < low:
                raise ConfigError(f"{name} must be an integer >= {low}, got {value!r}",
                                  where=name)
        require_one_of(self.storage, STORAGES, "storage")


class AnnIndex:
    """A faiss HNSW index over one table's unit rows, and what it was built for."""

    def __init__(self, index: Any, params: HnswParams, *, rows: int, dim: int,
                 table_checksum: str, build_s: float | None = None) -> None:
        self.index, self.params = index, params
        self.rows, self.dim, self.table_checksum = rows, dim, table_checksum
        self.build_s = build_s
        self.kind = "hnsw"

    def __repr__(self) -> str:
        return (f"<AnnIndex hnsw {self.rows} x {self.dim} M={self.params.M} "
                f"ef_search={self.params.ef_search} storage={self.params.storage}>")

    def search(self, queries: np.ndarray, k: int, *, limit: int | None = None,
               ef_search: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """``(scores, ids)``, each ``(len(queries), k)``, for unit query rows; ids of -1 pad
        when fewer than ``k`` rows qualify. ``limit`` searches only ids below it."""
        faiss = _faiss()
        params = faiss.SearchParametersHNSW()
        params.efSearch = max(int(ef_search or self.params.ef_search), k)
        selector = None
        if limit is not None and limit < self.rows:
            selector = faiss.IDSelectorRange(0, int(limit))
            params.sel = selector
        queries = np.ascontiguousarray(queries, dtype=np.float32)
        scores, ids = self.index.search(queries, int(k), params=params)
        del selector  # faiss holds a raw pointer to it until the search returns
        return scores, ids

    def describe(self) -> dict[str, Any]:
        return {"kind": self.kind, "library": "faiss-cpu", "params": asdict(self.params),
                "rows": self.rows, "dim": self.dim, "table_checksum": self.table_checksum}


def build_index(
    vectors: Vectors, kind: str = "hnsw", *, M: int = 16, ef_construction: int = 128,
    ef_search: int = 128, storage: str = "flat", oversample: int | None = None,
    threads: int | None = None,
) -> AnnIndex:
    """An HNSW index over ``vectors``' unit rows (the rows are normalised in blocks).

    ``storage``: ``"flat"`` (float32 rows in the index) or ``"sq8"`` (int8 rows, a quarter of
    the memory; candidates rescored exactly). ``oversample``: candidates fetched per wanted
    neighbour before the exact rescoring (default 1 for flat, 2 for sq8). ``threads``: the
    OpenMP threads faiss builds with (default: all cores).
    """
    require_one_of(kind, ANN_KINDS, "kind")
    require_one_of(storage, STORAGES, "storage")
    params = HnswParams(M=M, ef_construction=ef_construction, ef_search=ef_search,
                        storage=storage,
                        oversample=DEFAULT_OVERSAMPLE[storage] if oversample is None
                        else oversample)
    check_threads(threads)
    faiss = _faiss()
    from .vectors import unit_rows

    start = time.perf_counter()
    index = faiss.IndexHNSWFlat(vectors.dim, params.M, faiss.METRIC_INNER_PRODUCT)
    index.hnsw.efConstruction = params.ef_construction
    with bounded_threads(threads):
        for first in range(0, len(vectors), _ADD_BLOCK_ROWS):
            index.add(unit_rows(np.asarray(vectors.matrix[first : first + _ADD_BLOCK_ROWS])))
        if params.storage == "sq8":
            index = _onto_int8_storage(index, vectors, params.M)
    index.hnsw.efSearch = params.ef_search
    return AnnIndex(index, params, rows=len(vectors), dim=vectors.dim,
                    table_checksum=vectors.checksum(), build_s=time.perf_counter() - start)


def _onto_int8_storage(flat: Any, vectors: Vectors, M: int) -> Any:
    """The graph of ``flat`` over int8 rows (``IndexHNSWSQ``). The graph is built over the
    float rows first and then moved: the graph does not depend on how rows are stored, and
    faiss-cpu 1.15 built it 5x slower over int8 rows (10,000 x 300: 48 s vs 9.6 s, one
    thread), while an int8 search is only ~2x slower than a float one."""
    faiss = _faiss()
    from .vectors import unit_rows

    index = faiss.IndexHNSWSQ(vectors.dim, faiss.ScalarQuantizer.QT_8bit, M,
                              faiss.METRIC_INNER_PRODUCT)
    index.train(_unit_range(vectors))
    for first in range(0, len(vectors), _ADD_BLOCK_ROWS):
        rows = vectors.matrix[first : first + _ADD_BLOCK_ROWS]
        index.storage.add(unit_rows(np.asarray(rows)))
    index.hnsw = flat.hnsw  # a copy of the graph (levels, offsets, neighbours)
    index.ntotal = flat.ntotal
    return index


def _unit_range(vectors: Vectors) -> np.ndarray:
    """Two rows, the per-dimension minimum and maximum of every unit row: training faiss's
    min/max scalar quantizer on them sets its range exactly, with one pass in blocks instead
    of a sample that would clip the rows it missed."""
    from .vectors import unit_rows

    low = np.full(vectors.dim, np.inf, dtype=np.float32)
    high = np.full(vectors.dim, -np.inf, dtype=np.float32)
    for first in range(0, len(vectors), _ADD_BLOCK_ROWS):
        block = unit_rows(np.asarray(vectors.matrix[first : first + _ADD_BLOCK_ROWS]))
        np.minimum(low, block.min(axis=0), out=low)
        np.maximum(high, block.max(axis=0), out=high)
    return np.stack([low, high])


def save_index(index: AnnIndex, folder: str | Path) -> Path:
    """Write ``index`` into the native table folder ``folder`` (which must hold the table it
    was built for) and record it in the folder's meta.json; returns the index folder."""
    faiss = _faiss()
    folder = Path(folder)
    meta = _table_meta(folder)
    table_checksum = _folder_checksum(folder, meta)
    if table_checksum != index.table_checksum:
        raise LexiplugError(
            f"this index was built for the table with checksum {index.table_checksum}, but "
            f"{folder} holds the table {table_checksum}; save these vectors to a folder of "
            "their own first (or build_index(save=False) to keep the index in memory)",
            where=str(folder))
    target = folder / INDEX_DIR
    with atomic_dir(target) as tmp:
        faiss.write_index(index.index, str(tmp / INDEX_FILE))
        record = {"format": INDEX_FORMAT, "version": 1, **index.describe(),
                  **_file_fingerprint(tmp / INDEX_FILE, full=True)}
        (tmp / INDEX_META).write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    meta["checksum"] = table_checksum
    meta["index"] = {"folder": INDEX_DIR, **index.describe()}
    with atomic_open(folder / "meta.json", "w", encoding="utf-8") as handle:
        handle.write(json.dumps(meta, indent=2, default=str) + "\n")
    return target


def load_index(
    folder: str | Path, *, vectors: Vectors | None = None, verify: bool = False,
    mmap: bool = True,
) -> AnnIndex:
    """Open the index saved in the native table folder ``folder``, memory-mapped.

    Refuses (FormatError naming the file) an index built for another table: its recorded
    checksum must be the folder's, and, when ``vectors`` are given that were not loaded from
    this folder, theirs. ``verify`` hashes the whole index file; by default its size and a
    sample of its blocks are checked.
    """
    faiss = _faiss()
    folder = Path(folder)
    recover(folder / INDEX_DIR)
    index_dir, meta = folder / INDEX_DIR, _table_meta(folder)
    record = _read_record(index_dir / INDEX_META)
    index_file = index_dir / INDEX_FILE
    expected = meta.get("checksum")
    if record["table_checksum"] != expected:
        raise FormatError(
            f"this index was built for another table (checksum {record['table_checksum']}); "
            f"{folder} holds the table {expected}; rebuild it with build_index",
            path=index_dir / INDEX_META)
    if vectors is not None:
        if (len(vectors), vectors.dim) != (record["rows"], record["dim"]):
            raise FormatError(
                f"the index covers {record['rows']} x {record['dim']} rows, the table is "
                f"{len(vectors)} x {vectors.dim}", path=index_dir / INDEX_META)
        if not _loaded_from(vectors, folder) and vectors.checksum() != expected:
            raise LexiplugError(
                f"these vectors are not the table in {folder} (checksum {vectors.checksum()} "
                f"vs {expected}), so its index does not describe them", where=str(folder))
    found = _file_fingerprint(index_file, full=verify)
    for key in ("bytes", "sample_sha256", *(("sha256",) if verify else ())):
        if found[key] != record.get(key):
            raise FormatError(
                f"the index file is corrupt or altered: its {key} is {found[key]}, "
                f"index.json recorded {record.get(key)}; rebuild it with build_index",
                path=index_file)
    flags = faiss.IO_FLAG_MMAP_IFC if mmap else 0
    try:
        index = faiss.read_index(str(index_file), flags)
    except RuntimeError as exc:
        raise FormatError(f"faiss cannot read the index ({str(exc).splitlines()[0][:200]})",
                          path=index_file) from None
    if index.ntotal != record["rows"] or index.d != record["dim"]:
        raise FormatError(f"the index holds {index.ntotal} x {index.d}, index.json says "
                          f"{record['rows']} x {record['dim']}", path=index_file)
    params = HnswParams(**record["params"])
    if isinstance(index, faiss.IndexHNSWSQ) != (params.storage == "sq8"):
        raise FormatError(f"the index file is a {type(index).__name__}, index.json says its "
                          f"storage is {params.storage!r}; rebuild it with build_index",
                          path=index_file)
    return AnnIndex(index, params, rows=record["rows"], dim=record["dim"],
                    table_checksum=record["table_checksum"])


def approximate_neighbours(
    vectors: Vectors, index: AnnIndex, queries: np.ndarray, excluded: list[list[int]],
    topn: int, limit: int,
) -> list[list[tuple[str, float]]]:
    """The ``topn`` best of the rows the index finds for each unit query row (``oversample``
    x ``topn`` of them), minus its excluded ids, by their exact cosine from ``vectors``' float
    rows (best first)."""
    extra = max((len(e) for e in excluded), default=0)
    _, ids = index.search(queries, topn * index.params.oversample + extra, limit=limit)
    results = []
    for query, found, skip in zip(queries, ids, excluded, strict=True):
        keep = np.sort(np.array(  # sorted: the rows are read from the file in order
            [i for i in found.tolist() if i >= 0 and i not in skip], dtype=np.int64))
        rows = np.asarray(vectors.matrix[keep], dtype=np.float32)
        norms = np.linalg.norm(rows, axis=1)
        norms[norms == 0] = 1.0
        scores = (rows @ query) / norms
        order = np.argsort(-scores, kind="stable")[:topn]
        results.append([(vectors.keys[int(keep[i])], float(scores[i])) for i in order])
    return results


def _faiss() -> Any:
    try:
        import faiss
    except ImportError:
        raise ConfigError("approximate search needs faiss-cpu: pip install 'lexiplug[ann]'",
                          where="exact") from None
    return faiss


def _table_meta(folder: Path) -> dict[str, Any]:
    from .io_native import _read_meta

    if not (folder / "meta.json").is_file():
        raise FormatError("not a native vectors folder (no meta.json); save the table with "
                          "save(path) first, the index lives beside it", path=folder)
    return _read_meta(folder / "meta.json")


def _folder_checksum(folder: Path, meta: dict[str, Any]) -> str:
    """The folder's table checksum: meta.json's, else computed from its rows (mmap)."""
    recorded = meta.get("checksum")
    if isinstance(recorded, str):
        return recorded
    from .io import load_vectors

    return load_vectors(folder, format="native", mmap=True).checksum()


def _loaded_from(vectors: Vectors, folder: Path) -> bool:
    """True when ``vectors``' matrix is the memory map of ``folder``'s own vectors.npy."""
    filename = getattr(vectors.matrix, "filename", None)
    return filename is not None and Path(filename).resolve() == (
        folder / "vectors.npy").resolve()


def _read_record(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise FormatError("no ANN index here (index.json missing); build one with "
                          "vectors.build_index(...) or `lexiplug vectors index`", path=path)
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise FormatError(f"index.json is not valid JSON ({exc})", path=path) from None
    needed = ("table_checksum", "rows", "dim", "params", "bytes", "sample_sha256")
    if not isinstance(record, dict) or record.get("format") != INDEX_FORMAT or any(
            key not in record for key in needed):
        raise FormatError(f"index.json does not describe a {INDEX_FORMAT!r} index "
                          f"(expected the keys {', '.join(needed)})", path=path)
    if not isinstance(record["params"], dict):
        raise FormatError("index.json's params must be an object", path=path)
    try:
        HnswParams(**record["params"])
    except TypeError as exc:
        raise FormatError(f"index.json's params are not HNSW's ({exc})", path=path) from None
    return record


def _file_fingerprint(path: Path, *, full: bool) -> dict[str, Any]:
    """Size, a sha256 of evenly spaced blocks (cheap) and, with ``full``, the whole sha256."""
    size = path.stat().st_size
    sample = hashlib.sha256(str(size).encode())
    with open(path, "rb") as handle:
        for block in range(_SAMPLE_BLOCKS + 1):
            handle.seek(max(0, (size - _SAMPLE_BYTES) * block // _SAMPLE_BLOCKS))
            sample.update(handle.read(_SAMPLE_BYTES))
    fingerprint: dict[str, Any] = {"bytes": size, "sample_sha256": sample.hexdigest()}
    if full:
        from ..data.spec import file_sha256

        fingerprint["sha256"] = file_sha256(path)
    return fingerprint
