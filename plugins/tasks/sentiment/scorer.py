"""``lexiplug.sentiment_scorer.v1``: accuracy and macro-F1 of POSITIVE/NEGATIVE, shared by
``spacy train``/``evaluate`` and ``bench/sentiment.py``. Light: numpy only.

Keys: ``sentiment_acc``, ``sentiment_macro_f``, ``sentiment_per_type`` (P/R/F per class).
The prediction is the larger of the two cats; examples whose reference has no gold class
are skipped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from .readers import LABELS


def scores_from_labels(gold: np.ndarray, predicted: np.ndarray) -> dict[str, Any]:
    """Scores of boolean arrays (True = POSITIVE)."""
    if gold.size == 0:
        return {"sentiment_acc": None, "sentiment_macro_f": None, "sentiment_per_type": None}
    per_type: dict[str, dict[str, float]] = {}
    for label, value in (("POSITIVE", True), ("NEGATIVE", False)):
        tp = float(((predicted == value) & (gold == value)).sum())
        p = tp / max(float((predicted == value).sum()), 1.0)
        r = tp / max(float((gold == value).sum()), 1.0)
        per_type[label] = {"p": p, "r": r, "f": 2 * p * r / (p + r) if p + r else 0.0}
    return {
        "sentiment_acc": float((gold == predicted).mean()),
        "sentiment_macro_f": float(np.mean([v["f"] for v in per_type.values()])),
        "sentiment_per_type": per_type,
    }


def score_sentiment(examples: Iterable[Any], **_: Any) -> dict[str, Any]:
    gold: list[bool] = []
    predicted: list[bool] = []
    for eg in examples:
        ref = eg.reference.cats
        if not any(ref.get(label, 0.0) >= 0.5 for label in LABELS):
            continue
        cats = eg.predicted.cats
        gold.append(ref.get("POSITIVE", 0.0) >= 0.5)
        predicted.append(cats.get("POSITIVE", 0.0) >= cats.get("NEGATIVE", 0.0))
    return scores_from_labels(np.asarray(gold, dtype=bool), np.asarray(predicted, dtype=bool))


def make_sentiment_scorer() -> Callable[..., dict[str, Any]]:
    return score_sentiment
