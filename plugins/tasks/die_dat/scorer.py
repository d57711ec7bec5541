"""``lexiplug.die_dat_scorer.v1``: die/dat and POS scores, shared by ``spacy train``/``evaluate``
and ``bench/die_dat.py``.

Keys: ``die_dat_acc``, ``die_dat_balanced_acc`` (mean per-class recall; "dat" dominates),
``die_dat_pronoun_acc`` (instances with a gold POS other than SCONJ: the conjunction "dat"
cannot be swapped for "die", so it inflates plain accuracy), ``die_dat_per_type`` (P/R/F per
form) and ``die_dat_pos_acc`` (multitask models; None otherwise). Light: numpy and spaCy.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .instances import POS_LABELS, TARGETS, target_mask


@dataclass
class Outcomes:
    """Aligned per-instance arrays: gold/predicted form (0 die, 1 dat), gold POS (str, "" if
    none) and predicted POS (str, "" if the model has no POS head)."""

    gold: np.ndarray
    predicted: np.ndarray
    gold_pos: np.ndarray
    predicted_pos: np.ndarray

    @property
    def correct(self) -> np.ndarray:
        return self.gold == self.predicted


def balanced_accuracy(gold: np.ndarray, predicted: np.ndarray) -> float | None:
    recalls = [float((predicted[gold == c] == c).mean()) for c in (0, 1) if (gold == c).any()]
    return float(np.mean(recalls)) if recalls else None


def per_type(gold: np.ndarray, predicted: np.ndarray) -> dict[str, dict[str, float]]:
    table: dict[str, dict[str, float]] = {}
    for c, form in enumerate(TARGETS):
        tp = float(((predicted == c) & (gold == c)).sum())
        p = tp / max(float((predicted == c).sum()), 1.0)
        r = tp / max(float((gold == c).sum()), 1.0)
        f = 2 * p * r / (p + r) if p + r > 0 else 0.0
        table[form] = {"p": p, "r": r, "f": f}
    return table


def pronoun_mask(outcomes: Outcomes) -> np.ndarray:
    """Instances with a gold POS that is not the conjunction reading."""
    return (outcomes.gold_pos != "") & (outcomes.gold_pos != "SCONJ")


def scores_from_outcomes(outcomes: Outcomes) -> dict[str, Any]:
    n = outcomes.gold.shape[0]
    if n == 0:
        return {"die_dat_acc": None, "die_dat_balanced_acc": None, "die_dat_pronoun_acc": None,
                "die_dat_per_type": None, "die_dat_pos_acc": None}
    pronouns = pronoun_mask(outcomes)
    has_pos = (outcomes.gold_pos != "") & (outcomes.predicted_pos != "")
    pos_scored = has_pos & np.isin(outcomes.gold_pos, POS_LABELS)
    return {
        "die_dat_acc": float(outcomes.correct.mean()),
        "die_dat_balanced_acc": balanced_accuracy(outcomes.gold, outcomes.predicted),
        "die_dat_pronoun_acc": float(outcomes.correct[pronouns].mean()) if pronouns.any()
        else None,
        "die_dat_per_type": per_type(outcomes.gold, outcomes.predicted),
        "die_dat_pos_acc": float((outcomes.gold_pos == outcomes.predicted_pos)[pos_scored].mean())
        if pos_scored.any() else None,
    }


def collect_outcomes(examples: Iterable[Any]) -> Outcomes:
    """Instances of annotated examples: predictions from ``token._.die_dat`` of the predicted
    doc, gold form and POS from the aligned reference tokens."""
    gold: list[int] = []
    predicted: list[int] = []
    gold_pos: list[str] = []
    predicted_pos: list[str] = []
    for eg in examples:
        doc = eg.predicted
        records = [(i, doc[i]._.die_dat) for i in np.flatnonzero(target_mask(doc)).tolist()
                   if doc[i]._.die_dat is not None]
        if not records:
            continue
        orths = eg.get_aligned("ORTH", as_string=True)
        tags = (eg.get_aligned("POS", as_string=True) if eg.reference.has_annotation("POS")
                else None)
        for i, record in records:
            form = orths[i].lower() if isinstance(orths[i], str) else ""
            if form not in TARGETS:
                continue
            gold.append(TARGETS.index(form))
            predicted.append(TARGETS.index(record["form"]))
            gold_pos.append((tags[i] or "") if tags is not None else "")
            predicted_pos.append(record.get("pos", ""))
    return Outcomes(np.asarray(gold, dtype=np.int64), np.asarray(predicted, dtype=np.int64),
                    np.asarray(gold_pos, dtype=object).astype(str),
                    np.asarray(predicted_pos, dtype=object).astype(str))


def score_die_dat(examples: Iterable[Any], **_: Any) -> dict[str, Any]:
    """The spaCy scorer function (see the module docstring for the keys)."""
    return scores_from_outcomes(collect_outcomes(examples))


def make_die_dat_scorer() -> Callable[..., dict[str, Any]]:
    return score_die_dat
