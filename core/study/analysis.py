"""What a reader needs beside a score: its own CI, the analogy split, and where a row fails.

Read from each :class:`~lexiplug.evaluation.result.Result`'s figures and per-item records:

- a row's *own* CI (on every item it covers): the evaluator's when it computed one, else a
  percentile bootstrap over the row's own per-item scores, done here;
- the semantic/syntactic split of analogy accuracy (Mikolov et al.'s two halves of the Google
  set), with the evaluator's CIs;
- error analysis: for word similarity the pairs whose model rank is furthest from the human
  rank (what a Spearman score punishes most), for analogies the failed questions with the
  word the row predicted.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..evaluation.result import Result
from ..evaluation.stats import BOOTSTRAP_METHOD, bootstrap_ci
from .compare import item_scores

N_ERRORS = 10
LEVEL = 0.95


@dataclass
class OwnInterval:
    """A row's CI on its own covered items, and how it was computed."""

    ci: tuple[float, float] | None
    method: str


@dataclass
class AnalogySplit:
    row: str
    dataset: str
    figures: dict[str, float | None]  # semantic_accuracy, syntactic_accuracy
    ci: dict[str, tuple[float, float]]
    counts: dict[str, int]  # questions counted per kind


@dataclass
class ErrorTable:
    """The worst items of one row on one dataset, ready to print as a table."""

    row: str
    evaluation: str
    dataset: str
    title: str
    columns: list[str]
    items: list[list[str]] = field(default_factory=list)
    n_errors: int = 0  # how many items failed in all (the table shows the worst few)


def own_interval(result: Result, *, n_resamples: int, seed: int) -> OwnInterval:
    """The evaluator's CI for its primary metric, or one bootstrapped from its records."""
    if result.primary in result.ci:
        low, high = result.ci[result.primary]
        resamples = result.extra.get("bootstrap")
        level = float(result.extra.get("level", LEVEL))
        if resamples:  # the built-in evaluators record their bootstrap settings in ``extra``
            method = (f"by the evaluator ({result.evaluator}): {BOOTSTRAP_METHOD}, "
                      f"{resamples} resamples, seed {result.extra.get('seed', 'not stated')}, "
                      f"{level:.0%} two-sided percentile interval")
        else:
            method = f"by the evaluator ({result.evaluator}), which does not state its method"
        return OwnInterval((float(low), float(high)), method)
    scores = item_scores(result)
    if scores is None:
        return OwnInterval(None, "not available: the evaluator gave no CI and no per-item "
                                 "scores to resample")
    interval = bootstrap_ci(scores.statistic_fn(), len(scores.ids), n_resamples=n_resamples,
                            level=LEVEL, seed=seed, vectorized=True)
    method = (f"by the report: {BOOTSTRAP_METHOD} ({scores.statistic} of the row's "
              f"{len(scores.ids)} covered items), {n_resamples} resamples, seed {seed}, "
              f"{LEVEL:.0%} two-sided percentile interval")
    return OwnInterval(interval, method)


def analogy_split(row: str, result: Result) -> AnalogySplit | None:
    """Semantic vs syntactic accuracy when the evaluator reported both."""
    kinds = ("semantic_accuracy", "syntactic_accuracy")
    if not all(k in result.metrics for k in kinds):
        return None
    counts = {"semantic": 0, "syntactic": 0}
    for section in result.extra.get("sections") or []:
        kind = section.get("kind")
        if kind in counts:
            counts[kind] += int(section.get("n_covered") or 0)
    return AnalogySplit(row, result.dataset, {k: result.metrics[k] for k in kinds},
                        {k: tuple(result.ci[k]) for k in kinds if k in result.ci},  # type: ignore[misc]
                        counts)


def error_table(row: str, evaluation: str, result: Result, *, limit: int = N_ERRORS
                ) -> ErrorTable | None:
    """The worst items of ``result`` for its kind of records; None for other kinds."""
    records = result.details
    if not records:
        return None
    first = records[0]
    if all(k in first for k in ("word1", "word2", "gold", "model")):
        return _rank_errors(row, evaluation, result, limit)
    if all(k in first for k in ("a", "b", "c", "expected", "correct")):
        return _failed_analogies(row, evaluation, result, limit)
    return None


def _rank_errors(row: str, evaluation: str, result: Result, limit: int) -> ErrorTable:
    """Pairs ranked by |human rank - model rank| among the pairs the row scored."""
    from scipy.stats import rankdata

    scored = [r for r in result.details
              if r.get("scored", r.get("covered", True)) and _finite(r.get("model"))]
    table = ErrorTable(row, evaluation, result.dataset,
                       "pairs furthest from the human ranking",
                       ["word 1", "word 2", "human score", "human rank", "model cosine",
                        "model rank", "rank error"])
    if len(scored) < 2:
        return table
    gold = np.array([float(r["gold"]) for r in scored])
    model = np.array([float(r["model"]) for r in scored])
    # rank 1 = most similar, as a reader scans a similarity list
    gold_rank = rankdata(-gold)
    model_rank = rankdata(-model)
    error = np.abs(gold_rank - model_rank)
    table.n_errors = len(scored)
    for i in np.argsort(-error, kind="stable")[:limit].tolist():
        record = scored[i]
        table.items.append([str(record["word1"]), str(record["word2"]), f"{gold[i]:g}",
                            f"{gold_rank[i]:g}", f"{model[i]:.3f}", f"{model_rank[i]:g}",
                            f"{error[i]:g}"])
    table.title = f"the {len(table.items)} of {len(scored)} scored pairs furthest from the " \
                  "human ranking (rank 1 = most similar)"
    return table


def _failed_analogies(row: str, evaluation: str, result: Result, limit: int) -> ErrorTable:
    """Failed covered questions, taken in turn from each section so no section crowds out
    the others, with the word the row answered."""
    by_section: dict[str, list[dict[str, Any]]] = defaultdict(list)
    failed = 0
    for record in result.details:
        if record.get("covered", True) and not record.get("correct"):
            failed += 1
            by_section[str(record.get("section", ""))].append(record)
    table = ErrorTable(row, evaluation, result.dataset, "failed analogies",
                       ["section", "question", "expected", "predicted"], n_errors=failed)
    for record in _round_robin(by_section.values(), limit):
        question = f"{record['a']} : {record['b']} :: {record['c']} : ?"
        predicted = record.get("predicted")
        table.items.append([str(record.get("section", "")), question, str(record["expected"]),
                            "(no answer)" if predicted is None else str(predicted)])
    covered = sum(1 for r in result.details if r.get("covered", True))
    table.title = (f"{len(table.items)} of the {failed} failed questions (of {covered} "
                   "covered), taken in turn from each section, with the word predicted")
    return table


def _round_robin(groups: Iterable[list[dict[str, Any]]], limit: int) -> list[dict[str, Any]]:
    queues = [list(g) for g in groups if g]
    chosen: list[dict[str, Any]] = []
    depth = 0
    while len(chosen) < limit and any(depth < len(q) for q in queues):
        chosen.extend(q[depth] for q in queues if depth < len(q))
        depth += 1
    return chosen[:limit]


def _finite(value: Any) -> bool:
    return value is not None and bool(np.isfinite(float(value)))
