"""Chinese word vectors on the shared Chinese text (~800k characters): word2vec on jieba words,
word2vec on characters, and CWE (lexiplug.cwe.v1) position-agnostic and position-based.

Rows, one per model and scored set (``dataset``):

* ``word2vec_words``: gensim ``Word2Vec`` (the tool a user would pick) CBOW on jieba words;
  a word outside its vocabulary has no vector (``missing``).
* ``word2vec_chars``: gensim CBOW on single characters (``tokenizer = "chars"``); a word is
  the mean of its characters' vectors (every word is ``composed``).
* ``word2vec_kernel``: lexiplug's CWE kernel with ``characters = "none"`` (plain CBOW): the
  like-for-like time baseline of the CWE rows.
* ``cwe`` / ``cwe_position``: ``lexiplug.cwe.v1``, ``characters = "agnostic"`` / ``"position"``;
  known words use their composed vectors, unknown words the mean of their characters.

Columns: ``spearman`` over the pairs the row scores (known + composed) with its bootstrap 95%
CI, ``spearman_full`` over all pairs (a missing pair scores 0, gensim's ``dummy4unknown``),
``spearman_shared`` over the pairs whose two words word2vec_words knows, the coverage split
(``known`` / ``composed`` / ``missing`` shares; ``coverage`` = known + composed), ``analogy``
(3CosAdd accuracy) for ``--eval`` analogy files, ``fit_s`` (training seconds, one thread for
every row) and ``seg_tokens_s`` (tokens per second of the segmentation that fed the row).
Segmentation is timed once per tokenizer; ``--quick`` trains fewer epochs.

    python bench/chinese.py [--quick] [--json PATH] [--eval FILE ...]
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path
from typing import Any

import numpy as np
from _harness import machine_note, print_table, write_json

CORPUS_NOTE = ("shared Chinese text, ~800k characters (4 corpora; far below the Wikipedia "
               "used in papers)")


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer epochs (a few minutes)")
    parser.add_argument("--json", type=Path, default=None, help="write the rows as JSON here")
    parser.add_argument("--eval", type=Path, action="append", default=[],
                        help="another word-pair or Google-format analogy file (UTF-8)")
    return parser.parse_args()


def segment(tokenizer: str) -> tuple[list[list[str]], float, int, float]:
    """The whole corpus as token lists; tokens/s, characters and seconds of the segmentation."""
    from lexiplug.plugins.chinese.datasets import zh_corpus

    corpus = zh_corpus(tokenizer=tokenizer)
    start = time.perf_counter()
    sentences = list(corpus.iter_sentences())
    seconds = time.perf_counter() - start
    n_tokens = sum(len(s) for s in sentences)
    n_chars = sum(len(token) for s in sentences for token in s)
    return sentences, n_tokens / seconds, n_chars, seconds


def gensim_cbow(sentences: list[list[str]], settings: dict[str, Any]) -> tuple[Any, float]:
    from gensim.models import Word2Vec
    from lexiplug.vectors import Vectors

    start = time.perf_counter()
    model = Word2Vec(sentences, vector_size=settings["vector_size"], window=settings["window"],
                     min_count=settings["min_count"], sg=0, negative=settings["negative"],
                     sample=settings["sample"], alpha=0.05, epochs=settings["epochs"],
                     workers=1, seed=settings["seed"])
    seconds = time.perf_counter() - start
    return Vectors.from_gensim(model.wv), seconds


def cwe(sentences: list[list[str]], characters: str,
        settings: dict[str, Any]) -> tuple[Any, float]:
    from lexiplug.registry import registry

    embedder = registry.embedders.get("lexiplug.cwe.v1")(characters=characters, progress=False,
                                                         **settings)
    start = time.perf_counter()
    vectors = embedder.fit(sentences)
    return vectors, time.perf_counter() - start


class Scorer:
    """Vectors of a row: known words from the table, others from ``composer`` (or none)."""

    def __init__(self, vectors: Any, composer: Any, *, all_composed: bool = False) -> None:
        self.vectors, self.composer, self.all_composed = vectors, composer, all_composed

    def status(self, word: str) -> str:
        if not self.all_composed and word in self.vectors.key_to_index:
            return "known"
        if self.composer is not None and self.composer.composes(word):
            return "composed"
        return "missing"

    def vector(self, word: str) -> np.ndarray:
        if self.status(word) == "known":
            return np.asarray(self.vectors.vector(word), dtype=np.float64)
        return np.asarray(self.composer(word), dtype=np.float64)


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    norm = np.linalg.norm(a) * np.linalg.norm(b)
    return float(a @ b / norm) if norm > 0 else 0.0


def score_pairs(scorer: Scorer, pairs: Any, baseline_known: np.ndarray) -> dict[str, Any]:
    from lexiplug.plugins.evaluators.similarity import bootstrap_correlations
    from scipy.stats import spearmanr

    statuses, predicted = [], []
    for a, b in pairs.pairs:
        sa, sb = scorer.status(a), scorer.status(b)
        status = "missing" if "missing" in (sa, sb) else (
            "composed" if "composed" in (sa, sb) else "known")
        statuses.append(status)
        predicted.append(np.nan if status == "missing" else
                         cosine(scorer.vector(a), scorer.vector(b)))
    predicted_array = np.asarray(predicted)
    gold = np.asarray(pairs.scores, dtype=np.float64)
    scored = ~np.isnan(predicted_array)
    n = len(statuses)
    row: dict[str, Any] = {
        "n_pairs": n,
        "coverage": round(float(scored.mean()), 4),
        "known": round(statuses.count("known") / n, 4),
        "composed": round(statuses.count("composed") / n, 4),
        "missing": round(statuses.count("missing") / n, 4),
    }
    if scored.sum() >= 3:
        row["spearman"] = round(float(spearmanr(gold[scored], predicted_array[scored])[0]), 4)
        ci = bootstrap_correlations(gold[scored], predicted_array[scored], n_resamples=1000,
                                    seed=0).get("spearman")
        row["ci"] = f"[{ci[0]:.3f}, {ci[1]:.3f}]" if ci else None
    full = np.where(scored, predicted_array, 0.0)
    row["spearman_full"] = round(float(spearmanr(gold, full)[0]), 4)
    shared = baseline_known & scored
    if shared.sum() >= 3:
        row["spearman_shared"] = round(float(spearmanr(gold[shared],
                                                       predicted_array[shared])[0]), 4)
        row["n_shared"] = int(shared.sum())
    return row


def analogy_accuracy(scorer: Scorer, questions: Any) -> dict[str, Any]:
    """3CosAdd over the row's vocabulary; questions with a missing word count as wrong."""
    vectors = scorer.vectors
    unit = vectors.unit_matrix
    index = vectors.key_to_index
    correct = answered = total = 0
    for _, items in questions.sections:
        for a, b, c, d in items:
            total += 1
            if any(scorer.status(w) == "missing" for w in (a, b, c, d)):
                continue
            answered += 1
            query = sum(sign * _unit(scorer.vector(w)) for sign, w in ((-1, a), (1, b), (1, c)))
            sims = unit @ query.astype(np.float32)
            for w in (a, b, c):
                if w in index:
                    sims[index[w]] = -np.inf
            correct += vectors.keys[int(np.argmax(sims))] == d
    return {"analogy": round(correct / total, 4) if total else None,
            "analogy_answered": round(answered / total, 4) if total else None}


def _unit(vector: np.ndarray) -> np.ndarray:
    norm = np.linalg.norm(vector)
    return vector / norm if norm > 0 else vector


def main() -> None:
    args = parse()
    os.environ.setdefault("TQDM_DISABLE", "1")
    from lexiplug.plugins.chinese.composition import composer_from_character_vectors
    from lexiplug.plugins.chinese.datasets import ZH_WORDSIM240, read_evaluation_file

    settings = {"vector_size": 100, "window": 5, "negative": 5, "sample": 1e-3,
                "min_count": 3, "epochs": 5 if args.quick else 15, "seed": 1}
    words, words_tps, n_chars, words_seg_s = segment("jieba")
    chars, chars_tps, _, _ = segment("chars")
    print(f"corpus: {CORPUS_NOTE}; {n_chars} characters read, {sum(map(len, words))} jieba "
          f"tokens at {words_tps:.0f} tokens/s, {sum(map(len, chars))} character tokens at "
          f"{chars_tps:.0f} tokens/s")

    eval_sets = [("zh_wordsim240", ZH_WORDSIM240.load())]
    eval_sets += [(path.stem, read_evaluation_file(path)) for path in args.eval]

    cwe(words[:50], "agnostic", {**settings, "epochs": 1})  # compile the kernel: not timed
    models: dict[str, tuple[Scorer, float, float]] = {}
    vectors, seconds = gensim_cbow(words, settings)
    models["word2vec_words"] = (Scorer(vectors, None), seconds, words_tps)
    char_vectors, seconds = gensim_cbow(chars, settings)
    composer = composer_from_character_vectors(char_vectors.keys, char_vectors.matrix)
    models["word2vec_chars"] = (Scorer(char_vectors, composer, all_composed=True), seconds,
                                chars_tps)
    for name, characters in (("word2vec_kernel", "none"), ("cwe", "agnostic"),
                             ("cwe_position", "position")):
        vectors, seconds = cwe(words, characters, settings)
        models[name] = (Scorer(vectors, vectors.oov_provider), seconds, words_tps)

    rows = []
    for dataset, data in eval_sets:
        is_analogy = hasattr(data, "sections")
        base = models["word2vec_words"][0]
        baseline_known = None if is_analogy else np.array(
            [base.status(a) == "known" and base.status(b) == "known" for a, b in data.pairs])
        for name, (scorer, seconds, tps) in models.items():
            row: dict[str, Any] = {"name": name, "dataset": dataset}
            if is_analogy:
                row.update(analogy_accuracy(scorer, data))
            else:
                row.update(score_pairs(scorer, data, baseline_known))
            row.update({"fit_s": round(seconds, 2), "seg_tokens_s": round(tps),
                        "corpus": CORPUS_NOTE, "epochs": settings["epochs"]})
            rows.append(row)

    metrics = ["dataset", "spearman", "ci", "spearman_full", "spearman_shared", "coverage",
               "known", "composed", "missing", "analogy", "fit_s", "seg_tokens_s"]
    print_table(rows, metrics=metrics)
    fit = {name: seconds for name, (_, seconds, _) in models.items()}
    total = {name: words_seg_s + seconds for name, seconds in fit.items()}
    print(f"CWE / gensim word2vec training time: {fit['cwe'] / fit['word2vec_words']:.2f}x "
          f"(cwe_position {fit['cwe_position'] / fit['word2vec_words']:.2f}x); segmentation "
          f"({words_seg_s:.1f}s) + training: {total['cwe'] / total['word2vec_words']:.2f}x "
          f"(cwe_position {total['cwe_position'] / total['word2vec_words']:.2f}x); CWE / the "
          f"same kernel without characters: {fit['cwe'] / fit['word2vec_kernel']:.2f}x")
    print(f"all figures: {CORPUS_NOTE}; epochs={settings['epochs']}, one training thread")
    print(machine_note())
    write_json(rows, args.json)


if __name__ == "__main__":
    main()
