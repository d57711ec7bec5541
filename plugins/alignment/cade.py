"""``lexiplug.cade.v1``: compass-aligned distributional embeddings (Bianchi et al. 2020).

1. The compass: word2vec (CBOW by default, negative sampling) on all slices together.
2. Each slice: a fresh input matrix (``init_mode="hidden"``, not copied from the compass)
   trained on the slice alone against the compass's output matrix, which stays frozen.
   Every slice is scored against the same context vectors, so the slices share one space
   and need no Procrustes step.

Checked against the original ``cade`` package (docs/transforms.md): CBOW by default, the frozen
matrix is the compass's ``syn1neg`` (our ``C``: output/context rows), the slice's input rows
``U`` are freshly initialised and are what is reported, alpha 0.025 and 5 + 5 epochs, 10
negatives, negatives and subsampling from the slice's own counts. One deliberate difference:
the original's trim rule keeps every compass word a slice holds, however rare in that slice;
we keep those the slice holds ``slice_min_count`` times (default: ``min_count``), so a
slice's vocabulary matches a plain word2vec run on it. ``slice_min_count=1`` reproduces the
original (bench/results/cade.md gives its effect). The compass trains on every
compass-vocabulary token of every slice, as the original's concatenated file; options
``compass_balance="equal"`` (each slice resampled to the largest's size) and
``compass_order="shuffled"`` exist for study, off by default (neither helped; see the bench).

Stock gensim cannot freeze the output matrix, so the trainer is ours (``w2v_kernels.py``,
numba). ``fit`` takes a dict of slice name -> corpus (a study's ``corpus = [...]`` list) and
returns ``{slice: Vectors}``; ``analysis()`` gives the words that moved most and least and
LNCS2 scores (``shift.py``).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from lexiplug.errors import ConfigError
from lexiplug.plugin_tools import settings_factory
from lexiplug.registry import Registries

from .slices import COMPASS_BALANCES, COMPASS_ORDERS
from .w2v_trainer import Word2VecSettings

NAME = "lexiplug.cade.v1"
INIT_MODES = ("hidden", "both")
logger = logging.getLogger(__name__)


@dataclass
class CadeParams(Word2VecSettings):
    """CADE with the paper's defaults (CBOW, 10 negatives, 5 + 5 epochs, frozen context).

    The word2vec fields and their defaults are :class:`Word2VecSettings`'s (the paper's), so
    these settings are what the trainer takes for both the compass and the slices.
    """

    min_count: int = 5
    slice_min_count: int | None = None
    compass_epochs: int = 5
    slice_epochs: int = 5
    init_mode: str = "hidden"
    compass_balance: str = "none"
    compass_order: str = "concatenated"
    seed: int = 1

    def __post_init__(self) -> None:
        """Checked once, when the settings are made; errors name only the argument."""
        positive = ["vector_size", "window", "min_count", "negative", "compass_epochs",
                    "slice_epochs", "workers"]
        if self.slice_min_count is not None:
            positive.append("slice_min_count")
        for key in positive:
            value = getattr(self, key)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ConfigError(f"expected a positive integer; found {value!r}", where=key)
        if self.window > 1000:
            raise ConfigError(f"expected a context window of 1 to 1000 words; found "
                              f"{self.window}", where="window")
        if self.sg not in (0, 1):
            raise ConfigError(f"expected 0 (CBOW) or 1 (skip-gram); found {self.sg!r}",
                              where="sg")
        if self.init_mode not in INIT_MODES:
            raise ConfigError(f"expected one of {INIT_MODES}; found {self.init_mode!r}",
                              where="init_mode")
        for key, allowed in (("compass_balance", COMPASS_BALANCES),
                             ("compass_order", COMPASS_ORDERS)):
            if getattr(self, key) not in allowed:
                raise ConfigError(f"expected one of {allowed}; found {getattr(self, key)!r}",
                                  where=key)
        if not self.alpha > 0:
            raise ConfigError(f"expected alpha > 0; found {self.alpha!r}", where="alpha")
        if not 0 <= self.sample < 1:
            raise ConfigError(f"expected 0 <= sample < 1; found {self.sample!r}",
                              where="sample")


@dataclass
class CadeEmbedder:
    params: CadeParams
    compass: Any = None  # Vectors of the compass, after fit
    compass_seconds: float = 0.0
    slice_seconds: dict[str, float] = field(default_factory=dict)
    slices: dict[str, Any] = field(default_factory=dict)

    def fit(self, corpus: Mapping[str, Any]) -> dict[str, Any]:
        from .slices import build_compass, compass_corpus
        from .w2v_trainer import initial_input_matrix, keep_probabilities, train_word2vec

        if not isinstance(corpus, Mapping):
            raise ConfigError("CADE needs its slices as a list of corpora: "
                              'corpus = ["slice_a", "slice_b"]', where="corpus")
        p = self.params
        data = build_compass(corpus, min_count=p.min_count,
                             slice_min_count=p.slice_min_count or p.min_count)
        n = len(data.words)
        compass_u = initial_input_matrix(n, p.vector_size, p.seed)
        context = np.zeros((n, p.vector_size), dtype=np.float32)
        ids, offsets = compass_corpus(data, balance=p.compass_balance, order=p.compass_order,
                                      seed=p.seed)
        compass_counts = np.bincount(ids, minlength=n)
        self.compass_seconds = train_word2vec(
            ids, offsets, compass_u, context, neg_ids=np.arange(n), neg_counts=compass_counts,
            keep_prob=keep_probabilities(compass_counts, p.sample), settings=p,
            epochs=p.compass_epochs, learn_context=True, seed=p.seed)
        self.compass = self._vectors(data.words, compass_u, data.counts, "compass",
                                     len(ids))
        frozen = context.copy()
        for number, (name, stream) in enumerate(data.slices.items(), start=1):
            # Fresh, not the trained compass: each word restarts from the same initial vector
            # in every slice, as CADE's gensim does (it seeds each word by hash(word + seed)).
            u = (initial_input_matrix(n, p.vector_size, p.seed)
                 if p.init_mode == "hidden" else compass_u.copy())
            counts = np.zeros(n, dtype=np.int64)
            counts[stream.rows] = stream.counts
            self.slice_seconds[name] = train_word2vec(
                stream.ids, stream.offsets, u, frozen, neg_ids=stream.rows,
                neg_counts=stream.counts, keep_prob=keep_probabilities(counts, p.sample),
                settings=p, epochs=p.slice_epochs, learn_context=False,
                seed=p.seed + number)
            self.slices[name] = self._vectors([data.words[r] for r in stream.rows],
                                              u[stream.rows], stream.counts, name,
                                              len(stream.ids))
        assert np.array_equal(frozen, context), "the compass context matrix must stay frozen"
        logger.info("cade: compass %.1fs; slices %s", self.compass_seconds,
                    {k: round(v, 2) for k, v in self.slice_seconds.items()})
        return dict(self.slices)

    def _vectors(self, words: list[str], matrix: np.ndarray, counts: np.ndarray, name: str,
                 n_tokens: int) -> Any:
        from lexiplug.vectors import Vectors

        seconds = self.compass_seconds if name == "compass" else self.slice_seconds.get(name)
        metadata = {"method": NAME, "params": asdict(self.params), "slice": name,
                    "n_tokens": n_tokens, "train_seconds": seconds}
        return Vectors(words, np.ascontiguousarray(matrix, dtype=np.float32), counts=counts,
                       metadata=metadata)

    def analysis(self, top_n: int = 20, words: list[str] | None = None) -> Any:
        """Most/least moved words per slice pair and LNCS2 for ``words`` (see shift.py)."""
        from .shift import shift_report

        if not self.slices:
            raise ConfigError("fit the CADE embedder before asking for its analysis")
        return shift_report(self.slices, top_n=top_n, words=words or [])


cade_v1 = settings_factory(CadeEmbedder, CadeParams, name="cade_v1")


def register(registry: Registries) -> None:
    registry.embedders.register(NAME, func=cade_v1)
