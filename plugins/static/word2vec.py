"""``lexiplug.word2vec.v1``: skip-gram / CBOW trained by gensim on our corpus pipeline."""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from lexiplug.plugin_tools import settings_factory

from ._common import ProgressFromParams
from .gensim_engine import GensimContinuation, GensimParams, train_gensim, vectors_from_model

if TYPE_CHECKING:
    from lexiplug.vectors import Vectors


class Word2VecEmbedder(ProgressFromParams, GensimContinuation):
    """Skip-gram / CBOW with negative sampling or hierarchical softmax (gensim engine)."""

    name = "lexiplug.word2vec.v1"

    def __init__(self, params: GensimParams) -> None:
        self.params = params
        self.model: Any = None
        self.train_seconds = 0.0

    def fit(self, corpus: Any) -> Vectors:
        from gensim.models import Word2Vec

        self.model, encoded, self.train_seconds = train_gensim(
            Word2Vec, corpus, self.params, previous=self.previous_model(Word2Vec)
        )
        return vectors_from_model(self.model, encoded, method=self.name,
                                  params=asdict(self.params))


word2vec_v1 = settings_factory(
    Word2VecEmbedder, GensimParams, name="word2vec_v1",
    doc="word2vec (gensim engine) on lexiplug's corpus pipeline.",
)
