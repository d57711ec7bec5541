"""The bias evaluator's part of a study report: professions on the gender direction.

Answers the ``lexiplug_report_sections`` hook (``plugins/bias/plugin.py``): when a study ran
``lexiplug.bias.v1``, each row's professions are placed by their cosine with the row's gender
direction, the one :func:`~.direction.gender_direction` that hard debiasing and the
evaluator use, so the plot and the scores never disagree on pairs or sign. The word lists
live here, not in core: core's report only knows that plugins may add sections.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .direction import gender_direction
from .evaluator import EVALUATOR

TITLE = "Professions on the gender direction"
MAX_PANELS = 6
MIN_PROFESSIONS = 3
# debiaswe's definitional pairs, female first: positive cosines lean towards "she"
DEFAULT_GENDER_PAIRS: tuple[tuple[str, str], ...] = (
    ("she", "he"), ("her", "his"), ("woman", "man"), ("herself", "himself"),
    ("daughter", "son"), ("mother", "father"), ("girl", "boy"), ("female", "male"),
)
DEFAULT_PROFESSIONS: tuple[str, ...] = (
    "nurse", "teacher", "secretary", "librarian", "dancer", "singer", "maid", "housekeeper",
    "receptionist", "homemaker", "doctor", "lawyer", "engineer", "scientist", "professor",
    "soldier", "captain", "pilot", "carpenter", "farmer", "manager", "banker", "judge",
    "officer", "president", "minister", "writer", "artist", "student", "clerk", "servant",
    "sailor", "surgeon", "architect", "programmer", "police",
)


def report_sections(results: Mapping[str, Any]) -> list[tuple[str, str]] | None:
    """The plot as a markdown section when a bias evaluator ran and plots are on."""
    if not any(result.evaluator == EVALUATOR for _, _, result in results["results"]):
        return None
    folder = results.get("plots")
    if folder is None:
        return None
    professions = (results.get("report") or {}).get("professions") or DEFAULT_PROFESSIONS
    path = gender_direction_plot(results["rows"], Path(folder), professions=professions)
    if path is None:
        return [(TITLE, f"No row has the gender pairs and at least {MIN_PROFESSIONS} of the "
                        f"{len(professions)} professions: no plot.")]
    output = Path(results["output"])
    link = path.relative_to(output) if path.is_relative_to(output) else path
    return [(TITLE, "Each profession's cosine with the row's gender direction (first "
                    "principal component of the definitional pairs, female side positive); "
                    "the four furthest each way are labelled.\n\n"
                    f"![{TITLE.lower()}]({link.as_posix()})")]


def gender_direction_plot(
    rows: Mapping[str, Any],
    folder: Path,
    *,
    professions: Sequence[str] = DEFAULT_PROFESSIONS,
    pairs: Sequence[tuple[str, str]] = DEFAULT_GENDER_PAIRS,
) -> Path | None:
    """One strip per row (at most ``MAX_PANELS``); None when no row can be placed."""
    from lexiplug.study.plots import new_figure, save_png

    panels = []
    for name, vectors in list(rows.items())[:MAX_PANELS]:
        direction = gender_direction(vectors, pairs, case_fallback=True)
        covered = [p for p in dict.fromkeys(professions) if p in vectors]
        if not direction.pairs_used or len(covered) < MIN_PROFESSIONS:
            continue
        unit = vectors.unit_matrix[[vectors.key_to_index[p] for p in covered]]
        scores = np.asarray(unit, dtype=np.float64) @ direction.vector
        panels.append((name, covered, scores, len(direction.pairs_used)))
    if not panels:
        return None
    fig = new_figure(8.0, 1.6 + 1.1 * len(panels))
    ax = fig.add_subplot()
    for y, (_name, words, scores, n_pairs) in enumerate(panels):
        ax.scatter(scores, np.full(len(scores), y), s=12)
        order = np.argsort(scores)
        for index in dict.fromkeys([*order[:4].tolist(), *order[-4:].tolist()]):
            ax.annotate(words[index], (scores[index], y), fontsize=6, rotation=35,
                        xytext=(0, 4), textcoords="offset points")
        ax.text(float(scores.min()), y - 0.3,
                f"{len(words)} professions, {n_pairs} pairs", fontsize=6, alpha=0.7)
    ax.axvline(0.0, color="black", linewidth=0.5)
    ax.set_yticks(range(len(panels)))
    ax.set_yticklabels([p[0] for p in panels], fontsize=8)
    ax.set_ylim(-0.7, len(panels) - 0.3)
    ax.set_xlabel("cosine with the gender direction (right: closer to 'she')")
    ax.set_title(TITLE)
    return save_png(fig, folder / "professions_gender_direction.png")
