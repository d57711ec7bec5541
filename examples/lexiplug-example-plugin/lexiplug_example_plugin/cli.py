"""The plugin's CLI commands, reached in the two ways lexiplug offers.

``example-norms`` is named by a ``lexiplug_cli`` entry point (pyproject), so ``lexiplug --help``
lists it from metadata without importing anything. ``example-fit`` comes from the
``lexiplug_cli_commands`` hook, which lexiplug calls only when asked for a command it does not
know; use the hook for commands you build at run time. Heavy imports stay inside the bodies.
"""

from __future__ import annotations


def example_norms(vectors_path: str, json: bool = False) -> None:
    """Print statistics of the vector norms in VECTORS_PATH (any format lexiplug reads)."""
    import json as json_module

    from lexiplug.vectors.io import load_vectors

    from .norm_stats import NormStatsEvaluator

    result = NormStatsEvaluator().evaluate(load_vectors(vectors_path), None)
    if json:
        print(json_module.dumps(result.to_dict(details=False), indent=2))
        return
    print(result.summary())
    for metric, value in result.metrics.items():
        print(f"  {metric}: {'n/a' if value is None else f'{value:.4f}'}")


def example_fit(
    corpus_path: str,
    output: str,
    dim: int = 64,
    window: int = 2,
    min_count: int = 1,
    seed: int = 0,
    format: str = "word2vec-text",
) -> None:
    """Fit random-projection vectors on CORPUS_PATH (one sentence a line) and save to OUTPUT."""
    from .random_projection import RandomProjectionEmbedder

    embedder = RandomProjectionEmbedder(dim=dim, window=window, min_count=min_count, seed=seed)
    with open(corpus_path, encoding="utf-8") as lines:
        vectors = embedder.fit(lines)
    written = vectors.save(output, format=format)
    print(f"saved {len(vectors)} x {vectors.dim} vectors to {written}")
