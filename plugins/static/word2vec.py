"""``lexiplug.word2vec.v1``: skip-gram / CBOW trained by gensim on our corpus pipeline."""

from __future__ import annotations

from lexiplug.plugin_tools import settings_factory

from .gensim_engine import GensimEmbedder, GensimParams


class Word2VecEmbedder(GensimEmbedder):
    """Skip-gram / CBOW with negative sampling or hierarchical softmax (gensim engine)."""

    name = "lexiplug.word2vec.v1"
    model_name = "Word2Vec"


word2vec_v1 = settings_factory(
    Word2VecEmbedder, GensimParams, name="word2vec_v1",
    doc="word2vec (gensim engine) on lexiplug's corpus pipeline.",
)
