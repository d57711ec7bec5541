"""gensim as the engine for word2vec and fastText, fed from our corpus pipeline.

The encoded corpus is written once as a whitespace text file (OOV tokens already dropped, as
word2vec itself does) and gensim trains in its ``corpus_file`` mode from that file: no second
in-memory copy of the corpus, and gensim's multi-threaded file reader. With ``min_count=1``
inside gensim, its vocabulary is exactly ours (same words, same counts, same order).

Determinism: ``workers=1`` and a fixed ``seed`` give the same vectors run after run only if
``PYTHONHASHSEED`` is fixed too, because gensim seeds each word's initial vector from
``hash(word + str(seed))``; ``deterministic=True`` checks that and warns when it is not set.
"""

from __future__ import annotations

import os
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ._common import (
    CheckedSettings,
    as_encoded,
    logger,
    make_vectors,
    require,
    require_choice,
    require_positive_int,
    require_vocabulary,
    require_window,
)

if TYPE_CHECKING:
    from lexiplug.corpus.encoded import EncodedCorpus
    from lexiplug.vectors import Vectors


# Settings that are ours, not gensim's: the vocabulary is thresholded before gensim sees it.
_NOT_GENSIM = ("min_count", "max_vocab", "deterministic", "progress")


@dataclass
class GensimParams(CheckedSettings):
    """gensim's main training parameters (names as in gensim 4)."""

    vector_size: int = 100
    window: int = 5
    min_count: int = 5
    max_vocab: int | None = None
    sg: int = 1
    hs: int = 0
    negative: int = 5
    ns_exponent: float = 0.75
    sample: float = 1e-3
    alpha: float = 0.025
    min_alpha: float = 0.0001
    epochs: int = 5
    workers: int = 2
    seed: int = 1
    deterministic: bool = False
    progress: bool = True

    def validate(self) -> None:
        require_positive_int(self.vector_size, "vector_size")
        require_window(self.window)
        require_vocabulary(self.min_count, self.max_vocab)
        require_positive_int(self.epochs, "epochs")
        require_positive_int(self.workers, "workers")
        require_choice(self.sg, "sg", (0, 1))
        require_choice(self.hs, "hs", (0, 1))
        require(isinstance(self.negative, int) and self.negative >= 0, "negative",
                "a non-negative integer", self.negative)
        require(self.hs == 1 or self.negative > 0, "negative",
                "negative > 0 when hs = 0 (otherwise nothing is trained)", self.negative)
        require(0 <= self.sample < 1, "sample", "a number in [0, 1)", self.sample)
        require(self.alpha > 0, "alpha", "a positive learning rate", self.alpha)

    def gensim_kwargs(self) -> dict[str, Any]:
        """Every setting gensim takes (a subclass's fields too), under gensim's own name."""
        kwargs = {k: v for k, v in asdict(self).items() if k not in _NOT_GENSIM}
        kwargs["min_count"] = 1  # our vocabulary is already thresholded
        if self.deterministic:
            kwargs["workers"] = 1
        return kwargs


def check_determinism(params: GensimParams) -> None:
    if params.deterministic and os.environ.get("PYTHONHASHSEED") in (None, "random"):
        logger.warning(
            "deterministic=True uses one worker and seed=%d, but PYTHONHASHSEED is not set: "
            "gensim seeds initial vectors with Python's salted hash(), so set PYTHONHASHSEED=0 "
            "(before Python starts) for bit-identical runs.", params.seed,
        )


def train_gensim(
    model_class: Any, corpus: Any, params: GensimParams
) -> tuple[Any, EncodedCorpus, float]:
    """Encode (or reuse) the corpus, write it once, and train ``model_class`` on the file."""
    check_determinism(params)
    encoded = as_encoded(corpus, min_count=params.min_count, max_vocab=params.max_vocab,
                         progress=params.progress)
    with tempfile.TemporaryDirectory(prefix="lexiplug-gensim-") as folder:
        corpus_file = Path(folder) / "corpus.txt"
        encoded.write_text(corpus_file)
        start = time.perf_counter()
        model = model_class(corpus_file=str(corpus_file), **params.gensim_kwargs())
        seconds = time.perf_counter() - start
    return model, encoded, seconds


def vectors_from_model(
    model: Any, encoded: EncodedCorpus, *, method: str, params: dict[str, Any],
    **options: Any,
) -> Vectors:
    """gensim's vectors reordered to our vocabulary (gensim's order matches, but be sure)."""
    words = list(encoded.vocab.words)
    index = model.wv.key_to_index
    rows = np.fromiter((index.get(w, -1) for w in words), dtype=np.int64, count=len(words))
    if (rows < 0).any():
        missing = [w for w, r in zip(words, rows, strict=True) if r < 0]
        from lexiplug.errors import TrainingError

        raise TrainingError(
            f"gensim dropped {len(missing)} of our words (e.g. {missing[:5]}); words must "
            "not contain whitespace"
        )
    return make_vectors(encoded, model.wv.vectors[rows], method=method, params=params, **options)

