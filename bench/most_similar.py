"""Nearest-neighbour queries: lexiplug's ``most_similar`` against gensim's.

Rows ``gensim``, ``lexiplug`` (one query at a time) and ``lexiplug_batched``
(``most_similar_batch``: one matrix product per block of queries + ``argpartition``), with
``qps`` (queries per second) and ``seconds``. 1,000 single-word queries, topn 10, on the same
random 100k x 300 vectors (``--quick``: 30k x 300). Norms are computed before timing for
both libraries (gensim ``fill_norms``, lexiplug ``unit_matrix``); each row also checks that
its answers equal gensim's neighbours. Rows run in interleaved rounds (``--repeat``,
at least 2) and the best round of each is kept.

    python bench/most_similar.py [--quick] [--json PATH]
"""

from __future__ import annotations

from _harness import machine_note, measure_in_subprocess, parse_args, print_table, ratio, write_json

N_QUERIES = 1000
TOPN = 10

SETUP = """
import numpy as np
from lexiplug.vectors import Vectors
rng = np.random.default_rng(0)
matrix = rng.standard_normal(({rows}, {dim}), dtype=np.float32)
keys = [f"w{{i}}" for i in range({rows})]
queries = [keys[i] for i in rng.choice({rows}, {n}, replace=False)]
vectors = Vectors(keys, matrix)
vectors.unit_matrix
kv = vectors.to_gensim()
kv.fill_norms()
reference = [w for w, _ in kv.most_similar(queries[-1], topn={topn})]
{drop}
"""

WORK = {
    "gensim": "answers = [kv.most_similar(q, topn={topn}) for q in queries]",
    "lexiplug": "answers = [vectors.most_similar(q, topn={topn}) for q in queries]",
    "lexiplug_batched": "answers = vectors.most_similar_batch(queries, topn={topn})",
}

EXTRA = ("{{'qps': {n} / _seconds, "
         "'same_as_gensim': int([w for w, _ in answers[-1]] == reference)}}")


def main() -> None:
    args = parse_args(__doc__ or "")
    rows, dim = (30_000, 300) if args.quick else (100_000, 300)
    best: dict[str, dict] = {}
    # rounds interleave the rows, so a burst of load on the shared machine hits all of them
    for _ in range(max(args.repeat, 2)):
        for name, work in WORK.items():
            # each child keeps only the structure it queries, so peaks are comparable
            drop = "del vectors" if name == "gensim" else "del kv"
            setup = SETUP.format(rows=rows, dim=dim, n=N_QUERIES, topn=TOPN, drop=drop)
            row = measure_in_subprocess(
                name, setup=setup, work=work.format(topn=TOPN), extra=EXTRA.format(n=N_QUERIES),
            )
            print(f"  {name}: {row['qps']:.0f} queries/s", flush=True)
            if name not in best or row["qps"] > best[name]["qps"]:
                best[name] = row
    results = [best[name] for name in WORK]
    print(f"\n{N_QUERIES} queries, topn {TOPN}, {rows} x {dim}; {machine_note()}\n")
    print_table(results, ["qps", "seconds", "peak_mb", "extra_mb", "same_as_gensim"],
                baseline="gensim", ratio_metric="qps", higher_is_better=True)
    base = results[0]
    for row in results[1:]:
        row["speedup_vs_gensim"] = round(ratio(row, base, "qps", True) or 0.0, 2)
    write_json(results, args.json)


if __name__ == "__main__":
    main()
