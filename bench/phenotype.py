"""Cancer phenotyping: TF-IDF + logistic regression vs the MT-CNN (random, word2vec and
KG-retrofitted word2vec embeddings), 5-fold patient-level cross-validation.

    python bench/phenotype.py [--quick] [--json PATH] [--eval FILE] [--only-folds I,J]

Datasets: ``tcga`` (PathRep-Bench val.csv: ``type_code``, ``stage_overall`` with missing
labels) and ``generated`` (six-task reports from the SEER / ICD-O-3 tables). One row per
model, dataset and task: ``micro_f1``/``macro_f1`` (fold mean) with ``*_sd`` (fold sd) and
``reports_per_s`` (prediction). word2vec is trained once per dataset on all its report texts
(no labels); ``mtcnn_kg`` retrofits those vectors to the ``seer_icdo3_graph`` word graph and
``mtcnn_word2vec`` gets the same vectors unit-normalised (retrofitting normalises), so the
graph is the only difference. ``mtcnn_kg_abbrev`` retrofits to that graph joined with the
abbreviations the reports define (Schwartz & Hearst; the shared tables hold no morphology
term list); ``mtcnn_word2vec_balanced`` is ``mtcnn_word2vec`` with the loss weighted by
inverse class frequency (``class_weighting = "balanced"``), and ``mtcnn_kg_balanced`` /
``mtcnn_kg_abbrev_balanced`` are the KG rows so weighted (compared with the weighted word2vec
row, so the graph stays the only difference). ``--models`` picks rows.
``--eval FILE``: train on val.csv less every patient that
appears in FILE, score FILE (same columns). MT-CNN training: Adam, early stopping on the
loss of an inner dev split carved from the training folds (best epoch kept). ``--quick``:
smaller network, at most 1,500 tokens per window, at most 15 epochs, 3 folds.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from _harness import machine_note, write_json

TCGA = "pathology/pathrep-bench-tcga/val.csv"
TCGA_TASKS = ("type_code", "stage_overall")
MODELS = ("tfidf_lr", "mtcnn_random", "mtcnn_word2vec", "mtcnn_kg", "mtcnn_kg_abbrev",
          "mtcnn_word2vec_balanced", "mtcnn_kg_balanced", "mtcnn_kg_abbrev_balanced")
# the row each extension is compared with (paired over folds)
EFFECTS = {"mtcnn_kg": "mtcnn_word2vec", "mtcnn_kg_abbrev": "mtcnn_word2vec",
           "mtcnn_word2vec_balanced": "mtcnn_word2vec",
           "mtcnn_kg_balanced": "mtcnn_word2vec_balanced",
           "mtcnn_kg_abbrev_balanced": "mtcnn_word2vec_balanced"}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--eval", type=Path, default=None, help="score this CSV after "
                        "training on all of val.csv")
    parser.add_argument("--folds", type=int, default=None,
                        help="cross-validation folds (default 5; 3 with --quick)")
    parser.add_argument("--datasets", default="tcga,generated")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="override one setting of the chosen size (repeatable), e.g. "
                        "--set filters=128 --set embed_width=128")
    parser.add_argument("--models", default=",".join(MODELS),
                        help=f"comma-separated rows to run (default all: {', '.join(MODELS)})")
    parser.add_argument("--only-folds", default=None, metavar="I,J",
                        help="run only these fold indices (0-based; the same splits), e.g. to "
                        "run folds in parallel processes: each fold seeds torch with its index, "
                        "so a fold scores the same alone as in a full run")
    parser.add_argument("--verbose", action="store_true",
                        help="print each MT-CNN epoch's dev loss and seconds (to size a run)")
    args = parser.parse_args()
    args.models = tuple(m.strip() for m in args.models.split(",") if m.strip())
    try:
        args.only_folds = (None if args.only_folds is None else
                           tuple(int(f) for f in args.only_folds.split(",") if f.strip()))
    except ValueError:
        parser.error(f"--only-folds: expected comma-separated fold indices, found "
                     f"{args.only_folds!r}")
    unknown = sorted(set(args.models) - set(MODELS))
    if unknown:
        parser.error(f"--models: unknown rows {unknown}; expected some of {list(MODELS)}")
    return args


def with_overrides(cfg: dict[str, Any], overrides: list[str]) -> dict[str, Any]:
    """``cfg`` with each ``KEY=VALUE`` applied, the value parsed as the setting's own type."""
    cfg = dict(cfg)
    for item in overrides:
        key, sep, value = item.partition("=")
        if not sep or key not in cfg:
            raise SystemExit(f"--set {item!r}: expected KEY=VALUE with KEY one of {sorted(cfg)}")
        cfg[key] = type(cfg[key])(value)
    return cfg


def settings(quick: bool) -> dict[str, Any]:
    shared = {"batch_size": 16, "dev_fraction": 0.15, "grad_clip": 1.0, "dropout": 0.5,
              "min_count": 2, "embeddings_scale": 20.0}
    if quick:
        return {**shared, "embed_width": 48, "filters": 32, "max_length": 1500,
                "max_epochs": 15, "patience": 3, "learn_rate": 0.01,
                "generated_patients": 250, "w2v_epochs": 5, "folds": 3}
    return {**shared, "embed_width": 300, "filters": 300, "max_length": 3000,
            "max_epochs": 30, "patience": 5, "learn_rate": 0.001,
            "generated_patients": 600, "w2v_epochs": 10, "folds": 5}


# -- data ------------------------------------------------------------------------------------

def load_dataset(name: str, cfg: dict[str, Any], path: Path | None = None
                 ) -> tuple[list[dict[str, Any]], tuple[str, ...]]:
    from lexiplug.plugins.tasks.phenotype.prepare import load_reports

    if name == "generated":
        from lexiplug.plugins.tasks.phenotype.generate import TASKS, generate_reports

        raw = generate_reports(cfg["generated_patients"], seed=0)
        return ([{"text": r["text"], "group": r["patient_id"],
                  "labels": {t: r[t] for t in TASKS}} for r in raw], TASKS)
    from lexiplug.data.resolver import resolve_data_path

    source = path or resolve_data_path(TCGA)
    return load_reports([source], "text", TCGA_TASKS, "bcr_patient_barcode"), TCGA_TASKS


def docs_of(nlp: Any, reports: list[dict[str, Any]]) -> list[Any]:
    from lexiplug.plugins.tasks.phenotype.prepare import label_vocabulary, make_docs

    return make_docs(nlp, reports, label_vocabulary(reports))


def folds(reports: list[dict[str, Any]], task: str, k: int) -> list[tuple[np.ndarray, ...]]:
    """Patient-level folds, stratified on the first task where it is labelled."""
    from sklearn.model_selection import StratifiedGroupKFold

    y = [r["labels"][task] or "?" for r in reports]
    groups = [r["group"] for r in reports]
    splitter = StratifiedGroupKFold(n_splits=k, shuffle=True, random_state=0)
    return list(splitter.split(np.zeros(len(y)), y, groups))


# -- embeddings ------------------------------------------------------------------------------

def embedding_files(docs: list[Any], cfg: dict[str, Any], folder: Path) -> dict[str, Any]:
    """word2vec on the reports' lower-cased tokens, unit-normalised, and its retrofit to the
    SEER / ICD-O-3 word graph; saved natively for ``@misc lexiplug.vectors.v1``."""
    from lexiplug.corpus.encoded import encode_sentences
    from lexiplug.registry import registry
    from lexiplug.vectors.io import save_vectors

    corpus = encode_sentences(([t.lower_ for t in doc if not t.is_space] for doc in docs),
                              min_count=2)
    w2v = registry.embedders.get("lexiplug.word2vec.v1")(
        vector_size=cfg["embed_width"], min_count=2, epochs=cfg["w2v_epochs"], workers=1,
        seed=1, progress=False).fit(corpus)
    plain = w2v.normalized()
    retrofit = registry.transforms.get("lexiplug.retrofit.v1")
    kg = retrofit(graph="seer_icdo3_graph").apply(w2v)
    kg_abbrev = retrofit(graph=str(abbreviation_graph_file(docs, folder))).apply(w2v)
    tokens = [t.lower_ for doc in docs for t in doc]
    coverage = {name: graph_coverage(table, plain, tokens)
                for name, table in (("kg", kg), ("kg_abbrev", kg_abbrev))}
    return {"word2vec": str(save_vectors(plain, folder / "word2vec")),
            "kg": str(save_vectors(kg, folder / "kg")),
            "kg_abbrev": str(save_vectors(kg_abbrev, folder / "kg_abbrev")),
            "coverage": coverage}


def abbreviation_graph_file(docs: list[Any], folder: Path) -> Path:
    """The SEER / ICD-O-3 word graph joined with the abbreviations the reports define
    (Schwartz & Hearst, each definition seen at least twice), as a TSV edge list."""
    from lexiplug.plugins.tasks.phenotype.abbreviations import (
        abbreviation_graph,
        find_abbreviations,
        joined,
    )
    from lexiplug.registry import registry

    found = find_abbreviations((doc.text for doc in docs), min_count=2)
    print(f"  {len(found)} abbreviations defined in the reports: "
          + ", ".join(f"{k}={v}" for k, v in list(found.items())[:12]) + " ...", flush=True)
    seer = registry.datasets.get("seer_icdo3_graph")().load()
    graph = joined(seer, abbreviation_graph(found), "seer_icdo3_graph+report_abbreviations")
    folder.mkdir(parents=True, exist_ok=True)
    return graph.write_tsv(folder / "kg_abbrev.tsv")


def graph_coverage(retrofitted: Any, plain: Any, tokens: list[str]) -> dict[str, Any]:
    """How much of the vocabulary and of the running text the graph moved."""
    info = retrofitted.metadata["retrofit"]
    moved = set(np.asarray(retrofitted.keys)[
        np.any(retrofitted.matrix != plain.matrix, axis=1)].tolist())
    return {"graph_words": info["n_graph_words"], "graph_words_in_vocab": info["n_updated"],
            "vocab": len(retrofitted.keys),
            "vocab_share_moved": round(len(moved) / len(retrofitted.keys), 4),
            "token_share_moved": round(sum(t in moved for t in tokens) / max(len(tokens), 1), 4),
            "edges_used": info["n_edges_used"]}


# -- models ----------------------------------------------------------------------------------

def length_batches(lengths: np.ndarray, size: int, rng: np.random.Generator
                   ) -> list[np.ndarray]:
    """Batches of documents of similar length (less padding in the convolutions), in a
    random order; which documents share a batch also varies by epoch (jittered sort)."""
    jitter = rng.random(lengths.shape[0]) * 0.5 + 0.75
    order = np.argsort(lengths * jitter, kind="stable")
    batches = [order[i:i + size] for i in range(0, order.shape[0], size)]
    return [batches[i] for i in rng.permutation(len(batches))]


def dev_loss(nlp: Any, examples: list[Any]) -> float:
    """Summed per-task mean cross-entropy on held-out examples (masked like training)."""
    from lexiplug.plugins.tasks.phenotype.component import masked_cross_entropy

    pipe = nlp.get_pipe("phenotype")
    logits = np.concatenate([pipe.predict([eg.predicted for eg in examples[i:i + 32]])
                             for i in range(0, len(examples), 32)])
    sizes = [len(v) for v in pipe.label_data.values()]
    loss, _ = masked_cross_entropy(logits, pipe.gold_matrix(examples), sizes,
                                   pipe.cfg.get("class_weights"))
    return loss


def train_mtcnn(train_docs: list[Any], groups: list[str], cfg: dict[str, Any],
                vectors: str | None, tasks: tuple[str, ...],
                class_weighting: str = "none") -> Any:
    """Adam (docs/phenotype.md), length-bucketed batches, early stopping on the loss of an inner
    dev split (``dev_fraction`` of the training patients, never the test fold); the weights
    of the best dev epoch are kept."""
    import spacy
    from lexiplug.plugins.tasks.phenotype.prepare import split_groups
    from spacy.training import Example
    from thinc.api import Adam

    nlp = spacy.blank("en")
    model: dict[str, Any] = {
        "@architectures": "lexiplug.MTCNN.v1", "embed_width": cfg["embed_width"],
        "filters": cfg["filters"], "max_length": cfg["max_length"], "seed": 0,
        "embeddings_scale": cfg["embeddings_scale"], "dropout": cfg["dropout"],
        "pretrained": {"@misc": "lexiplug.vectors.v1", "name_or_path": vectors},
    }
    nlp.add_pipe("lexiplug_phenotype", name="phenotype",
                 config={"model": model, "tasks": list(tasks), "min_count": cfg["min_count"],
                         "class_weighting": class_weighting})
    is_dev = split_groups(groups, cfg["dev_fraction"], seed=0)
    examples = [Example(nlp.make_doc(d.text), d) for d in train_docs]
    fit = [eg for eg, dev in zip(examples, is_dev, strict=True) if not dev]
    held = [eg for eg, dev in zip(examples, is_dev, strict=True) if dev]
    nlp.initialize(lambda: fit)
    pipe = nlp.get_pipe("phenotype")
    optimizer = Adam(cfg["learn_rate"], L2=0.0, grad_clip=cfg["grad_clip"],
                     use_averages=False)
    lengths = np.array([len(eg.predicted) for eg in fit])
    rng = np.random.default_rng(0)
    best, best_loss, waited = pipe.model.to_bytes(), float("inf"), 0
    started = time.perf_counter()
    for epoch in range(cfg["max_epochs"]):
        for batch in length_batches(lengths, cfg["batch_size"], rng):
            nlp.update([fit[i] for i in batch], sgd=optimizer)
        loss = dev_loss(nlp, held) if held else 0.0
        if cfg.get("verbose"):
            print(f"    epoch {epoch + 1}: dev loss {loss:.4f} "
                  f"({time.perf_counter() - started:.0f} s of training)", flush=True)
        if loss < best_loss - 1e-4:
            best, best_loss, waited = pipe.model.to_bytes(), loss, 0
        else:
            waited += 1
            if waited >= cfg["patience"]:
                break
    pipe.model.from_bytes(best)
    return nlp


def predict_mtcnn(nlp: Any, docs: list[Any], tasks: tuple[str, ...]
                  ) -> tuple[dict[str, list[str]], float]:
    pipe = nlp.get_pipe("phenotype")
    fresh = [nlp.make_doc(d.text) for d in docs]
    start = time.perf_counter()
    out = list(pipe.pipe(fresh, batch_size=32))
    seconds = time.perf_counter() - start
    return {t: [d._.phenotype[t][0] for d in out] for t in tasks}, len(docs) / seconds


def tfidf_lr(train: list[dict[str, Any]], test: list[dict[str, Any]], tasks: tuple[str, ...]
             ) -> tuple[dict[str, list[str]], float]:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    vectorizer = TfidfVectorizer(lowercase=True, min_df=2, sublinear_tf=True,
                                 ngram_range=(1, 2), max_features=100_000)
    x_train = vectorizer.fit_transform([r["text"] for r in train])
    models = {}
    for task in tasks:
        rows = [i for i, r in enumerate(train) if r["labels"][task] is not None]
        models[task] = LogisticRegression(max_iter=2000, C=10.0).fit(
            x_train[rows], [train[i]["labels"][task] for i in rows])
    start = time.perf_counter()
    x_test = vectorizer.transform([r["text"] for r in test])
    predictions = {task: models[task].predict(x_test).tolist() for task in tasks}
    return predictions, len(test) / (time.perf_counter() - start)


# -- evaluation ------------------------------------------------------------------------------

def scores(test: list[dict[str, Any]], predictions: dict[str, list[str]],
           tasks: tuple[str, ...]) -> dict[str, dict[str, float]]:
    from lexiplug.plugins.tasks.phenotype.scorer import score_label_lists

    per_task = {}
    for task in tasks:
        keep = [i for i, r in enumerate(test) if r["labels"][task] is not None]
        per_task[task] = ([test[i]["labels"][task] for i in keep],
                          [str(predictions[task][i]) for i in keep])
    return score_label_lists(per_task)["phenotype_per_task"]


def run_split(name: str, train_idx: np.ndarray, test_idx: np.ndarray, reports: list[dict],
              docs: list[Any], tasks: tuple[str, ...], cfg: dict[str, Any],
              vectors: dict[str, Any]) -> tuple[dict[str, dict[str, float]], float]:
    train = [reports[i] for i in train_idx]
    test = [reports[i] for i in test_idx]
    if name == "tfidf_lr":
        predictions, speed = tfidf_lr(train, test, tasks)
    else:
        base = name.removesuffix("_balanced")
        source = {"mtcnn_random": None, "mtcnn_word2vec": vectors["word2vec"],
                  "mtcnn_kg": vectors["kg"], "mtcnn_kg_abbrev": vectors["kg_abbrev"]}[base]
        weighting = "balanced" if base != name else "none"
        nlp = train_mtcnn([docs[i] for i in train_idx], [reports[i]["group"] for i in train_idx],
                          cfg, source, tasks, class_weighting=weighting)
        predictions, speed = predict_mtcnn(nlp, [docs[i] for i in test_idx], tasks)
    return scores(test, predictions, tasks), speed


def cross_validate(dataset: str, cfg: dict[str, Any], k: int, folder: Path,
                   models: tuple[str, ...] = MODELS, only: tuple[int, ...] | None = None
                   ) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Every model on each of ``k`` patient-level folds (``only``: just those fold indices).
    torch is seeded with the fold index before each fold's models, so a fold's scores do not
    depend on which folds ran before it in the process."""
    import spacy
    import torch

    reports, tasks = load_dataset(dataset, cfg)
    docs = docs_of(spacy.blank("en"), reports)
    vectors = embedding_files(docs, cfg, folder / dataset)
    print(f"{dataset}: {len(reports)} reports, tasks {tasks}; KG coverage {vectors['coverage']}",
          flush=True)
    splits = folds(reports, tasks[0], k)
    outside = sorted(set(only or ()) - set(range(k)))
    if outside:
        raise SystemExit(f"--only-folds: {outside} not among the {k} folds (0..{k - 1})")
    ran: list[int] = []
    per_fold: dict[str, list[dict[str, dict[str, float]]]] = {m: [] for m in models}
    speeds: dict[str, list[float]] = {m: [] for m in models}
    for f, (train_idx, test_idx) in enumerate(splits):
        if only is not None and f not in only:
            continue
        ran.append(f)
        for model in models:
            torch.manual_seed(f)
            start = time.perf_counter()
            table, speed = run_split(model, train_idx, test_idx, reports, docs, tasks, cfg,
                                     vectors)
            per_fold[model].append(table)
            speeds[model].append(speed)
            summary = ", ".join(f"{t} {table[t]['micro_f']:.3f}/{table[t]['macro_f']:.3f}"
                                for t in tasks)
            print(f"  fold {f} {model}: {summary} ({time.perf_counter() - start:.0f} s)",
                  flush=True)
    rows = []
    for model in models:
        for task in tasks:
            micro = [t[task]["micro_f"] for t in per_fold[model]]
            macro = [t[task]["macro_f"] for t in per_fold[model]]
            rows.append({"name": model, "dataset": dataset, "task": task,
                         "micro_f1": float(np.mean(micro)), "micro_f1_sd": _sd(micro),
                         "macro_f1": float(np.mean(macro)), "macro_f1_sd": _sd(macro),
                         "reports_per_s": float(np.median(speeds[model])), "n_folds": len(ran),
                         "folds": ran, "micro_f1_folds": micro, "macro_f1_folds": macro})
    return rows, vectors["coverage"]


def _sd(values: list[float]) -> float:
    return float(np.std(values, ddof=1)) if len(values) > 1 else float("nan")


def effects(rows: list[dict[str, Any]]) -> list[str]:
    """Each extension row (``EFFECTS``) minus its base row per dataset/task, paired over
    folds: mean, and whether it exceeds two standard errors of the paired fold differences."""
    lines = []
    for row in (r for r in rows if r["name"] in EFFECTS):
        base = next((r for r in rows if r["name"] == EFFECTS[row["name"]]
                     and r["dataset"] == row["dataset"] and r["task"] == row["task"]), None)
        if base is None:
            continue
        label = f"{row['name']} - {base['name']} {row['dataset']}/{row['task']}"
        for metric in ("micro_f1", "macro_f1"):
            diff = np.asarray(row[f"{metric}_folds"]) - np.asarray(base[f"{metric}_folds"])
            if diff.size < 2:
                lines.append(f"{label} {metric}: {diff.mean():+.4f} "
                             "(one split: no noise estimate)")
                continue
            se = diff.std(ddof=1) / np.sqrt(diff.size)
            verdict = "beyond fold noise" if abs(diff.mean()) > 2 * se else "within fold noise"
            lines.append(f"{label} {metric}: {diff.mean():+.4f} (paired se {se:.4f}; {verdict})")
    return lines


def evaluate_file(path: Path, cfg: dict[str, Any], folder: Path,
                  models: tuple[str, ...] = MODELS) -> list[dict[str, Any]]:
    import spacy

    train, tasks = load_dataset("tcga", cfg)
    test, _ = load_dataset("tcga", cfg, path)
    held_out = {r["group"] for r in test}
    train = [r for r in train if r["group"] not in held_out]  # no patient on both sides
    print(f"eval: training on {len(train)} val.csv reports (patients of {path.name} left "
          f"out), scoring {len(test)} reports", flush=True)
    nlp = spacy.blank("en")
    docs = docs_of(nlp, train + test)
    vectors = embedding_files(docs[:len(train)], cfg, folder / "eval")
    train_idx = np.arange(len(train))
    test_idx = np.arange(len(train), len(train) + len(test))
    rows = []
    for model in models:
        table, speed = run_split(model, train_idx, test_idx, train + test, docs, tasks, cfg,
                                 vectors)
        for task in tasks:
            rows.append({"name": model, "dataset": f"eval:{path.name}", "task": task,
                         "micro_f1": table[task]["micro_f"], "macro_f1": table[task]["macro_f"],
                         "reports_per_s": speed, "n_folds": 1,
                         "micro_f1_folds": [table[task]["micro_f"]],
                         "macro_f1_folds": [table[task]["macro_f"]]})
    return rows


def print_rows(rows: list[dict[str, Any]]) -> None:
    print("| dataset | task | model | micro_f1 | sd | macro_f1 | sd | reports/s |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['dataset']} | {r['task']} | {r['name']} | {r['micro_f1']:.3f} | "
              f"{r.get('micro_f1_sd', float('nan')):.3f} | {r['macro_f1']:.3f} | "
              f"{r.get('macro_f1_sd', float('nan')):.3f} | {r['reports_per_s']:.0f} |")


def main() -> None:
    args = parse_args()
    cfg = with_overrides(settings(args.quick), args.set) | {"verbose": args.verbose}
    import torch

    torch.manual_seed(0)
    torch.set_num_threads(1)  # far faster on a loaded 2-core VM
    print(machine_note())
    print(f"settings: {cfg}")
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        if args.eval is not None:
            rows = evaluate_file(args.eval, cfg, Path(tmp), args.models)
        else:
            for dataset in [d.strip() for d in args.datasets.split(",") if d.strip()]:
                dataset_rows, _ = cross_validate(dataset, cfg, args.folds or cfg["folds"],
                                                 Path(tmp), args.models, args.only_folds)
                rows.extend(dataset_rows)
    print_rows(rows)
    print("\nEffects (paired over folds):")
    for line in effects(rows):
        print("  " + line)
    write_json(rows, args.json)


if __name__ == "__main__":
    main()
