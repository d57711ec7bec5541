"""Static embedders on the lower-cased Gutenberg corpus, side by side with plain gensim.

    python bench/static.py [--quick] [--json PATH] [--rows glove,ppmi_svd]

Every row trains in a fresh subprocess from the same pre-tokenised, lower-cased file (built
once, not timed): ``seconds`` is the whole train call, reading and encoding included, and
``peak_mb`` the child's max RSS, ``cpu_seconds`` the CPU time of the work (all threads;
less sensitive than wall time to other load on a shared machine). Settings (issue 3):
dim 100, window 5 (GloVe 10, Bit-cipher 6), min_count 5, 2 workers. ``bitcipher`` is a
1000-bit cipher projected to 100 dimensions, ``bitcipher_raw`` the 100-bit cipher as it is.
The vectors are then scored with the registered evaluators on WS353, SimLex-999, MEN, RG65,
MC30, WS353 sim/rel (Spearman, and their mean ``similarity_mean``) and the Google analogies
(3CosAdd accuracy), each with its coverage. ``--quick`` uses the first quarter of the corpus
and fewer epochs.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
from _harness import machine_note, measure_in_subprocess, parse_args, print_table, ratio, write_json

CORPUS = "corpora/gutenberg-nltk"
SIMILARITY_SETS = ("ws353", "simlex999", "men", "rg65", "mc30", "ws353_sim", "ws353_rel")
ANALOGY_SET = "google_analogy"
METRICS = ["seconds", "cpu_seconds", "peak_mb", *SIMILARITY_SETS, "similarity_mean", "analogy"]

_DUMP = """
import numpy as _np
import time as _time
def _dump(keys, matrix, counts=None):
    cpu = _time.process_time() - _CPU0
    with open(DUMP + ".keys", "w", encoding="utf-8") as _fh:
        _fh.write("\\n".join(keys))
    _np.save(DUMP + ".npy", _np.asarray(matrix, dtype=_np.float32))
    return {"cpu_seconds": round(cpu, 2)}
"""
_CPU_START = "_CPU0 = _time.process_time()\n"  # last line of setup: CPU of the work only

_OURS_SETUP = """
from lexiplug.corpus.reader import text_file_corpus
from lexiplug.registry import registry
factory = registry.embedders.get(NAME)
"""
_OURS_WORK = """
corpus = text_file_corpus(PATH, pretokenized=True)
vectors = factory(progress=False, **KWARGS).fit(corpus)
"""

_GENSIM_SETUP = "from gensim.models import Word2Vec\n"
# The gensim row imports gensim before the clock starts; so do our gensim-engine rows, so both
# time the train call and neither the one-off module import (about 1 s).
_GENSIM_ENGINE = ("lexiplug.word2vec.v1", "lexiplug.fasttext.v1")
_GENSIM_WORK = "model = Word2Vec(corpus_file=PATH, **KWARGS)\n"


def row_specs(quick: bool) -> dict[str, tuple[str, dict[str, Any]]]:
    """Row name -> (embedder name or 'gensim', keyword arguments)."""
    epochs = 2 if quick else 5
    sgns = {"vector_size": 100, "window": 5, "min_count": 5, "sg": 1, "negative": 5,
            "sample": 1e-3, "epochs": epochs, "workers": 2, "seed": 1}
    return {
        "gensim_word2vec": ("gensim", sgns),
        "word2vec": ("lexiplug.word2vec.v1", sgns),
        "fasttext": ("lexiplug.fasttext.v1", sgns),
        # glove.c's algorithm with its Hogwild threads (2, as every row); x_max 10 as glove's
        # demo.sh passes it
        "glove": ("lexiplug.glove.v1", {"vector_size": 100, "window": 10, "min_count": 5,
                                        "x_max": 10.0, "epochs": 5 if quick else 15,
                                        "workers": 2}),
        "ppmi_svd": ("lexiplug.ppmi_svd.v1", {"vector_size": 100, "window": 5,
                                              "min_count": 5}),
        # 1000-bit cipher (the paper's largest size) projected to dim 100 by truncated SVD
        "bitcipher": ("lexiplug.bitcipher.v1", {"bits": 1000, "dim": 100, "window": 6,
                                                "min_count": 5}),
        # the paper's construction at the width: b = 100 bits, no projection
        "bitcipher_raw": ("lexiplug.bitcipher.v1", {"bits": 100, "dim": None, "window": 6,
                                                    "min_count": 5}),
    }


def prepare_corpus(folder: Path, quick: bool) -> Path:
    """One lower-cased, pre-tokenised file (sentence a line) from the Gutenberg folder."""
    from lexiplug.data.resolver import resolve_data_path

    source = resolve_data_path(CORPUS)
    target = folder / "gutenberg_lower.txt"
    lines: list[str] = []
    for path in sorted(source.glob("*.txt")):
        lines.extend(path.read_text(encoding="utf-8").lower().splitlines())
    if quick:
        lines = lines[: len(lines) // 4]
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return target


def train_row(name: str, engine: str, kwargs: dict[str, Any], corpus: Path,
              dump: Path, repeat: int = 1) -> dict[str, Any]:
    constants = f"PATH = {str(corpus)!r}\nKWARGS = {kwargs!r}\nDUMP = {str(dump)!r}\n"
    if engine == "gensim":
        setup = constants + _DUMP + _GENSIM_SETUP + _CPU_START
        work, extra = _GENSIM_WORK, "_dump(model.wv.index_to_key, model.wv.vectors)"
    else:
        preimport = _GENSIM_SETUP if engine in _GENSIM_ENGINE else ""
        setup = constants + f"NAME = {engine!r}\n" + _DUMP + _OURS_SETUP + preimport + _CPU_START
        work, extra = _OURS_WORK, "_dump(vectors.keys, vectors.matrix)"
    env = {"PYTHONHASHSEED": "0", "TQDM_DISABLE": "1"}
    return measure_in_subprocess(name, setup=setup, work=work, extra=extra, env=env,
                                 repeat=repeat)


def score(dump: Path) -> dict[str, float | None]:
    """Spearman on the similarity sets and 3CosAdd accuracy, each with its coverage."""
    from lexiplug.registry import registry
    from lexiplug.vectors import Vectors

    keys = Path(str(dump) + ".keys").read_text(encoding="utf-8").split("\n")
    vectors = Vectors(keys, np.load(str(dump) + ".npy"))
    similarity = registry.evaluators.get("lexiplug.similarity.v1")(bootstrap=0)
    analogy = registry.evaluators.get("lexiplug.analogy.v1")(bootstrap=0)
    scores: dict[str, float | None] = {}
    for dataset in SIMILARITY_SETS:
        result = similarity.evaluate(vectors, dataset)
        value = result.metrics[result.primary]  # None when too few pairs are covered
        scores[dataset] = None if value is None else round(float(value), 4)
        scores[f"{dataset}_coverage"] = round(result.n_covered / result.n_items, 4)
    scored = [v for d in SIMILARITY_SETS if (v := scores[d]) is not None]
    scores["similarity_mean"] = round(float(np.mean(scored)), 4) if scored else None
    result = analogy.evaluate(vectors, ANALOGY_SET)
    scores["analogy"] = round(float(result.metrics[result.primary]), 4)
    scores["analogy_coverage"] = round(result.n_covered / result.n_items, 4)
    return scores


def main() -> None:
    parser_args = [arg for arg in sys.argv[1:] if not arg.startswith("--rows")]
    rows_arg = next((arg.split("=", 1)[1] for arg in sys.argv[1:] if arg.startswith("--rows=")),
                    None)
    args = parse_args("Static embedders vs gensim on Gutenberg", parser_args)
    specs = row_specs(args.quick)
    wanted = rows_arg.split(",") if rows_arg else list(specs)
    rows = []
    with tempfile.TemporaryDirectory(prefix="lexiplug-bench-static-") as folder:
        corpus = prepare_corpus(Path(folder), args.quick)
        for name in wanted:
            engine, kwargs = specs[name]
            dump = Path(folder) / name
            row = train_row(name, engine, kwargs, corpus, dump, repeat=args.repeat)
            row.update(score(dump))
            rows.append(row)
            print(f"{name}: {row['seconds']:.1f} s, MEN {row['men']}", flush=True)
    print(machine_note())
    print_table(rows, metrics=[*METRICS, "men_coverage", "analogy_coverage"],
                baseline="gensim_word2vec" if "gensim_word2vec" in wanted else None)
    base = next((r for r in rows if r["name"] == "gensim_word2vec"), None)
    ours = next((r for r in rows if r["name"] == "word2vec"), None)
    if base and ours:
        print(f"word2vec time / gensim time = {1 / ratio(ours, base, 'seconds'):.3f}")
    write_json(rows, args.json)


if __name__ == "__main__":
    main()
