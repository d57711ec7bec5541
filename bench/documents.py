"""Document embeddings on 20 Newsgroups: binary-code retrieval and RCNN classification.

Retrieval (train documents are the database, dev documents, or ``--eval`` test documents,
the queries; relevant = same newsgroup): rows ``doc2vec_dbow`` (gensim PV-DBOW, cosine),
``pv_dbow_sign_{32,128}`` (that PV-DBOW binarised by a random rotation), ``tfidf_autoencoder_
{32,128}``, ``binary_pv_dbow_{32,128}``, ``binary_pv_dm_128``, ``real_binary_pv_dbow`` (32-bit
Hamming filter of 100 candidates, then cosine on its 128-d real vector) and ``tfidf_cosine``,
each with ``map``, ``ndcg10``, ``p100``, ``bits``, ``fit_s``, ``query_ms`` (ranking one query
against the database, inference excluded) and ``infer_ms``; the Real-Binary row also has the
MAP of its real vector alone and at re-rank depths of 5/25/50% of the database; then
``speed_hamming_128`` vs ``speed_cosine_128d`` on equal random databases; then ``fit_s`` of
``binary_pv_dbow_128`` and ``doc2vec_dbow`` on 25/50/100% of the corpus (``linear_*``).
``--part realbinary`` (not in ``all``) traces the Real-Binary filter (candidates / Hamming
radius) against MAP and query time and chooses it on tuning queries carved from train.

Classification (Lai et al.'s 4 major groups and all 20): rows ``rcnn`` (lexiplug.RCNN.v1 in
spaCy's textcat), ``spacy_bow`` and ``spacy_ensemble`` (spaCy's stock architectures) and
``tfidf_lr`` (scikit-learn), with ``macro_f1``, ``accuracy`` and ``docs_per_s`` (prediction);
the number of epochs (and C of the LR) is chosen on a dev split carved from train. The RCNN's
rows start from 50-d skip-gram vectors trained on the training documents (gensim; Lai et al.
used skip-gram vectors too) and read the first ``--rcnn-max-length`` tokens of a document;
with ``--checkpoint-dir`` each epoch is saved and a rerun resumes, and every new best-on-dev
epoch prints its row (``ROW {...}``), so a run stopped early still reports.

    python bench/documents.py [--quick] [--json PATH] [--eval TEST.tar.gz] [--part NAME]
        [--rows NAMES] [--groups major4,all20] [--models rcnn,...] [--checkpoint-dir DIR]
        [--batch-tokens N]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

import numpy as np
from _harness import machine_note, print_table, write_json

QUICK = {"db_docs": 2000, "queries": 300, "d2v_epochs": 8, "bpv_epochs": 4, "ae_epochs": 8,
         "cls_train": 400, "cls_eval": 200, "cls_epochs": 2, "groups": ("major4",),
         "speed_db": 20000, "linear_docs": 1200}
FULL = {"db_docs": None, "queries": None, "d2v_epochs": 20, "bpv_epochs": 10, "ae_epochs": 30,
        "cls_train": None, "cls_eval": None, "cls_epochs": 6, "groups": ("major4", "all20"),
        "speed_db": 100000, "linear_docs": None}


# Real-Binary re-rank depths reported beside the 100-candidate row, in % of the database
RERANK_PERCENTS = (5, 25, 50)


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, a few minutes")
    parser.add_argument("--json", type=Path, default=None, help="write the rows as JSON here")
    parser.add_argument("--eval", type=Path, default=None,
                        help="a test archive (20news-bydate-test.tar.gz) to score on")
    parser.add_argument("--part", choices=("all", "retrieval", "speed", "linear",
                                           "classification", "realbinary"), default="all",
                        help="realbinary (not in all): Real-Binary filter depth vs MAP and "
                             "query time, the filter chosen on tuning queries from train")
    parser.add_argument("--cls-train", type=int, default=None,
                        help="classification: train documents (default: by --quick)")
    parser.add_argument("--cls-epochs", type=int, default=None,
                        help="classification: most epochs (the best on dev is kept)")
    parser.add_argument("--models", default="spacy_bow,spacy_ensemble,rcnn",
                        help="classification: the spaCy rows to train (tfidf_lr always runs)")
    parser.add_argument("--rcnn-lr", type=float, default=0.002, help="RCNN Adam learn rate")
    parser.add_argument("--rcnn-max-length", type=int, default=400,
                        help="RCNN: tokens kept per document (the rest is cut)")
    parser.add_argument("--batch-tokens", type=int, default=None,
                        help="classification: most tokens in one training batch of 32 "
                             "documents (long documents go in smaller batches); bounds memory")
    parser.add_argument("--rcnn-vectors", choices=("word2vec", "none"), default="word2vec",
                        help="RCNN: rows initialised from skip-gram vectors trained on the "
                             "training documents (Lai et al.'s setting), or random")
    parser.add_argument("--groups", default=None,
                        help="classification: comma-separated subsets (major4, all20)")
    parser.add_argument("--rows", default=None,
                        help="retrieval: comma-separated row names to run (default: all)")
    parser.add_argument("--no-tfidf", action="store_true",
                        help="classification: leave out the tfidf_lr row")
    parser.add_argument("--checkpoint-dir", type=Path, default=None,
                        help="classification: a checkpoint per model and epoch here; a rerun "
                             "resumes after the last finished epoch")
    return parser.parse_args()


def sample(documents: list[Any], n: int | None, seed: int) -> list[Any]:
    if n is None or n >= len(documents):
        return documents
    keep = np.sort(np.random.default_rng(seed).permutation(len(documents))[:n])
    return [documents[i] for i in keep]


def splits(eval_path: Path | None, subset: str = "all20") -> tuple[list[Any], list[Any]]:
    """(train documents without the dev part, query/eval documents)."""
    from lexiplug.data.resolver import resolve_data_path
    from lexiplug.plugins.documents.datasets import read_labelled_documents
    from lexiplug.plugins.documents.newsgroups import TRAIN_FILE

    train_path = resolve_data_path(TRAIN_FILE)
    if eval_path is not None:
        return (read_labelled_documents(train_path, split="all", subset=subset),
                read_labelled_documents(eval_path, split="all", subset=subset))
    return (read_labelled_documents(train_path, split="train", subset=subset),
            read_labelled_documents(train_path, split="dev", subset=subset))


# -- retrieval -------------------------------------------------------------------------------

def scored(name: str, database: Any, queries: Any, labels: list[str], fit_s: float,
           infer_s: float, candidates: int = 100) -> dict[str, Any]:
    from lexiplug.plugins.documents.evaluator import rank
    from lexiplug.plugins.documents.ranking import ranking_metrics

    start = time.perf_counter()
    order, method = rank(database, queries, candidates)
    query_s = time.perf_counter() - start
    metrics = ranking_metrics(order, database.labels, labels)
    if name:
        print(f"  {name}: MAP {metrics['ap'].mean():.3f}, fit {fit_s:.1f} s", flush=True)
    return {"name": name, "map": float(metrics["ap"].mean()),
            "ndcg10": float(metrics["ndcg10"].mean()), "p100": float(metrics["p100"].mean()),
            "bits": database.bits if database.codes is not None else 32 * database.dim,
            "fit_s": round(fit_s, 2), "query_ms": 1000 * query_s / len(labels),
            "infer_ms": 1000 * infer_s / len(labels), "ranking": method,
            "_ap": metrics["ap"], "_pr": metrics["pr"].mean(axis=0)}


def known_queries(database: list[Any], queries: list[Any]) -> list[Any]:
    """Queries with a word in at least two database documents: every model here knows it
    (min_count 2, TF-IDF min_df 2), so every row is scored on the same queries."""
    from collections import Counter

    from lexiplug.plugins.documents.newsgroups import document_tokens

    frequency = Counter(w for d in database for w in set(document_tokens(d.text)))
    return [q for q in queries if any(frequency[w] >= 2 for w in document_tokens(q.text))]


def with_known_word(database: list[Any]) -> list[Any]:
    """The database documents with a word that occurs at least twice in the database: the
    Binary PV models (min_count 2) refuse a document without one, and the full train split
    has two (every word a one-off once headers and quotes are stripped)."""
    from collections import Counter

    from lexiplug.plugins.documents.newsgroups import document_tokens

    tokens = [document_tokens(d.text) for d in database]
    frequency = Counter(w for t in tokens for w in t)
    return [d for d, t in zip(database, tokens, strict=True) if any(frequency[w] >= 2 for w in t)]


def fitted(factory: Any, database_docs: list[Any], texts: list[str]) -> tuple[Any, Any, float,
                                                                               float]:
    from lexiplug.plugins.documents.evaluator import query_rows

    start = time.perf_counter()
    rows = factory.fit(database_docs)
    fit_s = time.perf_counter() - start
    start = time.perf_counter()
    queries = query_rows(factory, texts, rows.bits)
    return rows, queries, fit_s, time.perf_counter() - start


def retrieval(cfg: dict[str, Any], eval_path: Path | None, out: Path,
              only: set[str] | None = None) -> list[dict[str, Any]]:
    """Every retrieval row, or the rows named in ``only``."""
    from lexiplug.plugins.documents.baselines import (
        random_rotation,
        sign_codes,
        tfidf_autoencoder_v1,
    )
    from lexiplug.plugins.documents.binary_pv import binary_pv_v1
    from lexiplug.plugins.documents.doc2vec import doc2vec_v1
    from lexiplug.plugins.documents.doc_vectors import DocumentVectors
    from lexiplug.plugins.documents.hamming import hamming_ranking
    from lexiplug.plugins.documents.newsgroups import document_tokens
    from lexiplug.plugins.documents.pr_curve import plot_pr_curves

    hamming_ranking(np.zeros((1, 4), np.uint8), np.zeros((2, 4), np.uint8))  # compile first
    train, queries_docs = splits(eval_path)
    database_docs = with_known_word(sample(train, cfg["db_docs"], 0))
    queries_docs = sample(known_queries(database_docs, queries_docs), cfg["queries"], 1)
    texts = [d.text for d in queries_docs]
    labels = [str(d.label) for d in queries_docs]
    print(f"retrieval: {len(database_docs)} database documents, {len(texts)} queries")
    rows: list[dict[str, Any]] = []

    def wanted(*names: str) -> bool:
        return only is None or any(name in only for name in names)

    if wanted("doc2vec_dbow", "pv_dbow_sign_32", "pv_dbow_sign_128"):
        d2v = doc2vec_v1(dim=128, epochs=cfg["d2v_epochs"], min_count=2, workers=2, seed=0)
        db, q, fit_s, infer_s = fitted(d2v, database_docs, texts)
        rows.append(scored("doc2vec_dbow", db, q, labels, fit_s, infer_s))
        mean = db.vectors.mean(axis=0)
        rotation = random_rotation(128, 0)
        for bits in (32, 128):
            codes = DocumentVectors(db.keys, db.labels, bits=bits,
                                    codes=sign_codes(db.vectors, mean, rotation, bits))
            qcodes = DocumentVectors(q.keys, None, bits=bits,
                                     codes=sign_codes(q.vectors, mean, rotation, bits))
            rows.append(scored(f"pv_dbow_sign_{bits}", codes, qcodes, labels, fit_s, infer_s))
    for bits in (32, 128):
        if not wanted(f"tfidf_autoencoder_{bits}"):
            continue
        auto = tfidf_autoencoder_v1(bits=bits, epochs=cfg["ae_epochs"], seed=0)
        db, q, fit_s, infer_s = fitted(auto, database_docs, texts)
        rows.append(scored(f"tfidf_autoencoder_{bits}", db, q, labels, fit_s, infer_s))
    for name, settings in (("binary_pv_dbow_32", {"mode": "dbow", "bits": 32}),
                           ("binary_pv_dbow_128", {"mode": "dbow", "bits": 128}),
                           ("binary_pv_dm_128", {"mode": "dm", "bits": 128, "window": 2}),
                           ("real_binary_pv_dbow", {"mode": "real_binary", "bits": 32,
                                                    "dim": 128})):
        if not wanted(name):
            continue
        model = binary_pv_v1(epochs=cfg["bpv_epochs"], seed=0, **settings)
        db, q, fit_s, infer_s = fitted(model, database_docs, texts)
        row = scored(name, db, q, labels, fit_s, infer_s)
        if name == "real_binary_pv_dbow":
            real_only = scored("", DocumentVectors(db.keys, db.labels, vectors=db.vectors),
                               DocumentVectors(q.keys, None, vectors=q.vectors), labels, 0, 0)
            row["map_real_vector"] = real_only["map"]
            row["bits"] = 32
            for percent in RERANK_PERCENTS:  # MAP runs over the whole database: how deep?
                deeper = scored("", db, q, labels, 0, 0,
                                candidates=max(1, len(database_docs) * percent // 100))
                row[f"map_rerank_{percent}pct"] = deeper["map"]
                row[f"query_ms_rerank_{percent}pct"] = deeper["query_ms"]
        rows.append(row)
    if wanted("tfidf_cosine"):
        rows.append(tfidf_cosine(database_docs, queries_docs, labels, document_tokens))
    if any(r["name"] == "binary_pv_dbow_128" for r in rows):
        add_bootstrap(rows)
    plot_pr_curves({r["name"]: r["_pr"] for r in rows}, out / "documents_pr.png")
    for row in rows:
        row.pop("_pr")
        row.pop("_ap")
    return rows


# Real-Binary filters tried on the tuning queries: candidate counts and Hamming radii
TRADEOFF_CANDIDATES = (25, 50, 100, 200, 400, 800, 1600, 3200)
TRADEOFF_RADII = (0, 1, 2, 3, 4, 5, 6, 8)
# the goal: within this much MAP of the real vector the codes filter for
TRADEOFF_MAP_GAP = 0.02


def carve_tuning(train: list[Any], database: list[Any], n: int) -> tuple[list[Any],
                                                                        list[Any]]:
    """(database, tuning queries): ``n`` training documents outside the database, or, when the
    database is the whole training set, ``n`` carved out of it; never held-out text."""
    in_database = {id(d) for d in database}
    rest = [d for d in train if id(d) not in in_database]
    if len(rest) >= n:
        return database, sample(rest, n, 3)
    mask = np.zeros(len(database), dtype=bool)
    mask[np.random.default_rng(3).permutation(len(database))[:n]] = True
    return ([d for d, m in zip(database, mask, strict=True) if not m],
            [d for d, m in zip(database, mask, strict=True) if m])


def real_binary_tradeoff(cfg: dict[str, Any], eval_path: Path | None) -> list[dict[str, Any]]:
    """Real-Binary PV-DBOW's filter depth against MAP and query time.

    One 32-bit + 128-d model; every filter (candidate count or Hamming radius) is scored on
    tuning queries carved from train and on the held-out queries; the filter is chosen on the
    tuning queries only: the one that re-ranks fewest documents while within
    ``TRADEOFF_MAP_GAP`` MAP of the real vector there (or the best one, when none is).
    ``query_ms`` is the time to a full ranking (MAP needs one): the Hamming sort of the whole
    database plus the re-rank."""
    from lexiplug.plugins.documents.binary_pv import binary_pv_v1
    from lexiplug.plugins.documents.evaluator import query_rows
    from lexiplug.plugins.documents.hamming import hamming_distances, hamming_ranking
    from lexiplug.plugins.documents.ranking import (
        cosine_ranking,
        filter_rerank,
        ranking_metrics,
    )

    hamming_ranking(np.zeros((1, 4), np.uint8), np.zeros((2, 4), np.uint8))  # compile first
    train, held_docs = splits(eval_path)
    database_docs, tune_docs = carve_tuning(train, sample(train, cfg["db_docs"], 0),
                                            cfg["queries"] or 500)
    # a database document whose every word is rare has no vector (the model refuses it)
    database_docs = known_queries(database_docs, database_docs)
    held_docs = sample(known_queries(database_docs, held_docs), cfg["queries"], 1)
    tune_docs = known_queries(database_docs, tune_docs)
    model = binary_pv_v1(epochs=cfg["bpv_epochs"], seed=0, mode="real_binary", bits=32, dim=128)
    start = time.perf_counter()
    db = model.fit(database_docs)
    fit_s = time.perf_counter() - start
    sets = {name: (query_rows(model, [d.text for d in docs], db.bits),
                   [str(d.label) for d in docs])
            for name, docs in (("tune", tune_docs), ("held", held_docs))}
    ones = np.unpackbits(db.codes, axis=1).mean(axis=0)
    dead = int(((ones >= 0.98) | (ones <= 0.02)).sum())
    print(f"real-binary trade-off: {len(database_docs)} database documents, {len(tune_docs)} "
          f"tuning queries (train), {len(held_docs)} held-out queries; fit {fit_s:.0f} s; "
          f"{dead} of 32 bits constant (>= 98% one value)", flush=True)

    def score(rank_queries: Any) -> dict[str, float]:
        out: dict[str, float] = {}
        for name, (queries, labels) in sets.items():
            start = time.perf_counter()
            order = rank_queries(queries)
            out[f"query_ms_{name}"] = 1000 * (time.perf_counter() - start) / len(labels)
            metrics = ranking_metrics(order, db.labels, labels)
            out[f"map_{name}"] = float(metrics["ap"].mean())
            out[f"ndcg10_{name}"] = float(metrics["ndcg10"].mean())
        return out

    real = score(lambda q: cosine_ranking(q.vectors, db.vectors))
    rows = [{"name": "real_vector_cosine", "filter": "none (cosine over all)", **real}]
    filters = [(f"candidates {k}", {"candidates": k}) for k in TRADEOFF_CANDIDATES
               if k < len(database_docs)]
    filters += [(f"radius {r}", {"candidates": 1, "radius": r}) for r in TRADEOFF_RADII]
    distances = {name: np.sort(hamming_distances(queries.codes, db.codes), axis=1)
                 for name, (queries, _) in sets.items()}

    def reranked(name: str, settings: dict[str, int]) -> float:
        """Mean documents re-ranked by cosine per query: the filter's cost, free of timing
        noise (the whole Hamming ball at the cut)."""
        d = distances[name]
        k = settings["candidates"]
        cut = d[:, k - 1:k] if "radius" not in settings else settings["radius"]
        return float((d <= cut).sum(axis=1).mean())

    for label, settings in filters:
        row = {"name": "real_binary_" + label.replace(" ", "_"), "filter": label,
               "reranked_tune": reranked("tune", settings),
               "reranked_held": reranked("held", settings),
               **score(lambda q, s=settings: filter_rerank(q.codes, db.codes, q.vectors,
                                                           db.vectors, **s))}
        rows.append(row)
        print(f"  {label}: tune MAP {row['map_tune']:.3f} (real {real['map_tune']:.3f}), "
              f"held-out MAP {row['map_held']:.3f}, {row['query_ms_held']:.2f} ms/query",
              flush=True)
    curve = rows[1:]
    close = [r for r in curve if r["map_tune"] >= real["map_tune"] - TRADEOFF_MAP_GAP]
    chosen = (min(close, key=lambda r: r["reranked_tune"]) if close
              else max(curve, key=lambda r: r["map_tune"]))
    met = chosen["map_held"] >= real["map_held"] - TRADEOFF_MAP_GAP
    verdict = "within" if met else "not within"
    rows.append({**chosen, "name": "real_binary_pv_dbow_tuned", "fit_s": round(fit_s, 1),
                 "dead_bits": dead,
                 "chosen": f"{chosen['filter']} (tuning MAP {chosen['map_tune']:.3f} vs real "
                           f"{real['map_tune']:.3f}{'' if close else '; none within the gap'});"
                           f" held-out {verdict} {TRADEOFF_MAP_GAP} of the real vector"})
    return rows


def tfidf_cosine(database_docs: list[Any], queries_docs: list[Any], labels: list[str],
                 tokens: Any) -> dict[str, Any]:
    from lexiplug.plugins.documents.ranking import ranking_metrics
    from sklearn.feature_extraction.text import TfidfVectorizer

    start = time.perf_counter()
    tfidf = TfidfVectorizer(analyzer=tokens, min_df=2, sublinear_tf=True)
    db = tfidf.fit_transform([d.text for d in database_docs])
    fit_s = time.perf_counter() - start
    start = time.perf_counter()
    q = tfidf.transform([d.text for d in queries_docs])
    infer_s = time.perf_counter() - start
    start = time.perf_counter()
    order = np.argsort(-(q @ db.T).toarray(), axis=1, kind="stable")
    query_s = time.perf_counter() - start
    metrics = ranking_metrics(order, [str(d.label) for d in database_docs], labels)
    return {"name": "tfidf_cosine", "map": float(metrics["ap"].mean()),
            "ndcg10": float(metrics["ndcg10"].mean()), "p100": float(metrics["p100"].mean()),
            "bits": None, "fit_s": round(fit_s, 2), "query_ms": 1000 * query_s / len(labels),
            "infer_ms": 1000 * infer_s / len(labels), "ranking": "cosine (sparse)",
            "_ap": metrics["ap"], "_pr": metrics["pr"].mean(axis=0)}


def add_bootstrap(rows: list[dict[str, Any]]) -> None:
    """p-value (paired bootstrap over the same queries) that binary_pv_dbow_128 is not better
    on MAP than each other row."""
    from lexiplug.evaluation.stats import paired_bootstrap

    best = next(r for r in rows if r["name"] == "binary_pv_dbow_128")["_ap"]
    for row in rows:
        if row["name"] != "binary_pv_dbow_128":
            other = row["_ap"]
            row["p_bpv128_not_better"] = paired_bootstrap(
                lambda idx, a=best: float(a[idx].mean()),
                lambda idx, b=other: float(b[idx].mean()), len(best), n_resamples=1000)


def speed(cfg: dict[str, Any]) -> list[dict[str, Any]]:
    """Top-100 search per query over equal random databases: 128-bit codes vs 128-d floats."""
    from lexiplug.plugins.documents.hamming import HammingBall, hamming_ranking
    from lexiplug.plugins.documents.ranking import unit

    rng = np.random.default_rng(0)
    n, n_queries = cfg["speed_db"], 200
    codes = rng.integers(0, 256, size=(n, 16), dtype=np.uint8)
    qcodes = rng.integers(0, 256, size=(n_queries, 16), dtype=np.uint8)
    vectors = unit(rng.normal(size=(n, 128)).astype(np.float32))
    qvectors = unit(rng.normal(size=(n_queries, 128)).astype(np.float32))

    def hamming() -> None:
        hamming_ranking(qcodes, codes, k=100)

    def cosine() -> None:
        for start in range(0, n_queries, 20):
            s = qvectors[start:start + 20] @ vectors.T
            np.argpartition(-s, 100, axis=1)

    short = rng.integers(0, 256, size=(n, 4), dtype=np.uint8)
    ball = HammingBall(short, 32)
    ball.masks(2)

    def hamming_ball() -> None:
        for query in short[:n_queries]:  # each finds at least itself
            ball.within(query, 2)

    hamming_ranking(qcodes[:1], codes[:10], k=5)  # compile the kernel outside the timing
    rows = [{"name": "speed_hamming_ball_32_r2", "bits": 32, "database": n,
             "query_ms": 1000 * min(timed(hamming_ball) for _ in range(3)) / n_queries}]
    for name, work, bits in (("speed_hamming_128", hamming, 128),
                             ("speed_cosine_128d", cosine, 128 * 32)):
        best = min(timed(work) for _ in range(3))
        rows.append({"name": name, "bits": bits, "database": n,
                     "query_ms": 1000 * best / n_queries})
    return rows


def timed(work: Any) -> float:
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


def linear(cfg: dict[str, Any]) -> list[dict[str, Any]]:
    from lexiplug.plugins.documents.binary_pv import binary_pv_v1
    from lexiplug.plugins.documents.doc2vec import doc2vec_v1

    train, _ = splits(None)
    train = sample(train, cfg["linear_docs"], 2)
    rows = []
    binary_pv_v1(bits=128, epochs=1, min_count=1).fit(train[:50])  # imports and warm-up
    doc2vec_v1(dim=128, epochs=1, min_count=1).fit(train[:50])
    for share in (0.25, 0.5, 1.0):
        docs = sample(train, int(share * len(train)), 3)
        tokens = sum(len(d.text.split()) for d in docs)
        # min_count 1: a small sample has documents whose words all occur once, and Binary
        # PV refuses a document without a known word
        for name, factory in (("binary_pv_dbow_128", lambda: binary_pv_v1(
                                   bits=128, epochs=2, min_count=1)),
                              ("doc2vec_dbow", lambda: doc2vec_v1(
                                  dim=128, epochs=2, workers=2, min_count=1))):
            model = factory()
            start = time.perf_counter()
            model.fit(docs)
            seconds = time.perf_counter() - start
            rows.append({"name": f"linear_{name}_{int(share * 100)}", "docs": len(docs),
                         "tokens": tokens, "fit_s": round(seconds, 2),
                         "us_per_token": 1e6 * seconds / tokens})
    return rows


# -- classification --------------------------------------------------------------------------

SPACY_MODELS = {
    "spacy_bow": {"@architectures": "spacy.TextCatBOW.v3", "exclusive_classes": True,
                  "ngram_size": 1, "no_output_layer": False, "length": 262144},
    "spacy_ensemble": {
        "@architectures": "spacy.TextCatEnsemble.v2",
        "linear_model": {"@architectures": "spacy.TextCatBOW.v3", "exclusive_classes": True,
                         "ngram_size": 1, "no_output_layer": False, "length": 262144},
        "tok2vec": {"@architectures": "spacy.HashEmbedCNN.v2", "pretrained_vectors": None,
                    "width": 64, "depth": 2, "embed_size": 2000, "window_size": 1,
                    "maxout_pieces": 3, "subword_features": True}},
    "rcnn": {"@architectures": "lexiplug.RCNN.v1", "exclusive_classes": True,
             "embed_width": 50, "context_width": 50, "hidden": 100, "max_length": 400},
}


def macro_f1(gold: list[str], predicted: list[str]) -> tuple[float, float]:
    from sklearn.metrics import accuracy_score, f1_score

    return (100 * float(f1_score(gold, predicted, average="macro")),
            100 * float(accuracy_score(gold, predicted)))


def spacy_row(name: str, train: list[Any], dev: list[Any], test: list[Any],
              epochs: int, options: dict[str, Any]) -> dict[str, Any]:
    """Train ``epochs`` epochs; keep the epoch with the best dev macro-F1; score on test.

    Batches hold documents of similar length (shuffled batch order, seeded per epoch), so a
    recurrent model pads little; with a checkpoint folder each epoch is saved and a rerun
    resumes exactly after the last saved one: the model, Adam's moments and update counts
    (:mod:`lexiplug.optimizer_state`), the best epoch so far and the dev history are kept,
    and every epoch seeds the random generators (dropout) from its own number."""
    import spacy
    from spacy.training import Example
    from spacy.util import fix_random_seed

    labels = sorted({str(d.label) for d in train})
    model = dict(SPACY_MODELS[name])
    if name == "rcnn":
        model["max_length"] = options["rcnn_max_length"]
        if options.get("vectors") is not None:
            model["pretrained"] = {"@misc": "lexiplug.vectors.v1",
                                   "name_or_path": str(options["vectors"])}
    nlp = spacy.blank("en")
    nlp.add_pipe("textcat", config={"model": model})
    nlp.max_length = 10**7

    def examples(documents: list[Any]) -> list[Any]:
        return [Example.from_dict(doc, {"cats": {lab: float(lab == d.label) for lab in labels}})
                for doc, d in zip(nlp.tokenizer.pipe(d.text for d in documents), documents,
                                  strict=True)]

    train_examples = examples(train)
    fix_random_seed(0)
    optimizer = nlp.initialize(lambda: train_examples)
    optimizer.learn_rate = options["rcnn_lr"] if name == "rcnn" else 0.001
    # the RCNN reads only its first max_length tokens, so only those count against the budget
    cap = options["rcnn_max_length"] if name == "rcnn" else None
    lengths = [len(e.reference) if cap is None else min(len(e.reference), cap)
               for e in train_examples]
    batches = [[train_examples[i] for i in batch]
               for batch in length_batches(lengths, 32, options.get("batch_tokens"))]
    store, state = _classification_checkpoint(options.get("checkpoint"), nlp, optimizer)
    start = time.perf_counter()
    for epoch in range(state["epoch"], epochs):
        fix_random_seed(1 + epoch)
        for index in np.random.default_rng([0, epoch]).permutation(len(batches)):
            nlp.update(batches[index], sgd=optimizer)
        score = macro_f1(*predict(nlp, dev))[0]
        state["dev"].append(round(score, 2))
        if score > state["best_score"]:
            state.update(best_score=score, best_epoch=epoch + 1)
            state["best"] = nlp.to_bytes()
            # the held-out score of each new best-on-dev epoch, so a run stopped early still
            # has its row (chosen on dev only; the held-out figures never steer anything)
            state["held_out"] = _scored(nlp, test)
        state["epoch"] = epoch + 1
        state["fit_s"] += time.perf_counter() - start
        start = time.perf_counter()
        if store is not None:
            from lexiplug.optimizer_state import optimizer_state

            adam, adam_arrays = optimizer_state(optimizer, nlp)
            store.save(epoch + 1, fingerprint=name, state={**_json_state(state), "adam": adam},
                       arrays={"best": np.frombuffer(state["best"], dtype=np.uint8),
                               "current": np.frombuffer(nlp.to_bytes(), dtype=np.uint8),
                               **adam_arrays})
        print(f"  {name} epoch {epoch + 1}: dev macro-F1 {score:.2f} "
              f"({state['fit_s']:.0f} s so far)", flush=True)
        print(f"  ROW {json.dumps(_row(name, state))}", flush=True)
    if not state["held_out"]:  # a finished run resumed from a checkpoint without the scores
        nlp.from_bytes(state["best"])
        state["held_out"] = _scored(nlp, test)
    return _row(name, state)


def length_batches(lengths: list[int], size: int,
                   max_tokens: int | None = None) -> list[list[int]]:
    """Indices sorted by length, cut into batches of at most ``size`` documents and, with
    ``max_tokens``, at most that many tokens (a longer document is a batch alone).

    Why a token budget: 20 Newsgroups has a few documents of 3k-16k tokens, and the 32
    longest together hold ~340k tokens; a CNN tok2vec (spaCy's ensemble) keeps several
    activations per token for backprop, so that one batch needs several GB."""
    order = sorted(range(len(lengths)), key=lambda i: lengths[i])
    batches: list[list[int]] = []
    batch: list[int] = []
    tokens = 0
    for index in order:
        over_budget = max_tokens is not None and tokens + lengths[index] > max_tokens
        if batch and (len(batch) == size or over_budget):
            batches.append(batch)
            batch, tokens = [], 0
        batch.append(index)
        tokens += lengths[index]
    if batch:
        batches.append(batch)
    return batches


def _scored(nlp: Any, test: list[Any]) -> dict[str, float]:
    start = time.perf_counter()
    gold, predicted = predict(nlp, test)
    seconds = time.perf_counter() - start
    f1, accuracy = macro_f1(gold, predicted)
    return {"macro_f1": f1, "accuracy": accuracy, "docs_per_s": len(test) / seconds}


def _row(name: str, state: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, **state["held_out"], "fit_s": round(state["fit_s"], 1),
            "chosen": f"epochs={state['best_epoch']} (dev macro-F1 {state['best_score']:.2f};"
                      f" per epoch {state['dev']})"}


def _json_state(state: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in state.items() if k != "best"}


def _classification_checkpoint(folder: Path | None, nlp: Any, optimizer: Any
                               ) -> tuple[Any, dict[str, Any]]:
    """(store or None, training state): a fresh state, or the saved one with ``nlp`` set to
    the model and ``optimizer`` to Adam's state after its last saved epoch."""
    state: dict[str, Any] = {"epoch": 0, "best_score": -1.0, "best_epoch": 0, "dev": [],
                             "fit_s": 0.0, "best": b"", "held_out": {}}
    if folder is None:
        return None, state
    from lexiplug.checkpoint import CheckpointStore

    store = CheckpointStore(folder)
    bundle = store.latest()
    if bundle is not None:
        from lexiplug.optimizer_state import restore_optimizer_state

        saved = dict(bundle.state)
        adam = saved.pop("adam", None)
        state.update(saved)
        state["best"] = bundle.arrays["best"].tobytes()
        nlp.from_bytes(bundle.arrays["current"].tobytes())
        if adam is None:
            print(f"  {folder}: a checkpoint without Adam's state (older bench); its moments "
                  "restart", flush=True)
        else:
            restore_optimizer_state(optimizer, nlp, adam, bundle.arrays)
        print(f"  resumed {folder} after epoch {state['epoch']}", flush=True)
    return store, state


def word2vec_vectors(train: list[Any], path: Path, dim: int = 50) -> Path:
    """Skip-gram vectors (gensim) trained on the training documents' text only, for the
    RCNN's embedding rows (Lai et al. pretrained theirs with skip-gram too)."""
    from gensim.models import Word2Vec
    from lexiplug.plugins.documents.newsgroups import document_tokens

    if not path.exists():
        start = time.perf_counter()
        model = Word2Vec([document_tokens(d.text) for d in train], vector_size=dim, window=5,
                         min_count=2, sg=1, negative=5, epochs=5, workers=1, seed=0)
        model.wv.save_word2vec_format(str(path) + ".tmp")
        Path(str(path) + ".tmp").replace(path)
        print(f"  word2vec {dim}-d on {len(train)} training documents: {len(model.wv)} words, "
              f"{time.perf_counter() - start:.0f} s", flush=True)
    return path


def predict(nlp: Any, documents: list[Any]) -> tuple[list[str], list[str]]:
    predicted = [max(doc.cats, key=doc.cats.get)
                 for doc in nlp.pipe((d.text for d in documents), batch_size=32)]
    return [str(d.label) for d in documents], predicted


def tfidf_lr_row(train: list[Any], dev: list[Any], test: list[Any]) -> dict[str, Any]:
    from lexiplug.plugins.documents.newsgroups import document_tokens
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    start = time.perf_counter()
    tfidf = TfidfVectorizer(analyzer=document_tokens, min_df=2, sublinear_tf=True)
    x = tfidf.fit_transform([d.text for d in train])
    y = [str(d.label) for d in train]
    best: tuple[float, float, Any] = (-1.0, 0.0, None)
    for c in (1.0, 10.0, 100.0):
        model = LogisticRegression(C=c, max_iter=2000).fit(x, y)
        score = macro_f1([str(d.label) for d in dev],
                         list(model.predict(tfidf.transform([d.text for d in dev]))))[0]
        if score > best[0]:
            best = (score, c, model)
    fit_s = time.perf_counter() - start
    start = time.perf_counter()
    predicted = list(best[2].predict(tfidf.transform([d.text for d in test])))
    seconds = time.perf_counter() - start
    f1, accuracy = macro_f1([str(d.label) for d in test], predicted)
    return {"name": "tfidf_lr", "macro_f1": f1, "accuracy": accuracy,
            "docs_per_s": len(test) / seconds, "fit_s": round(fit_s, 1),
            "chosen": f"C={best[1]:g} (dev macro-F1 {best[0]:.2f})"}


def classification(cfg: dict[str, Any], eval_path: Path | None, models: list[str],
                   options: dict[str, Any], out: Path) -> list[dict[str, Any]]:
    from lexiplug.plugins.documents.newsgroups import dev_mask

    rows = []
    for subset in cfg["groups"]:
        train_all, held = splits(eval_path, subset)
        # settings are chosen on a dev split carved from train; the score is on `held`
        mask = dev_mask([str(d.label) for d in train_all], 0.1, 5)
        train = sample([d for d, m in zip(train_all, mask, strict=True) if not m],
                       cfg["cls_train"], 0)
        dev = sample([d for d, m in zip(train_all, mask, strict=True) if m],
                     cfg["cls_eval"], 1)
        test = sample(held, cfg["cls_eval"], 2)
        print(f"classification {subset}: {len(train)} train, {len(dev)} dev, {len(test)} "
              f"{'test' if eval_path else 'held-out dev'}")
        subset_rows = [tfidf_lr_row(train, dev, test)] if options["tfidf"] else []
        for row in subset_rows:
            print(f"  ROW {json.dumps(row)}", flush=True)
        settings = dict(options)
        if "rcnn" in models and options["rcnn_vectors"] == "word2vec":
            # the train documents only: never the held-out ones' text, labelled or not
            settings["vectors"] = word2vec_vectors(
                train, out / f"w2v50_{subset}_{len(train)}_{'eval' if eval_path else 'dev'}.txt")
        for name in models:
            folder = options.get("checkpoint_dir")
            settings["checkpoint"] = (None if folder is None else
                                      Path(folder) / f"{subset}_{name}_{len(train)}")
            row = spacy_row(name, train, dev, test, cfg["cls_epochs"], settings)
            print(f"  {name}: macro-F1 {row['macro_f1']:.2f}, {row['docs_per_s']:.0f} docs/s",
                  flush=True)
            subset_rows.append(row)
        for row in subset_rows:
            row["name"] = f"{row['name']}[{subset}]"
        rows.extend(subset_rows)
    return rows


def main() -> None:
    args = parse()
    cfg = dict(QUICK if args.quick else FULL)
    if args.cls_train is not None:
        cfg["cls_train"] = args.cls_train
    if args.cls_epochs is not None:
        cfg["cls_epochs"] = args.cls_epochs
    out = Path(__file__).resolve().parent / "out"
    out.mkdir(exist_ok=True)
    print(machine_note(), "| quick" if args.quick else "| full")
    rows: list[dict[str, Any]] = []
    if args.part in ("all", "retrieval"):
        part = retrieval(cfg, args.eval, out,
                         None if args.rows is None else set(args.rows.split(",")))
        print_table(part, ["map", "ndcg10", "p100", "bits", "fit_s", "query_ms", "infer_ms",
                           "p_bpv128_not_better"], baseline="doc2vec_dbow", ratio_metric="map",
                    higher_is_better=True)
        for row in part:
            if "map_real_vector" in row:
                print(f"  {row['name']}: " + ", ".join(
                    f"{k} {v:.3f}" for k, v in row.items() if k.startswith(("map_", "query_ms_"))))
        rows += part
    if args.part == "realbinary":
        part = real_binary_tradeoff(cfg, args.eval)
        print_table(part, ["map_tune", "map_held", "ndcg10_held", "query_ms_held",
                           "reranked_held"],
                    baseline="real_vector_cosine", ratio_metric="map_held",
                    higher_is_better=True)
        print(f"  {part[-1]['name']}: {part[-1]['chosen']}")
        rows += part
    if args.part in ("all", "speed"):
        part = speed(cfg)
        print_table(part, ["query_ms", "bits", "database"], baseline="speed_cosine_128d")
        rows += part
    if args.part in ("all", "linear"):
        part = linear(cfg)
        print_table(part, ["docs", "tokens", "fit_s", "us_per_token"])
        rows += part
    if args.part in ("all", "classification"):
        if args.groups is not None:
            cfg["groups"] = tuple(g for g in args.groups.split(",") if g)
        options = {"rcnn_lr": args.rcnn_lr, "rcnn_max_length": args.rcnn_max_length,
                   "rcnn_vectors": args.rcnn_vectors, "checkpoint_dir": args.checkpoint_dir,
                   "batch_tokens": args.batch_tokens,
                   "tfidf": not args.no_tfidf}
        part = classification(cfg, args.eval, [m for m in args.models.split(",") if m],
                              options, out)
        print_table(part, ["macro_f1", "accuracy", "docs_per_s", "fit_s"],
                    baseline=part[0]["name"] if part else None, ratio_metric="macro_f1",
                    higher_is_better=True)
        for row in part:
            print(f"  {row['name']}: {row['chosen']}")
        rows += part
    write_json(rows, args.json)


if __name__ == "__main__":
    main()
