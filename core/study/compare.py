"""Compare rows honestly: on the items every row covers, with a paired bootstrap for "best".

A row that skips the hard pairs of a similarity set can look better than one that answers
them all. So each table is recomputed on the *shared* covered items, read from the typed
per-item records (``Result.items``) evaluators return, and a row is called best only when a paired
bootstrap over those items separates it from the runner-up.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..evaluation.result import Result
from ..evaluation.stats import bootstrap_ci, paired_bootstrap

SIGNIFICANCE = 0.05


@dataclass
class ItemScores:
    """Per-item figures of one result: item ids and what the metric is computed from."""

    ids: list[Hashable]
    statistic: str  # "spearman", "pearson" or "mean"
    values: np.ndarray
    gold: np.ndarray | None = None

    def subset(self, ids: Sequence[Hashable]) -> ItemScores:
        where = {item: i for i, item in enumerate(self.ids)}
        order = np.array([where[item] for item in ids], dtype=np.int64)
        gold = None if self.gold is None else self.gold[order]
        return ItemScores(list(ids), self.statistic, self.values[order], gold)

    def statistic_fn(self, sign: float = 1.0) -> Callable[[np.ndarray], float]:
        values, gold = self.values, self.gold
        if self.statistic == "mean":
            return lambda idx: sign * float(values[idx].mean())
        correlate = _spearman if self.statistic == "spearman" else _pearson
        assert gold is not None
        return lambda idx: sign * correlate(gold[idx], values[idx])

    def score(self) -> float:
        return self.statistic_fn()(np.arange(len(self.ids)))


@dataclass
class RowFigure:
    row: str
    score: float | None  # the evaluator's own figure on the row's covered items
    n_covered: int
    n_items: int
    shared_score: float | None = None
    shared_ci: tuple[float, float] | None = None


@dataclass
class Comparison:
    """One evaluator × dataset table."""

    evaluation: str
    evaluator: str
    dataset: str
    primary: str
    rows: list[RowFigure]
    n_items: int
    n_shared: int | None = None  # None: per-item scores unavailable, no shared recomputation
    statistic: str | None = None
    higher_is_better: bool | None = True
    best: str | None = None
    runner_up: str | None = None
    p_value: float | None = None
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "evaluation": self.evaluation, "evaluator": self.evaluator, "dataset": self.dataset,
            "primary": self.primary, "n_items": self.n_items, "n_shared": self.n_shared,
            "statistic": self.statistic, "higher_is_better": self.higher_is_better,
            "best": self.best, "runner_up": self.runner_up, "p_value": self.p_value,
            "notes": list(self.notes),
            "rows": [
                {"row": r.row, "score": r.score, "n_covered": r.n_covered, "n_items": r.n_items,
                 "shared_score": r.shared_score,
                 "shared_ci": list(r.shared_ci) if r.shared_ci else None}
                for r in self.rows
            ],
        }


def item_scores(result: Result) -> ItemScores | None:
    """The covered items' figures from ``result.items``; None when the evaluator gave none
    (or gave an id twice, which would pair the wrong items)."""
    statistic = result.item_statistic
    if statistic is None or not result.items:
        return None
    correlation = statistic != "mean"
    kept = [item for item in result.items
            if item.covered and item.value is not None and math.isfinite(item.value)
            and not (correlation and (item.gold is None or not math.isfinite(item.gold)))]
    ids: list[Hashable] = [item.id for item in kept]
    if len(set(ids)) != len(ids):
        return None
    values = np.asarray([item.value for item in kept], dtype=np.float64)
    gold = np.asarray([item.gold for item in kept], dtype=np.float64) if correlation else None
    return ItemScores(ids, statistic, values, gold)


def compare(
    evaluation: str,
    results: dict[str, Result],
    *,
    n_resamples: int = 1000,
    seed: int = 0,
    level: float = 0.95,
) -> Comparison:
    """The table for one evaluator × dataset over ``{row: result}``."""
    first = next(iter(results.values()))
    table = Comparison(
        evaluation=evaluation, evaluator=first.evaluator, dataset=first.dataset,
        primary=first.primary, n_items=max(r.n_items for r in results.values()),
        rows=[RowFigure(row, r.score, r.n_covered, r.n_items) for row, r in results.items()],
        higher_is_better=first.higher_is_better,
    )
    scores = {row: item_scores(result) for row, result in results.items()}
    if any(s is None for s in scores.values()) or len(
        {s.statistic for s in scores.values() if s is not None}
    ) != 1:
        table.notes.append("per-item scores not available: each row's figure is on its own "
                           "covered items")
        return table
    shared = _shared_ids([s for s in scores.values() if s is not None])
    table.n_shared = len(shared)
    table.statistic = next(s.statistic for s in scores.values() if s is not None)
    if len(shared) < 3:
        table.notes.append(f"only {len(shared)} items are covered by every row: no comparison")
        return table
    subsets = {row: s.subset(shared) for row, s in scores.items() if s is not None}
    for figure in table.rows:
        subset = subsets[figure.row]
        figure.shared_score = _finite(subset.score())
        figure.shared_ci = bootstrap_ci(subset.statistic_fn(), len(shared),
                                        n_resamples=n_resamples, level=level, seed=seed)
    _mark_best(table, subsets, n_resamples=n_resamples, seed=seed)
    return table


def _mark_best(table: Comparison, subsets: dict[str, ItemScores], *, n_resamples: int,
               seed: int) -> None:
    ranked = [f for f in table.rows if f.shared_score is not None]
    if len(ranked) < 2 or table.higher_is_better is None:
        return
    sign = 1.0 if table.higher_is_better else -1.0
    ranked.sort(key=lambda f: sign * (f.shared_score or 0.0), reverse=True)
    top, second = ranked[0].row, ranked[1].row
    n = table.n_shared or 0
    p_value = paired_bootstrap(subsets[top].statistic_fn(sign), subsets[second].statistic_fn(sign),
                               n, n_resamples=n_resamples, seed=seed)
    table.runner_up = second
    table.p_value = p_value
    if p_value < SIGNIFICANCE:
        table.best = top
    else:
        table.notes.append(
            f"{top} and {second} are not separated by a paired bootstrap (p = {p_value:.3f}): "
            "no best marked"
        )


def _shared_ids(scores: list[ItemScores]) -> list[Hashable]:
    common = set(scores[0].ids)
    for s in scores[1:]:
        common &= set(s.ids)
    return [item for item in scores[0].ids if item in common]


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


def _rank(values: np.ndarray) -> np.ndarray:
    from scipy.stats import rankdata

    return np.asarray(rankdata(values), dtype=np.float64)


def _pearson(x: np.ndarray, y: np.ndarray) -> float:
    x = x - x.mean()
    y = y - y.mean()
    denominator = math.sqrt(float(x @ x) * float(y @ y))
    return float(x @ y) / denominator if denominator > 0 else math.nan


def _spearman(x: np.ndarray, y: np.ndarray) -> float:
    return _pearson(_rank(x), _rank(y))
