"""``lexiplug example-norms VECTORS``: the plugin's CLI command (added through a hook)."""

from __future__ import annotations


def example_norms(vectors_path: str, json: bool = False) -> None:
    """Print statistics of the vector norms in VECTORS (any format lexiplug reads)."""
    import json as json_module

    from lexiplug.vectors.io import load_vectors

    from .norm_stats import NormStatsEvaluator

    result = NormStatsEvaluator().evaluate(load_vectors(vectors_path), None)
    if json:
        print(json_module.dumps(result.to_dict(details=False), indent=2))
    else:
        print(result.summary())
        for metric, value in result.metrics.items():
            print(f"  {metric}: {'n/a' if value is None else f'{value:.4f}'}")
