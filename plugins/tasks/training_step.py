"""One gradient step of a task component, shared by every ``TrainablePipe`` in plugins/tasks.

Each component decides what it trains on and how its loss is computed; the forward pass,
backward pass, optimiser call and loss bookkeeping are the same for all of them.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

from lexiplug.memory import release_freed_memory
from spacy.pipeline import TrainablePipe
from spacy.tokens import Doc
from thinc.api import Optimizer

# Every this many updates the freed C heap goes back to the OS (lexiplug.memory): without it
# the die/dat multitask model's resident memory grew ~6 MB an update on long documents.
RELEASE_EVERY = 10
_updates = itertools.count(1)


def train_step(pipe: TrainablePipe, docs: list[Doc],
               loss_of: Callable[[Any], tuple[float, Any]],
               sgd: Optimizer | None, losses: dict[str, float]) -> dict[str, float]:
    """Runs the model on ``docs``, backpropagates ``loss_of(scores)``'s gradient, applies
    ``sgd`` when given and adds the loss to ``losses[pipe.name]``; every
    ``RELEASE_EVERY`` updates (in the process) it releases the freed heap memory."""
    scores, backprop = pipe.model.begin_update(docs)
    loss, d_scores = loss_of(scores)
    backprop(d_scores)
    if sgd is not None:
        pipe.finish_update(sgd)
    losses[pipe.name] += loss
    if next(_updates) % RELEASE_EVERY == 0:
        release_freed_memory()
    return losses
