"""The entry point lexiplug loads: registers names, imports nothing heavy.

``pyproject.toml`` points the ``lexiplug`` entry-point group at this module. lexiplug
registers the module with its pluggy plugin manager and calls the hooks below. The
factories import their implementation modules only when called, so loading the plugin
costs well under a millisecond.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lexiplug.hookspecs import hookimpl

if TYPE_CHECKING:
    from lexiplug.registry import Registries

    from .norm_stats import NormStatsEvaluator
    from .random_projection import RandomProjectionEmbedder

EMBEDDER_NAME = "example.random_projection.v1"
EVALUATOR_NAME = "example.norm_stats.v1"


def random_projection_v1(
    dim: int = 64,
    window: int = 2,
    min_count: int = 1,
    lowercase: bool = True,
    seed: int = 0,
) -> RandomProjectionEmbedder:
    """``@embedders = "example.random_projection.v1"``: PPMI counts, randomly projected."""
    from .random_projection import RandomProjectionEmbedder

    return RandomProjectionEmbedder(
        dim=dim, window=window, min_count=min_count, lowercase=lowercase, seed=seed
    )


def norm_stats_v1(n_resamples: int = 1000, seed: int = 0) -> NormStatsEvaluator:
    """``@evaluators = "example.norm_stats.v1"``: how long the vectors are, and why."""
    from .norm_stats import NormStatsEvaluator

    return NormStatsEvaluator(n_resamples=n_resamples, seed=seed)


@hookimpl
def lexiplug_register(registry: Registries) -> None:
    registry.embedders.register(EMBEDDER_NAME, func=random_projection_v1)
    registry.evaluators.register(EVALUATOR_NAME, func=norm_stats_v1)


@hookimpl
def lexiplug_cli_commands() -> list[Any]:
    from .cli import example_fit

    return [example_fit]
