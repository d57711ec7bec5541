"""Retrofitting word2vec (Gutenberg) to the SEER / ICD-O-3 graph: coverage, neighbours, cost.

Rows ``before`` / ``after`` (``lexiplug.retrofit.v1``, Jacobi, α = 1, β = 1/degree, 10
iterations) and ``after_in_place`` (the original Gauss–Seidel order), with ``coverage`` (graph
words found in the vectors), ``edge_cos`` (mean cosine over graph edges between covered
words), ``nonedge_cos`` (mean cosine of random covered pairs that are not edges), ``ws353`` and
``seconds``. Prints before/after nearest neighbours of a few graph words. The Gutenberg corpus
is fiction, so the medical coverage is low: that is the honest figure.

    python bench/retrofit.py [--quick] [--json PATH]
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
from _harness import machine_note, parse_args, print_table, write_json
from _transforms_common import gutenberg_slice, similarity

SHOW = ["stomach", "liver", "skin", "breast", "tongue", "heart", "bone", "eye"]


def edge_scores(vectors: Any, graph: Any, rng: np.random.Generator) -> tuple[float, float]:
    index = vectors.key_to_index
    edges = [(h, t) for h, t, _, _ in graph if h in index and t in index]
    unit = vectors.unit_matrix
    heads = np.array([index[h] for h, _ in edges])
    tails = np.array([index[t] for _, t in edges])
    covered = np.unique(np.concatenate([heads, tails]))
    linked = set(zip(heads.tolist(), tails.tolist(), strict=True))
    pairs = [(a, b) for a, b in rng.choice(covered, size=(4 * len(edges), 2))
             if a != b and (a, b) not in linked and (b, a) not in linked]
    pa, pb = np.array(pairs).T
    return (float(np.mean(np.einsum("ij,ij->i", unit[heads], unit[tails]))),
            float(np.mean(np.einsum("ij,ij->i", unit[pa], unit[pb]))))


def main() -> None:
    args = parse_args("Retrofitting to the SEER / ICD-O-3 graph")
    from lexiplug.registry import registry

    corpus = gutenberg_slice("*.txt", "gutenberg")
    vectors = registry.embedders.get("lexiplug.word2vec.v1")(
        vector_size=100, window=5, min_count=5 if not args.quick else 10, sg=1, epochs=5,
        workers=2, seed=1, progress=False).fit(corpus)
    graph = registry.datasets.get("seer_icdo3_graph")().load().undirected()
    rows = []
    outputs = {"before": vectors.normalized()}
    for name, order in (("after", "jacobi"), ("after_in_place", "in_place")):
        start = time.perf_counter()
        outputs[name] = registry.transforms.get("lexiplug.retrofit.v1")(
            graph="seer_icdo3_graph", order=order).apply(vectors)
        outputs[name].metadata["seconds"] = time.perf_counter() - start
    record = outputs["after"].metadata["retrofit"]
    for name, out in outputs.items():
        edge, nonedge = edge_scores(out, graph, np.random.default_rng(0))
        rows.append({"name": name, "coverage": round(record["coverage"], 4),
                     "n_graph_words": record["n_graph_words"],
                     "n_updated": record["n_updated"], "edge_cos": round(edge, 4),
                     "nonedge_cos": round(nonedge, 4), "ws353": similarity(out, "ws353"),
                     "seconds": round(out.metadata.get("seconds", 0.0), 4)})
    print(f"vectors: Gutenberg word2vec, {len(vectors)} words; graph {graph.name}: "
          f"{len(graph.nodes())} words, {len(graph)} directed edges")
    print(machine_note())
    print_table(rows, ["coverage", "n_updated", "edge_cos", "nonedge_cos", "ws353", "seconds"])
    print(f"\nmissing graph words ({record['n_missing']}): "
          + ", ".join(record["missing"][:40]) + (" ..." if record["n_missing"] > 40 else ""))
    print("\n| word | before | after |\n|---|---|---|")
    for word in SHOW:
        if word in vectors.key_to_index:
            before, after = (", ".join(w for w, _ in outputs[k].most_similar(word, topn=6))
                             for k in ("before", "after"))
            print(f"| {word} | {before} | {after} |")
    write_json(rows, args.json)


if __name__ == "__main__":
    main()
