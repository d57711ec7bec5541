"""A word's neighbours in each slice, drawn in one shared 2-D projection (PNG)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
from lexiplug.vectors.vectors import Vectors, unit_rows


def plot_neighbours(slices: Mapping[str, Vectors], word: str, path: Path, topn: int = 10
                    ) -> Path | None:
    """One panel per slice holding ``word``: it and its ``topn`` neighbours, projected by one
    PCA fitted on all panels' points (the slices share a space, so positions compare)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from lexiplug.atomic import atomic_path

    panels = {name: [word, *(w for w, _ in v.most_similar(word, topn=topn))]
              for name, v in slices.items() if word in v.key_to_index}
    if not panels:
        return None
    points = {name: unit_rows(slices[name][words]) for name, words in panels.items()}
    stacked = np.vstack(list(points.values()))
    centre = stacked.mean(axis=0)
    _, _, vt = np.linalg.svd(stacked - centre, full_matrices=False)
    figure, axes = plt.subplots(1, len(panels), figsize=(5 * len(panels), 5), squeeze=False)
    for axis, (name, words) in zip(axes[0], panels.items(), strict=True):
        xy = (points[name] - centre) @ vt[:2].T
        axis.scatter(xy[1:, 0], xy[1:, 1], s=12, color="tab:blue")
        axis.scatter(xy[:1, 0], xy[:1, 1], s=40, color="tab:red")
        for (x, y), label in zip(xy, words, strict=True):
            axis.annotate(label, (x, y), fontsize=8)
        axis.set_title(f"{word!r} in {name}")
    figure.tight_layout()
    with atomic_path(path) as tmp:
        figure.savefig(tmp, format="png", dpi=110)
    plt.close(figure)
    return path
