"""``lexiplug.phenotype_scorer.v1``: per-task accuracy, micro-F1 and macro-F1 from ``doc.cats``.

Shared by ``spacy train``/``evaluate`` and ``bench/phenotype.py``. A task's gold label is the
reference doc's ``task=label`` entry with value >= 0.5; docs without one are not scored for
that task (missing labels). The prediction is the predicted doc's highest ``task=label``
entry. Every scored doc gets exactly one prediction, so micro-F1 equals accuracy; macro-F1
averages the per-class F1 over the classes seen in gold or predictions (as scikit-learn).
Keys: ``phenotype_acc``, ``phenotype_micro_f``, ``phenotype_macro_f`` (means over tasks) and
``phenotype_per_task`` ({task: {acc, micro_f, macro_f, n}}). Light: numpy only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np

SEPARATOR = "="


def split_label(key: str, separator: str = SEPARATOR) -> tuple[str, str] | None:
    task, sep, label = key.partition(separator)
    return (task, label) if sep and task and label else None


def gold_label(cats: Mapping[str, float], task: str, separator: str = SEPARATOR) -> str | None:
    """The task's positive label in ``cats`` or None (missing)."""
    prefix = task + separator
    best = [(value, key) for key, value in cats.items()
            if key.startswith(prefix) and value >= 0.5]
    return max(best)[1][len(prefix):] if best else None


def predicted_label(cats: Mapping[str, float], task: str,
                    separator: str = SEPARATOR) -> str | None:
    prefix = task + separator
    scored = [(value, key) for key, value in cats.items() if key.startswith(prefix)]
    return max(scored)[1][len(prefix):] if scored else None


def tasks_in(cats_list: Iterable[Mapping[str, float]], separator: str = SEPARATOR) -> list[str]:
    seen: dict[str, None] = {}
    for cats in cats_list:
        for key in cats:
            parts = split_label(key, separator)
            if parts:
                seen.setdefault(parts[0], None)
    return list(seen)


def f1_scores(gold: Sequence[str], predicted: Sequence[str]) -> dict[str, float]:
    """Accuracy, micro-F1 and macro-F1 of single-label predictions (one per gold item)."""
    n = len(gold)
    if n == 0:
        return {"acc": float("nan"), "micro_f": float("nan"), "macro_f": float("nan"), "n": 0}
    classes, codes = np.unique(np.asarray(list(gold) + list(predicted), dtype=object)
                               .astype(str), return_inverse=True)
    g, p = codes[:n], codes[n:]
    k = len(classes)
    tp = np.bincount(g[g == p], minlength=k).astype(np.float64)
    n_gold = np.bincount(g, minlength=k).astype(np.float64)
    n_pred = np.bincount(p, minlength=k).astype(np.float64)
    denominator = n_gold + n_pred
    per_class = np.divide(2 * tp, denominator, out=np.zeros(k), where=denominator > 0)
    micro = 2 * tp.sum() / (n_gold.sum() + n_pred.sum())
    return {"acc": float(tp.sum() / n), "micro_f": float(micro),
            "macro_f": float(per_class.mean()), "n": n}


def score_label_lists(per_task: Mapping[str, tuple[Sequence[str], Sequence[str]]]
                      ) -> dict[str, Any]:
    """Scores from {task: (gold labels, predicted labels)}."""
    table = {task: f1_scores(gold, pred) for task, (gold, pred) in per_task.items()}
    scored = [row for row in table.values() if row["n"] > 0]

    def mean(key: str) -> float | None:
        return float(np.mean([row[key] for row in scored])) if scored else None

    return {"phenotype_acc": mean("acc"), "phenotype_micro_f": mean("micro_f"),
            "phenotype_macro_f": mean("macro_f"), "phenotype_per_task": table}


def score_phenotype(examples: Iterable[Any], tasks: Sequence[str] | None = None,
                    separator: str = SEPARATOR) -> dict[str, Any]:
    """Scores of spaCy Examples (gold in ``reference.cats``, predictions in ``predicted.cats``)."""
    examples = list(examples)
    names = list(tasks) if tasks else tasks_in((eg.reference.cats for eg in examples), separator)
    per_task: dict[str, tuple[list[str], list[str]]] = {task: ([], []) for task in names}
    for eg in examples:
        for task in names:
            gold = gold_label(eg.reference.cats, task, separator)
            if gold is None:
                continue
            pred = predicted_label(eg.predicted.cats, task, separator)
            per_task[task][0].append(gold)
            per_task[task][1].append("" if pred is None else pred)
    return score_label_lists(per_task)


def make_phenotype_scorer(tasks: Sequence[str] | None = None,
                          separator: str = SEPARATOR) -> Callable[..., dict[str, Any]]:
    def scorer(examples: Iterable[Any], **_: Any) -> dict[str, Any]:
        return score_phenotype(examples, tasks, separator)

    return scorer
