"""Helpers shared by the transforms benches (debias, retrofit, cade): corpora and scores."""

from __future__ import annotations

from pathlib import Path
from typing import Any

CACHE = Path(__file__).resolve().parent / "out" / "cache"
GUTENBERG = "corpora/gutenberg-nltk"


def gutenberg_slice(pattern: str, name: str) -> Any:
    """An encoded, lower-cased Gutenberg slice (books matching ``pattern``), cached on disk."""
    from lexiplug.corpus.encoded import encode_corpus
    from lexiplug.corpus.reader import text_files_corpus

    corpus = text_files_corpus(GUTENBERG, pattern=pattern, lowercase=True, name=name)
    return encode_corpus(corpus, min_count=1, cache_dir=CACHE, progress=False)


def similarity(vectors: Any, dataset: str) -> float | None:
    """Spearman ρ on ``dataset`` (covered pairs only), no bootstrap."""
    from lexiplug.registry import registry

    evaluator = registry.evaluators.get("lexiplug.similarity.v1")(bootstrap=0)
    result = evaluator.evaluate(vectors, dataset)
    value = result.metrics.get(result.primary)
    return None if value is None else round(float(value), 4)
