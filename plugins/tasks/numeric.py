"""Row-wise softmax and log-softmax over numpy logits, shared by the task components.

Components decode and compute losses on the numpy side of thinc's ``PyTorchWrapper_v3``, so
these stay numpy (no torch import). Both shift by the row maximum first, so large logits
cannot overflow ``exp``.
"""

from __future__ import annotations

import numpy as np


def softmax(logits: np.ndarray) -> np.ndarray:
    """Probabilities per row, in the logits' dtype; shape ``(n, k)`` in and out."""
    shifted = logits - logits.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=1, keepdims=True)


def log_softmax(logits: np.ndarray) -> np.ndarray:
    """Log-probabilities per row in float64 (losses sum many of them); an empty array is
    returned as is, since ``max`` has no identity."""
    logits = np.asarray(logits, dtype=np.float64)
    if logits.size == 0:
        return logits
    shifted = logits - logits.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
