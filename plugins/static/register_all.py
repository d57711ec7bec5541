"""Register the static embedders; each factory lives in its own module (imports nothing heavy)."""

from __future__ import annotations

from lexiplug.registry import Registries

from .bitcipher import bitcipher_v1
from .fasttext import fasttext_v1
from .glove import glove_v1
from .ppmi_svd import ppmi_svd_v1
from .word2vec import word2vec_v1

EMBEDDERS = {
    "lexiplug.word2vec.v1": word2vec_v1,
    "lexiplug.fasttext.v1": fasttext_v1,
    "lexiplug.glove.v1": glove_v1,
    "lexiplug.ppmi_svd.v1": ppmi_svd_v1,
    "lexiplug.bitcipher.v1": bitcipher_v1,
}


def register(registry: Registries) -> None:
    for name, factory in EMBEDDERS.items():
        registry.embedders.register(name, func=factory)
