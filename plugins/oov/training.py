"""Training a :class:`~.network.ByteWordEncoder` to reproduce a ``Vectors`` table.

The objective is Mimick's (Pinter et al. 2017): predict each known word's vector from its
spelling, weighting words by frequency, here with a cosine loss plus a squared error on
vectors centred on the table's mean c and scaled to mean norm 1 (docs/oov.md):

    u_i = (v_i − c) / s
    L = Σ_i w_i (1 − cos(f(w_i), u_i)) / Σ_i w_i  +  λ Σ_i w_i ‖f(w_i) − u_i‖² / (d Σ_i w_i)

Each epoch visits the words in an order drawn from ``(seed, epoch)``, and a checkpoint holds
the network, the Adam state and the epoch, so a resumed run gives the same weights, to the
bit, as one that was never stopped.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from lexiplug.errors import TrainingError

from .byte_ids import byte_batch
from .settings import ByteEncoderSettings

if TYPE_CHECKING:
    import torch
    from lexiplug.vectors import Vectors

logger = logging.getLogger(__name__)


@dataclass
class TrainingRows:
    """The words the encoder learns from: their vectors (scaled) and loss weights."""

    words: list[str]
    targets: np.ndarray  # (n, dim) float32: (vector - centre) / scale
    weights: np.ndarray  # (n,) float32, mean 1
    centre: np.ndarray  # (dim,) float32, the table's mean vector
    scale: float  # mean norm of the centred vectors
    n_skipped: int  # keys with no spelling to learn from (empty or whitespace)


def training_rows(vectors: Vectors, weighting: str) -> TrainingRows:
    keep = np.fromiter((bool(k.strip()) for k in vectors.keys), dtype=bool, count=len(vectors))
    rows = np.flatnonzero(keep)
    if rows.size == 0:
        raise TrainingError("the vectors hold no word to learn from (every key is empty or "
                            "whitespace)", where="vectors")
    matrix = np.asarray(vectors.matrix, dtype=np.float32)[rows]
    if not np.isfinite(matrix).all():
        raise TrainingError("the vectors hold NaN or inf; the encoder cannot learn them",
                            where="vectors")
    # Word2vec-style tables share a large common direction: a guess near the mean vector
    # already has cosine ~0.9 with every word, so the loss would barely ask for the rest.
    # Learning the centred vectors makes the encoder spend itself on what tells words apart.
    centre = matrix.mean(axis=0)
    matrix = matrix - centre
    scale = float(np.linalg.norm(matrix, axis=1).mean()) or 1.0
    if vectors.counts is None or weighting == "uniform":
        if weighting != "uniform":
            logger.info("byte encoder: the vectors carry no counts; every word weighs the same")
        weights = np.ones(rows.size, dtype=np.float32)
    else:
        counts = np.maximum(vectors.counts[rows].astype(np.float64), 0.0)
        weights = (np.log1p(counts) if weighting == "log_count" else counts).astype(np.float32)
        weights = np.maximum(weights, 1e-6)
    weights = weights / weights.mean()
    return TrainingRows([vectors.keys[i] for i in rows], matrix / scale, weights,
                        centre.astype(np.float32), scale, int(len(vectors) - rows.size))


def objective(predicted: torch.Tensor, target: torch.Tensor, weight: torch.Tensor,
              mse_weight: float) -> torch.Tensor:
    """The loss above, over one batch."""
    import torch

    cosine = torch.nn.functional.cosine_similarity(predicted, target, dim=1, eps=1e-8)
    total = weight.sum()
    loss = (weight * (1 - cosine)).sum() / total
    if mse_weight:
        squared = ((predicted - target) ** 2).mean(dim=1)
        loss = loss + mse_weight * (weight * squared).sum() / total
    return loss


@dataclass
class TrainingState:
    """What a fit produced: the network, its target scale and the loss of each epoch."""

    network: Any
    centre: np.ndarray
    scale: float
    losses: list[float] = field(default_factory=list)
    n_truncated: int = 0
    n_skipped: int = 0


def fit_encoder(vectors: Vectors, settings: ByteEncoderSettings, *,
                checkpoints: Path | None = None, resume: bool = False,
                device: str = "cpu") -> TrainingState:
    """Train an encoder on ``vectors``; checkpoint after every epoch when ``checkpoints``."""
    import torch
    from lexiplug.checkpoint import CheckpointStore

    from .network import ByteWordEncoder

    rows = training_rows(vectors, settings.weighting)
    batch = byte_batch(rows.words, settings.max_bytes)
    if batch.n_truncated:
        logger.warning("byte encoder: %d of %d training words are longer than max_bytes=%d "
                       "and were cut to their first and last bytes", batch.n_truncated,
                       len(rows.words), settings.max_bytes)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(settings.seed)
        network = ByteWordEncoder(vectors.dim, byte_dim=settings.byte_dim,
                                  widths=settings.widths, filters=settings.filters,
                                  hidden=settings.hidden)
    network.to(device)
    optimizer = torch.optim.Adam(network.parameters(), lr=settings.learning_rate)
    fingerprint = training_fingerprint(vectors, settings)
    store = CheckpointStore(checkpoints) if checkpoints is not None else None
    state = TrainingState(network, rows.centre, rows.scale, n_truncated=batch.n_truncated,
                          n_skipped=rows.n_skipped)
    first_epoch = 0
    if store is not None and resume:
        bundle = store.latest()
        if bundle is not None:
            if bundle.fingerprint != fingerprint:
                raise TrainingError(
                    "the checkpoint was written for other vectors or settings; start over "
                    "without resume or point checkpoints at a new folder",
                    where=str(bundle.path))
            first_epoch = restore(network, optimizer, bundle.arrays, bundle.state)
            state.losses = list(bundle.state.get("losses", []))
            logger.info("byte encoder: resuming after epoch %d from %s", first_epoch,
                        bundle.path)

    ids = torch.from_numpy(batch.ids)
    lengths = torch.from_numpy(batch.lengths)
    targets = torch.from_numpy(rows.targets)
    weights = torch.from_numpy(rows.weights)
    n = len(rows.words)
    for epoch in range(first_epoch, settings.epochs):
        network.train()
        order = torch.from_numpy(np.random.default_rng([settings.seed, epoch]).permutation(n))
        total, seen = 0.0, 0
        for start in range(0, n, settings.batch_size):
            chosen = order[start:start + settings.batch_size]
            width = int(lengths[chosen].max())
            predicted = network(ids[chosen, :width].to(device), lengths[chosen].to(device))
            loss = objective(predicted, targets[chosen].to(device), weights[chosen].to(device),
                             settings.mse_weight)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            total += float(loss.detach()) * len(chosen)
            seen += len(chosen)
        state.losses.append(total / max(seen, 1))
        logger.info("byte encoder: epoch %d/%d loss %.4f", epoch + 1, settings.epochs,
                    state.losses[-1])
        if store is not None:
            arrays, saved = snapshot(network, optimizer)
            store.save(epoch + 1, fingerprint=fingerprint,
                       state={**saved, "epoch": epoch + 1, "losses": state.losses},
                       arrays=arrays)
    network.eval()
    return state


def training_fingerprint(vectors: Vectors, settings: ByteEncoderSettings) -> str:
    body = json.dumps({"settings": settings.training_fingerprint(),
                       "vectors": vectors.checksum()}, sort_keys=True)
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def snapshot(network: Any, optimizer: Any) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """Network weights and Adam state as arrays, the rest of the optimizer as JSON."""
    arrays = {f"network.{k}": v.detach().cpu().numpy() for k, v in network.state_dict().items()}
    optim = optimizer.state_dict()
    for index, slots in optim["state"].items():
        for key, value in slots.items():
            arrays[f"optimizer.{index}.{key}"] = value.detach().cpu().numpy().reshape(-1) \
                if value.ndim == 0 else value.detach().cpu().numpy()
    return arrays, {"param_groups": optim["param_groups"]}


def restore(network: Any, optimizer: Any, arrays: dict[str, np.ndarray],
            state: dict[str, Any]) -> int:
    """Load a :func:`snapshot` back; returns the number of epochs already done."""
    import torch

    device = next(network.parameters()).device
    network.load_state_dict({k[len("network."):]: torch.from_numpy(v.copy())
                             for k, v in arrays.items() if k.startswith("network.")})
    slots: dict[int, dict[str, Any]] = {}
    for key, value in arrays.items():
        if key.startswith("optimizer."):
            _, index, name = key.split(".", 2)
            tensor = torch.from_numpy(value.copy())
            # Adam keeps its step count as a 0-d tensor (saved as shape (1,)) on the CPU
            slots.setdefault(int(index), {})[name] = (
                tensor.reshape(()) if name == "step" else tensor.to(device))
    optimizer.load_state_dict({"state": slots, "param_groups": state["param_groups"]})
    return int(state["epoch"])
