"""A thinc optimizer's state (Adam's moments, update counts, parameter averages), saved and
restored so that a checkpointed spaCy training loop resumes exactly.

Why this module: spaCy saves a pipeline's weights but not its optimizer, and thinc keys the
optimizer's state by ``(node id, parameter name)``, where node ids are process-wide counters
that differ in the next process. A resume that restarts Adam's moments takes a different
path than the uninterrupted run. Here each key is named by the parameter's *position* in
the pipeline (component name, index in ``model.walk()``, the shim's index for torch
parameters, parameter name), which is the same in any process that builds the same
pipeline, so the state travels through a :class:`lexiplug.checkpoint.CheckpointStore`
bundle (arrays + JSON) and back.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, cast

import numpy as np

from .errors import TrainingError

_SLOTS = ("mom1", "mom2", "averages")


def _parameter_keys(nlp: Any) -> Iterator[tuple[tuple[int, str], str]]:
    """``((thinc key), position name)`` for every trainable parameter of ``nlp``."""
    for component, pipe in nlp.components:
        model = getattr(pipe, "model", None)
        if model is None or not hasattr(model, "walk"):
            continue
        for index, node in enumerate(model.walk()):
            for name in node.param_names:
                yield (node.id, name), f"{component}/{index}/{name}"
            for shim_index, shim in enumerate(node.shims):
                torch_model = getattr(shim, "_model", None)
                if torch_model is not None and hasattr(torch_model, "named_parameters"):
                    for name, _ in torch_model.named_parameters():
                        yield (shim.id, name), f"{component}/{index}/shim{shim_index}/{name}"


def optimizer_state(optimizer: Any, nlp: Any) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """(JSON state, arrays) of ``optimizer`` for the parameters of ``nlp``; the arrays are
    named ``optimizer.<slot>.<position>``. Schedules are not saved: a schedule's position is
    the caller's step count (thinc steps them once per ``step_schedules`` call)."""
    names = dict(_parameter_keys(nlp))
    arrays: dict[str, np.ndarray] = {}
    for slot in _SLOTS:
        table = getattr(optimizer, slot, None) or {}
        for key, value in table.items():
            if key in names:
                arrays[f"optimizer.{slot}.{names[key]}"] = np.asarray(
                    value.get() if hasattr(value, "get") else value)
    counts = {names[key]: int(n) for key, n in optimizer.nr_update.items() if key in names}
    seen = {names[key]: int(n) for key, n in optimizer.last_seen.items() if key in names}
    state = {"nr_update": counts, "last_seen": seen, "learn_rate": float(optimizer.learn_rate),
             "parameters": len(names)}
    return state, arrays


def restore_optimizer_state(optimizer: Any, nlp: Any, state: Mapping[str, Any],
                            arrays: Mapping[str, np.ndarray]) -> None:
    """Put a state from :func:`optimizer_state` into ``optimizer`` for the parameters of
    ``nlp`` (a pipeline built like the saved one); :class:`TrainingError` when the saved
    state names parameters this pipeline does not have."""
    keys = {position: key for key, position in _parameter_keys(nlp)}
    unknown = sorted(set(state.get("nr_update", {})) - set(keys))
    if unknown or state.get("parameters", len(keys)) != len(keys):
        raise TrainingError(
            f"the saved optimizer state belongs to another pipeline: expected the "
            f"{state.get('parameters')} parameters it was saved with, this pipeline has "
            f"{len(keys)}" + (f"; unknown: {unknown[:5]}" if unknown else ""),
            where="optimizer state")
    from thinc.api import get_current_ops

    ops = get_current_ops()  # the backend the pipeline's arrays live on (numpy or cupy)
    for name, value in arrays.items():
        if not name.startswith("optimizer."):
            continue
        _, slot, position = name.split(".", 2)
        table = getattr(optimizer, slot, None)
        if table is None or position not in keys:
            continue
        table[keys[position]] = ops.asarray(cast(Any, value.copy()))
    for position, count in state.get("nr_update", {}).items():
        optimizer.nr_update[keys[position]] = int(count)
    for position, count in state.get("last_seen", {}).items():
        optimizer.last_seen[keys[position]] = int(count)
    if "learn_rate" in state and not optimizer.schedules.get("learn_rate"):
        optimizer.learn_rate = float(state["learn_rate"])


__all__ = ["optimizer_state", "restore_optimizer_state"]
