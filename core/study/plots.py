"""The study's PNG plots (matplotlib, Agg: no display needed).

Score charts with confidence intervals and a 2-D projection of chosen word groups. Plugins
add their own plots through the ``lexiplug_report_sections`` hook, drawing them with
:func:`new_figure` and :func:`save_png` so every plot of a report looks alike.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..atomic import atomic_path
from .compare import Comparison

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from ..vectors import Vectors

DEFAULT_WORD_GROUPS: dict[str, list[str]] = {
    "numbers": ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"],
    "days": ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"],
    "family": ["mother", "father", "son", "daughter", "brother", "sister", "wife", "husband"],
    "places": ["australia", "america", "china", "india", "britain", "france", "england",
               "london", "sydney", "paris"],
    "body": ["head", "hand", "eye", "eyes", "heart", "face", "arm", "foot"],
}
MAX_PANELS = 6


def score_charts(tables: list[Comparison], folder: Path) -> dict[str, Path]:
    """One bar chart per evaluation section: datasets on x, a bar per row, CI whiskers."""
    by_evaluation: dict[str, list[Comparison]] = defaultdict(list)
    for table in tables:
        by_evaluation[table.evaluation].append(table)
    written: dict[str, Path] = {}
    for evaluation, group in by_evaluation.items():
        rows = list(dict.fromkeys(f.row for t in group for f in t.rows))
        fig = new_figure(max(6.0, 1.2 * len(group) * max(1, len(rows)) * 0.5 + 2), 4.0)
        ax = fig.add_subplot()
        width = 0.8 / max(1, len(rows))
        for r, row in enumerate(rows):
            heights, low_err, high_err = [], [], []
            for table in group:
                figure = next((f for f in table.rows if f.row == row), None)
                value = None
                ci = None
                if figure is not None:
                    shared = table.n_shared is not None
                    value = figure.shared_score if shared else figure.score
                    ci = figure.shared_ci if shared else None
                heights.append(np.nan if value is None else value)
                low_err.append(0.0 if ci is None or value is None else max(0.0, value - ci[0]))
                high_err.append(0.0 if ci is None or value is None else max(0.0, ci[1] - value))
            positions = np.arange(len(group)) + (r - (len(rows) - 1) / 2) * width
            ax.bar(positions, heights, width, yerr=[low_err, high_err], capsize=3, label=row)
        ax.set_xticks(np.arange(len(group)))
        ax.set_xticklabels([_label(t) for t in group], rotation=20, ha="right", fontsize=8)
        ax.set_ylabel(group[0].primary)
        ax.axhline(0.0, color="black", linewidth=0.5)
        ax.set_title(f"{evaluation}: scores on the shared covered items (95% CI)")
        ax.legend(fontsize=7, loc="best")
        written[f"{evaluation} scores"] = save_png(fig, folder / f"scores_{evaluation}.png")
    return written


def word_group_projection(
    rows: Mapping[str, Vectors],
    groups: Mapping[str, Sequence[str]],
    folder: Path,
    *,
    method: str = "pca",
    seed: int = 0,
) -> Path | None:
    """Each row's vectors of the group words in 2-D, coloured by group.

    Every panel has its own legend (rows may cover different groups) and lists the group
    words the row does not have, so an empty corner reads as "missing", not "far away".
    Labels are moved apart with adjustText so none hides another.
    """
    panels = []
    for name, vectors in list(rows.items())[:MAX_PANELS]:
        words, labels, missing = [], [], []
        for group, members in groups.items():
            for word in members:
                if word in vectors:
                    if word not in words:
                        words.append(word)
                        labels.append(group)
                elif word not in missing:
                    missing.append(word)
        if len(set(labels)) >= 2 and len(words) >= 4:
            panels.append((name, words, labels, missing, vectors.unit_matrix[
                [vectors.key_to_index[w] for w in words]]))
    if not panels:
        return None
    fig = new_figure(5.5 * len(panels), 5.5)
    colours = {group: f"C{i}" for i, group in enumerate(groups)}
    for i, (name, words, labels, missing, matrix) in enumerate(panels, start=1):
        ax = fig.add_subplot(1, len(panels), i)
        points = _project(np.asarray(matrix, dtype=np.float64), method, seed)
        for group in dict.fromkeys(labels):
            mask = np.array([label == group for label in labels])
            ax.scatter(points[mask, 0], points[mask, 1], s=14, color=colours[group], label=group)
        texts = [ax.text(x, y, word, fontsize=6, alpha=0.85)
                 for (x, y), word in zip(points, words, strict=True)]
        _spread_labels(ax, texts, points)
        ax.set_title(f"{name} ({method.upper()}, {len(words)} words)", fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.legend(fontsize=6, loc="best", title="group", title_fontsize=6)
        ax.set_xlabel(_missing_note(missing), fontsize=6, wrap=True)
    return save_png(fig, folder / f"projection_{method}.png")


def _spread_labels(ax: Any, texts: list[Any], points: np.ndarray) -> None:
    """Move overlapping labels apart (adjustText needs a renderer: attach Agg's canvas)."""
    from adjustText import adjust_text
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    if not isinstance(ax.figure.canvas, FigureCanvasAgg):
        FigureCanvasAgg(ax.figure)
    # an iteration cap, not a time limit: the same plot whatever the machine's load. 100
    # iterations part even a dozen labels on one point; untangling crossed leader lines
    # would double the time for little a reader sees at this size
    adjust_text(texts, x=points[:, 0], y=points[:, 1], ax=ax, iter_lim=100,
                prevent_crossings=False,
                arrowprops={"arrowstyle": "-", "color": "grey", "lw": 0.4})


def _missing_note(missing: Sequence[str], shown: int = 12) -> str:
    if not missing:
        return "every group word is in the vocabulary"
    listed = ", ".join(missing[:shown]) + (f" and {len(missing) - shown} more"
                                           if len(missing) > shown else "")
    return f"missing ({len(missing)}): {listed}"


def _project(matrix: np.ndarray, method: str, seed: int) -> np.ndarray:
    if method == "tsne":
        from sklearn.manifold import TSNE

        perplexity = float(min(30, max(2, len(matrix) // 3)))
        return np.asarray(TSNE(n_components=2, perplexity=perplexity, random_state=seed,
                               init="pca").fit_transform(matrix))
    centred = matrix - matrix.mean(axis=0)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    return np.asarray(centred @ vt[:2].T)


def _label(table: Comparison) -> str:
    if table.n_shared is None:
        return table.dataset
    return f"{table.dataset}\n(n={table.n_shared})"


def new_figure(width: float, height: float) -> Figure:
    """A matplotlib Figure that needs no display (no pyplot state), width capped."""
    from matplotlib.figure import Figure

    return Figure(figsize=(min(width, 24.0), height), layout="constrained")


def save_png(fig: Any, path: Path) -> Path:
    """Write ``fig`` as a PNG, atomically."""
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=110)
    return path
