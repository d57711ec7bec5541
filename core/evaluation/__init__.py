"""What evaluators return, and the statistics they share."""

from .api import evaluate_vectors
from .result import Result
from .stats import bootstrap_ci, paired_bootstrap

__all__ = ["Result", "bootstrap_ci", "evaluate_vectors", "paired_bootstrap"]
