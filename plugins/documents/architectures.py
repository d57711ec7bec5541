"""spaCy entry point of ``lexiplug.RCNN.v1``: tiny on purpose (spaCy imports every
``spacy_architectures`` module of the environment); torch and the model code load only when
a pipeline builds the model."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from thinc.api import Model


def build_rcnn(
    exclusive_classes: bool = True,
    nO: int | None = None,
    embed_width: int = 50,
    context_width: int = 50,
    hidden: int = 100,
    dropout: float = 0.0,
    n_buckets: int = 100_000,
    max_length: int = 800,
    pretrained: Callable[[], Any] | None = None,
    seed: int = 0,
) -> Model:
    """The RCNN text classifier (Lai et al. 2015) for spaCy's textcat components: softmax
    outputs with ``exclusive_classes`` (textcat), sigmoids without (textcat_multilabel)."""
    from .rcnn import rcnn_v1

    return rcnn_v1(exclusive_classes, nO, embed_width, context_width, hidden, dropout,
                   n_buckets, max_length, pretrained, seed)
