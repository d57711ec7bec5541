"""die/dat benchmark: majority baseline vs the binary and multitask BiLSTM components.

    python bench/die_dat.py [--quick] [--json PATH] [--eval FILE.conllu ...] [--epochs N]
        [--gold-pos-only] [--word2vec MODELS] [--seed N] [--models binary,multitask]

Trains both configs with the real ``python -m spacy train`` (subprocess, offline) on UD Dutch
LassySmall v1.3 train plus the raw Dutch sentences (NTREX, FLORES, Tatoeba; self-supervised),
10% of each held out as the early-stopping dev set, then evaluates on UD Dutch-Alpino dev
(never on current LassySmall dev/test, which overlap v1.3 train). Rows: ``majority``,
``binary``, ``multitask`` per dataset, with accuracy, balanced accuracy, pronoun-only accuracy
(SCONJ "dat" excluded), a bootstrap 95% CI of accuracy, words/s of the whole pipeline, and
POS accuracy for the multitask model; a McNemar exact test compares binary and multitask.
``holdout_accuracy`` is the early-stopping (training hold-out) score of the kept checkpoint:
settings are chosen on it, never on Alpino. By default a UPOS tagger
(configs/ud_tagger_nl.cfg) is trained on LassySmall v1.3 train minus the held-out Docs and
gives every raw-text instance a silver POS label (``--gold-pos-only``: the old path, POS from
LassySmall only); ``--word2vec MODELS`` (default ``binary``; ``none`` for neither) initialises
those models' word embeddings from word2vec (``lexiplug.word2vec.v1``) trained on the
training text only. Both defaults were chosen on the training hold-out
(bench/results/die_dat.md).
The paper (Allein et al. 2020) reports 84.56% (binary) and 88.63% (multitask) on Europarl and
SoNaR; see docs/die_dat.md for how that data differs.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
from _harness import machine_note, print_table, write_json

REPO = Path(__file__).resolve().parents[1]
LASSY_TRAIN = "ud_dutch/legacy_UD1.3_LassySmall/nl_lassysmall-ud-train.conllu"
RAW_TEXT = (
    "dutch_text/ntrex128-nld/newstest2019-ref.nld.txt",
    "dutch_text/flores200-devtest-nld/nld_Latn.devtest",
    "dutch_text/tatoeba-nld/tatoeba_nld_unique.txt",
)
ALPINO_DEV = "ud_dutch/UD_Dutch-Alpino/nl_alpino-ud-dev.conllu"
MODELS = ("binary", "multitask")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="2 epochs each, tagger included (about 3-4 minutes from scratch)")
    parser.add_argument("--json", type=Path, default=None, help="write the rows as JSON here")
    parser.add_argument("--eval", type=Path, action="append", default=[],
                        help="another CoNLL-U file to evaluate on (repeatable)")
    parser.add_argument("--epochs", type=int, default=None, help="training epochs (default 8)")
    parser.add_argument("--workdir", type=Path, default=None, help="keep corpora/models here")
    parser.add_argument("--gold-pos-only", action="store_true",
                        help="no silver POS for raw-text instances (no tagger)")
    parser.add_argument("--word2vec", default="binary",
                        help="models whose embeddings start from word2vec on the training "
                             "text: binary, multitask, binary,multitask or none")
    parser.add_argument("--seed", type=int, default=0, help="training seed (system.seed)")
    parser.add_argument("--models", default=",".join(MODELS),
                        help="comma-separated subset of binary,multitask")
    parser.add_argument("--raw-text", action="append", default=[],
                        help="more raw Dutch text (repeatable), added to the news/Tatoeba "
                             "text: a plain-text file, or a folder with a documents.tsv "
                             "index (the legislation: streamed, split by document)")
    parser.add_argument("--max-instances", type=int, default=None,
                        help="training instances in all (LassySmall + news/Tatoeba + the "
                             "indexed --raw-text up to this many)")
    parser.add_argument("--w2v-text", choices=("all", "news"), default="all",
                        help="word2vec's text: all the raw text (with --raw-text) or "
                             "LassySmall + news/Tatoeba only (the earlier recipe)")
    parser.add_argument("--w2v-epochs", type=int, default=10,
                        help="word2vec epochs (10; fewer for the 18M-token legislation)")
    parser.add_argument("--eval-frequency", type=int, default=None,
                        help="steps between hold-out evaluations (default: 50/100, or "
                             "five a epoch with --max-instances)")
    parser.add_argument("--time-limit", type=float, default=None,
                        help="minutes per model: training stops there and the best "
                             "checkpoint so far (model-best) is evaluated")
    parser.add_argument("--streamed", action="store_true",
                        help="stream the training corpus (lexiplug.StreamedCorpus.v1, "
                             "max_epochs -1, max_steps = epochs x Docs / 64): bounded memory "
                             "for points past ~50k instances, where spaCy's own loop lists "
                             "every Example (8.9 GB at 50k)")
    parser.add_argument("--prepare-only", action="store_true",
                        help="prepare corpora and word2vec, train nothing")
    parser.add_argument("--override", action="append", default=[],
                        help="spacy train override SECTION.KEY=VALUE for both models "
                             "(repeatable), e.g. components.die_dat.model.lexicon_features=false")
    return parser.parse_args()


def train_tagger(workdir: Path, epochs: int | None = None) -> tuple[Path, dict[str, Any]]:
    """The silver-POS tagger (trained once per workdir; ``epochs`` overrides the config's 6,
    e.g. 2 in quick mode) and its accuracy on the die/dat tokens of the held-out LassySmall
    Docs (its dev set, also the die/dat hold-out)."""
    from lexiplug.data.resolver import resolve_data_path
    from lexiplug.plugins.tasks.die_dat.silver import prepare_tagger_data, target_pos_accuracy
    from spacy import blank
    from spacy.tokens import DocBin

    tagger_dir = workdir / "tagger"
    run = tagger_dir / ("run" if epochs is None else f"run_e{epochs}")
    model = run / "model-best"
    if not model.exists():
        prepare_tagger_data(resolve_data_path(LASSY_TRAIN), tagger_dir / "train.spacy",
                            tagger_dir / "dev.spacy", dev_fraction=0.1, seed=0)
        env = {**os.environ, "OMP_NUM_THREADS": "1"}
        result = subprocess.run(
            [sys.executable, "-m", "spacy", "train", str(REPO / "configs" / "ud_tagger_nl.cfg"),
             "--paths.train", str(tagger_dir / "train.spacy"),
             "--paths.dev", str(tagger_dir / "dev.spacy"), "--output", str(run),
             *(["--training.max_epochs", str(epochs)] if epochs is not None else [])],
            capture_output=True, text=True, env=env)
        if result.returncode != 0:
            raise RuntimeError(f"spacy train ud_tagger_nl failed:\n{result.stderr[-3000:]}")
    held_out = list(DocBin().from_disk(tagger_dir / "dev.spacy").get_docs(blank("nl").vocab))
    accuracy = target_pos_accuracy(model, held_out)
    print(f"silver tagger on held-out LassySmall die/dat tokens: {accuracy}")
    return model, accuracy


def raw_files(raw_text: list[str]) -> tuple[list[Path], list[Path], list[Path]]:
    """(plain-text files, document-indexed folders, every text file) of the news/Tatoeba text
    plus ``--raw-text``; an indexed folder's text files are the ones its index names."""
    from lexiplug.data.resolver import resolve_data_path
    from lexiplug.plugins.datasets.readers_indexed_text import IndexedTextCorpus
    from lexiplug.plugins.tasks.die_dat.indexed import is_indexed_corpus

    plain = [resolve_data_path(p) for p in RAW_TEXT]
    indexed: list[Path] = []
    for raw in raw_text:
        path = Path(raw) if Path(raw).exists() else resolve_data_path(raw)
        (indexed if is_indexed_corpus(path) else plain).append(path)
    every = [*plain, *(folder / name for folder in indexed
                       for name in IndexedTextCorpus.open(folder).files())]
    return plain, indexed, every


def streamed_sentences(files: list[Path]) -> Iterator[list[str]]:
    """LassySmall v1.3 train, then every line of ``files`` (gzip or not), as lower-cased
    spaCy tokens (as the model reads them), one sentence at a time: never a list of all."""
    import spacy
    from lexiplug.data.resolver import resolve_data_path
    from lexiplug.plugins.datasets.readers_conllu import read_conllu
    from lexiplug.plugins.tasks.inputs import open_binary, text_lines

    tokenizer: Any = spacy.blank("nl").tokenizer
    for sentence in read_conllu(resolve_data_path(LASSY_TRAIN)):
        yield [w.lower() for w in sentence.forms]
    for path in files:
        with open_binary(path) as handle:
            lines = (line.strip() for line in text_lines(path, handle))
            for doc in tokenizer.pipe(line for line in lines if line):
                yield [t.lower_ for t in doc if not t.is_space]


def train_word2vec(workdir: Path, files: list[Path] | None = None, epochs: int = 10) -> Path:
    """word2vec (lexiplug.word2vec.v1, 100 dims = embed_width) on LassySmall v1.3 train and
    all the raw training text (``files``), streamed; one folder per text and epochs."""
    import hashlib

    from lexiplug.corpus.encoded import encode_sentences
    from lexiplug.data.resolver import resolve_data_path
    from lexiplug.plugins.static.word2vec import word2vec_v1
    from lexiplug.vectors.io import save_vectors

    files = files or [resolve_data_path(p) for p in RAW_TEXT]
    default = [resolve_data_path(p) for p in RAW_TEXT]
    name = "word2vec_nl"
    if files != default or epochs != 10:
        key = hashlib.sha1(f"{[f.name for f in files]}:{epochs}".encode()).hexdigest()[:8]
        name += f"_{key}"
    target = workdir / name
    if target.exists():
        return target
    encoded = encode_sentences(streamed_sentences(files), min_count=2)
    embedder = word2vec_v1(vector_size=100, min_count=2, epochs=epochs, workers=1, seed=1,
                           progress=False)
    save_vectors(embedder.fit(encoded), target, format="native")
    print(f"word2vec: {len(encoded.vocab.words)} words, {encoded.n_tokens} tokens, "
          f"{epochs} epochs")
    return target


LEGAL_DEV_FRACTION = 0.03  # of the documents (regulations), by a seeded hash of the id
LEGAL_MAX_DEV = 3000  # dev instances from the indexed text: evaluation stays cheap


def prepare_indexed_point(workdir: Path, folder: Path, n_legal: int,
                          tagger: Path | None) -> tuple[Path | None, Path]:
    """(training shards of about ``n_legal`` instances or None, dev shards) of one indexed
    corpus. The dev documents and their shards are the same for every ``n_legal``; training
    Docs are a seeded sample spread over the whole corpus, nested across sizes."""
    from lexiplug.plugins.datasets.readers_indexed_text import IndexedTextCorpus
    from lexiplug.plugins.tasks.die_dat.indexed import count_targets
    from lexiplug.plugins.tasks.die_dat.prepare import prepare

    base = workdir / "indexed" / (folder.name + ("_silver" if tagger else ""))
    base.mkdir(parents=True, exist_ok=True)
    counts_file = base / "counts.json"
    if not counts_file.exists():
        counts = count_targets(IndexedTextCorpus.open(folder), LEGAL_DEV_FRACTION, 0)
        counts_file.write_text(json.dumps(counts), encoding="utf-8")
    counts = json.loads(counts_file.read_text(encoding="utf-8"))
    dev = base / "dev"
    train = base / f"train_{n_legal}" if n_legal > 0 else None
    need_dev = not (dev / "done").exists()
    if train is not None and (train / "done").exists():
        train_needed = None
    else:
        train_needed = train
    if need_dev or train_needed is not None:
        for part in (p for p in (dev if need_dev else None, train_needed) if p is not None):
            if part.exists():  # an interrupted run: start that folder again
                import shutil

                shutil.rmtree(part)
        rate = min(1.0, 1.05 * max(n_legal, 1) / max(counts["train"], 1))
        print(prepare([folder], train_needed or base / "unused_train",
                      dev_output=dev if need_dev else None, dev_fraction=LEGAL_DEV_FRACTION,
                      seed=0, pos_tagger=tagger, max_instances=max(n_legal, 1),
                      max_dev_instances=LEGAL_MAX_DEV, sample_rate=rate))
        for part in (p for p in (dev if need_dev else None, train_needed) if p is not None):
            (part / "done").touch()
    return train, dev


def link_point(target: Path, parts: list[Path]) -> Path:
    """A folder of symlinks to ``parts`` (DocBin files or shard folders): spaCy's corpus
    reader walks it, so curve points share their data instead of copying it."""
    target.mkdir(parents=True, exist_ok=True)
    for part in parts:
        link = target / part.name
        if not link.exists():
            link.symlink_to(part.resolve())
    return target


def count_training_instances(train: Path) -> np.ndarray:
    """(die, dat) instances in the DocBins under ``train`` (symlinks followed)."""
    import spacy
    from lexiplug.plugins.tasks.die_dat.instances import TARGET_HASHES
    from spacy.attrs import LOWER
    from spacy.tokens import DocBin
    from spacy.training.corpus import walk_corpus

    vocab = spacy.blank("nl").vocab
    counts = np.zeros(2, dtype=np.int64)
    for part in walk_corpus(train, ".spacy"):
        for doc in DocBin().from_disk(part).get_docs(vocab):
            lower = doc.to_array([LOWER]).reshape(-1)
            counts += (lower[:, None] == TARGET_HASHES[None, :]).sum(axis=0)
    return counts


def prepare_corpora(workdir: Path, eval_files: dict[str, Path],
                    tagger: Path | None = None, raw_text: list[str] | None = None,
                    max_instances: int | None = None) -> dict[str, Any]:
    from lexiplug.data.resolver import resolve_data_path
    from lexiplug.plugins.tasks.die_dat.prepare import prepare

    plain, indexed, every = raw_files(raw_text or [])
    corpus = workdir / "corpus"
    if tagger is not None:  # one silver corpus per tagger run (run, run_e2 in quick mode)
        run_name = tagger.parent.name
        corpus = workdir / ("corpus_silver" if run_name == "run" else f"corpus_silver_{run_name}")
    extra = plain[len(RAW_TEXT):]
    if extra:  # more plain text: another corpus folder
        import hashlib

        corpus = corpus.with_name(corpus.name + "_" + hashlib.sha1(
            str([p.name for p in extra]).encode()).hexdigest()[:8])
    train_dir = corpus / "train"
    dev_dir = corpus / "dev"
    paths: dict[str, Any] = {"train": train_dir, "dev": dev_dir}
    if not (train_dir / "raw.spacy").exists() or not (dev_dir / "raw.spacy").exists():
        # Early stopping on 10% of LassySmall v1.3 train alone (about 70 instances) picked
        # checkpoints by noise, so 10% of the raw-text Docs join the dev set.
        prepare([resolve_data_path(LASSY_TRAIN)], train_dir / "lassy.spacy",
                dev_output=dev_dir / "lassy.spacy", dev_fraction=0.1, seed=0)
        print(prepare(plain, train_dir / "raw.spacy",
                      dev_output=dev_dir / "raw.spacy", dev_fraction=0.1, seed=0,
                      pos_tagger=tagger))
    if indexed:
        # The indexed text fills the training set up to max_instances; its dev documents
        # (LEGAL_DEV_FRACTION of them, whole regulations) join the early-stopping set.
        base = count_training_instances(train_dir).sum()
        wanted = max_instances if max_instances is not None else 10**9
        share = max(0, int(wanted) - int(base))
        train_parts = [train_dir / "lassy.spacy", train_dir / "raw.spacy"]
        dev_parts = [dev_dir / "lassy.spacy", dev_dir / "raw.spacy"]
        for number, folder in enumerate(indexed):
            each = share // len(indexed) + (share % len(indexed) if number == 0 else 0)
            legal_train, legal_dev = prepare_indexed_point(workdir, folder, each, tagger)
            if legal_train is not None:
                train_parts.append(legal_train)
            dev_parts.append(legal_dev)
        label = "all" if max_instances is None else str(max_instances)
        point = workdir / "points" / f"{corpus.name}_{'_'.join(f.name for f in indexed)}"
        paths["train"] = link_point(point / f"train_{label}", train_parts)
        paths["dev"] = link_point(point / "dev", dev_parts)
    elif max_instances is not None:
        raise SystemExit("--max-instances needs an indexed --raw-text folder to fill up to")
    # The article lexicon also reads every plain raw training sentence (the DocBins keep only
    # the sentences with die/dat); the held-out dev sentences are in there too, test text
    # never. The indexed text enters through its training DocBins only: reading all 18M
    # tokens of the legislation again in every run cost minutes on a shared CPU.
    paths["lexicon_text"] = plain
    paths["text_files"] = every
    for name, source in eval_files.items():
        target = workdir / "corpus" / f"eval_{name}.spacy"
        if not target.exists():
            prepare([source], target)
        paths[f"eval_{name}"] = target
    return paths


def train(model: str, paths: dict[str, Any], workdir: Path, epochs: int,
          overrides: list[str], seed: int = 0, run_name: str = "",
          vectors: bool = False, eval_frequency: int | None = None,
          time_limit_s: float | None = None,
          streamed_steps: int | None = None) -> tuple[Path, float, bool]:
    """(model-best, seconds, whether the time limit stopped it). spaCy writes model-best at
    every improved hold-out evaluation: that is the checkpoint a time limit falls back to.
    ``streamed_steps``: train that many steps from the streamed reader instead of epochs."""
    output = workdir / "runs" / (run_name or model)
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    # evaluate twice an epoch at least, so short runs do not keep the step-0 checkpoint
    frequency = eval_frequency or (50 if epochs <= 2 else 100)
    start = time.perf_counter()
    command = [
        sys.executable, "-m", "spacy", "train", str(REPO / "configs" / f"die_dat_{model}.cfg"),
        "--paths.train", str(paths["train"]), "--paths.dev", str(paths["dev"]),
        "--output", str(output), *epoch_arguments(epochs, streamed_steps),
        "--training.eval_frequency", str(frequency),
        *(["--training.patience", str(6 * frequency)] if eval_frequency else []),
         "--paths.lexicon_text", json.dumps([str(path) for path in paths["lexicon_text"]]),
         "--paths.vectors", json.dumps(str(paths["vectors"]) if vectors else None),
         "--system.seed", str(seed),
         *[part for item in overrides for part in ("--" + item.split("=", 1)[0],
                                                   item.split("=", 1)[1])]]
    log = output.with_suffix(".log")
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "w", encoding="utf-8") as handle:
        try:
            result = subprocess.run(command, stdout=handle, stderr=subprocess.STDOUT,
                                    text=True, env=env, timeout=time_limit_s)
        except subprocess.TimeoutExpired:  # the child is killed; model-best stays
            if not (output / "model-best" / "meta.json").exists():
                raise RuntimeError(f"spacy train {model} hit the time limit before its "
                                   f"first checkpoint; see {log}") from None
            return output / "model-best", time.perf_counter() - start, True
    seconds = time.perf_counter() - start
    if result.returncode != 0:
        tail = log.read_text(encoding="utf-8")[-4000:]
        raise RuntimeError(f"spacy train {model} failed:\n{tail}")
    return output / "model-best", seconds, False


def evaluate(nlp: Any, eval_path: Path) -> tuple[Any, float, int]:
    """Outcomes, words/s of ``nlp.pipe`` over the texts, and the word count."""
    from lexiplug.plugins.tasks.die_dat.scorer import collect_outcomes
    from spacy.tokens import DocBin
    from spacy.training import Example

    references = list(DocBin().from_disk(eval_path).get_docs(nlp.vocab))
    texts = [doc.text for doc in references]
    start = time.perf_counter()
    predicted = list(nlp.pipe(texts, batch_size=256))
    seconds = time.perf_counter() - start
    n_words = sum(len(doc) for doc in predicted)
    outcomes = collect_outcomes(Example(p, r) for p, r in zip(predicted, references, strict=True))
    return outcomes, n_words / seconds, n_words


def holdout_accuracy(model_dir: Path) -> float | None:
    """die/dat accuracy of the kept checkpoint on the training hold-out (early-stopping set)."""
    meta = json.loads((model_dir / "meta.json").read_text(encoding="utf-8"))
    value = meta.get("performance", {}).get("die_dat_acc")
    return float(value) if value is not None else None


def row_from(name: str, dataset: str, outcomes: Any, words_per_s: float | None) -> dict[str, Any]:
    from lexiplug.evaluation.stats import bootstrap_ci
    from lexiplug.plugins.tasks.die_dat.scorer import scores_from_outcomes

    scores = scores_from_outcomes(outcomes)
    correct = outcomes.correct.astype(np.float64)
    ci = bootstrap_ci(lambda idx: float(correct[idx].mean()), correct.shape[0], seed=0)
    row = {
        "name": name, "dataset": dataset, "n_instances": int(correct.shape[0]),
        "accuracy": scores["die_dat_acc"], "balanced_accuracy": scores["die_dat_balanced_acc"],
        "pronoun_accuracy": scores["die_dat_pronoun_acc"],
        "accuracy_ci_low": ci[0] if ci else None, "accuracy_ci_high": ci[1] if ci else None,
        "words_per_s": words_per_s,
    }
    if scores["die_dat_pos_acc"] is not None:
        row["pos_accuracy"] = scores["die_dat_pos_acc"]
    return row


def mcnemar(correct_a: np.ndarray, correct_b: np.ndarray) -> dict[str, float]:
    """Exact McNemar test on the discordant pairs (two-sided binomial, p = 0.5)."""
    from scipy.stats import binomtest

    only_a = int((correct_a & ~correct_b).sum())
    only_b = int((~correct_a & correct_b).sum())
    n = only_a + only_b
    p_value = binomtest(only_a, n, 0.5).pvalue if n else 1.0
    return {"only_binary_correct": only_a, "only_multitask_correct": only_b,
            "p_value": float(p_value)}


BATCH_DOCS = 64  # training.batcher.size of configs/die_dat_*.cfg


def epoch_arguments(epochs: int, streamed_steps: int | None) -> list[str]:
    """``spacy train`` overrides for the training length: epochs over a listed corpus, or
    (streamed) max_epochs -1, which makes spaCy call the reader once a pass instead of
    holding every Example, with the length set in steps."""
    if streamed_steps is None:
        return ["--training.max_epochs", str(epochs)]
    return ["--corpora.train.@readers", "lexiplug.StreamedCorpus.v1",
            "--training.max_epochs", "-1", "--training.max_steps", str(streamed_steps)]


def count_training_docs(train: Path) -> int:
    """Docs in the DocBins under ``train`` (symlinks followed): the batches of an epoch."""
    from spacy.tokens import DocBin
    from spacy.training.corpus import walk_corpus

    return sum(len(DocBin().from_disk(part)) for part in walk_corpus(train, ".spacy"))


def main() -> None:
    args = parse_args()
    import spacy
    from lexiplug.data.resolver import resolve_data_path
    from lexiplug.plugins.tasks.die_dat.scorer import Outcomes

    models = tuple(m for m in MODELS if m in args.models.split(","))
    if not models:
        raise SystemExit(f"--models: expected some of {MODELS}, found {args.models!r}")
    epochs = args.epochs or (2 if args.quick else 8)
    eval_files = {"alpino_dev": resolve_data_path(ALPINO_DEV)}
    eval_files.update({path.stem: path for path in args.eval})
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="lexiplug_die_dat_"))
    rows: list[dict[str, Any]] = []
    tagger = None
    silver_pos = not args.gold_pos_only
    word2vec_models = {m for m in args.word2vec.split(",") if m and m != "none"}
    if word2vec_models - set(MODELS):
        raise SystemExit(f"--word2vec: expected some of {MODELS} or none, found {args.word2vec!r}")
    if silver_pos:
        tagger, tagger_accuracy = train_tagger(workdir, 2 if args.quick else None)
        rows.append({"name": "silver_tagger", "dataset": "lassysmall_v13_heldout",
                     "n_instances": tagger_accuracy["n"],
                     "pos_accuracy": tagger_accuracy["accuracy"]})
    paths = prepare_corpora(workdir, eval_files, tagger, args.raw_text, args.max_instances)
    if word2vec_models & set(models):
        text = paths["text_files"] if args.w2v_text == "all" else None
        paths["vectors"] = train_word2vec(workdir, text, args.w2v_epochs)
    counts = count_training_instances(paths["train"])
    majority = int(counts.argmax())
    print(f"training instances: die {counts[0]}, dat {counts[1]}; majority = "
          f"{('die', 'dat')[majority]}")
    if args.prepare_only:
        return
    eval_frequency = args.eval_frequency
    if eval_frequency is None and args.max_instances is not None:
        # about five hold-out evaluations an epoch (batches of 64 Docs, ~1.7 targets a Doc)
        eval_frequency = max(100, round(int(counts.sum()) / 1.7 / 64 / 5))

    correct: dict[tuple[str, str], np.ndarray] = {}
    trained: dict[str, Path] = {}
    train_seconds: dict[str, float] = {}
    tag = "_silver" if silver_pos else ""
    tag += f"_e{epochs}" if args.epochs else ""
    tag += "_streamed" if args.streamed else ""
    streamed_steps = None
    if args.streamed:
        streamed_steps = epochs * -(-count_training_docs(paths["train"]) // BATCH_DOCS)
    if args.raw_text or args.max_instances:
        tag += (f"_{paths['train'].parent.name}_{paths['train'].name}_w2v{args.w2v_text}"
                f"{args.w2v_epochs}")
    if args.override:  # distinct run folders for distinct settings in one workdir
        import hashlib

        tag += "_" + hashlib.sha1("\n".join(args.override).encode()).hexdigest()[:8]
    stopped: dict[str, bool] = {}
    for model in models:
        trained[model], train_seconds[model], stopped[model] = train(
            model, paths, workdir, epochs, args.override, seed=args.seed,
            run_name=f"{model}{tag}{'_w2v' if model in word2vec_models else ''}_seed{args.seed}",
            vectors=model in word2vec_models, eval_frequency=eval_frequency,
            time_limit_s=None if args.time_limit is None else 60 * args.time_limit,
            streamed_steps=streamed_steps)
        print(f"trained {model} in {train_seconds[model]:.0f} s ({epochs} epochs"
              f"{', stopped by --time-limit' if stopped[model] else ''}); "
              f"hold-out accuracy {holdout_accuracy(trained[model])}")
    for dataset in eval_files:
        eval_path = paths[f"eval_{dataset}"]
        outcomes = None
        for model in models:
            nlp = spacy.load(trained[model])
            outcomes, words_per_s, _ = evaluate(nlp, eval_path)
            row = row_from(model, dataset, outcomes, words_per_s)
            row["train_seconds"] = round(train_seconds[model], 1)
            row["holdout_accuracy"] = holdout_accuracy(trained[model])
            row["seed"] = args.seed
            row["silver_pos"] = silver_pos and model == "multitask"
            row["word2vec"] = model in word2vec_models
            row["train_instances"] = int(counts.sum())
            row["epochs"] = epochs
            row["stopped_by_time_limit"] = stopped[model]
            rows.append(row)
            correct[(model, dataset)] = outcomes.correct
        assert outcomes is not None
        base = Outcomes(outcomes.gold, np.full_like(outcomes.gold, majority), outcomes.gold_pos,
                        np.full(outcomes.gold.shape[0], "", dtype=str))
        rows.insert(len(rows) - len(models), row_from("majority", dataset, base, None))
        if len(models) == 2:
            test = mcnemar(correct[("binary", dataset)], correct[("multitask", dataset)])
            print(f"{dataset}: McNemar binary vs multitask: {test}")
            rows.append({"name": "mcnemar_binary_vs_multitask", "dataset": dataset, **test})

    print(f"\n{machine_note()}; {epochs} epochs; seed {args.seed}; silver POS "
          f"{silver_pos}; word2vec {sorted(word2vec_models)}; overrides {args.override}; "
          f"workdir {workdir}")
    metrics = ["dataset", "n_instances", "holdout_accuracy", "accuracy", "balanced_accuracy",
               "pronoun_accuracy", "accuracy_ci_low", "accuracy_ci_high", "pos_accuracy",
               "words_per_s", "train_seconds"]
    print_table([r for r in rows if "accuracy" in r or "pos_accuracy" in r], metrics)
    print("paper (Europarl/SoNaR, not comparable data): binary 0.8456, multitask 0.8863 "
          "(POS 0.8773)")
    write_json(rows, args.json)


if __name__ == "__main__":
    main()
