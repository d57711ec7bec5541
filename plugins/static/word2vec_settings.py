"""word2vec's training hyperparameters, shared by every trainer of it.

gensim's engine (``gensim_engine.py``) and CADE's own trainer (``alignment/w2v_trainer.py``)
train the same model, so they take the same settings under gensim's names; each keeps its own
defaults where they differ (CADE follows its paper) and its own checks.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(kw_only=True)
class Word2VecHyperparams:
    """Architecture, negative sampling, subsampling and learning rate, as gensim 4 names them."""

    sg: int = 1
    negative: int = 5
    ns_exponent: float = 0.75
    sample: float = 1e-3
    alpha: float = 0.025
    min_alpha: float = 0.0001
    workers: int = 2
