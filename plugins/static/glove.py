"""``lexiplug.glove.v1``: GloVe (Pennington et al. 2014), our own, vectorised in numpy/scipy.

Objective: sum over nonzero X_ij of f(X_ij) (w_i . c_j + b_i + b~_j - log X_ij)^2 with
f(x) = min(1, (x / x_max)^alpha), trained with AdaGrad over the shuffled nonzeros of the
co-occurrence matrix in minibatches. A minibatch's residuals form a sparse matrix A
(A_ij = f(X_ij) * residual_ij), so the summed gradients are two sparse-dense products,
A @ C for the word vectors and A.T @ W for the context vectors: no scatter-add, no Python
loop. Per-row gradients of a minibatch are summed (a word seen 500 times in a batch gets one
update), so AdaGrad's accumulator is updated *before* the step: each coordinate moves at
most 1 per batch, which keeps frequent words stable. (Stanford's C code
updates one pair at a time and adds to the accumulator after the step; both start the
accumulator at 1 and clip.)

Every epoch ends with an atomic checkpoint (safetensors + a JSON state); ``resume=True``
continues from the last one. Shuffles are seeded by ``(seed, epoch)``, so an interrupted and
resumed run gives the same vectors as an uninterrupted one.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from lexiplug.errors import TrainingError

from ._common import (
    as_encoded,
    logger,
    make_vectors,
    progress_enabled,
    require,
    require_choice,
    require_positive_int,
)

if TYPE_CHECKING:
    from lexiplug.corpus.encoded import EncodedCorpus
    from lexiplug.vectors import Vectors

CHECKPOINT_TENSORS = "glove_state.safetensors"
CHECKPOINT_STATE = "glove_state.json"
_PARAM_NAMES = ("W", "C", "bw", "bc")


@dataclass
class GloveParams:
    vector_size: int = 100
    window: int = 10
    min_count: int = 5
    max_vocab: int | None = None
    symmetric: bool = True
    weighting: str = "harmonic"
    x_max: float = 100.0
    alpha: float = 0.75
    learning_rate: float = 0.2
    epochs: int = 15
    batch_size: int = 32768
    grad_clip: float = 100.0
    initial_accumulator: float = 1.0
    output_vectors: str = "sum"
    seed: int = 1
    workers: int = 2  # accepted for a uniform interface; the numpy engine runs in one thread
    memory_budget_mb: int = 512
    checkpoint_dir: str | None = None
    resume: bool = False
    progress: bool = True

    def validate(self) -> None:
        require_positive_int(self.vector_size, "vector_size")
        require_positive_int(self.window, "window")
        require_positive_int(self.epochs, "epochs")
        require_positive_int(self.batch_size, "batch_size")
        require_positive_int(self.workers, "workers")
        require_choice(self.weighting, "weighting", ("harmonic", "flat"))
        require_choice(self.output_vectors, "output_vectors", ("sum", "word", "concat"))
        require(self.x_max > 0, "x_max", "a positive number", self.x_max)
        require(self.alpha > 0, "alpha", "a positive number", self.alpha)
        require(self.learning_rate > 0, "learning_rate", "a positive number", self.learning_rate)
        require(self.grad_clip > 0, "grad_clip", "a positive number", self.grad_clip)
        require(self.initial_accumulator > 0, "initial_accumulator", "a positive number",
                self.initial_accumulator)

    def fingerprint(self) -> dict[str, Any]:
        """What a checkpoint must agree on to be resumed (epochs may grow, workers change)."""
        skip = {"epochs", "workers", "checkpoint_dir", "resume", "progress", "memory_budget_mb",
                "output_vectors"}
        return {k: v for k, v in asdict(self).items() if k not in skip}


class GloveEmbedder:
    """GloVe trained by AdaGrad on minibatches of the shuffled co-occurrence nonzeros."""

    name = "lexiplug.glove.v1"

    def __init__(self, params: GloveParams) -> None:
        params.validate()
        self.params = params
        self.losses: list[float] = []

    @property
    def progress(self) -> bool:
        return self.params.progress

    @progress.setter
    def progress(self, value: bool) -> None:
        self.params.progress = value

    def configure_checkpoints(self, folder: str | Path | None, *, resume: bool = False) -> None:
        """Checkpoint into ``folder`` after every epoch; ``resume`` continues from it."""
        self.params.checkpoint_dir = None if folder is None else str(folder)
        self.params.resume = resume

    def fit(self, corpus: Any) -> Vectors:
        from lexiplug.corpus.cooccurrence import cooccurrence_counts

        p = self.params
        p.validate()
        encoded = as_encoded(corpus, min_count=p.min_count, max_vocab=p.max_vocab,
                             progress=p.progress)
        counts = cooccurrence_counts(
            encoded, window=p.window, weighting=p.weighting, symmetric=p.symmetric,
            memory_budget_mb=p.memory_budget_mb, progress=progress_enabled(p.progress),
        ).tocoo()
        if counts.nnz == 0:
            raise TrainingError(
                "the co-occurrence matrix is empty: every sentence has a single in-vocabulary "
                f"word (window={p.window}, min_count={p.min_count})", where="embedder.window"
            )
        matrix = self._train(encoded, counts)
        return make_vectors(encoded, matrix, method=self.name,
                            params={**asdict(p), "final_loss": self.losses[-1]})

    # -- training ----------------------------------------------------------------------------

    def _train(self, encoded: EncodedCorpus, counts: Any) -> np.ndarray:
        p = self.params
        n_words = len(encoded.vocab.words)
        values = np.asarray(counts.data, dtype=np.float64)
        pairs = _Pairs(
            rows=counts.row.astype(np.int32), cols=counts.col.astype(np.int32),
            log_x=np.log(values).astype(np.float32),
            weight=np.minimum(1.0, (values / p.x_max) ** p.alpha).astype(np.float32),
        )
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
        if p.resume and folder is not None and (folder / CHECKPOINT_STATE).exists():
            return self._load_checkpoint(folder, fingerprint)
        if p.resume:
            logger.info("resume: no GloVe checkpoint in %s, starting from epoch 1", folder)
        rng = np.random.default_rng(p.seed)
        dim = p.vector_size

        def uniform(*shape: int) -> np.ndarray:
            return ((rng.random(shape, dtype=np.float32) - 0.5) / dim).astype(np.float32)

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
        nnz = len(pairs.rows)
        scratch = np.empty_like(state["W"])
        bar = tqdm(total=p.epochs, initial=first_epoch, desc="GloVe epochs", unit="epoch",
                   disable=not progress_enabled(p.progress), leave=False)
        for epoch in range(first_epoch, p.epochs):
            start = time.perf_counter()
            order = np.random.default_rng([p.seed, epoch]).permutation(nnz)
            total = 0.0
            for begin in range(0, nnz, p.batch_size):
                batch = order[begin : begin + p.batch_size]
                total += _adagrad_step(state, pairs.take(batch), scratch, p.learning_rate,
                                       p.grad_clip)
            if not np.isfinite(total):
                raise TrainingError(
                    f"GloVe diverged at epoch {epoch + 1} (loss {total}); lower "
                    f"learning_rate ({p.learning_rate})", where="embedder.learning_rate",
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
        from lexiplug.atomic import atomic_open, atomic_path
        from safetensors.numpy import save_file

        folder.mkdir(parents=True, exist_ok=True)
        tensors = {name: np.ascontiguousarray(array) for name, array in state.items()}
        with atomic_path(folder / CHECKPOINT_TENSORS) as tmp:
            save_file(tensors, str(tmp))
        digest = hashlib.sha256((folder / CHECKPOINT_TENSORS).read_bytes()).hexdigest()
        info = {"epochs_done": epochs_done, "fingerprint": fingerprint, "sha256": digest,
                "losses": self.losses, "params": self.params.fingerprint()}
        with atomic_open(folder / CHECKPOINT_STATE, "w", encoding="utf-8") as handle:
            json.dump(info, handle, indent=2)

    def _load_checkpoint(
        self, folder: Path, fingerprint: str
    ) -> tuple[dict[str, np.ndarray], int]:
        from safetensors.numpy import load_file

        state_path = folder / CHECKPOINT_STATE
        try:
            info = json.loads(state_path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as error:
            raise TrainingError(f"unreadable GloVe checkpoint state: {error}",
                                where=str(state_path)) from None
        if info.get("fingerprint") != fingerprint:
            raise TrainingError(
                "the checkpoint was made with another corpus or other GloVe parameters "
                f"(checkpoint params {info.get('params')}); delete {folder} or drop --resume",
                where=str(state_path),
            )
        tensor_path = folder / CHECKPOINT_TENSORS
        digest = hashlib.sha256(tensor_path.read_bytes()).hexdigest()
        if digest != info.get("sha256"):
            raise TrainingError("checkpoint tensors do not match the checksum in the state file",
                                where=str(tensor_path))
        state = load_file(str(tensor_path))
        self.losses = list(info.get("losses", []))
        epochs_done = int(info["epochs_done"])
        logger.info("resuming GloVe from %s after epoch %d", folder, epochs_done)
        return state, min(epochs_done, self.params.epochs)


@dataclass
class _Pairs:
    """The co-occurrence nonzeros: word row, context column, log X and f(X)."""

    rows: np.ndarray
    cols: np.ndarray
    log_x: np.ndarray
    weight: np.ndarray

    def take(self, index: np.ndarray) -> _Pairs:
        return _Pairs(self.rows[index], self.cols[index], self.log_x[index], self.weight[index])


def _adagrad_step(
    state: dict[str, np.ndarray], batch: _Pairs, scratch: np.ndarray, learning_rate: float,
    grad_clip: float,
) -> float:
    """One AdaGrad step on a minibatch of nonzeros; returns the batch's summed loss.

    The clip bounds the weighted residual f(X)(w.c + b + b~ - log X) of each pair (one
    number per pair rather than one per coordinate: cheaper, and the same in practice since
    vector coordinates stay well below 1).
    """
    import scipy.sparse

    W, C = state["W"], state["C"]
    i, j = batch.rows, batch.cols
    diff = np.einsum("ij,ij->i", W.take(i, axis=0), C.take(j, axis=0))
    diff += state["bw"][i] + state["bc"][j] - batch.log_x
    fdiff = batch.weight * diff
    loss = 0.5 * float(np.dot(fdiff, diff))
    np.clip(fdiff, -grad_clip, grad_clip, out=fdiff)
    n_words = W.shape[0]
    # each (i, j) occurs once per epoch, so A has no duplicate entries to sum
    residuals = scipy.sparse.csr_matrix((fdiff, (i, j)), shape=(n_words, n_words))
    grad_w, grad_c = residuals @ C, residuals.T @ W
    _adagrad(W, state["gW"], grad_w, scratch, learning_rate)
    _adagrad(C, state["gC"], grad_c, scratch, learning_rate)
    for name, index in (("bw", i), ("bc", j)):
        grad = np.bincount(index, weights=fdiff, minlength=n_words).astype(np.float32)
        _adagrad(state[name], state[f"g{name}"], grad, np.empty_like(grad), learning_rate)
    return loss


def _adagrad(
    param: np.ndarray, accumulator: np.ndarray, grad: np.ndarray, scratch: np.ndarray,
    learning_rate: float,
) -> None:
    """AdaGrad on every row at once; rows the batch did not touch have a zero gradient."""
    grad = np.asarray(grad, dtype=np.float32)
    np.multiply(grad, grad, out=scratch)
    accumulator += scratch
    np.sqrt(accumulator, out=scratch)
    np.divide(grad, scratch, out=scratch)
    scratch *= learning_rate
    param -= scratch


def glove_v1(
    vector_size: int = 100, window: int = 10, min_count: int = 5, max_vocab: int | None = None,
    symmetric: bool = True, weighting: str = "harmonic", x_max: float = 100.0,
    alpha: float = 0.75, learning_rate: float = 0.2, epochs: int = 15, batch_size: int = 32768,
    grad_clip: float = 100.0, initial_accumulator: float = 1.0, output_vectors: str = "sum",
    seed: int = 1, workers: int = 2,
    memory_budget_mb: int = 512, checkpoint_dir: str | None = None, resume: bool = False,
    progress: bool = True,
) -> GloveEmbedder:
    """GloVe (weighted least squares on log co-occurrences, AdaGrad), checkpointed per epoch."""
    return GloveEmbedder(GloveParams(
        vector_size=vector_size, window=window, min_count=min_count, max_vocab=max_vocab,
        symmetric=symmetric, weighting=weighting, x_max=x_max, alpha=alpha,
        learning_rate=learning_rate, epochs=epochs, batch_size=batch_size, grad_clip=grad_clip,
        initial_accumulator=initial_accumulator,
        output_vectors=output_vectors, seed=seed, workers=workers,
        memory_budget_mb=memory_budget_mb, checkpoint_dir=checkpoint_dir, resume=resume,
        progress=progress,
    ))
