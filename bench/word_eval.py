"""Word-benchmark evaluation: lexiplug's analogy and similarity evaluators against gensim's.

Rows ``gensim_analogy`` (``KeyedVectors.evaluate_word_analogies``, one ``most_similar`` per
question) and ``lexiplug_analogy`` (``lexiplug.analogy.v1``, 3CosAdd, questions batched into
matrix products, plus a 1,000-resample CI) on the Google set (gensim's bundled copy: all
19,544 questions; ``--quick``: every 4th question of each section); rows
``gensim_similarity``, ``lexiplug_similarity`` (no CI, like gensim) and
``lexiplug_similarity_ci`` (1,000-resample bootstrap CI) on gensim's bundled SimLex-999. Same
vectors for all: the questions' words placed with a per-section offset plus noise (so
accuracy is neither 0 nor 1) among random filler words, 20k x 300 (``--quick``: 10k x 300).
Metrics ``seconds`` and ``peak_mb``; ``score`` is each tool's figure, which must agree.

    python bench/word_eval.py [--quick] [--json PATH]
"""

from __future__ import annotations

from _harness import machine_note, measure_in_subprocess, parse_args, print_table, ratio, write_json

SETUP = """
import logging
import numpy as np
from gensim.test.utils import datapath
from lexiplug.vectors import Vectors
from lexiplug.plugins.datasets.word_benchmarks import WORD_BENCHMARKS
logging.disable(logging.WARNING)
specs = {{spec.name: spec for spec in WORD_BENCHMARKS}}
import os, tempfile
from lexiplug.plugins.datasets.readers_analogy import read_analogy_questions
from lexiplug.evaluation.planted import plant_analogy_offsets
every = {every}
questions_path = os.path.join(tempfile.mkdtemp(), "questions.txt")
with open(questions_path, "w", encoding="utf-8") as handle:
    for name, items in specs["google_analogy_gensim"].load().sections:
        handle.write(f": {{name}}\\n")
        handle.writelines(" ".join(q) + "\\n" for q in items[::every])
questions = read_analogy_questions(questions_path, name="google_analogy")
pairs = specs["simlex999_gensim"].load()
rng = np.random.default_rng(0)
dim, rows = {dim}, {rows}
table = plant_analogy_offsets(questions.sections, rng, dim, 2.5)
for a, b in pairs.pairs:
    for w in (a.lower(), b.lower()):
        table.setdefault(w, rng.standard_normal(dim))
words = sorted(table)
keys = words + [f"filler{{i}}" for i in range(rows - len(words))]
matrix = np.concatenate([np.stack([table[w] for w in words]),
                         rng.standard_normal((rows - len(words), dim))]).astype(np.float32)
order = rng.permutation(rows)
vectors = Vectors([keys[i] for i in order], matrix[order])
{prepare}
"""

PREPARE = {
    "gensim": "kv = vectors.to_gensim(); kv.fill_norms(); del vectors",
    "lexiplug": (
        "from lexiplug.plugins.evaluators.analogy import make_analogy_evaluator\n"
        "from lexiplug.plugins.evaluators.similarity import make_similarity_evaluator\n"
        "import scipy.stats\n"  # gensim imports it at import time too
        "vectors.unit_matrix"
    ),
}

WORK = {
    "gensim_analogy": (
        "gensim",
        "score = kv.evaluate_word_analogies(questions_path)[0]",
    ),
    "lexiplug_analogy": (
        "lexiplug",
        "score = make_analogy_evaluator(bootstrap=1000).evaluate(vectors, questions).score",
    ),
    "gensim_similarity": (
        "gensim",
        "score = kv.evaluate_word_pairs(datapath('simlex999.txt'))[1][0]",
    ),
    "lexiplug_similarity": (
        "lexiplug",
        "score = make_similarity_evaluator(bootstrap=0).evaluate(vectors, pairs).score",
    ),
    "lexiplug_similarity_ci": (
        "lexiplug",
        "score = make_similarity_evaluator(bootstrap=1000).evaluate(vectors, pairs).score",
    ),
}


def main() -> None:
    args = parse_args(__doc__ or "")
    rows, dim, every = (10_000, 300, 4) if args.quick else (20_000, 300, 1)
    results = []
    for name, (tool, work) in WORK.items():
        setup = SETUP.format(rows=rows, dim=dim, every=every, prepare=PREPARE[tool])
        row = measure_in_subprocess(
            name, setup=setup, work=work, extra="{'score': float(score)}", repeat=args.repeat,
        )
        results.append(row)
        print(f"{name}: {row['seconds']:.2f} s, peak {row['peak_mb']:.0f} MB, "
              f"score {row['score']:.6f}", flush=True)
    print(f"\n{rows} x {dim} vectors; {machine_note()}\n")
    for task in ("analogy", "similarity"):
        group = [r for r in results if task in r["name"]]
        print_table(group, metrics=["seconds", "peak_mb", "score"], baseline=f"gensim_{task}")
        base, ours = group[0], group[1]
        same = all(abs(base["score"] - row["score"]) < 1e-9 for row in group)
        print(f"{task}: lexiplug {ratio(ours, base, 'seconds'):.2f}x gensim's speed; "
              f"same score as gensim: {same}\n")
    write_json(results, args.json)


if __name__ == "__main__":
    main()
