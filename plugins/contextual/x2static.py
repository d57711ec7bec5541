"""``lexiplug.x2static.v1``: X2Static (Gupta & Jaggi 2021; docs/contextual.md), CBOW-style.

A static vector ``u_w`` per word is trained so that ``u_w · s`` is high for the words of a
sentence and low for sampled negatives, where ``s`` is the frozen teacher's mean last-layer
output over that sentence (the released "ver2" code: target not masked). The teacher runs
once; its sentence vectors and the encoded corpus are kept in the checkpoint folder, so a
resumed run skips straight to training and ends with the same vectors as an uninterrupted one.
Both the prepared data and the training checkpoints are :mod:`lexiplug.checkpoint` bundles:
weights, optimizer moments and position written as one verified unit, never apart.
"""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path
from typing import Any

import numpy as np
from lexiplug.devices import resolve_device
from lexiplug.errors import ConfigError, TrainingError
from lexiplug.vectors.vectors import Vectors

from .corpus_words import corpus_vocabulary, count_words, iter_sentences

logger = logging.getLogger(__name__)

_PREPARED = "prepared"
_CHECKPOINTS = "checkpoints"


class X2Static:
    """``fit(corpus) -> Vectors``; ``checkpoint_dir`` makes the run resumable."""

    def __init__(
        self,
        model: str | Path,
        *,
        epochs: int = 1,
        batch_size: int = 128,
        negatives: int = 10,
        lr: float = 1e-3,
        subsample: float = 5e-6,
        min_count: int = 10,
        max_vocab: int | None = 750_000,
        lowercase: bool = False,
        max_sentences: int | None = None,
        teacher_batch_size: int = 32,
        max_length: int | None = 200,
        checkpoint_dir: str | Path | None = None,
        checkpoint_every: int = 1000,
        max_steps: int | None = None,
        seed: int = 0,
        device: str = "auto",
        dtype: str = "auto",
    ) -> None:
        for name, value in (
            ("epochs", epochs),
            ("batch_size", batch_size),
            ("negatives", negatives),
            ("min_count", min_count),
            ("checkpoint_every", checkpoint_every),
        ):
            if value < 1:
                raise ConfigError(f"{name} must be >= 1, got {value}", where=name)
        for name, value in (("lr", lr), ("subsample", subsample)):
            if value <= 0:
                raise ConfigError(f"{name} must be > 0, got {value}", where=name)
        self.model = str(model)
        self.epochs, self.batch_size, self.negatives, self.lr = epochs, batch_size, negatives, lr
        self.subsample, self.min_count, self.max_vocab = subsample, min_count, max_vocab
        self.lowercase, self.max_sentences = lowercase, max_sentences
        self.teacher_batch_size, self.max_length = teacher_batch_size, max_length
        self.checkpoint_dir = None if checkpoint_dir is None else Path(checkpoint_dir)
        self.checkpoint_every, self.max_steps, self.seed = checkpoint_every, max_steps, seed
        self.device, self.dtype = device, dtype

    def settings(self) -> dict[str, Any]:
        """Settings a checkpoint must match to be resumed (``epochs``, ``max_steps`` may differ)."""
        return {
            "model": self.model,
            "batch_size": self.batch_size,
            "negatives": self.negatives,
            "lr": self.lr,
            "subsample": self.subsample,
            "min_count": self.min_count,
            "max_vocab": self.max_vocab,
            "lowercase": self.lowercase,
            "max_sentences": self.max_sentences,
            "max_length": self.max_length,
            "seed": self.seed,
        }

    # -- data: vocabulary, encoded corpus, teacher sentence vectors ------------------------

    def _prepare(
        self, corpus: Any
    ) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """``keys, counts, flat word ids, sentence offsets, teacher vectors`` (cached)."""
        prepared = self._load_prepared()
        if prepared is not None:
            return prepared
        counted = count_words(self._sentences(corpus))
        keys, counts = corpus_vocabulary(
            counted, min_count=self.min_count, max_vocab=self.max_vocab
        )
        flat, offsets, texts = self._encode_corpus(corpus, {w: i for i, w in enumerate(keys)})
        if len(texts) == 0:
            raise TrainingError("no sentence contains a vocabulary word", where="corpus")
        teacher = self._teacher_vectors(texts)
        if self.checkpoint_dir is not None:
            from lexiplug.checkpoint import write_bundle

            write_bundle(
                self.checkpoint_dir / _PREPARED, fingerprint=self._fingerprint(),
                state={"keys": keys, "settings": self.settings()},
                arrays={"counts": counts, "flat": flat, "offsets": offsets, "teacher": teacher},
            )
        return keys, counts, flat, offsets, teacher

    def _load_prepared(
        self,
    ) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None:
        from lexiplug.checkpoint import read_bundle

        if self.checkpoint_dir is None or not (self.checkpoint_dir / _PREPARED).is_dir():
            return None
        bundle = read_bundle(self.checkpoint_dir / _PREPARED)
        self._require_same_settings(bundle.fingerprint, bundle.state)
        arrays = bundle.arrays
        logger.info("x2static: reusing the encoded corpus and teacher vectors in %s",
                    bundle.path)
        return (list(bundle.state["keys"]), arrays["counts"], arrays["flat"], arrays["offsets"],
                arrays["teacher"])

    def _sentences(self, corpus: Any) -> Any:
        for n, words in enumerate(iter_sentences(corpus, lowercase=self.lowercase)):
            if self.max_sentences is not None and n >= self.max_sentences:
                return
            yield words

    def _encode_corpus(
        self, corpus: Any, index: dict[str, int]
    ) -> tuple[np.ndarray, np.ndarray, list[str]]:
        pieces: list[np.ndarray] = []
        texts: list[str] = []
        for words in self._sentences(corpus):
            ids = np.fromiter((index.get(w, -1) for w in words), dtype=np.int64, count=len(words))
            ids = ids[ids >= 0]
            if len(ids):
                pieces.append(ids)
                texts.append(" ".join(words))
        lengths = np.array([len(p) for p in pieces], dtype=np.int64)
        offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
        flat = np.concatenate(pieces) if pieces else np.zeros(0, np.int64)
        return flat, offsets, texts

    def _teacher_vectors(self, texts: list[str]) -> np.ndarray:
        from .encoder import TransformerEncoder

        teacher = TransformerEncoder(
            self.model,
            pooling="mean",
            batch_size=self.teacher_batch_size,
            max_length=self.max_length,
            device=self.device,
            dtype=self.dtype,
        )
        return teacher.encode_texts(texts)

    # -- training --------------------------------------------------------------------------

    def fit(self, corpus: Any) -> Vectors:
        import torch

        keys, counts, flat, offsets, teacher = self._prepare(corpus)
        n_words, dim = len(keys), teacher.shape[1]
        device = resolve_device(self.device)
        student = torch.nn.Embedding(n_words, dim, sparse=True)
        with torch.no_grad():  # uniform in ±1/dim, as the released code initialises
            generator = torch.Generator().manual_seed(self.seed)
            student.weight.copy_((2 * torch.rand(n_words, dim, generator=generator) - 1) / dim)
        student.to(device)
        optimizer = torch.optim.SparseAdam(student.parameters(), lr=self.lr)
        epoch, batch_index, step = self._resume(student, optimizer)

        frequency = counts / counts.sum()
        keep_probability = np.minimum(
            1.0, np.sqrt(self.subsample / frequency) + self.subsample / frequency
        )
        negative_weights = np.sqrt(counts.astype(np.float64))
        negative_cdf = np.cumsum(negative_weights / negative_weights.sum())
        teacher_t = torch.from_numpy(teacher).to(device)
        n_sentences = len(offsets) - 1
        n_batches = (n_sentences + self.batch_size - 1) // self.batch_size
        stopped = False
        while epoch < self.epochs and not stopped:
            order = np.random.default_rng([self.seed, epoch]).permutation(n_sentences)
            while batch_index < n_batches:
                rng = np.random.default_rng([self.seed, epoch, batch_index])
                rows = order[batch_index * self.batch_size : (batch_index + 1) * self.batch_size]
                targets, contexts = _batch_targets(rows, flat, offsets, keep_probability, rng)
                if len(targets):
                    negatives = np.searchsorted(
                        negative_cdf, rng.random((len(targets), self.negatives)), side="right"
                    )
                    negatives = np.minimum(negatives, n_words - 1)
                    loss = _loss(
                        student,
                        teacher_t[torch.from_numpy(contexts).to(device)],
                        torch.from_numpy(targets).to(device),
                        torch.from_numpy(negatives).to(device),
                    )
                    optimizer.zero_grad()
                    loss.backward()
                    optimizer.step()
                batch_index += 1
                step += 1
                if self.checkpoint_dir is not None and step % self.checkpoint_every == 0:
                    self._save(student, optimizer, epoch, batch_index, step)
                if self.max_steps is not None and step >= self.max_steps:
                    stopped = True
                    break
            if not stopped:
                epoch, batch_index = epoch + 1, 0
        if self.checkpoint_dir is not None:
            self._save(student, optimizer, epoch, batch_index, step)
        matrix = student.weight.detach().float().cpu().numpy()
        metadata = {
            "method": "x2static",
            "model": self.model,
            "epochs": self.epochs,
            "steps": step,
            "complete": epoch >= self.epochs,
            **self.settings(),
        }
        return Vectors(keys, matrix, counts=counts, metadata=metadata, oov="zero")

    # -- checkpoints -----------------------------------------------------------------------

    def _fingerprint(self) -> str:
        text = json.dumps(self.settings(), sort_keys=True)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]

    def _save(self, student: Any, optimizer: Any, epoch: int, batch_index: int, step: int) -> None:
        from lexiplug.checkpoint import CheckpointStore

        assert self.checkpoint_dir is not None
        state = optimizer.state[student.weight]
        arrays = {"weight": student.weight.detach().cpu().numpy()}
        if state:
            arrays["exp_avg"] = state["exp_avg"].cpu().numpy()
            arrays["exp_avg_sq"] = state["exp_avg_sq"].cpu().numpy()
        record = {
            "epoch": epoch,
            "batch_index": batch_index,
            "optimizer_step": int(state["step"]) if state else 0,
            "settings": self.settings(),
        }
        CheckpointStore(self.checkpoint_dir / _CHECKPOINTS).save(
            step, fingerprint=self._fingerprint(), state=record, arrays=arrays
        )

    def _resume(self, student: Any, optimizer: Any) -> tuple[int, int, int]:
        """Load the newest checkpoint if there is one: ``(epoch, batch_index, step)``."""
        import torch
        from lexiplug.checkpoint import CheckpointStore

        if self.checkpoint_dir is None:
            return 0, 0, 0
        checkpoint = CheckpointStore(self.checkpoint_dir / _CHECKPOINTS).latest()
        if checkpoint is None:
            return 0, 0, 0
        record = checkpoint.state
        self._require_same_settings(checkpoint.fingerprint, record)
        tensors = {name: torch.from_numpy(array) for name, array in checkpoint.arrays.items()}
        device = student.weight.device
        with torch.no_grad():
            student.weight.copy_(tensors["weight"].to(device))
        if "exp_avg" in tensors:
            optimizer.state[student.weight] = {
                "step": record["optimizer_step"],
                "exp_avg": tensors["exp_avg"].to(device),
                "exp_avg_sq": tensors["exp_avg_sq"].to(device),
            }
        logger.info(
            "x2static: resumed at epoch %d, batch %d", record["epoch"], record["batch_index"]
        )
        return int(record["epoch"]), int(record["batch_index"]), int(record["step"])

    def _require_same_settings(self, fingerprint: str, record: dict[str, Any]) -> None:
        if fingerprint != self._fingerprint():
            raise ConfigError(
                f"checkpoint in {self.checkpoint_dir} was made with other settings "
                f"({record.get('settings', 'see its state.json')}); use another "
                "checkpoint_dir or the same settings",
                where="checkpoint_dir",
            )


def _batch_targets(
    rows: np.ndarray,
    flat: np.ndarray,
    offsets: np.ndarray,
    keep_probability: np.ndarray,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """Subsampled target word ids of the batch's sentences and each target's sentence row."""
    lengths = offsets[rows + 1] - offsets[rows]
    starts = np.repeat(offsets[rows], lengths)
    within = np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    words = flat[starts + within]
    sentence = np.repeat(rows, lengths)
    keep = rng.random(len(words)) < keep_probability[words]
    return words[keep], sentence[keep]


def _loss(student: Any, contexts: Any, targets: Any, negatives: Any) -> Any:
    import torch.nn.functional as F

    positive = (student(targets) * contexts).sum(-1).clamp(-20, 20)
    negative = (student(negatives) * contexts.unsqueeze(1)).sum(-1).clamp(-20, 20)
    return (F.softplus(-positive) + F.softplus(negative).sum(-1)).mean()
