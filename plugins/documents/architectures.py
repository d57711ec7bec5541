"""spaCy entry point of ``lexiplug.RCNN.v1``: tiny on purpose (spaCy imports every
``spacy_architectures`` module of the environment); the model code is imported on use."""

from __future__ import annotations

from typing import Any


def build_rcnn(*args: Any, **kwargs: Any) -> Any:
    """The RCNN text classifier; arguments as :func:`lexiplug.plugins.documents.rcnn.rcnn_v1`."""
    from .rcnn import rcnn_v1

    return rcnn_v1(*args, **kwargs)
