"""The LM lab: four input/output schemes on one decoder backbone, in bits per byte.

Rows (plugins/lm/, docs/lm_lab.md), each the same backbone (dim, layers, heads) trained for
the same number of steps of the same batch size on windows of about ``context_bytes`` bytes
of the Gutenberg books (``corpora/gutenberg-nltk``; 5% of the books, chosen by the seed,
held out), so every row sees about the same bytes:

- ``subword``: byte-level BPE trained with Hugging Face ``tokenizers`` on the training text,
  what a user would pick (the reference of the ``vs_subword`` ratio and of the gaps);
- ``bytes``: one position per byte;
- ``word_pooled_bytes``: one position per word, the oov family's byte encoder in, a byte
  decoder out (HAT / Learn Your Tokens);
- ``lexinvariant``: the BPE tokens with fresh random Gaussian codes per sequence and no
  learned embedding (Lexinvariant LMs);
- ``semi_lexinvariant`` (only with ``--rows``): the same with ``regular_fraction = 0.5``,
  each (sequence, token) pair keeping a learned embedding with probability one half.

Columns: ``bits_per_byte`` on the held-out text (every byte counted, whitespace included),
``positions_per_byte`` (backbone positions per byte: the compute measure), ``train_s`` (wall)
and ``train_cpu_s``, ``params`` (all) and ``backbone_params``, ``bytes_seen``, ``gap_start`` /
``gap_end`` (bits per byte minus the ``subword`` row's over the first / last quarter of the
context), ``cipher_bits_per_byte`` (the held-out text under a random substitution of the 26
letters, case kept: any row can score it) and, for the two BPE rows,
``token_cipher_bits_per_byte`` (a random permutation of the BPE vocabulary, the paper's
setting). The word row adds ``ws353`` / ``simlex``: Spearman of its byte encoder's vectors
of the datasets' words (``lexiplug.lm_word_vectors.v1``, then the similarity evaluator).

``--plot DIR`` writes ``lm_lab_positions.png`` (bits per byte by context position) and
``lm_lab_training.png`` (held-out bits per byte against bytes seen). ``--quick`` is sized by
backbone positions and bytes seen (a 64-d, 2-layer backbone; 600 steps of 16 windows of 256
bytes: 2.5M bytes per row), not by wall time.

    python bench/lm_lab.py [--quick] [--json PATH] [--plot DIR] [--rows a,b] [--jobs N]
"""

from __future__ import annotations

import argparse
import json
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any

from _harness import machine_note, print_table, write_json

ROWS = ("subword", "bytes", "word_pooled_bytes", "lexinvariant")
EXTRA_ROWS = ("semi_lexinvariant",)  # run when asked for (--rows): regular_fraction 0.5
SIZES: dict[str, dict[str, Any]] = {
    "quick": {"dim": 64, "layers": 2, "heads": 2, "context_bytes": 256, "batch_size": 16,
              "max_steps": 600, "warmup": 30, "learning_rate": 0.003, "vocab_size": 2048,
              "max_eval_bytes": 65536, "eval_every": 60},
    "full": {"dim": 256, "layers": 6, "heads": 8, "context_bytes": 1024, "batch_size": 32,
             "max_steps": 4000, "warmup": 200, "learning_rate": 0.001, "vocab_size": 4096,
             "max_eval_bytes": 0, "eval_every": 200},
}
SEED = 0
CIPHER_SEED = 1


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the small setting (see above)")
    parser.add_argument("--json", type=Path, default=None, help="write the rows as JSON here")
    parser.add_argument("--plot", type=Path, default=None, help="write the two PNGs here")
    parser.add_argument("--rows", default=",".join(ROWS), help="rows to run")
    parser.add_argument("--jobs", type=int, default=2, help="rows trained at once (1 thread each)")
    parser.add_argument("--device", default="auto", help="auto, cpu or cuda")
    parser.add_argument("--steps", type=int, default=None, help="override the steps")
    return parser.parse_args()


def make_scheme(name: str, size: dict[str, Any]) -> Any:
    from lexiplug.plugins.lm.schemes import (
        BytesScheme,
        LexinvariantScheme,
        SubwordScheme,
        WordPooledBytesScheme,
    )

    if name == "subword":
        return SubwordScheme(vocab_size=size["vocab_size"])
    if name == "lexinvariant":
        return LexinvariantScheme(vocab_size=size["vocab_size"])
    if name == "semi_lexinvariant":
        return LexinvariantScheme(vocab_size=size["vocab_size"], regular_fraction=0.5)
    if name == "word_pooled_bytes":
        return WordPooledBytesScheme()
    return BytesScheme()


def run_row(name: str, size: dict[str, Any], device: str) -> dict[str, Any]:
    """Train and score one row (in a worker process with one torch thread)."""
    import torch
    from lexiplug.plugins.lm.model import LanguageModel, load_split
    from lexiplug.plugins.lm.settings import LMSettings

    torch.set_num_threads(1)
    settings = LMSettings(
        output="", dim=size["dim"], layers=size["layers"], heads=size["heads"],
        batch_size=size["batch_size"], max_steps=size["max_steps"], warmup=size["warmup"],
        learning_rate=size["learning_rate"], max_eval_bytes=size["max_eval_bytes"],
        eval_every=size["eval_every"], log_every=size["eval_every"], eval_batches=4,
        seed=SEED, device=device)
    split = load_split(settings)
    scheme = make_scheme(name, size)
    scheme.fit(split.train.text)
    units = scheme.encode(split.train.text)
    context = max(8, round(size["context_bytes"] * len(units) / units.n_bytes))
    model = LanguageModel(replace(settings, context=context), scheme)
    wall, cpu = time.perf_counter(), time.process_time()
    model.train(split)
    train_s, train_cpu_s = time.perf_counter() - wall, time.process_time() - cpu
    held = split.held_out.text
    plain = model.evaluate(held)
    cipher = model.evaluate(held, cipher="letters", cipher_seed=CIPHER_SEED)
    row: dict[str, Any] = {
        "name": name, "bits_per_byte": round(plain.bits_per_byte, 4),
        "positions_per_byte": round(plain.positions_per_byte, 4),
        "train_s": round(train_s, 1), "train_cpu_s": round(train_cpu_s, 1),
        "params": model.params, "backbone_params": model.backbone_params,
        "bytes_seen": model.record.bytes_seen, "positions_seen": model.record.positions_seen,
        "context": context, "context_bytes": size["context_bytes"],
        "held_out_bytes": plain.n_bytes, "split": split.how,
        "quarters": [round(q, 4) for q in plain.quarters()],
        "cipher_bits_per_byte": round(cipher.bits_per_byte, 4),
        "cipher_quarters": [round(q, 4) for q in cipher.quarters()],
        "curve": plain.by_parts(16), "history": model.record.history,
    }
    if name in ("subword", "lexinvariant", "semi_lexinvariant"):
        tokens = model.evaluate(held, cipher="tokens", cipher_seed=CIPHER_SEED)
        row["token_cipher_bits_per_byte"] = round(tokens.bits_per_byte, 4)
        row["token_cipher_quarters"] = [round(q, 4) for q in tokens.quarters()]
    if name == "word_pooled_bytes":
        row.update(word_vector_scores(model))
    return row


def word_vector_scores(model: Any) -> dict[str, Any]:
    """The byte encoder's vectors of every word of WS353 and SimLex-999 (it has one for any
    word: coverage is complete) through the registered embedder (``words = [...]``), scored
    by the similarity evaluator."""
    import tempfile

    from lexiplug.registry import registry

    out: dict[str, Any] = {}
    datasets = {"ws353": "ws353", "simlex": "simlex999"}
    words: set[str] = set()
    for dataset in datasets.values():
        if registry.datasets.get(dataset)().available():
            words.update(w for pair in registry.datasets.get(dataset)().load().pairs
                         for w in pair[:2])
    if not words:
        return {"ws353": "not run (dataset not found)"}
    with tempfile.TemporaryDirectory() as folder:
        model.save(Path(folder) / "model")
        vectors = registry.embedders.get("lexiplug.lm_word_vectors.v1")(
            path=str(Path(folder) / "model"), words=sorted(words)).fit(None)
    similarity = registry.evaluators.get("lexiplug.similarity.v1")()
    for key, dataset in datasets.items():
        result = similarity.evaluate(vectors, dataset)
        out[key] = None if result.score is None else round(float(result.score), 4)
        out[f"{key}_coverage"] = f"{result.n_covered}/{result.n_items}"
    return out


def add_gaps(rows: list[dict[str, Any]]) -> None:
    base = next((r for r in rows if r["name"] == "subword"), None)
    for row in rows:
        if base is None:
            continue
        row["vs_subword"] = round(row["bits_per_byte"] / base["bits_per_byte"], 4)
        row["gap_start"] = round(row["quarters"][0] - base["quarters"][0], 4)
        row["gap_end"] = round(row["quarters"][-1] - base["quarters"][-1], 4)


def plot(rows: list[dict[str, Any]], folder: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    folder.mkdir(parents=True, exist_ok=True)
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for row in rows:
        parts = len(row["curve"])
        xs = [(i + 0.5) / parts for i in range(parts)]
        ax.plot(xs, row["curve"], marker="o", markersize=3, label=row["name"])
    ax.set_xlabel(f"position in the context (fraction of ~{rows[0]['context_bytes']} bytes)")
    ax.set_ylabel("held-out bits per byte")
    ax.set_title("Bits per byte by context position")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(folder / "lm_lab_positions.png", dpi=110)
    plt.close(fig)
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for row in rows:
        points = [(h["bytes_seen"], h["held_out_bits_per_byte"]) for h in row["history"]
                  if "held_out_bits_per_byte" in h]
        if points:
            ax.plot(*zip(*points, strict=True), marker="o", markersize=3, label=row["name"])
    ax.set_xlabel("bytes seen in training")
    ax.set_ylabel("held-out bits per byte (4 batches)")
    ax.set_title("Training curves")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(folder / "lm_lab_training.png", dpi=110)
    plt.close(fig)
    print(f"wrote {folder / 'lm_lab_positions.png'} and {folder / 'lm_lab_training.png'}")


def main() -> None:
    args = parse_args()
    size = dict(SIZES["quick" if args.quick else "full"])
    if args.steps:
        size["max_steps"] = args.steps
    names = [n for n in args.rows.split(",") if n]
    unknown = sorted(set(names) - set(ROWS) - set(EXTRA_ROWS))
    if unknown:
        raise SystemExit(f"unknown rows {unknown}; known: {', '.join(ROWS + EXTRA_ROWS)}")
    print(machine_note())
    print(f"setting: {json.dumps(size)}")
    with ProcessPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        futures = {name: pool.submit(run_row, name, size, args.device) for name in names}
        rows = [futures[name].result() for name in names]
    add_gaps(rows)
    print(f"held out: {rows[0]['split']}; {rows[0]['held_out_bytes']} bytes scored")
    print_table(rows, ["bits_per_byte", "positions_per_byte", "train_s", "train_cpu_s",
                       "params", "backbone_params", "bytes_seen", "gap_start", "gap_end",
                       "cipher_bits_per_byte", "token_cipher_bits_per_byte"])
    for row in rows:
        print(f"{row['name']}: quarters {row['quarters']}, cipher quarters "
              f"{row['cipher_quarters']}" + (f", ws353 {row['ws353']} ({row['ws353_coverage']}),"
                                             f" simlex {row['simlex']} "
                                             f"({row['simlex_coverage']})"
                                             if "ws353_coverage" in row else ""))
    if args.plot:
        plot(rows, args.plot)
    write_json(rows, args.json)


if __name__ == "__main__":
    main()
