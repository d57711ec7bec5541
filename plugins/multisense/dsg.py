"""``lexiplug.disambiguated_skipgram.v1``: several vectors per word, chosen from the context.

Disambiguated Skip-gram (docs/multisense.md): each word has up to ``senses`` sense vectors
and as many sense disambiguation vectors d_{w,k}, one output vector and one context
disambiguation vector q_w; the sense probabilities p(k | w, C) = softmax_k(d_{w,k} · c̄), c̄
the (centred, unit) mean of the context words' q, weigh the sense vectors into the one that
predicts the context words with word2vec's negative-sampling loss, and an entropy term makes
the choices crisp. Words seen fewer than ``min_sense_count`` times keep one sense. After the
last epoch (or after every epoch from ``prune_after`` on) a sense chosen less than
``prune_threshold`` of its word's occurrences in that epoch is switched off; pruning earlier
would drop senses before they had the chance to find their contexts.
``SenseVectors.pruned`` gives another threshold's model without training again. The epoch
runs in numba (``dsg_kernel.py``, CPU) or torch (``dsg_torch.py``, ``trainer = "torch"``,
CUDA when present).

Training is seeded; with ``workers=1`` it is exactly reproducible, and a checkpoint written
after each epoch (:class:`lexiplug.checkpoint.CheckpointStore`) resumes to the very same
arrays an uninterrupted run gives.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from lexiplug.errors import ConfigError, TrainingError
from lexiplug.plugin_tools import settings_factory
from lexiplug.registry import Registries

if TYPE_CHECKING:
    from lexiplug.corpus.encoded import EncodedCorpus

    from .sense_vectors import SenseVectors

NAME = "lexiplug.disambiguated_skipgram.v1"
logger = logging.getLogger(__name__)
_TABLE_DOMAIN = 2**31 - 1
TRAINERS = ("numba", "torch")
# bumped when the trained arrays change meaning, so an older checkpoint is not resumed
_STATE_VERSION = b"dsg-state-2"


def _require(condition: bool, where: str, expected: str, found: Any) -> None:
    if not condition:
        raise ConfigError(f"expected {expected}; found {found!r}", where=where)


def _positive_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


@dataclass
class DSGSettings:
    """Disambiguated Skip-gram: word2vec's settings under gensim's names, plus the senses."""

    dim: int = 100
    window: int = 5
    senses: int = 5
    min_count: int = 5
    max_vocab: int | None = None
    min_sense_count: int = 200
    negative: int = 5
    ns_exponent: float = 0.75
    sample: float = 1e-3
    alpha: float = 0.025
    min_alpha: float = 0.0001
    epochs: int = 5
    entropy_weight: float = 0.1
    disambiguation_lr: float = 5.0
    init_scale: float = 10.0
    prune_threshold: float = 0.05
    prune_after: int | None = None
    collapse: str = "prior_mean"
    workers: int = 1
    trainer: str = "numba"
    device: str = "auto"
    batch: int = 256
    seed: int = 0
    lowercase: bool = False
    checkpoint_dir: str | None = None
    resume: bool = False
    progress: bool = False

    def __post_init__(self) -> None:
        for name in ("dim", "window", "senses", "min_count", "min_sense_count", "epochs",
                     "workers"):
            _require(_positive_int(getattr(self, name)), name, "a positive integer",
                     getattr(self, name))
        _require(self.max_vocab is None or _positive_int(self.max_vocab), "max_vocab",
                 "a positive integer or null", self.max_vocab)
        _require(isinstance(self.negative, int) and self.negative >= 1, "negative",
                 "at least one negative sample", self.negative)
        _require(0 < self.alpha < 1, "alpha", "0 < alpha < 1", self.alpha)
        _require(0 <= self.min_alpha <= self.alpha, "min_alpha", "0 <= min_alpha <= alpha",
                 (self.min_alpha, self.alpha))
        _require(self.entropy_weight >= 0, "entropy_weight", "a weight >= 0",
                 self.entropy_weight)
        _require(self.disambiguation_lr > 0, "disambiguation_lr", "a factor > 0",
                 self.disambiguation_lr)
        _require(0 <= self.prune_threshold < 1, "prune_threshold", "a share in [0, 1)",
                 self.prune_threshold)
        _require(self.prune_after is None
                 or (_positive_int(self.prune_after) and self.prune_after <= self.epochs),
                 "prune_after", "null (after the last epoch) or an epoch in 1..epochs",
                 self.prune_after)
        _require(self.collapse in ("prior_mean", "most_frequent"), "collapse",
                 "'prior_mean' or 'most_frequent'", self.collapse)
        _require(self.sample >= 0, "sample", "a threshold >= 0", self.sample)
        _require(self.trainer in TRAINERS, "trainer", f"one of {TRAINERS}", self.trainer)
        _require(self.trainer == "torch" or self.device in ("auto", "cpu"), "device",
                 "'auto' or 'cpu' for the numba trainer (trainer = 'torch' runs on CUDA)",
                 self.device)
        _require(_positive_int(self.batch), "batch", "a positive integer", self.batch)

    def fingerprint(self) -> dict[str, Any]:
        """What must match for a checkpoint to be resumed (not where it is, nor progress)."""
        # where an epoch ran does not change what it computes: a checkpoint written on the
        # GPU resumes on the CPU
        skip = {"checkpoint_dir", "resume", "progress", "collapse", "device"}
        return {k: v for k, v in asdict(self).items() if k not in skip}


@dataclass
class _State:
    """Everything an epoch changes; a checkpoint holds exactly this."""

    S: np.ndarray
    D: np.ndarray
    U: np.ndarray
    Q: np.ndarray
    active: np.ndarray
    marginal: np.ndarray
    epochs_done: int = 0
    seconds: float = 0.0
    history: list[dict[str, Any]] = field(default_factory=list)

    def arrays(self) -> dict[str, np.ndarray]:
        return {"S": self.S, "D": self.D, "U": self.U, "Q": self.Q, "active": self.active,
                "marginal": self.marginal}


class DisambiguatedSkipgram:
    """The embedder: ``fit(corpus)`` returns :class:`SenseVectors` (which are ``Vectors``)."""

    def __init__(self, settings: DSGSettings) -> None:
        self.params = settings
        self.fit_seconds: float | None = None

    def configure_checkpoints(self, folder: str | Path | None, *, resume: bool = False) -> None:
        """Checkpoint into ``folder`` after every epoch; ``resume`` continues from it."""
        self.params.checkpoint_dir = None if folder is None else str(folder)
        self.params.resume = resume

    def fingerprint(self) -> dict[str, Any]:
        return self.params.fingerprint()

    def fit(self, corpus: Any) -> SenseVectors:
        p = self.params
        encoded = encode(corpus, min_count=p.min_count, max_vocab=p.max_vocab,
                         lowercase=p.lowercase)
        counts = np.asarray(encoded.vocab.counts, dtype=np.int64)
        n_senses = np.where(counts >= p.min_sense_count, p.senses, 1).astype(np.int64)
        sense_start = np.concatenate(([0], np.cumsum(n_senses)[:-1])).astype(np.int64)
        fingerprint = self._fingerprint(encoded)
        state = self._initial_state(counts, n_senses, fingerprint)
        # a resumed run counts the seconds its checkpointed epochs took, once
        earlier = state.seconds
        start = time.perf_counter()
        self._run_epochs(state, encoded, counts, n_senses, sense_start, fingerprint)
        self.fit_seconds = earlier + (time.perf_counter() - start)
        return self._vectors(state, encoded, counts, n_senses)

    # -- training ------------------------------------------------------------------------

    def _fingerprint(self, encoded: EncodedCorpus) -> str:
        digest = hashlib.sha256(_STATE_VERSION)
        digest.update(json.dumps(self.params.fingerprint(), sort_keys=True).encode())
        digest.update(np.ascontiguousarray(encoded.ids).tobytes())
        digest.update(np.ascontiguousarray(encoded.offsets).tobytes())
        digest.update("\n".join(encoded.vocab.words).encode())
        return digest.hexdigest()

    def _initial_state(self, counts: np.ndarray, n_senses: np.ndarray, fingerprint: str
                       ) -> _State:
        p = self.params
        if p.checkpoint_dir and p.resume:
            resumed = self._load_checkpoint(Path(p.checkpoint_dir), fingerprint)
            if resumed is not None:
                return resumed
        rng = np.random.default_rng(p.seed)
        total = int(n_senses.sum())
        # word2vec's input init (uniform ±0.5/dim) for senses, zero output rows; the
        # disambiguation rows start as clearly different random directions so that the
        # senses of one word see different contexts from the first epoch on
        S = ((rng.random((total, p.dim), dtype=np.float32) - 0.5) / p.dim).astype(np.float32)
        D = (rng.standard_normal((total, p.dim)).astype(np.float32)
             * np.float32(p.init_scale / np.sqrt(p.dim)))
        U = np.zeros((len(counts), p.dim), dtype=np.float32)
        Q = (rng.standard_normal((len(counts), p.dim)).astype(np.float32)
             * np.float32(1 / np.sqrt(p.dim)))
        return _State(S, D, U, Q, np.ones(total, dtype=np.uint8), np.zeros(total))

    def _run_epochs(self, state: _State, encoded: EncodedCorpus, counts: np.ndarray,
                    n_senses: np.ndarray, sense_start: np.ndarray, fingerprint: str) -> None:
        p = self.params
        ids = np.ascontiguousarray(encoded.ids, dtype=np.int32)
        offsets = np.ascontiguousarray(encoded.offsets, dtype=np.int64)
        cum_table = cumulative_table(counts, p.ns_exponent)
        keep = keep_probabilities(counts, p.sample)
        run_epoch = self._numba_epoch if p.trainer == "numba" else self._torch_epoch
        word_of_sense = np.repeat(np.arange(len(counts)), n_senses)
        for epoch in range(state.epochs_done, p.epochs):
            began = time.perf_counter()
            state.marginal[:] = 0.0
            loss = np.zeros(2)
            run_epoch(state, epoch, ids, offsets, sense_start, n_senses, cum_table, keep,
                      context_mean(state.Q, counts), loss)
            pruned = 0
            first_prune = p.epochs if p.prune_after is None else p.prune_after
            if epoch + 1 >= first_prune and p.prune_threshold > 0:
                pruned = prune(state.active, state.marginal, word_of_sense, len(counts),
                               p.prune_threshold)
            state.epochs_done = epoch + 1
            state.seconds += time.perf_counter() - began
            state.history.append({"epoch": epoch + 1, "pruned": pruned,
                                  "active_senses": int(state.active.sum()),
                                  "loss": round(float(loss[0] / max(loss[1], 1.0)), 5),
                                  "seconds": round(time.perf_counter() - began, 3)})
            logger.info("dsg epoch %d/%d: loss %.4f, %d senses active, %d pruned", epoch + 1,
                        p.epochs, state.history[-1]["loss"], int(state.active.sum()), pruned)
            if p.checkpoint_dir:
                self._save_checkpoint(Path(p.checkpoint_dir), state, fingerprint)

    def _numba_epoch(self, state: _State, epoch: int, ids: np.ndarray, offsets: np.ndarray,
                     sense_start: np.ndarray, n_senses: np.ndarray, cum_table: np.ndarray,
                     keep: np.ndarray, q_mean: np.ndarray, loss: np.ndarray) -> None:
        try:
            from .dsg_kernel import train_range
        except ImportError as error:
            raise TrainingError(f"Disambiguated Skip-gram needs numba ({error}), a "
                                "dependency of lexiplug; reinstall lexiplug") from None
        p = self.params
        chunks = chunk_bounds(offsets, p.workers)
        losses = np.zeros((len(chunks), 2))

        def run(number: int, bounds: tuple[int, int]) -> int:
            return int(train_range(
                ids, offsets, bounds[0], bounds[1], state.S, state.D, state.U, state.Q, q_mean,
                sense_start, n_senses, state.active, state.marginal, cum_table, keep,
                p.window, p.negative, p.entropy_weight, p.disambiguation_lr, p.alpha,
                p.min_alpha, float(p.epochs * len(ids)), float(epoch * len(ids)),
                float(len(chunks)), np.uint64(p.seed * 1_000_003 + epoch * 7919 + number + 1),
                losses[number]))

        if len(chunks) == 1:
            run(0, chunks[0])
        else:
            with ThreadPoolExecutor(max_workers=len(chunks)) as pool:
                list(pool.map(lambda item: run(*item), enumerate(chunks)))
        loss += losses.sum(axis=0)

    def _torch_epoch(self, state: _State, epoch: int, ids: np.ndarray, offsets: np.ndarray,
                     sense_start: np.ndarray, n_senses: np.ndarray, cum_table: np.ndarray,
                     keep: np.ndarray, q_mean: np.ndarray, loss: np.ndarray) -> None:
        try:
            from lexiplug.devices import resolve_device

            from .dsg_torch import EpochInputs, train_epoch
        except ImportError as error:
            raise TrainingError(f"trainer = 'torch' needs torch ({error}); pip install "
                                "torch, or use trainer = 'numba'", where="trainer") from None
        inputs = EpochInputs(ids, offsets, sense_start, n_senses, cum_table, keep, q_mean)
        arrays = state.arrays()
        train_epoch(arrays, inputs, self.params, epoch, resolve_device(self.params.device),
                    loss)

    def _save_checkpoint(self, folder: Path, state: _State, fingerprint: str) -> None:
        from lexiplug.checkpoint import CheckpointStore

        info = {"epochs_done": state.epochs_done, "seconds": state.seconds,
                "history": state.history, "params": self.params.fingerprint()}
        CheckpointStore(folder).save(state.epochs_done, fingerprint=fingerprint, state=info,
                                     arrays=state.arrays())

    def _load_checkpoint(self, folder: Path, fingerprint: str) -> _State | None:
        from lexiplug.checkpoint import CheckpointStore

        checkpoint = CheckpointStore(folder).latest()
        if checkpoint is None:
            return None
        if checkpoint.fingerprint != fingerprint:
            raise TrainingError(
                "the checkpoint was written for other settings or another corpus; remove it "
                "or train with resume = false", where=str(checkpoint.path))
        a = checkpoint.arrays
        logger.info("resuming Disambiguated Skip-gram after epoch %d from %s",
                    checkpoint.state["epochs_done"], checkpoint.path)
        return _State(a["S"].copy(), a["D"].copy(), a["U"].copy(), a["Q"].copy(),
                      a["active"].copy(),
                      a["marginal"].copy(), int(checkpoint.state["epochs_done"]),
                      float(checkpoint.state.get("seconds", 0.0)),
                      list(checkpoint.state.get("history", [])))

    # -- output --------------------------------------------------------------------------

    def _vectors(self, state: _State, encoded: EncodedCorpus, counts: np.ndarray,
                 n_senses: np.ndarray) -> SenseVectors:
        from .sense_vectors import SenseVectors, normalise_priors

        keep = state.active.astype(bool)
        word_of_sense = np.repeat(np.arange(len(counts)), n_senses)
        kept_per_word = np.bincount(word_of_sense[keep], minlength=len(counts))
        priors = normalise_priors(state.marginal[keep], kept_per_word)
        metadata = {
            "method": NAME, "params": self.params.fingerprint(), "history": state.history,
            "fit_seconds": self.fit_seconds, "n_tokens": int(encoded.n_tokens),
        }
        return SenseVectors(list(encoded.vocab.words), state.S[keep], kept_per_word, priors,
                            state.D[keep], state.Q, context_mean=context_mean(state.Q, counts),
                            collapse=self.params.collapse,  # type: ignore[arg-type]
                            counts=counts, metadata=metadata)


def context_mean(U: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """The frequency-weighted mean output row: what every context shares, taken out of c̄."""
    weights = np.asarray(counts, dtype=np.float64)
    return (weights @ U / weights.sum()).astype(np.float32)


def prune(active: np.ndarray, marginal: np.ndarray, word_of_sense: np.ndarray, n_words: int,
          threshold: float) -> int:
    """Switch off senses chosen less than ``threshold`` of their word's occurrences (never a
    word's last sense, nor senses of a word not seen this epoch); returns how many."""
    live = marginal * active
    totals = np.bincount(word_of_sense, weights=live, minlength=n_words)
    share = np.divide(live, totals[word_of_sense], out=np.ones_like(live),
                      where=totals[word_of_sense] > 0)
    weak = (active > 0) & (share < threshold)
    # keep the strongest sense of a word whose every sense is weak
    best = np.full(n_words, -1.0)
    np.maximum.at(best, word_of_sense, np.where(active > 0, live, -1.0))
    weak &= live < best[word_of_sense]
    active[weak] = 0
    return int(weak.sum())


def encode(corpus: Any, *, min_count: int, max_vocab: int | None, lowercase: bool
           ) -> EncodedCorpus:
    """An :class:`EncodedCorpus` from one (passed through), a lexiplug Corpus, or an iterable
    of texts or token lists; read once, so a file corpus streams."""
    from lexiplug.corpus.encoded import encode_sentences

    if all(hasattr(corpus, a) for a in ("vocab", "ids", "offsets")):
        encoded = corpus
    else:
        source = corpus.iter_sentences() if hasattr(corpus, "iter_sentences") else corpus
        if isinstance(source, str):
            raise ConfigError("expected a corpus or a list of texts; found one string",
                              where="corpus")
        sentences = (_tokens(item, lowercase) for item in source)
        encoded = encode_sentences(sentences, min_count=min_count, max_vocab=max_vocab)
    if len(encoded.vocab.words) == 0 or encoded.n_tokens == 0:
        raise TrainingError(f"no word occurs at least min_count={min_count} times in the "
                            "corpus", where="min_count")
    return encoded


def _tokens(item: Any, lowercase: bool) -> list[str]:
    tokens = item.split() if isinstance(item, str) else list(item)
    return [t.lower() for t in tokens] if lowercase else tokens


def cumulative_table(counts: np.ndarray, exponent: float) -> np.ndarray:
    """Negative-sampling table: cumulative counts**exponent scaled to 2**31 - 1 (gensim's)."""
    weights = np.asarray(counts, dtype=np.float64) ** exponent
    table = np.round(np.cumsum(weights) / weights.sum() * _TABLE_DOMAIN).astype(np.int64)
    table[-1] = _TABLE_DOMAIN
    return table


def keep_probabilities(counts: np.ndarray, sample: float) -> np.ndarray:
    """word2vec's subsampling: keep a word with probability (√(f/t) + 1)·t/f, t = sample·N."""
    counts = np.asarray(counts, dtype=np.float64)
    if sample <= 0:
        return np.ones(len(counts))
    threshold = sample * counts.sum()
    return np.minimum((np.sqrt(counts / threshold) + 1) * threshold / counts, 1.0)


def chunk_bounds(offsets: np.ndarray, parts: int) -> list[tuple[int, int]]:
    """Sentence ranges of about equal token counts, one per worker thread."""
    cuts = np.searchsorted(offsets, np.linspace(0, offsets[-1], parts + 1)[1:-1]).tolist()
    n_sentences = len(offsets) - 1
    edges = sorted({0, *[min(c, n_sentences) for c in cuts], n_sentences})
    return [(a, b) for a, b in itertools.pairwise(edges) if b > a]


def register(registry: Registries) -> None:
    registry.embedders.register(
        NAME, func=settings_factory(DisambiguatedSkipgram, DSGSettings, name=NAME))
