"""The study's PNG plots (matplotlib, Agg: no display needed).

Score charts with confidence intervals, a 2-D projection of chosen word groups, and
professions projected on the gender direction when a bias evaluator ran.
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
DEFAULT_GENDER_PAIRS: list[tuple[str, str]] = [
    ("she", "he"), ("her", "his"), ("woman", "man"), ("herself", "himself"),
    ("daughter", "son"), ("mother", "father"), ("girl", "boy"), ("female", "male"),
]
DEFAULT_PROFESSIONS: list[str] = [
    "nurse", "teacher", "secretary", "librarian", "dancer", "singer", "maid", "housekeeper",
    "receptionist", "homemaker", "doctor", "lawyer", "engineer", "scientist", "professor",
    "soldier", "captain", "pilot", "carpenter", "farmer", "manager", "banker", "judge",
    "officer", "president", "minister", "writer", "artist", "student", "clerk", "servant",
    "sailor", "surgeon", "architect", "programmer", "police",
]
MAX_PANELS = 6


def score_charts(tables: list[Comparison], folder: Path) -> dict[str, Path]:
    """One bar chart per evaluation section: datasets on x, a bar per row, CI whiskers."""
    by_evaluation: dict[str, list[Comparison]] = defaultdict(list)
    for table in tables:
        by_evaluation[table.evaluation].append(table)
    written: dict[str, Path] = {}
    for evaluation, group in by_evaluation.items():
        rows = list(dict.fromkeys(f.row for t in group for f in t.rows))
        fig = _figure(max(6.0, 1.2 * len(group) * max(1, len(rows)) * 0.5 + 2), 4.0)
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
        written[f"{evaluation} scores"] = _save(fig, folder / f"scores_{evaluation}.png")
    return written


def word_group_projection(
    rows: Mapping[str, Vectors],
    groups: Mapping[str, Sequence[str]],
    folder: Path,
    *,
    method: str = "pca",
    seed: int = 0,
) -> Path | None:
    """Each row's vectors of the group words in 2-D, coloured by group."""
    panels = []
    for name, vectors in list(rows.items())[:MAX_PANELS]:
        words, labels = [], []
        for group, members in groups.items():
            for word in members:
                if word in vectors and word not in words:
                    words.append(word)
                    labels.append(group)
        if len(set(labels)) >= 2 and len(words) >= 4:
            panels.append((name, words, labels, vectors.unit_matrix[
                [vectors.key_to_index[w] for w in words]]))
    if not panels:
        return None
    fig = _figure(4.5 * len(panels), 4.5)
    colours = {group: f"C{i}" for i, group in enumerate(groups)}
    for i, (name, words, labels, matrix) in enumerate(panels, start=1):
        ax = fig.add_subplot(1, len(panels), i)
        points = _project(np.asarray(matrix, dtype=np.float64), method, seed)
        for group in dict.fromkeys(labels):
            mask = np.array([label == group for label in labels])
            ax.scatter(points[mask, 0], points[mask, 1], s=14, color=colours[group], label=group)
        for (x, y), word in zip(points, words, strict=True):
            ax.annotate(word, (x, y), fontsize=6, alpha=0.8)
        ax.set_title(f"{name} ({method.upper()})", fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
        if i == 1:
            ax.legend(fontsize=7, loc="best")
    return _save(fig, folder / f"projection_{method}.png")


def gender_direction_plot(
    rows: Mapping[str, Vectors],
    folder: Path,
    *,
    professions: Sequence[str] = DEFAULT_PROFESSIONS,
    pairs: Sequence[tuple[str, str]] = DEFAULT_GENDER_PAIRS,
) -> Path | None:
    """Professions' cosine with each row's she−he direction (mean of definitional pairs)."""
    panels = []
    for name, vectors in list(rows.items())[:MAX_PANELS]:
        unit = vectors.unit_matrix
        diffs = [unit[vectors.key_to_index[a]] - unit[vectors.key_to_index[b]]
                 for a, b in pairs if a in vectors and b in vectors]
        covered = [p for p in professions if p in vectors]
        if not diffs or len(covered) < 3:
            continue
        direction = np.mean(diffs, axis=0)
        direction /= max(float(np.linalg.norm(direction)), 1e-12)
        scores = unit[[vectors.key_to_index[p] for p in covered]] @ direction
        panels.append((name, covered, np.asarray(scores, dtype=np.float64), len(diffs)))
    if not panels:
        return None
    fig = _figure(8.0, 1.6 + 1.1 * len(panels))
    ax = fig.add_subplot()
    for y, (_name, words, scores, n_pairs) in enumerate(panels):
        ax.scatter(scores, np.full(len(scores), y), s=12)
        order = np.argsort(scores)
        for index in [*order[:4], *order[-4:]]:
            ax.annotate(words[index], (scores[index], y), fontsize=6, rotation=35,
                        xytext=(0, 4), textcoords="offset points")
        ax.text(float(scores.min()), y - 0.3,
                f"{len(words)} professions, {n_pairs} pairs", fontsize=6, alpha=0.7)
    ax.axvline(0.0, color="black", linewidth=0.5)
    ax.set_yticks(range(len(panels)))
    ax.set_yticklabels([p[0] for p in panels], fontsize=8)
    ax.set_ylim(-0.7, len(panels) - 0.3)
    ax.set_xlabel("cosine with the she − he direction (right: closer to 'she')")
    ax.set_title("Professions on the gender direction")
    return _save(fig, folder / "professions_gender_direction.png")


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


def _figure(width: float, height: float) -> Figure:
    from matplotlib.figure import Figure

    return Figure(figsize=(min(width, 24.0), height), layout="constrained")


def _save(fig: Any, path: Path) -> Path:
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=110)
    return path
