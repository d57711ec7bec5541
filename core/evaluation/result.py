"""The one result type every evaluator returns: metrics always next to their coverage."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

# How the headline metric is computed from the items: the mean of their values, or the rank
# (Spearman) / linear (Pearson) correlation of values with gold scores.
ItemStatistic = Literal["mean", "spearman", "pearson"]


@dataclass(frozen=True)
class ItemRecord:
    """One item's part in the headline metric, so rows can be compared on shared items.

    ``id`` names the item the same way in every row's result for one dataset (a pair's
    index, a query id, a word). ``value`` is the item's score for a ``mean`` statistic (1.0
    or 0.0 for a correct answer, a query's nDCG) or the model's score for a correlation,
    where ``gold`` is the human score. ``covered=False`` or ``value=None`` keeps an item out.
    """

    id: str | int
    value: float | None
    covered: bool = True
    gold: float | None = None


@dataclass
class Result:
    """One evaluator's figures for one dataset.

    ``metrics`` values are ``None`` (never NaN) when nothing was covered; ``primary`` names
    the headline metric; ``details`` holds free-form per-item records for error analysis;
    ``items`` (with ``item_statistic``) the typed records comparisons are computed from.
    ``higher_is_better`` is ``None`` when no direction is better (bias measures): no row is
    then called best.
    """

    evaluator: str
    dataset: str
    metrics: dict[str, float | None]
    primary: str
    n_items: int
    n_covered: int
    ci: dict[str, tuple[float, float]] = field(default_factory=dict)
    details: list[dict[str, Any]] = field(default_factory=list)
    dataset_checksum: str | None = None
    warnings: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
    items: list[ItemRecord] = field(default_factory=list)
    item_statistic: ItemStatistic | None = None
    higher_is_better: bool | None = True

    @property
    def coverage(self) -> float:
        return self.n_covered / self.n_items if self.n_items else 0.0

    @property
    def score(self) -> float | None:
        return self.metrics.get(self.primary)

    def to_dict(self, *, details: bool = True) -> dict[str, Any]:
        data = asdict(self)
        data["coverage"] = self.coverage
        data["ci"] = {k: list(v) for k, v in self.ci.items()}
        data["metrics"] = {k: _finite_or_none(v) for k, v in self.metrics.items()}
        if not details:  # per-item records, typed or not, stay out of summaries
            data.pop("details")
            data.pop("items")
        return data

    def summary(self) -> str:
        score = self.score
        shown = "n/a" if score is None else f"{score:.4f}"
        ci = self.ci.get(self.primary)
        ci_text = f" [{ci[0]:.3f}, {ci[1]:.3f}]" if ci else ""
        return (
            f"{self.dataset}: {self.primary}={shown}{ci_text} "
            f"(coverage {self.n_covered}/{self.n_items} = {self.coverage:.1%})"
        )


def _finite_or_none(value: float | None) -> float | None:
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None
