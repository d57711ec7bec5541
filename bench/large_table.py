"""A 1M-word x 300 table: load, first query and peak memory, lexiplug next to gensim.

A generated table (seeded normal rows, keys ``w0`` ... ``w999999``; ``--quick``: 100,000
rows) is written once as word2vec binary, as a lexiplug native folder and as gensim's own
``KeyedVectors.save`` format. Each row of the table below runs in a fresh subprocess that
does only the measured work (imports are done before the peak-RSS mark is reset):

* ``lexiplug_binary`` / ``gensim_binary``: read the word2vec binary file, then one
  ``most_similar`` (topn=10);
* ``lexiplug_native_mmap`` / ``gensim_mmap``: open the table memory-mapped (lexiplug's
  native folder; gensim's ``KeyedVectors.load(mmap="r")``), then the same query.

Metrics: ``load_s``, ``first_query_s``, ``peak_mb`` (max RSS of the child), ``work_mb``
(peak minus the RSS after imports) and ``peak_x_matrix`` = work_mb / matrix size: the issue
27 goal is <= 1.2 for lexiplug. Both libraries must return the same ten neighbours
(``same_top10``). ``ratio`` = gensim's peak over ours (> 1: we use less).

    python bench/large_table.py [--quick] [--json PATH]     (env LEXIPLUG_BENCH_ROWS=N)
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import numpy as np
from _harness import machine_note, measure_in_subprocess, parse_args, print_table, write_json

DIM = 300
QUERY = "w12345"
_BLOCK_ROWS = 50_000

LOAD = {
    "lexiplug_binary": (
        "from lexiplug.vectors.io import load_vectors",
        "table = load_vectors({binary!r}, format='word2vec-binary')",
        "table.most_similar({query!r}, topn=10)",
    ),
    "lexiplug_native_mmap": (
        "from lexiplug.vectors.io import load_vectors",
        "table = load_vectors({native!r}, format='native', mmap=True)",
        "table.most_similar({query!r}, topn=10)",
    ),
    "gensim_binary": (
        "from gensim.models import KeyedVectors",
        "table = KeyedVectors.load_word2vec_format({binary!r}, binary=True)",
        "table.most_similar({query!r}, topn=10)",
    ),
    "gensim_mmap": (
        "from gensim.models import KeyedVectors",
        "table = KeyedVectors.load({gensim!r}, mmap='r')",
        "table.most_similar({query!r}, topn=10)",
    ),
}

WORK = """
_t = time.perf_counter()
{load}
load_s = time.perf_counter() - _t
_t = time.perf_counter()
hits = {query}
first_query_s = time.perf_counter() - _t
"""

EXTRA = "{'load_s': load_s, 'first_query_s': first_query_s, 'top10': [w for w, _ in hits]}"


def write_tables(folder: Path, rows: int) -> dict[str, str]:
    """The same seeded table in the three formats, written block by block."""
    from lexiplug.vectors import Vectors
    from lexiplug.vectors.io import save_vectors

    rng = np.random.default_rng(0)
    matrix = np.empty((rows, DIM), dtype=np.float32)
    for start in range(0, rows, _BLOCK_ROWS):
        stop = min(rows, start + _BLOCK_ROWS)
        matrix[start:stop] = rng.standard_normal((stop - start, DIM), dtype=np.float32)
    keys = [f"w{i}" for i in range(rows)]
    table = Vectors(keys, matrix)
    paths = {
        "binary": str(save_vectors(table, folder / "table.bin", format="word2vec-binary")),
        "native": str(save_vectors(table, folder / "table_native", format="native")),
    }
    table.to_gensim().save(str(folder / "table.kv"))
    paths["gensim"] = str(folder / "table.kv")
    return paths


def main() -> None:
    args = parse_args(__doc__ or "")
    rows = int(os.environ.get("LEXIPLUG_BENCH_ROWS", 100_000 if args.quick else 1_000_000))
    matrix_mb = rows * DIM * 4 / 2**20
    folder = Path(tempfile.mkdtemp(prefix="lexiplug_bench_large_"))
    try:
        paths = write_tables(folder, rows)
        results = []
        for name, (imports, load, query) in LOAD.items():
            row = measure_in_subprocess(
                name,
                setup=f"import time\n{imports}",
                work=WORK.format(load=load.format(**paths), query=query.format(query=QUERY)),
                extra=EXTRA,
            )
            row["work_mb"] = round(row["peak_mb"] - row["baseline_mb"], 1)
            row["peak_x_matrix"] = round(row["work_mb"] / matrix_mb, 3)
            results.append(row)
            print(f"{name}: load {row['load_s']:.2f} s, query {row['first_query_s']:.3f} s, "
                  f"peak x matrix {row['peak_x_matrix']}", flush=True)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    reference = results[2]["top10"]
    for row in results:
        row["same_top10"] = row.pop("top10") == reference
    by_name = {row["name"]: row for row in results}
    for ours, theirs in (("lexiplug_binary", "gensim_binary"),
                         ("lexiplug_native_mmap", "gensim_mmap")):
        by_name[ours]["ratio"] = round(by_name[theirs]["work_mb"] / by_name[ours]["work_mb"], 2)
    print(f"{rows:,} x {DIM} float32 table ({matrix_mb:.0f} MiB); query {QUERY!r}, topn=10")
    print(machine_note())
    print_table(results, metrics=["load_s", "first_query_s", "peak_mb", "work_mb",
                                  "peak_x_matrix", "same_top10", "ratio"])
    print("ratio = gensim's work_mb over lexiplug's on the same format (> 1: lexiplug uses less)")
    write_json(results, args.json)


if __name__ == "__main__":
    main()
