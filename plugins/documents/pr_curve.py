"""The precision–recall curve PNG of document retrieval: one line per row."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
from lexiplug.study.plots import new_figure, save_png

from .ranking import RECALL_LEVELS


def plot_pr_curves(curves: Mapping[str, np.ndarray], path: str | Path) -> Path:
    """Interpolated precision at eleven recall levels, written atomically as a PNG."""
    fig = new_figure(6.5, 4.5)
    axes = fig.add_subplot(1, 1, 1)
    for name, precision in curves.items():
        axes.plot(RECALL_LEVELS, np.asarray(precision), marker="o", markersize=3, label=name)
    axes.set_xlabel("recall")
    axes.set_ylabel("precision (interpolated)")
    axes.set_xlim(0, 1)
    axes.set_ylim(0, 1)
    axes.grid(alpha=0.3)
    axes.legend(fontsize=7)
    return save_png(fig, Path(path))
