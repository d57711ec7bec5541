"""Evaluate a 100k-word vectors file on every similarity set and the full Google analogy set.

Rows ``gensim`` (``KeyedVectors.load_word2vec_format`` + ``evaluate_word_pairs`` per set +
``evaluate_word_analogies(restrict_vocab=30000)``) and ``lexiplug`` (``Vectors.load`` +
``lexiplug.similarity.v1`` + ``lexiplug.analogy.v1`` with ``restrict_vocab=30000``, no
bootstrap, like gensim), plus ``lexiplug_ci`` (the same with 1,000-resample bootstrap CIs on
every figure). Each row loads the same word2vec binary file and evaluates; ``seconds`` covers
both, ``eval_seconds`` the evaluation alone. ``analogy_accuracy`` and ``mean_spearman`` are
each tool's figures, which must agree.

The file: 100,000 x 300 float32 (``--quick``: 100 dims and every 4th analogy question). The
benchmarks' words (lower-cased, as gensim's case-insensitive matching sees them) sit at
random rows among the first 30,000, analogy pairs placed by a per-section offset plus noise
(so accuracy is neither 0 nor 1), the rest random filler words.

Similarity sets: the shared data's WS-353 (all/sim/rel), SimLex-999, MEN, RG-65 and MC-30
when present, else gensim's bundled WS-353 and SimLex-999.

``--threads N`` sets ``OMP_NUM_THREADS``/``OPENBLAS_NUM_THREADS``/``MKL_NUM_THREADS`` in the
measured children (on a loaded machine, idle BLAS threads spinning can dominate gensim's
one-query-at-a-time loop, so run both ways before reading the ratio).

    python bench/evaluate.py [--quick] [--json PATH] [--threads N]
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import numpy as np
from _harness import machine_note, measure_in_subprocess, parse_args, print_table, ratio, write_json

ROWS = 100_000
RESTRICT = 30_000
SHARED_SETS = ("ws353", "ws353_sim", "ws353_rel", "simlex999", "men", "rg65", "mc30")
GENSIM_SETS = ("ws353_gensim", "simlex999_gensim")


def dataset_files(every: int, folder: Path) -> tuple[list[tuple[str, Path]], Path]:
    """(similarity set name, file) pairs and the analogy file (every ``every``-th question)."""
    from lexiplug.registry import registry

    names = [n for n in SHARED_SETS if registry.datasets.get(n)().available()] or list(
        GENSIM_SETS)
    sims = [(n, registry.datasets.get(n)().paths()[0]) for n in names]
    analogy_name = ("google_analogy" if registry.datasets.get("google_analogy")().available()
                    else "google_analogy_gensim")
    questions = registry.datasets.get(analogy_name)().load()
    path = folder / "questions-words.txt"
    with open(path, "w", encoding="utf-8") as handle:
        for section, items in questions.sections:
            handle.write(f": {section}\n")
            handle.writelines(" ".join(q) + "\n" for q in items[::every])
    return sims, path


def build_vectors(sims: list[tuple[str, Path]], questions: Path, dim: int, out: Path) -> None:
    from lexiplug.evaluation.planted import plant_analogy_offsets
    from lexiplug.plugins.datasets.readers_analogy import read_analogy_questions
    from lexiplug.plugins.datasets.readers_word_pairs import read_word_pairs

    rng = np.random.default_rng(0)
    table = plant_analogy_offsets(read_analogy_questions(questions).sections, rng, dim, 1.6)
    for _, path in sims:
        for a, b in read_word_pairs(path).pairs:
            for word in (a.lower(), b.lower()):
                table.setdefault(word, rng.standard_normal(dim))
    words = sorted(table)
    if len(words) > RESTRICT:
        raise SystemExit(f"{len(words)} benchmark words do not fit in the first {RESTRICT} rows")
    keys = [f"filler{i}" for i in range(ROWS - len(words))]
    matrix = rng.standard_normal((ROWS, dim)).astype(np.float32)
    slots = rng.choice(RESTRICT, size=len(words), replace=False)
    free = np.setdiff1d(np.arange(ROWS), slots)
    order: list[str] = [""] * ROWS
    for slot, word in zip(slots, words, strict=True):
        order[slot] = word
        matrix[slot] = table[word]
    for slot, filler in zip(free, keys, strict=True):
        order[slot] = filler
    from gensim.models import KeyedVectors

    kv = KeyedVectors(dim, dtype=np.float32)
    kv.add_vectors(order, matrix)
    kv.save_word2vec_format(str(out), binary=True)


SETUP = """
import logging
logging.disable(logging.WARNING)
import numpy as np
path = {path!r}
sims = {sims!r}
questions = {questions!r}
{imports}
"""

IMPORTS = {
    "gensim": "from gensim.models import KeyedVectors\nimport scipy.stats",
    "lexiplug": (
        "from lexiplug.vectors import Vectors\n"
        "from lexiplug.plugins.evaluators.analogy import make_analogy_evaluator\n"
        "from lexiplug.plugins.evaluators.similarity import make_similarity_evaluator\n"
        "from lexiplug.plugins.datasets.readers_word_pairs import read_word_pairs\n"
        "from lexiplug.plugins.datasets.readers_analogy import read_analogy_questions\n"
        "import scipy.stats"
    ),
}

WORK = {
    "gensim": ("gensim", """
kv = KeyedVectors.load_word2vec_format(path, binary=True)
_t_eval = time.perf_counter()
spearman = [kv.evaluate_word_pairs(f, delimiter="\\t")[1][0] for _, f in sims]
accuracy = kv.evaluate_word_analogies(questions, restrict_vocab={restrict})[0]
_eval_seconds = time.perf_counter() - _t_eval
"""),
    "lexiplug": ("lexiplug", """
vectors = Vectors.load(path, format="word2vec-binary")
_t_eval = time.perf_counter()
similarity = make_similarity_evaluator(bootstrap={bootstrap})
spearman = [similarity.evaluate(vectors, read_word_pairs(f, name=n)).metrics["spearman"]
            for n, f in sims]
accuracy = make_analogy_evaluator(restrict_vocab={restrict}, bootstrap={bootstrap}).evaluate(
    vectors, read_analogy_questions(questions, name="google_analogy")).score
_eval_seconds = time.perf_counter() - _t_eval
"""),
}

EXTRA = ("{'eval_seconds': _eval_seconds, 'analogy_accuracy': float(accuracy), "
         "'mean_spearman': float(np.mean(spearman))}")


def main() -> None:
    threads = None
    if "--threads" in sys.argv:  # the shared CLI has no such flag: take it off before parsing
        at = sys.argv.index("--threads")
        threads = sys.argv[at + 1]
        del sys.argv[at : at + 2]
    args = parse_args(__doc__.splitlines()[0] if __doc__ else "")
    env = None if threads is None else {
        var: threads for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}
    dim, every = (100, 4) if args.quick else (300, 1)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        sims, questions = dataset_files(every, folder)
        path = folder / "vectors.bin"
        build_vectors(sims, questions, dim, path)
        print(f"{ROWS} x {dim} word2vec binary, {path.stat().st_size / 2**20:.0f} MiB; "
              f"similarity sets: {', '.join(n for n, _ in sims)}", flush=True)
        rows = []
        for name, tool, bootstrap in (("gensim", "gensim", 0), ("lexiplug", "lexiplug", 0),
                                      ("lexiplug_ci", "lexiplug", 1000)):
            setup = SETUP.format(path=str(path), sims=[(n, str(f)) for n, f in sims],
                                 questions=str(questions), imports=IMPORTS[tool])
            work = WORK[tool][1].format(restrict=RESTRICT, bootstrap=bootstrap)
            row = measure_in_subprocess(name, setup="import time\n" + setup, work=work,
                                        extra=EXTRA, repeat=args.repeat, env=env)
            rows.append(row)
            print(f"{name}: {row['seconds']:.2f} s (eval {row['eval_seconds']:.2f} s), peak "
                  f"{row['peak_mb']:.0f} MB, analogy {row['analogy_accuracy']:.6f}, mean "
                  f"spearman {row['mean_spearman']:.6f}", flush=True)
    print(f"\n{machine_note()}; BLAS/OpenMP threads: {threads or 'library default'}\n")
    print_table(rows, metrics=["seconds", "eval_seconds", "peak_mb", "analogy_accuracy",
                               "mean_spearman"], baseline="gensim")
    base, ours = rows[0], rows[1]
    same = (abs(base["analogy_accuracy"] - ours["analogy_accuracy"]) < 1e-9
            and abs(base["mean_spearman"] - ours["mean_spearman"]) < 1e-9)
    print(f"lexiplug: {ratio(ours, base, 'seconds'):.2f}x gensim's speed (load + evaluate), "
          f"{ratio(ours, base, 'eval_seconds'):.2f}x on evaluation alone; same figures as "
          f"gensim: {same}")
    write_json(rows, args.json)


if __name__ == "__main__":
    main()
