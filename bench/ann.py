"""Large tables: exact, quantized (int8 / binary, rescored) and HNSW search next to gensim.

A generated table with the structure of word vectors (``structured_table``: a power-law
spectrum over a random basis, a common offset, clustered rows, Zipf-like norms; keys ``w0``
...) of 1,000,000 x 300 (``--quick``: 200,000 x 300) is saved once as a native folder holding
float32 rows, int8 and binary codes and an HNSW index, and in gensim's ``KeyedVectors.save``
format. ``--queries`` table words (default 1,000) are asked for their 10 nearest neighbours,
one ``most_similar`` call each, as a server answers requests. Each row runs in a fresh
subprocess that only loads and queries:

* ``exact_float32``: lexiplug ``Vectors`` (native, mmap), exact search — the ground truth;
* ``gensim``: ``KeyedVectors.load(mmap="r").most_similar``;
* ``int8_rescore`` / ``binary_rescore``: ``load_quantized`` (codes mmap'd), float rescoring of
  the candidates read from ``vectors.npy``;
* ``hnsw``: ``most_similar(exact=False)`` with the faiss HNSW index (mmap; built with
  ``HNSW_BUILD``: int8 graph storage, candidates rescored from the float rows);
  ``hnsw_warm``: the same queries again in another fresh process.

Cold and warm. Before every row but ``hnsw_warm`` the files that row reads are dropped from
the OS page cache with ``posix_fadvise(POSIX_FADV_DONTNEED)`` (no root needed; a page another
process maps stays), and ``cached_mb`` records how much of them ``fincore`` still found
cached: so "cold" here means a fresh process whose table, codes or index must come from the
disk (or the disk's own cache below the VM), not a rebooted machine. ``hnsw_warm`` follows
``hnsw`` and finds its pages cached. gensim reads its whole matrix at every query, so only
its first query is cold.

Columns: ``recall_at_10`` against exact; ``queries_per_s``; ``speedup_vs_gensim``;
``memory_ratio`` = (resident memory the row's load + queries added, minus what the vocabulary
alone adds: row ``vocab_only``) / float32 matrix bytes; ``rss_ratio`` the same without taking
the vocabulary off; ``structure_ratio`` = bytes of the search structure (codes + norms +
codebook, or the index file) / matrix bytes; ``build_s`` (quantizing, or building the index);
``load_s`` (opening table + codes or index); ``first_query_s``; ``peak_rss_mb``; ``disk_mb``
(every file the row reads but the vocabulary); ``load_avg`` (the 1-minute load average before
and after the row: the machine is shared).

``--workdir DIR`` keeps the generated table there and a checkpoint of each finished stage
(``DIR/stages/NAME.json``), so an interrupted run resumes and a rerun reuses the table; a
stage reruns only when its checkpoint is deleted.

    python bench/ann.py [--quick] [--json PATH] [--queries N] [--only ROW,...]
                        [--workdir DIR]                    (env LEXIPLUG_BENCH_ROWS=N)
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from _harness import machine_note, measure_in_subprocess, print_table, write_json

DIM = 300
TOPN = 10
_BLOCK = 50_000

SETUP = """
import dataclasses, json, os, subprocess, time
import numpy as np
from lexiplug.vectors.io import load_vectors
from lexiplug.vectors.io_quantized import load_quantized
from lexiplug.vectors.quantize import int8_dots
# numba's runtime and the compiled kernel load at the first call (~60 MB, whatever the table
# size): a library load, done here as gensim's import is, so extra_mb is what the table costs
_codes = np.zeros((1, 4), np.int8)
for _writeable in (True, False):  # a loaded table's codes are a read-only memory map
    _codes.setflags(write=_writeable)
    int8_dots(_codes, np.ones(4, np.float32), np.ones(4, np.float32),
              np.ones((4, 1), np.float32))
from gensim.models import KeyedVectors
import faiss  # as gensim's: a library import is not the table's load time
queries = json.load(open({queries!r}))[:{n_queries}]
_files = {files!r}
if {cold!r}:
    for _f in _files:  # drop the row's files from the page cache (clean, unmapped pages)
        _fd = os.open(_f, os.O_RDONLY)
        os.posix_fadvise(_fd, 0, 0, os.POSIX_FADV_DONTNEED)
        os.close(_fd)
try:
    _out = subprocess.run(["fincore", "--bytes", "--noheadings", "--raw", "-o", "RES", *_files],
                          capture_output=True, text=True, check=True).stdout.split()
    cached_mb = round(sum(int(x) for x in _out) / 2**20, 1)
except (OSError, subprocess.CalledProcessError, ValueError):
    cached_mb = None
"""

WORK = """
_t = time.perf_counter()
{load}
load_s = time.perf_counter() - _t
_t = time.perf_counter()
found = [[w for w, _ in {search}] for q in queries[:1]]
first_query_s = time.perf_counter() - _t
found += [[w for w, _ in {search}] for q in queries[1:]]
query_s = time.perf_counter() - _t
"""

ROWS = {
    "vocab_only": ("keys = open({native!r} + '/vocab.txt').read().split('\\n')\n"
                   "table = {{k: i for i, k in enumerate(keys)}}", "[]"),
    "exact_float32": ("table = load_vectors({native!r}, mmap=True)",
                      "table.most_similar(q, topn=10)"),
    "gensim": ("table = KeyedVectors.load({gensim!r}, mmap='r')",
               "table.most_similar(q, topn=10)"),
    "int8_rescore": ("table = load_quantized({native!r}, 'int8')",
                     "table.most_similar(q, topn=10)"),
    "binary_rescore": ("table = load_quantized({native!r}, 'binary')",
                       "table.most_similar(q, topn=10)"),
    "hnsw": ("table = load_vectors({native!r}, mmap=True)\ntable.load_index()",
             "table.most_similar(q, topn=10, exact=False)"),
}
ROWS["hnsw_warm"] = ROWS["hnsw"]
WARM = {"vocab_only", "hnsw_warm"}  # every other row starts with its files evicted

BUILD = {
    "int8_rescore": "from lexiplug.vectors.quantized import quantize_vectors\n"
                    "table = load_vectors({native!r}, mmap=True)",
    "hnsw": "table = load_vectors({native!r}, mmap=True)",
}
BUILD_WORK = {
    "int8_rescore": "quantize_vectors(table, 'int8')",
    "binary_rescore": "quantize_vectors(table, 'binary')",
    "hnsw": "table.build_index(save=True, **{hnsw_build!r})",
}
# chosen on a 100,000-row sample (bench/results/ann.md): int8 graph storage + exact rescoring
HNSW_BUILD = {"storage": "sq8", "M": 16, "ef_construction": 64}


def structured_table(rows: int, dim: int = DIM, seed: int = 0) -> np.ndarray:
    """Rows with the traits of trained word vectors that matter to search: most variance in
    a few directions (power-law spectrum), every row shifted by one common offset, rows in
    loose clusters of varied size (topics), and norms that vary with a Zipf-like frequency."""
    rng = np.random.default_rng(seed)
    basis, _ = np.linalg.qr(rng.standard_normal((dim, dim)))
    spectrum = np.arange(1, dim + 1, dtype=np.float64) ** -0.8
    mixing = (np.sqrt(spectrum)[:, None] * basis.T).astype(np.float32)
    clusters = max(rows // 200, 16)
    centres = rng.standard_normal((clusters, dim)).astype(np.float32) @ mixing
    weights = 1.0 / np.arange(1, clusters + 1) ** 0.5
    offset = 1.5 * (rng.standard_normal(dim).astype(np.float32) @ mixing)
    matrix = np.empty((rows, dim), dtype=np.float32)
    for start in range(0, rows, _BLOCK):
        n = min(rows, start + _BLOCK) - start
        member = rng.choice(clusters, n, p=weights / weights.sum())
        noise = rng.standard_normal((n, dim)).astype(np.float32) @ mixing
        block = offset + centres[member] + 1.1 * noise
        rank = np.arange(start + 1, start + n + 1, dtype=np.float32)
        block *= (1.0 + 2.0 / np.log1p(rank))[:, None]  # frequent words: longer vectors
        matrix[start : start + n] = block
    return matrix


def prepare(folder: Path, rows: int, n_queries: int) -> dict[str, str]:
    """The native folder (float32 + int8 + binary codes) and gensim's file; the queries.
    Reused when ``folder`` already holds them for the same size (``prepared.json``, written
    last)."""
    marker = folder / "prepared.json"
    if marker.is_file():
        paths = json.loads(marker.read_text())
        if paths.get("rows") == rows and paths.get("n_queries") == n_queries:
            return paths
    from gensim.models import KeyedVectors
    from lexiplug.vectors import Vectors
    from lexiplug.vectors.io_quantized import save_quantized

    table = Vectors([f"w{i}" for i in range(rows)], structured_table(rows))
    native = save_quantized(table, folder / "native", ["int8", "binary"])
    # gensim's own format, written from the same rows without a second copy in memory
    kv = KeyedVectors(vector_size=DIM, count=0, dtype=np.float32)
    kv.index_to_key, kv.key_to_index = table.keys, dict(table.key_to_index)
    kv.vectors = table.matrix
    kv.save(str(folder / "table.kv"))
    del kv
    rng = np.random.default_rng(1)
    picks = np.sort(rng.choice(rows, n_queries, replace=False))
    queries = [table.keys[i] for i in picks]
    (folder / "queries.json").write_text(json.dumps(queries))
    paths = {"native": str(native), "gensim": str(folder / "table.kv"),
             "queries": str(folder / "queries.json"), "rows": rows, "n_queries": n_queries}
    marker.write_text(json.dumps(paths))
    return paths


_ROW_FILES = {
    "exact_float32": ["vectors.npy"],
    "int8_rescore": ["vectors.npy", "int8_codes.npy", "int8_scale.npy", "int8_offset.npy",
                     "row_norms.npy"],
    "binary_rescore": ["vectors.npy", "binary_codes.npy", "binary_center.npy",
                       "row_norms.npy"],
    "hnsw": ["vectors.npy", "ann_index/index.faiss"],
}


def row_files(paths: dict[str, str], name: str) -> list[str]:
    """Every file the row reads but the vocabulary."""
    if name == "gensim":
        gensim = Path(paths["gensim"])
        return sorted(str(p) for p in gensim.parent.glob(gensim.name + "*"))
    native = Path(paths["native"])
    return [str(native / f) for f in _ROW_FILES.get(name.replace("_warm", ""), [])]


def disk_mb(paths: dict[str, str], name: str) -> float:
    return sum(Path(f).stat().st_size for f in row_files(paths, name)) / 2**20


def structure_mb(paths: dict[str, str], name: str) -> float | None:
    native = Path(paths["native"])
    parts = {
        "int8_rescore": ["int8_codes.npy", "int8_scale.npy", "int8_offset.npy", "row_norms.npy"],
        "binary_rescore": ["binary_codes.npy", "binary_center.npy", "row_norms.npy"],
        "hnsw": ["ann_index/index.faiss"],
    }.get(name.replace("_warm", ""))
    if parts is None:
        return None
    # .npy headers are 128 bytes each: they do not change the ratio
    return sum((native / f).stat().st_size for f in parts) / 2**20


SCAN_ROWS = ("exact_float32", "gensim", "int8_rescore", "binary_rescore")


def exact_truth(paths: dict[str, str]) -> list[list[str]]:
    """Each query's exact 10 nearest words (itself left out, as most_similar does), found
    for all queries at once with one matrix product per block of rows: the recall reference,
    far cheaper than one full scan per query when ``--scan-queries`` times fewer of them."""
    native = Path(paths["native"])
    matrix = np.load(native / "vectors.npy", mmap_mode="r")
    keys = (native / "vocab.txt").read_text(encoding="utf-8").split("\n")
    index = {key: i for i, key in enumerate(keys)}
    ids = np.array([index[q] for q in json.loads(Path(paths["queries"]).read_text())])
    rows = np.asarray(matrix[ids], dtype=np.float32)
    unit = rows / np.linalg.norm(rows, axis=1, keepdims=True)
    best_ids = np.zeros((len(ids), 0), dtype=np.int64)
    best = np.zeros((len(ids), 0), dtype=np.float32)
    for first in range(0, len(matrix), _BLOCK):
        block = np.asarray(matrix[first : first + _BLOCK], dtype=np.float32)
        norms = np.linalg.norm(block, axis=1)
        norms[norms == 0] = 1.0
        scores = (unit @ block.T) / norms
        own = (ids >= first) & (ids < first + len(block))
        scores[own, ids[own] - first] = -np.inf
        scores = np.concatenate([best, scores], axis=1)
        candidates = np.concatenate(
            [best_ids, np.broadcast_to(np.arange(first, first + len(block)),
                                       (len(ids), len(block)))], axis=1)
        top = np.argpartition(-scores, TOPN, axis=1)[:, :TOPN]
        best = np.take_along_axis(scores, top, axis=1)
        best_ids = np.take_along_axis(candidates, top, axis=1)
    return [[keys[i] for i in row] for row in best_ids]


def staged(folder: Path, name: str, measure: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """``measure()``'s row, or the checkpoint a previous run left in ``folder/stages``; each
    row carries the load average before and after it (the machine is shared)."""
    checkpoint = folder / "stages" / f"{name}.json"
    if checkpoint.is_file():
        print(f"{name}: from {checkpoint}", flush=True)
        return dict(json.loads(checkpoint.read_text()))
    before = os.getloadavg()[0]
    row = measure()
    row["load_avg"] = f"{before:.1f}-{os.getloadavg()[0]:.1f}"
    checkpoint.parent.mkdir(parents=True, exist_ok=True)
    partial = checkpoint.with_suffix(".tmp")
    partial.write_text(json.dumps(row))
    partial.replace(checkpoint)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="200,000 x 300 instead of 1M")
    parser.add_argument("--json", type=Path, default=None, help="write the rows as JSON here")
    parser.add_argument("--queries", type=int, default=1000, help="queries per row")
    parser.add_argument("--only", default="", help="comma-separated rows to run (the truth, "
                        "gensim and vocab_only always run)")
    parser.add_argument("--scan-queries", type=int, default=None, help="time the rows that "
                        "scan the whole table (exact, gensim, int8, binary) on the first N "
                        "queries only (default: all); recall is always against exact_truth")
    parser.add_argument("--workdir", type=Path, default=None, help="keep the table and stage "
                        "checkpoints here (reused by the next run); default: a temporary folder")
    args = parser.parse_args()
    rows = int(os.environ.get("LEXIPLUG_BENCH_ROWS", 200_000 if args.quick else 1_000_000))
    matrix_mb = rows * DIM * 4 / 2**20
    keep = args.workdir is not None
    # absolute: the stage files record paths, and a rerun may start from another folder
    folder = (args.workdir or Path(tempfile.mkdtemp(prefix="lexiplug_bench_ann_"))).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    results = []
    try:
        start = time.perf_counter()
        paths = prepare(folder, rows, args.queries)
        print(f"prepared {rows:,} x {DIM} ({matrix_mb:.0f} MiB) in "
              f"{time.perf_counter() - start:.0f} s", flush=True)
        wanted = set(ROWS) if not args.only else {
            *args.only.split(","), "vocab_only", "exact_float32", "gensim"}
        if "hnsw_warm" in wanted:
            wanted.add("hnsw")
        build_s = {}
        for name, work in BUILD_WORK.items():
            if name not in wanted:
                continue
            setup = SETUP.format(**paths, files=[], cold=False) + BUILD.get(
                name, BUILD["int8_rescore"]).format(**paths)
            built = staged(folder, f"build_{name}", lambda name=name, setup=setup, work=work: (
                measure_in_subprocess(f"build_{name}", setup=setup, timeout=14_400,
                                      work=work.format(hnsw_build=HNSW_BUILD))))
            build_s[name] = built["seconds"]
            print(f"built {name} in {built['seconds']:.1f} s (load {built['load_avg']})",
                  flush=True)
        for name, (load, search) in ROWS.items():
            if name not in wanted:
                continue
            n_queries = args.scan_queries if name in SCAN_ROWS and args.scan_queries else None
            setup = SETUP.format(**{**paths, "n_queries": n_queries},
                                 files=row_files(paths, name), cold=name not in WARM)
            work = WORK.format(load=load.format(**paths), search=search)
            row = staged(folder, name, lambda name=name, setup=setup, work=work: (
                measure_in_subprocess(
                    name, setup=setup, work=work, timeout=14_400,
                    extra="{'load_s': load_s, 'query_s': query_s, 'found': found, "
                          "'first_query_s': first_query_s, 'cached_mb': cached_mb}")))
            results.append(row)
            print(f"{name}: load {row['load_s']:.2f} s, {row['query_s']:.1f} s for "
                  f"{len(row['found'])} queries, +{row['extra_mb']:.0f} MB, {row['cached_mb']} MB "
                  f"cached before, load {row['load_avg']}", flush=True)
        by_name = {row["name"]: row for row in results}
        vocab_mb = by_name.pop("vocab_only")["extra_mb"]
        results = [r for r in results if r["name"] != "vocab_only"]
        truth = staged(folder, "truth", lambda: {"found": exact_truth(paths)})["found"]
        gensim_qps = len(by_name["gensim"]["found"]) / by_name["gensim"]["query_s"]
        for row in results:
            found = row.pop("found")
            pairs = zip(found, truth[: len(found)], strict=True)
            row["recall_at_10"] = round(float(np.mean(
                [len(set(f) & set(t)) / TOPN for f, t in pairs])), 4)
            row["queries"] = len(found)
            row["queries_per_s"] = round(len(found) / row["query_s"], 1)
            row["speedup_vs_gensim"] = round(row["queries_per_s"] / gensim_qps, 2)
            row["memory_ratio"] = round((row["extra_mb"] - vocab_mb) / matrix_mb, 3)
            row["rss_ratio"] = round(row["extra_mb"] / matrix_mb, 3)
            structure = structure_mb(paths, row["name"])
            row["structure_ratio"] = None if structure is None else round(
                structure / matrix_mb, 4)
            row["build_s"] = build_s.get(row["name"].replace("_warm", ""))
            row["peak_rss_mb"] = row["peak_mb"]
            row["disk_mb"] = round(disk_mb(paths, row["name"]), 1)
    finally:
        if not keep:
            shutil.rmtree(folder, ignore_errors=True)
    print(f"\n{rows:,} x {DIM} float32 table ({matrix_mb:.0f} MiB), {args.queries} queries, "
          f"topn={TOPN}, one most_similar call per query; vocabulary alone: +{vocab_mb:.0f} MB")
    print(machine_note())
    print_table(results, metrics=["queries", "recall_at_10", "queries_per_s", "speedup_vs_gensim",
                                  "memory_ratio", "rss_ratio", "structure_ratio", "build_s",
                                  "load_s", "first_query_s", "cached_mb", "peak_rss_mb",
                                  "disk_mb", "load_avg"])
    print("speedup_vs_gensim = queries_per_s / gensim's (the tool a user would pick instead)")
    write_json(results, args.json)


if __name__ == "__main__":
    sys.exit(main())
