"""Vectors IO: lexiplug's loaders against gensim's ``load_word2vec_format``.

Rows ``gensim_text``, ``lexiplug_text``, ``gensim_binary``, ``lexiplug_binary``,
``lexiplug_native`` with ``seconds`` and ``peak_mb`` (max RSS of a child process doing only
the load; ``extra_mb`` = peak minus the RSS before the load, ``matrix_mb`` = the float32
matrix). Full run: 100k x 300 (the issue's size); ``--quick``: 20k x 300.

    python bench/vectors_io.py [--quick] [--json PATH]
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
from _harness import machine_note, measure_in_subprocess, parse_args, print_table, ratio, write_json


def write_files(folder: Path, rows: int, dim: int) -> dict[str, Path]:
    """Random vectors saved by gensim (text, binary) and by lexiplug (native)."""
    from gensim.models import KeyedVectors
    from lexiplug.vectors import Vectors

    rng = np.random.default_rng(0)
    matrix = (rng.standard_normal((rows, dim)) * 0.3).astype(np.float32)
    keys = [f"w{i}_{'x' * (i % 7)}" for i in range(rows)]
    kv = KeyedVectors(vector_size=dim, count=0, dtype=np.float32)
    kv.add_vectors(keys, matrix)
    paths = {"text": folder / "vectors.txt", "binary": folder / "vectors.bin",
             "native": folder / "native"}
    kv.save_word2vec_format(str(paths["text"]), binary=False)
    kv.save_word2vec_format(str(paths["binary"]), binary=True)
    Vectors(keys, matrix).save(paths["native"], format="native")
    return paths


def main() -> None:
    args = parse_args(__doc__ or "")
    rows, dim = (20_000, 300) if args.quick else (100_000, 300)
    with tempfile.TemporaryDirectory() as tmp:
        paths = write_files(Path(tmp), rows, dim)
        gensim_setup = "from gensim.models import KeyedVectors"
        ours_setup = "from lexiplug.vectors.io import load_vectors; import numpy"
        check = "{'rows': len(v)}"
        jobs = [
            ("gensim_text", gensim_setup,
             f"v = KeyedVectors.load_word2vec_format({str(paths['text'])!r}, binary=False)"),
            ("lexiplug_text", ours_setup, f"v = load_vectors({str(paths['text'])!r})"),
            ("gensim_binary", gensim_setup,
             f"v = KeyedVectors.load_word2vec_format({str(paths['binary'])!r}, binary=True)"),
            ("lexiplug_binary", ours_setup, f"v = load_vectors({str(paths['binary'])!r})"),
            ("lexiplug_native", ours_setup,
             f"v = load_vectors({str(paths['native'])!r}, mmap=True)"),
        ]
        best: dict[str, dict] = {}
        # rounds (--repeat) interleave the rows so load bursts on a shared machine hit all
        for _ in range(max(args.repeat, 1)):
            for name, setup, work in jobs:
                row = measure_in_subprocess(name, setup=setup, work=work, extra=check)
                row["matrix_mb"] = round(rows * dim * 4 / 2**20, 1)
                row["extra_over_matrix"] = round(row["extra_mb"] / row["matrix_mb"], 3)
                print(f"  {name}: {row['seconds']:.3f} s, peak {row['peak_mb']:.0f} MB",
                      flush=True)
                if name not in best or row["seconds"] < best[name]["seconds"]:
                    best[name] = row
        results = [best[name] for name, _, _ in jobs]
    print(f"\n{rows} x {dim} float32; {machine_note()}\n")
    print_table(results, ["seconds", "peak_mb", "extra_mb", "extra_over_matrix"])
    by_name = {r["name"]: r for r in results}
    for ours, theirs in (("lexiplug_text", "gensim_text"), ("lexiplug_binary", "gensim_binary"),
                         ("lexiplug_native", "gensim_binary")):
        speedup = ratio(by_name[ours], by_name[theirs], "seconds")
        by_name[ours][f"speedup_vs_{theirs}"] = round(speedup or 0.0, 2)
        print(f"{ours} vs {theirs}: {speedup:.2f}x faster")
    write_json(results, args.json)


if __name__ == "__main__":
    main()
