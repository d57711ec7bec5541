"""The one result type every evaluator returns: metrics always next to their coverage."""

from __future__ import annotations

import copy
import math
from dataclasses import asdict, dataclass, field, replace
from typing import Any


@dataclass
class Result:
    """One evaluator's figures for one dataset.

    ``metrics`` values are ``None`` (never NaN) when nothing was covered; ``primary`` names
    the headline metric; ``details`` holds per-item records for error analysis and paired
    comparisons.
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

    @property
    def coverage(self) -> float:
        return self.n_covered / self.n_items if self.n_items else 0.0

    @property
    def score(self) -> float | None:
        return self.metrics.get(self.primary)

    def to_dict(self, *, details: bool = True) -> dict[str, Any]:
        # asdict deep-copies every per-item record; leaving them out before the copy, not
        # after it, keeps a study's results.json from spending seconds on records it drops
        data = asdict(replace(self, details=[]))
        data["coverage"] = self.coverage
        data["ci"] = {k: list(v) for k, v in self.ci.items()}
        data["metrics"] = {k: _finite_or_none(v) for k, v in self.metrics.items()}
        if details:
            data["details"] = copy.deepcopy(self.details)
        else:
            data.pop("details")
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
