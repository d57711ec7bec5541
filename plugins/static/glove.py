"""``lexiplug.glove.v1``: GloVe (Pennington et al. 2014), Stanford's ``glove.c`` algorithm in numba.

Objective: sum over nonzero X_ij of f(X_ij) (w_i . c_j + b_i + b~_j - log X_ij)^2 with
f(x) = min(1, (x / x_max)^alpha). Trained as the C code does: plain SGD with AdaGrad, one
co-occurrence at a time over the shuffled nonzeros (``glove_kernel.glove_epoch``), initial
learning rate 0.05, accumulators started at 1, every parameter initialised uniform in
[-0.5, 0.5] / dim, gradients clipped at 100, word + context vectors summed at the end (the C
code's ``-model 2``). The co-occurrences are the C ``cooccur``'s: symmetric window 10,
1/distance weights, sentence boundaries respected, out-of-vocabulary words dropped first.

``workers = 1`` (default) is deterministic. ``workers > 1`` is the C code's lock-free Hogwild
mode: each epoch's shuffled pairs are split into ``workers`` slices updated in parallel
threads, which race on shared rows, so results then vary from run to run.

Every epoch ends with a checkpoint (:class:`lexiplug.checkpoint.CheckpointStore`: tensors,
state and checksums in one folder renamed into place, the previous one kept until the new one
is complete); ``resume=True`` continues from the last one. Each epoch's shuffle comes from
``default_rng([seed, epoch])``, so an interrupted and resumed single-worker run gives the
same vectors as an uninterrupted one.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from lexiplug.errors import TrainingError
from lexiplug.plugin_tools import settings_factory

from ._common import ProgressFromParams, TrainedVectorSettings, logger, make_vectors

if TYPE_CHECKING:
    from lexiplug.corpus.encoded import EncodedCorpus
    from lexiplug.vectors import Vectors

_PARAM_NAMES = ("W", "C", "bw", "bc")


@dataclass
class GloveParams(TrainedVectorSettings):
    """GloVe as Stanford's C code trains it (per-pair AdaGrad), checkpointed per epoch."""

    window: int = 10
    symmetric: bool = True
    weighting: str = "harmonic"
    x_max: float = 100.0
    alpha: float = 0.75
    learning_rate: float = 0.05
    epochs: int = 15
    grad_clip: float = 100.0
    initial_accumulator: float = 1.0
    output_vectors: str = "sum"
    workers: int = 1  # > 1: Hogwild threads as in glove.c (not deterministic)
    memory_budget_mb: int = 512
    checkpoint_dir: str | None = None
    resume: bool = False

    def validate(self) -> None:
        super().validate()
        self.check_positive_int("epochs")
        self.check_positive_int("workers")
        self.check_positive_int("memory_budget_mb")
        self.check_choice("weighting", ("harmonic", "flat"))
        self.check_choice("output_vectors", ("sum", "word", "concat"))
        self.check(self.x_max > 0, "x_max", "a positive number")
        self.check(self.alpha > 0, "alpha", "a positive number")
        self.check(self.learning_rate > 0, "learning_rate", "a positive number")
        self.check(self.grad_clip > 0, "grad_clip", "a positive number")
        self.check(self.initial_accumulator > 0, "initial_accumulator", "a positive number")

    def fingerprint(self) -> dict[str, Any]:
        """What a checkpoint must agree on to be resumed (epochs may grow, workers change)."""
        skip = {"epochs", "workers", "checkpoint_dir", "resume", "progress", "memory_budget_mb",
                "output_vectors"}
        return {k: v for k, v in asdict(self).items() if k not in skip}


class GloveEmbedder(ProgressFromParams):
    """GloVe trained by per-pair AdaGrad SGD over the shuffled co-occurrence nonzeros."""

    name = "lexiplug.glove.v1"

    def __init__(self, params: GloveParams) -> None:
        self.params = params
        self.losses: list[float] = []

    def configure_checkpoints(self, folder: str | Path | None, *, resume: bool = False) -> None:
        """Checkpoint into ``folder`` after every epoch; ``resume`` continues from it."""
        self.params.checkpoint_dir = None if folder is None else str(folder)
        self.params.resume = resume

    def fit(self, corpus: Any) -> Vectors:
        from lexiplug.corpus.cooccurrence import cooccurrence_counts

        p = self.params
        encoded = p.encode(corpus)
        counts = cooccurrence_counts(
            encoded, window=p.window, weighting=p.weighting, symmetric=p.symmetric,
            memory_budget_mb=p.memory_budget_mb, progress=p.show_progress,
        ).tocoo()
        if counts.nnz == 0:
            raise TrainingError(
                "the co-occurrence matrix is empty: every sentence has a single in-vocabulary "
                f"word (window={p.window}, min_count={p.min_count})", where="window"
            )
        matrix = self._train(encoded, counts)
        return make_vectors(encoded, matrix, method=self.name,
                            params={**asdict(p), "final_loss": self.losses[-1]})

    # -- training ----------------------------------------------------------------------------

    def _train(self, encoded: EncodedCorpus, counts: Any) -> np.ndarray:
        p = self.params
        n_words = len(encoded.vocab.words)
        pairs = _Pairs(rows=counts.row.astype(np.int32), cols=counts.col.astype(np.int32),
                       values=np.asarray(counts.data, dtype=np.float64))
        fingerprint = self._fingerprint(encoded, counts.nnz)
        state, first_epoch = self._initial_state(n_words, fingerprint)
        self._run_epochs(state, pairs, first_epoch, fingerprint)
        if p.output_vectors == "word":
            return state["W"]
        if p.output_vectors == "concat":
            return np.hstack([state["W"], state["C"]])
        return state["W"] + state["C"]

    def _fingerprint(self, encoded: EncodedCorpus, nnz: int) -> str:
        digest = hashlib.sha256()
        digest.update(json.dumps(self.params.fingerprint(), sort_keys=True).encode())
        digest.update("\n".join(encoded.vocab.words).encode("utf-8"))
        digest.update(np.asarray(encoded.vocab.counts, dtype=np.int64).tobytes())
        digest.update(str(nnz).encode())
        return digest.hexdigest()[:16]

    def _initial_state(self, n_words: int, fingerprint: str) -> tuple[dict[str, np.ndarray], int]:
        p = self.params
        folder = Path(p.checkpoint_dir) if p.checkpoint_dir else None
        if p.resume and folder is not None:
            resumed = self._load_checkpoint(folder, fingerprint)
            if resumed is not None:
                return resumed
        if p.resume:
            logger.info("resume: no GloVe checkpoint in %s, starting from epoch 1", folder)
        rng = np.random.default_rng(p.seed)
        dim = p.vector_size

        def uniform(*shape: int) -> np.ndarray:  # glove.c: (rand() / RAND_MAX - 0.5) / dim
            return (rng.random(shape) - 0.5) / dim

        state = {"W": uniform(n_words, dim), "C": uniform(n_words, dim),
                 "bw": uniform(n_words), "bc": uniform(n_words)}
        for name in _PARAM_NAMES:
            state[f"g{name}"] = np.full_like(state[name], p.initial_accumulator)
        self.losses = []
        return state, 0

    def _run_epochs(
        self, state: dict[str, np.ndarray], pairs: _Pairs, first_epoch: int, fingerprint: str
    ) -> None:
        from tqdm.auto import tqdm

        p = self.params
        epoch_kernel = _epoch_kernel(p.workers)
        nnz = len(pairs.rows)
        bar = tqdm(total=p.epochs, initial=first_epoch, desc="GloVe epochs", unit="epoch",
                   disable=not p.show_progress, leave=False)
        for epoch in range(first_epoch, p.epochs):
            start = time.perf_counter()
            order = np.random.default_rng([p.seed, epoch]).permutation(nnz)
            total = epoch_kernel(
                state["W"], state["C"], state["bw"], state["bc"], state["gW"], state["gC"],
                state["gbw"], state["gbc"], pairs.rows, pairs.cols, pairs.values, order,
                p.x_max, p.alpha, p.learning_rate, p.grad_clip,
            )
            finite = all(np.isfinite(state[name]).all() for name in _PARAM_NAMES)
            if not (np.isfinite(total) and finite):
                raise TrainingError(
                    f"GloVe diverged at epoch {epoch + 1} (loss {total}); lower "
                    f"learning_rate ({p.learning_rate})", where="learning_rate",
                )
            self.losses.append(total / nnz)
            logger.info("GloVe epoch %d/%d: loss %.5f (%.1fs)", epoch + 1, p.epochs,
                        total / nnz, time.perf_counter() - start)
            bar.update(1)
            bar.set_postfix(loss=f"{total / nnz:.4f}")
            if p.checkpoint_dir:
                self._save_checkpoint(Path(p.checkpoint_dir), state, epoch + 1, fingerprint)
        bar.close()

    # -- checkpoints -------------------------------------------------------------------------

    def _save_checkpoint(
        self, folder: Path, state: dict[str, np.ndarray], epochs_done: int, fingerprint: str
    ) -> None:
        from lexiplug.checkpoint import CheckpointStore

        info = {"epochs_done": epochs_done, "losses": self.losses,
                "params": self.params.fingerprint()}
        CheckpointStore(folder).save(epochs_done, fingerprint=fingerprint, state=info,
                                     arrays=state)

    def _load_checkpoint(
        self, folder: Path, fingerprint: str
    ) -> tuple[dict[str, np.ndarray], int] | None:
        from lexiplug.checkpoint import CheckpointStore

        checkpoint = CheckpointStore(folder).latest()
        if checkpoint is None:
            return None
        info = checkpoint.state
        if checkpoint.fingerprint != fingerprint:
            raise TrainingError(
                "the checkpoint was made with another corpus or other GloVe parameters "
                f"(checkpoint params {info.get('params')}); delete {folder} or drop --resume",
                where=str(checkpoint.path),
            )
        self.losses = list(info.get("losses", []))
        epochs_done = int(info["epochs_done"])
        logger.info("resuming GloVe from %s after epoch %d", checkpoint.path, epochs_done)
        return dict(checkpoint.arrays), min(epochs_done, self.params.epochs)


@dataclass
class _Pairs:
    """The co-occurrence nonzeros: word row, context column, weighted count X."""

    rows: np.ndarray
    cols: np.ndarray
    values: np.ndarray


def _epoch_kernel(workers: int) -> Callable[..., float]:
    """The compiled epoch: one thread, or ``workers`` Hogwild threads."""
    try:
        from . import glove_kernel
    except ImportError as error:
        raise TrainingError(f"GloVe needs numba ({error}); install it with "
                            "`pip install numba`") from None
    if workers == 1:
        return glove_kernel.glove_epoch

    def hogwild(*args: Any) -> float:
        return float(glove_kernel.glove_epoch_hogwild(*args, workers))

    return hogwild


glove_v1 = settings_factory(GloveEmbedder, GloveParams, name="glove_v1")
