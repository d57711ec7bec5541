"""Multi-sense vectors: Disambiguated Skip-gram against skip-gram and context clustering.

Rows ``skipgram`` (gensim Word2Vec, sg=1: the tool a user would pick, one sense per word),
``context_clustering`` (``lexiplug.context_clustering.v1``: k-means over contexts, then
skip-gram on sense labels) and ``dsg`` (``lexiplug.disambiguated_skipgram.v1``), all at
dim 100, window 5, 5 negatives, trained on the same lowercased English text: the Gutenberg
corpus plus the 20 Newsgroups training messages (headers dropped). Columns: SCWS Spearman of
AvgSimC / MaxSimC / GlobalSim, WSI Fuzzy B-Cubed and Fuzzy NMI on SemEval-2013 Task 13 (as
the task's scorer computes them; an instance lists the senses at least ``min_share`` as
probable as its top one),
ws353 and simlex999 Spearman of the one-vector view, training seconds and senses per word.
Rows ``one_cluster`` and ``one_cluster_per_instance`` are the WSI task's trivial baselines.
``dataset`` names the files scored.

    python bench/multisense.py [--quick] [--json PATH] [--eval SCWS_FILE] \
        [--eval-wsi KEY_FILE CONTEXTS_DIR]

``--quick`` trains on the same text for 1 epoch instead of 5 (``--epochs N`` for another
count); ``--workers`` sets the threads of every row (gensim's and ours alike);
``--models-dir DIR`` saves each trained model there (DSG also checkpoints there after every
epoch) and, on a later run, scores the saved model instead of training it again, so a killed
run resumes and a scoring change needs no retraining. DSG trains without pruning and is
pruned once afterwards at ``--dsg-prune`` (``SenseVectors.pruned``: the same rule as
``prune_threshold``, applied to the last epoch's sense shares); ``--dsg-entropy`` is its
``entropy_weight`` (the defaults of both were chosen on the ``tune`` half, below).
``--eval`` scores a held-out SCWS file and ``--eval-wsi`` a SemEval key + contexts folder in
the dev sets' formats instead of the dev samples. ``--dev-half tune`` scores only the half
of the dev samples the settings were chosen on (even-numbered SCWS pairs, the 1st, 3rd, …
WSI target in name order) and ``--dev-half held_out`` only the other half. ``--dsg-trainer
torch`` trains the DSG row with the torch trainer (on CUDA when torch sees one) instead of
the numba one.
"""

from __future__ import annotations

import argparse
import re
import sys
import tarfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from _harness import machine_note, print_table, ratio, write_json

WORD = re.compile(r"[A-Za-z0-9]+(?:'[A-Za-z]+)?")
MAX_SENTENCE = 1000
WORKERS = 2
# chosen on the tune half of the dev samples (bench/RESULTS.md, "Multi-sense vectors, part 3")
DSG_PRUNE = 0.3
DSG_ENTROPY = 1.0
ROWS = ("skipgram", "context_clustering", "dsg")
PLOT_WORDS = ("paper", "power", "window", "force")


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1 epoch instead of 5")
    parser.add_argument("--json", type=Path, default=None, help="write the rows as JSON here")
    parser.add_argument("--rows", nargs="+", choices=ROWS, default=list(ROWS),
                        help="train only these rows (the WSI baselines are always scored)")
    parser.add_argument("--eval", type=Path, default=None, help="an SCWS file to score")
    parser.add_argument("--eval-wsi", type=Path, nargs=2, default=None,
                        metavar=("KEY", "CONTEXTS"), help="a SemEval-2013 key and contexts")
    parser.add_argument("--epochs", type=int, default=None,
                        help="epochs of every row (default 5, 1 with --quick)")
    parser.add_argument("--workers", type=int, default=WORKERS, help="threads of every row")
    parser.add_argument("--models-dir", type=Path, default=None,
                        help="save trained models here and reuse them on a later run")
    parser.add_argument("--dsg-prune", type=float, default=DSG_PRUNE,
                        help="prune DSG's senses below this share after training")
    parser.add_argument("--dsg-entropy", type=float, default=DSG_ENTROPY,
                        help="DSG's entropy_weight")
    parser.add_argument("--dev-half", choices=("tune", "held_out"), default=None,
                        help="score only this half of the dev samples")
    parser.add_argument("--dsg-trainer", choices=("numba", "torch"), default="numba",
                        help="the DSG row's trainer (torch: CUDA when present)")
    return parser.parse_args()


def paragraphs(text: str) -> Iterator[list[str]]:
    for block in re.split(r"\n\s*\n", text):
        tokens = [w.lower() for w in WORD.findall(block)]
        for start in range(0, len(tokens), MAX_SENTENCE):
            if tokens[start:start + MAX_SENTENCE]:
                yield tokens[start:start + MAX_SENTENCE]


def english_text() -> list[list[str]]:
    from lexiplug.data.resolver import resolve_data_path

    sentences: list[list[str]] = []
    for path in sorted(resolve_data_path("corpora/gutenberg-nltk").glob("*.txt")):
        # these files hold one paragraph a line, without blank lines between them
        for line in path.read_text(encoding="latin-1").splitlines():
            sentences.extend(paragraphs(line))
    archive = resolve_data_path("doc_classification/20newsgroups/20news-bydate-train.tar.gz")
    with tarfile.open(archive) as tar:
        for member in tar:
            if member.isfile():
                raw = tar.extractfile(member).read().decode("latin-1")  # type: ignore[union-attr]
                sentences.extend(paragraphs(raw.split("\n\n", 1)[-1]))  # drop the headers
    return sentences


def score_row(name: str, model: Any, fit_s: float, scws: Any, wsi: Any) -> dict[str, Any]:
    from lexiplug.plugins.multisense.scws import SCWSEvaluator
    from lexiplug.plugins.multisense.wsi import WSIEvaluator
    from lexiplug.registry import registry

    s = SCWSEvaluator(bootstrap=200).evaluate(model, scws)
    w = WSIEvaluator(bootstrap=200).evaluate(model, wsi)
    similarity = registry.evaluators.get("lexiplug.similarity.v1")()
    sims = {d: similarity.evaluate(model, d).score for d in ("ws353", "simlex999")}
    return {
        "name": name, "dataset": f"{scws.path.name} ({len(scws.pairs)} pairs) + "
        f"{wsi.key_path.name} ({len(wsi)} instances)",
        "scws_avgsimc": s.metrics["avgsimc"], "scws_avgsimc_ci": s.ci.get("avgsimc"),
        "scws_maxsimc": s.metrics["maxsimc"], "scws_globalsim": s.metrics["globalsim"],
        "scws_coverage": round(s.coverage, 3),
        "wsi_fbcubed": w.metrics["fbcubed"], "wsi_fbcubed_ci": w.ci.get("fbcubed"),
        "wsi_fnmi": w.metrics["fnmi"], "wsi_fnmi_ci": w.ci.get("fnmi"),
        "ws353": sims["ws353"], "simlex999": sims["simlex999"], "fit_s": round(fit_s, 1),
        "senses_per_word": round(float(getattr(model, "senses_per_word", 1.0)), 3),
    }


def plots(model: Any, name: str, folder: Path) -> None:
    """The sense figure and neighbour lists for a few of the WSI targets."""
    from lexiplug.plugins.multisense.plot import plot_senses, sense_neighbours

    for word in PLOT_WORDS:
        if word in model.key_to_index and model.sense_count(word) > 1:
            path = plot_senses(model, word, folder / f"multisense-{name}-{word}.png")
            print(f"{path}: " + " | ".join(
                ", ".join(w for w, _ in group) for group in sense_neighbours(model, word, 5)))


def dev_half(scws: Any, wsi: Any, half: str) -> tuple[Any, Any]:
    """One half of the dev samples: the settings were chosen on ``tune`` only."""
    import copy

    first = 0 if half == "tune" else 1
    scws, wsi = copy.copy(scws), copy.copy(wsi)
    scws.pairs = scws.pairs[first::2]
    lemmas = sorted(wsi.instances)[first::2]
    wsi.instances = {lemma: wsi.instances[lemma] for lemma in lemmas}
    return scws, wsi


class SavedModels:
    """Trained models kept in ``--models-dir`` (none without it), with their training time."""

    def __init__(self, folder: Path | None, epochs: int) -> None:
        self.folder = None if folder is None else folder / f"epochs{epochs}"

    def checkpoints(self, name: str) -> str | None:
        return None if self.folder is None else str(self.folder / f"{name}-checkpoints")

    def has(self, name: str) -> bool:
        return self.folder is not None and (self.folder / f"{name}.json").exists()

    def get(self, name: str, train: Any) -> tuple[Any, float]:
        """The saved model and its fit seconds, or ``train()``'s (saved when there is a
        folder)."""
        import json

        from lexiplug.plugins.multisense.sense_vectors import SenseVectors
        from lexiplug.vectors import Vectors

        kind = Vectors if name == "skipgram" else SenseVectors
        suffix = "vectors" if name == "skipgram" else "senses"
        if self.has(name):
            assert self.folder is not None
            info = json.loads((self.folder / f"{name}.json").read_text())
            print(f"{name}: the model saved in {self.folder} ({info['fit_s']:.0f} s to fit)",
                  file=sys.stderr)
            return kind.load(self.folder / f"{name}.{suffix}"), float(info["fit_s"])
        start = time.perf_counter()
        model = train()
        # a resumed DSG run knows the seconds its earlier epochs took
        seconds = float(getattr(model, "metadata", {}).get("fit_seconds") or 0.0) \
            if name == "dsg" else time.perf_counter() - start
        if self.folder is not None:
            from lexiplug.atomic import atomic_open

            self.folder.mkdir(parents=True, exist_ok=True)
            model.save(self.folder / f"{name}.{suffix}")
            with atomic_open(self.folder / f"{name}.json") as handle:
                handle.write(json.dumps({"fit_s": seconds}))
        return model, seconds


def main() -> None:
    args = arguments()
    from lexiplug.plugins.multisense.clustering import ContextClustering, ContextClusteringSettings
    from lexiplug.plugins.multisense.datasets import SCWS_DEV, SEMEVAL_DEV, read_scws, read_semeval
    from lexiplug.plugins.multisense.dsg import DisambiguatedSkipgram, DSGSettings
    from lexiplug.plugins.multisense.wsi import baseline_result
    from lexiplug.vectors import Vectors

    scws = read_scws(args.eval) if args.eval else SCWS_DEV.load()
    wsi = read_semeval(*args.eval_wsi) if args.eval_wsi else SEMEVAL_DEV.load()
    if args.dev_half is not None:
        scws, wsi = dev_half(scws, wsi, args.dev_half)
    start = time.perf_counter()
    sentences = english_text()
    n_tokens = sum(map(len, sentences))
    print(f"corpus: {len(sentences)} paragraphs, {n_tokens} tokens "
          f"({time.perf_counter() - start:.0f} s to read)", file=sys.stderr)
    epochs = args.epochs or (1 if args.quick else 5)
    common = {"dim": 100, "window": 5, "min_count": 5, "epochs": epochs,
              "workers": args.workers, "seed": 0}
    rows = []
    saved = SavedModels(args.models_dir, epochs)

    if "skipgram" in args.rows:
        def train_skipgram() -> Any:
            from gensim.models import Word2Vec

            sg = Word2Vec(sentences, vector_size=100, window=5, min_count=5, sg=1, negative=5,
                          epochs=epochs, workers=args.workers, seed=0)
            return Vectors(list(sg.wv.index_to_key), sg.wv.vectors.copy())

        skipgram, sg_seconds = saved.get("skipgram", train_skipgram)
        rows.append(score_row("skipgram", skipgram, sg_seconds, scws, wsi))
        print(rows[-1], file=sys.stderr)

    encoded: Any = None
    for name, build in (
        ("context_clustering", lambda: ContextClustering(ContextClusteringSettings(
            **common, senses=3, min_sense_count=300))),
        ("dsg", lambda: DisambiguatedSkipgram(DSGSettings(
            **common, senses=5, min_sense_count=300, prune_threshold=0.0,
            entropy_weight=args.dsg_entropy,
            trainer=args.dsg_trainer, checkpoint_dir=saved.checkpoints("dsg"),
            resume=args.models_dir is not None))),
    ):
        if name not in args.rows:
            continue

        if encoded is None and not saved.has(name):
            from lexiplug.corpus.encoded import encode_sentences

            encoded = encode_sentences(sentences, min_count=5)  # not part of any row's fit_s
        model, seconds = saved.get(name, lambda build=build, encoded=encoded: build().fit(encoded))
        if name == "dsg":
            model = model.pruned(args.dsg_prune)
        rows.append(score_row(name, model, seconds, scws, wsi))
        print(rows[-1], file=sys.stderr)
        if args.json is not None:
            plots(model, name, args.json.parent)
    for baseline in ("one_cluster", "one_cluster_per_instance"):
        result = baseline_result(wsi, baseline)
        rows.append({"name": baseline, "dataset": f"{wsi.key_path.name} ({len(wsi)} instances)",
                     "wsi_fbcubed": result.metrics["fbcubed"], "wsi_fnmi": result.metrics["fnmi"]})
    base = rows[0]
    for row in rows[1:]:
        if base["name"] == "skipgram" and row.get("fit_s"):
            row["fit_vs_gensim"] = ratio(row, base, "fit_s", higher_is_better=True)
    print(f"\n{machine_note()}; corpus {n_tokens} tokens, {epochs} epochs, "
          f"{args.workers} workers")
    print_table(rows, metrics=["scws_avgsimc", "scws_maxsimc", "scws_globalsim", "wsi_fbcubed",
                               "wsi_fnmi", "ws353", "simlex999", "fit_s", "fit_vs_gensim",
                               "senses_per_word"], baseline="skipgram",
                ratio_metric="scws_avgsimc", higher_is_better=True)
    write_json(rows, args.json)


if __name__ == "__main__":
    main()
