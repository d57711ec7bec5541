"""One gradient step of a task component, shared by every ``TrainablePipe`` in plugins/tasks.

Each component decides what it trains on and how its loss is computed; the forward pass,
backward pass, optimiser call and loss bookkeeping are the same for all of them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from spacy.pipeline import TrainablePipe
from spacy.tokens import Doc
from thinc.api import Optimizer


def train_step(pipe: TrainablePipe, docs: list[Doc],
               loss_of: Callable[[Any], tuple[float, Any]],
               sgd: Optimizer | None, losses: dict[str, float]) -> dict[str, float]:
    """Runs the model on ``docs``, backpropagates ``loss_of(scores)``'s gradient, applies
    ``sgd`` when given and adds the loss to ``losses[pipe.name]``."""
    scores, backprop = pipe.model.begin_update(docs)
    loss, d_scores = loss_of(scores)
    backprop(d_scores)
    if sgd is not None:
        pipe.finish_update(sgd)
    losses[pipe.name] += loss
    return losses
