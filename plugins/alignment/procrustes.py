"""``lexiplug.procrustes.v1``: rotate one row onto another (orthogonal Procrustes).

With anchor matrices X (this row) and Y (the ``target`` row), R = argmin ‖XR − Y‖ over
orthogonal R is U Vᵀ from the SVD of XᵀY (Schönemann 1966; Hamilton et al. 2016 use it to
align diachronic word2vec spaces). Anchors are the shared words (or the ``anchors`` given),
unit-normalised (and optionally mean-centred) first; every word of the row is then rotated.
The target comes as a reference to another row: ``target = "name"`` in a study config.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from lexiplug.errors import ConfigError, TrainingError
from lexiplug.registry import Registries
from lexiplug.vectors.vectors import Vectors, unit_rows
from lexiplug.words import preview

NAME = "lexiplug.procrustes.v1"
WHERE = "transforms.procrustes"
logger = logging.getLogger(__name__)


def orthogonal_map(source: np.ndarray, target: np.ndarray) -> np.ndarray:
    """The orthogonal R minimising ‖source R − target‖_F."""
    u, _, vt = np.linalg.svd(source.astype(np.float64).T @ target.astype(np.float64))
    return u @ vt


def shared_anchors(source: Vectors, target: Vectors, anchors: Sequence[str] | None,
                   max_anchors: int | None) -> tuple[list[str], list[str]]:
    """(anchors used, given anchors missing from either side); shared words in source order."""
    if anchors is None:
        used = [w for w in source.keys if w in target.key_to_index]
        missing: list[str] = []
    else:
        used = [w for w in dict.fromkeys(anchors)
                if w in source.key_to_index and w in target.key_to_index]
        missing = [w for w in dict.fromkeys(anchors) if w not in used]
    return (used[:max_anchors] if max_anchors else used), missing


@dataclass
class Procrustes:
    anchors: Sequence[str] | None = None
    max_anchors: int | None = None
    normalize: bool = True
    center: bool = False

    def apply(self, vectors: Vectors, target: Vectors | None = None, **refs: Any) -> Vectors:
        if target is None:
            raise ConfigError('Procrustes needs the row to align onto: target = "ROW"',
                              where=f"{WHERE}.target")
        if vectors.dim != target.dim:
            raise TrainingError(f"cannot rotate {vectors.dim}-d vectors onto {target.dim}-d "
                                "ones; Procrustes needs equal dimensions", where=WHERE)
        used, missing = shared_anchors(vectors, target, self.anchors, self.max_anchors)
        if missing:
            logger.warning("procrustes: %d anchors not in both rows: %s", len(missing),
                           preview(missing))
        if len(used) < 2:
            raise TrainingError(
                f"the two rows share {len(used)} anchor words ({len(vectors)} and "
                f"{len(target)} words; e.g. {preview(vectors.keys[:5])} vs "
                f"{preview(target.keys[:5])}); alignment needs shared vocabulary",
                where=f"{WHERE}.anchors")
        matrix = unit_rows(vectors.matrix) if self.normalize else np.asarray(vectors.matrix)
        goal = unit_rows(target.matrix) if self.normalize else np.asarray(target.matrix)
        x = matrix[[vectors.key_to_index[w] for w in used]]
        y = goal[[target.key_to_index[w] for w in used]]
        x_mean = x.mean(axis=0) if self.center else np.zeros(x.shape[1], np.float32)
        y_mean = y.mean(axis=0) if self.center else np.zeros(y.shape[1], np.float32)
        rotation = orthogonal_map(x - x_mean, y - y_mean)
        aligned = ((matrix - x_mean) @ rotation + y_mean).astype(np.float32)
        out = vectors.with_matrix(aligned, note="procrustes")
        residual = float(np.linalg.norm((x - x_mean) @ rotation - (y - y_mean)) / np.sqrt(len(x)))
        out.metadata["procrustes"] = {"n_anchors": len(used), "missing_anchors": missing[:500],
                                      "rms_residual": residual,
                                      "target": target.metadata.get("name")}
        return out


def procrustes_v1(
    anchors: Sequence[str] | None = None,
    max_anchors: int | None = None,
    normalize: bool = True,
    center: bool = False,
) -> Procrustes:
    """Orthogonal alignment onto the row named by ``target`` (a reference, not a setting)."""
    if max_anchors is not None and (not isinstance(max_anchors, int) or max_anchors < 2):
        raise ConfigError(f"expected an integer >= 2; found {max_anchors!r}",
                          where=f"{WHERE}.max_anchors")
    if anchors is not None and len(anchors) == 0:
        raise ConfigError("expected a non-empty anchor list, or none to use shared words",
                          where=f"{WHERE}.anchors")
    return Procrustes(None if anchors is None else list(anchors), max_anchors, normalize, center)


def register(registry: Registries) -> None:
    registry.transforms.register(NAME, func=procrustes_v1)
