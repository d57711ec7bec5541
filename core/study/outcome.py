"""What a study produced: its rows, scores and timings, for the writers to report.

Separate from the runner so the report writers (write.py, report.py, results.py, plots.py)
depend on these types only, not on the code that runs a study.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..evaluation.result import Result
from ..vectors import Vectors
from .config import StudyConfig
from .plan import StudyPlan


@dataclass
class Row:
    """One compared set of vectors and where it came from."""

    name: str
    node: str
    slice: str | None
    key: str
    vectors: Vectors
    lineage: list[str]


@dataclass
class Scored:
    """One evaluator result for one row."""

    row: str
    evaluation: str
    function: str
    result: Result
    key: str
    cached: bool
    seconds: float


@dataclass
class StepTiming:
    step: str
    row: str | None
    seconds: float
    cached: bool

    def to_dict(self) -> dict[str, Any]:
        return {"step": self.step, "row": self.row, "seconds": round(self.seconds, 4),
                "cached": self.cached}


@dataclass
class StudyOutcome:
    """Everything a study produced; ``files`` are the written reports and plots."""

    config: StudyConfig
    plan: StudyPlan
    output: Path
    rows: dict[str, Row]
    scored: list[Scored]
    timings: list[StepTiming]
    seconds: float = 0.0
    files: dict[str, Path] = field(default_factory=dict)
    fits: int = 0  # embedder fits actually run (not served from the cache)
