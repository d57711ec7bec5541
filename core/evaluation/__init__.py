"""What evaluators return, and the statistics they share."""

from .result import Result
from .stats import bootstrap_ci, paired_bootstrap

__all__ = ["Result", "bootstrap_ci", "paired_bootstrap"]
