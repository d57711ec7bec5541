"""Visual grounding: does it recover vision for unseen words, and does it keep the text space?

Rows ``text`` and ``grounded``, for two settings (``setting`` field):
- ``planted``: a planted world (core of the issue's quality check): visual vectors come from
  latent factors the text vectors only faintly carry; grounding is trained on 70% of words and
  scored on the other 30% (``heldout_visual_corr``: RSA with the true visual vectors).
- ``gutenberg``: PPMI-SVD vectors trained on the Gutenberg corpus, grounded in a planted
  visual space over its 3,000 most frequent words (latent factors: a random projection of the
  text vectors plus independent "visual only" factors), then scored on WS353 and SimLex-999
  to show grounding does not wreck similarity. Skipped, with a note, if the data is absent.

There is no off-the-shelf tool to compare against (the paper's code needs COCO and TF 2.8);
the baseline is the ungrounded text space itself.

    python bench/grounding.py [--quick] [--json PATH]
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
from _harness import machine_note, parse_args, print_table, write_json
from lexiplug.plugins.grounded.grounding import make_visual_grounding
from lexiplug.plugins.grounded.metrics import (
    heldout_visual_correlation,
    neighbour_overlap,
)
from lexiplug.plugins.grounded.planted import planted_world
from lexiplug.vectors import Vectors


def planted_rows(quick: bool) -> list[dict[str, Any]]:
    world = planted_world(n_words=800 if quick else 2000, seed=0)
    epochs = 150 if quick else 300
    rows = [{
        "name": "text", "setting": "planted", "seconds": 0.0,
        "heldout_visual_corr": heldout_visual_correlation(world.text, world.visual,
                                                          world.heldout_words),
        "neighbour_overlap": 1.0,
    }]
    for output in ("mapped", "concat"):
        start = time.perf_counter()
        grounded = make_visual_grounding(epochs=epochs, output=output).apply(
            world.text, visual=world.training_table()
        )
        rows.append({
            "name": "grounded", "setting": "planted", "output": output,
            "seconds": time.perf_counter() - start,
            "heldout_visual_corr": heldout_visual_correlation(grounded, world.visual,
                                                              world.heldout_words),
            "neighbour_overlap": neighbour_overlap(world.text, grounded, world.heldout_words),
        })
    return rows


def gutenberg_rows(quick: bool) -> list[dict[str, Any]]:
    from lexiplug import registry
    from lexiplug.data.resolver import data_available

    if not data_available("corpora/gutenberg-nltk"):
        print("gutenberg setting skipped: corpora/gutenberg-nltk not found (set LEXIPLUG_DATA)")
        return []
    corpus = registry.corpora.get("lexiplug.text_files.v1")(
        "corpora/gutenberg-nltk", pattern="*.txt", lowercase=True, pretokenized=True
    )
    text = registry.embedders.get("lexiplug.ppmi_svd.v1")(
        vector_size=100, window=5, min_count=5, progress=False
    ).fit(corpus)
    visual, train, heldout = planted_visual_space(text, n_words=1500 if quick else 3000)
    similarity = registry.evaluators.get("lexiplug.similarity.v1")(bootstrap=0)
    rows = []
    start = time.perf_counter()
    grounded = make_visual_grounding(epochs=150 if quick else 300).apply(
        text, visual=visual.subset(train)
    )
    seconds = time.perf_counter() - start
    for name, space, took in (("text", text, 0.0), ("grounded", grounded, seconds)):
        row: dict[str, Any] = {
            "name": name, "setting": "gutenberg", "seconds": took,
            "heldout_visual_corr": heldout_visual_correlation(space, visual, heldout),
            "neighbour_overlap": neighbour_overlap(text, space, heldout),
        }
        for dataset in ("ws353", "simlex999"):
            result = similarity.evaluate(space, dataset)
            row[dataset] = result.score
            row[f"{dataset}_coverage"] = result.coverage
        rows.append(row)
    return rows


def planted_visual_space(
    text: Vectors, n_words: int, seed: int = 0
) -> tuple[Vectors, list[str], list[str]]:
    """Visual vectors for the most frequent words: half text-derived, half vision-only factors."""
    rng = np.random.default_rng(seed)
    words = text.keys[:n_words]
    unit = text.unit_matrix[:n_words]
    shared = unit @ rng.standard_normal((text.dim, 6))
    shared /= shared.std(axis=0)
    own = rng.standard_normal((n_words, 6))
    factors = np.hstack([shared, own])
    visual = np.tanh(factors @ rng.standard_normal((12, 32)) / np.sqrt(12))
    order = rng.permutation(n_words)
    cut = int(0.7 * n_words)
    train = [words[i] for i in sorted(order[:cut])]
    heldout = [words[i] for i in sorted(order[cut:])]
    return Vectors(words, visual.astype(np.float32)), train, heldout


def main() -> None:
    args = parse_args(__doc__.splitlines()[0])
    rows = planted_rows(args.quick) + gutenberg_rows(args.quick)
    metrics = ["seconds", "heldout_visual_corr", "neighbour_overlap", "ws353", "simlex999"]
    for setting in ("planted", "gutenberg"):
        chosen = [r for r in rows if r["setting"] == setting]
        if chosen:
            print(f"\n{setting}:")
            labelled = [{**r, "name": f"{r['name']}[{r.get('output', '-')}]"} for r in chosen]
            print_table(labelled, metrics)
    print(f"\n{machine_note()}")
    write_json(rows, args.json)


if __name__ == "__main__":
    main()
