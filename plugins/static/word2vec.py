"""``lexiplug.word2vec.v1``: skip-gram / CBOW trained by gensim on our corpus pipeline."""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from ._common import ProgressFromParams
from .gensim_engine import GensimContinuation, GensimParams, train_gensim, vectors_from_model

if TYPE_CHECKING:
    from lexiplug.vectors import Vectors


class Word2VecEmbedder(ProgressFromParams, GensimContinuation):
    """Skip-gram / CBOW with negative sampling or hierarchical softmax (gensim engine)."""

    name = "lexiplug.word2vec.v1"

    def __init__(self, params: GensimParams) -> None:
        params.validate()
        self.params = params
        self.model: Any = None
        self.train_seconds = 0.0

    def fit(self, corpus: Any) -> Vectors:
        from gensim.models import Word2Vec

        self.model, encoded, self.train_seconds = train_gensim(
            Word2Vec, corpus, self.params, {}, previous=self.previous_model(Word2Vec)
        )
        return vectors_from_model(self.model, encoded, method=self.name,
                                  params=asdict(self.params))


def word2vec_v1(
    vector_size: int = 100, window: int = 5, min_count: int = 5, max_vocab: int | None = None,
    sg: int = 1, hs: int = 0, negative: int = 5, ns_exponent: float = 0.75,
    sample: float = 1e-3, alpha: float = 0.025, min_alpha: float = 0.0001, epochs: int = 5,
    workers: int = 2, seed: int = 1, deterministic: bool = False, progress: bool = True,
) -> Word2VecEmbedder:
    """word2vec (gensim engine) on lexiplug's corpus pipeline."""
    return Word2VecEmbedder(GensimParams(
        vector_size=vector_size, window=window, min_count=min_count, max_vocab=max_vocab,
        sg=sg, hs=hs, negative=negative, ns_exponent=ns_exponent, sample=sample, alpha=alpha,
        min_alpha=min_alpha, epochs=epochs, workers=workers, seed=seed,
        deterministic=deterministic, progress=progress,
    ))
