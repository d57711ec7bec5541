"""The qualitative figure of multi-sense models: a word's sense vectors in 2-D with the
nearest neighbours of each sense, so a reader sees what each sense means.

The projection is a PCA (numpy SVD) of the sense vectors and their neighbours together, so
distances in the picture follow the cosines the neighbours were chosen by. matplotlib is
imported inside :func:`plot_senses` (a bare Figure: no display needed).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np


def sense_neighbours(senses: Any, word: str, topn: int = 6) -> list[list[tuple[str, float]]]:
    """For each sense of ``word``, its ``topn`` nearest words (one-vector view, cosine)."""
    neighbours = []
    for vector in senses.sense_matrix(word):
        found = senses.most_similar(np.asarray(vector), topn=topn + 1)
        neighbours.append([(w, float(s)) for w, s in found if w != word][:topn])
    return neighbours


def plot_senses(senses: Any, word: str, path: str | Path, *, topn: int = 6) -> Path:
    """Write the figure for ``word`` to ``path`` (PNG, written atomically), drawn like every
    other plot of a study report (``lexiplug.study.plots``)."""
    from lexiplug.study.plots import new_figure, save_png

    sense_rows = np.asarray(senses.sense_matrix(word), dtype=np.float64)
    priors = np.asarray(senses.sense_priors(word))
    neighbours = sense_neighbours(senses, word, topn)
    labels = [f"{word}#{k} ({priors[k]:.0%})" for k in range(len(sense_rows))]
    rows = [*(r / np.linalg.norm(r) for r in sense_rows)]
    owner = list(range(len(sense_rows)))
    for k, group in enumerate(neighbours):
        for neighbour, _ in group:
            vector = senses.vector(neighbour)
            rows.append(vector / np.linalg.norm(vector))
            labels.append(neighbour)
            owner.append(k)
    matrix = np.stack(rows)
    centred = matrix - matrix.mean(axis=0)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    xy = centred @ vt[:2].T
    figure = new_figure(6.0, 5.0)
    axes = figure.add_subplot()
    for i, (x, y) in enumerate(xy):
        is_sense = i < len(sense_rows)
        axes.scatter(x, y, color=f"C{owner[i] % 10}", marker="*" if is_sense else "o",
                     s=160 if is_sense else 25)
        axes.annotate(labels[i], (x, y), fontsize=9 if is_sense else 7,
                      fontweight="bold" if is_sense else "normal",
                      xytext=(3, 3), textcoords="offset points")
    axes.set_title(f"senses of '{word}' and their nearest neighbours (PCA)")
    axes.set_xticks([])
    axes.set_yticks([])
    return save_png(figure, Path(path))
