"""Disambiguated Skip-gram epoch in torch: the objective of ``dsg_kernel.py``, in batches.

The numba kernel takes one position at a time; this one takes ``batch`` positions at once so a
GPU has work to do (``device = "cuda"``, or ``"auto"``: CUDA when torch sees one). Per
position, as in the kernel: c̄ = unit(mean Q[c] − q̄) over the context words, p = softmax over
the active senses of D[w,k] · c̄, s̄ = Σ p_k S[w,k] predicts every context word against
``negative`` sampled words (word2vec's loss), plus λ·H(p) (``entropy_weight``). The gradient
of that loss, taken by autograd on the rows the batch touches, is applied by plain SGD at
word2vec's linearly decaying rate (``disambiguation_lr`` times it for D and Q), so a batch
of one position is the kernel's step up to the kernel's clipped sigmoid.

The random draws (subsampling, reduced windows, negatives) come from numpy generators seeded
by (seed, epoch) and are made on the CPU, so an epoch is the same on every device and resuming
at an epoch boundary gives the uninterrupted result. Imported only by the trainer: ``import
lexiplug`` never loads torch.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

_CHUNK_TOKENS = 200_000



@dataclass
class EpochInputs:
    """What one epoch reads besides the parameters (all numpy, as the trainer holds them)."""

    ids: np.ndarray
    offsets: np.ndarray
    sense_start: np.ndarray
    n_senses: np.ndarray
    cum_table: np.ndarray
    keep_prob: np.ndarray
    q_mean: np.ndarray


def _positions(inputs: EpochInputs, first: int, last: int, window: int,
               rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Centre words and their context words (−1 = none) for sentences [first, last):
    subsampled tokens, a reduced window per position, contexts within the sentence."""
    lo, hi = int(inputs.offsets[first]), int(inputs.offsets[last])
    tokens = inputs.ids[lo:hi].astype(np.int64)
    sentence = np.repeat(np.arange(first, last), np.diff(inputs.offsets[first:last + 1]))
    kept = rng.random(len(tokens)) < inputs.keep_prob[tokens]
    tokens, sentence = tokens[kept], sentence[kept]
    reduced = rng.integers(0, window, size=len(tokens))
    shifts = [d for d in range(-window, window + 1) if d != 0]
    context = np.full((len(tokens), len(shifts)), -1, dtype=np.int64)
    index = np.arange(len(tokens))
    for column, d in enumerate(shifts):
        other = index + d
        inside = (other >= 0) & (other < len(tokens))
        ok = inside.copy()
        ok[inside] = sentence[other[inside]] == sentence[inside]
        ok &= abs(d) <= window - reduced
        context[ok, column] = tokens[other[ok]]
    has_context = (context >= 0).any(axis=1)
    return tokens[has_context], context[has_context]


def _sentence_chunks(offsets: np.ndarray) -> Iterator[tuple[int, int]]:
    n = len(offsets) - 1
    first = 0
    while first < n:
        last = int(np.searchsorted(offsets, offsets[first] + _CHUNK_TOKENS, side="right")) - 1
        last = min(max(last, first + 1), n)
        yield first, last
        first = last


def train_epoch(arrays: dict[str, np.ndarray], inputs: EpochInputs, settings: Any, epoch: int,
                device: torch.device, loss_sum: np.ndarray) -> None:
    """One epoch over the whole corpus; updates ``arrays`` (S, D, U, Q, marginal) in place
    and adds (summed skip-gram loss, pairs) to ``loss_sum``."""
    p = settings
    tensors = {name: torch.from_numpy(arrays[name]).to(device)
               for name in ("S", "D", "U", "Q")}
    S, D, U, Q = tensors["S"], tensors["D"], tensors["U"], tensors["Q"]
    active = torch.from_numpy(arrays["active"].astype(bool)).to(device)
    marginal = torch.zeros(len(arrays["marginal"]), dtype=torch.float64, device=device)
    sense_start = torch.from_numpy(inputs.sense_start).to(device)
    n_senses = torch.from_numpy(inputs.n_senses).to(device)
    q_mean = torch.from_numpy(inputs.q_mean).to(device)
    cum_table = inputs.cum_table
    k_max = int(inputs.n_senses.max())
    total_words = float(p.epochs * len(inputs.ids))
    rng = np.random.default_rng([p.seed, epoch, 1])
    seen_before = float(epoch * len(inputs.ids))
    for first, last in _sentence_chunks(inputs.offsets):
        centres, contexts = _positions(inputs, first, last, p.window, rng)
        chunk_tokens = float(inputs.offsets[last] - inputs.offsets[first])
        for start in range(0, len(centres), p.batch):
            progress = (seen_before + chunk_tokens * start / max(len(centres), 1)) / total_words
            lr = max(p.min_alpha, p.alpha - (p.alpha - p.min_alpha) * min(progress, 1.0))
            w_np = centres[start:start + p.batch]
            c_np = contexts[start:start + p.batch]
            draws = rng.integers(0, cum_table[-1], size=(*c_np.shape, p.negative))
            negatives_np = np.searchsorted(cum_table, draws, side="right")
            loss, pairs = _batch_step(
                torch.from_numpy(w_np).to(device), torch.from_numpy(c_np).to(device),
                torch.from_numpy(negatives_np).to(device), S, D, U, Q, active, marginal,
                sense_start, n_senses, q_mean, k_max, lr, p)
            loss_sum[0] += loss
            loss_sum[1] += pairs
        seen_before += chunk_tokens
    for name, tensor in tensors.items():
        arrays[name][...] = tensor.cpu().numpy()
    arrays["marginal"][...] = marginal.cpu().numpy()


def _batch_step(w: torch.Tensor, ctx: torch.Tensor, negatives: torch.Tensor, S: torch.Tensor,
                D: torch.Tensor, U: torch.Tensor, Q: torch.Tensor, active: torch.Tensor,
                marginal: torch.Tensor, sense_start: torch.Tensor, n_senses: torch.Tensor,
                q_mean: torch.Tensor, k_max: int, lr: float, p: Any) -> tuple[float, int]:
    """One SGD step on a batch of positions; returns the summed skip-gram loss and the
    number of (centre, context) pairs it is summed over."""
    ctx_mask = ctx >= 0
    ctx_ids = ctx.clamp(min=0)
    slots = torch.arange(k_max, device=w.device)
    sense_rows = sense_start[w][:, None] + slots[None, :]
    exists = slots[None, :] < n_senses[w][:, None]
    sense_rows = torch.where(exists, sense_rows, sense_start[w][:, None])
    usable = exists & active[sense_rows]
    multi = usable.sum(dim=1) > 1

    s_rows = S[sense_rows].requires_grad_()
    d_rows = D[sense_rows].requires_grad_()
    q_rows = Q[ctx_ids].requires_grad_()
    u_pos = U[ctx_ids].requires_grad_()
    u_neg = U[negatives].requires_grad_()

    weights = ctx_mask.to(q_rows.dtype)
    mean = (q_rows * weights[..., None]).sum(dim=1) / weights.sum(dim=1, keepdim=True)
    c_bar = torch.nn.functional.normalize(mean - q_mean, dim=1, eps=1e-8)
    scores = torch.einsum("bkd,bd->bk", d_rows, c_bar).masked_fill(~usable, float("-inf"))
    # a word with one usable sense is plain skip-gram: p = 1, no gradient to D or Q
    scores = torch.where(multi[:, None], scores, torch.where(usable, 0.0, float("-inf")))
    probs = torch.softmax(scores, dim=1)
    s_bar = torch.einsum("bk,bkd->bd", probs, s_rows)

    positive = torch.nn.functional.logsigmoid(torch.einsum("bd,bcd->bc", s_bar, u_pos))
    negative_logits = torch.einsum("bd,bcnd->bcn", s_bar, u_neg)
    # a draw of the target itself is skipped, as word2vec does
    skip = negatives == ctx[..., None]
    negative = torch.nn.functional.logsigmoid(-negative_logits).masked_fill(skip, 0.0)
    sg_loss = -((positive + negative.sum(dim=2)) * weights).sum()
    log_probs = torch.log(probs.clamp_min(1e-30))
    entropy = -(probs * log_probs).masked_fill(~usable, 0.0).sum(dim=1)
    entropy_loss = p.entropy_weight * (entropy * multi).sum()
    (sg_loss + entropy_loss).backward()

    with torch.no_grad():
        step = lr * p.disambiguation_lr
        updates = ((S, sense_rows, s_rows, lr), (D, sense_rows, d_rows, step),
                   (Q, ctx_ids, q_rows, step), (U, ctx_ids, u_pos, lr), (U, negatives, u_neg, lr))
        for table, rows, gathered, rate in updates:
            gradient = gathered.grad
            if gradient is not None:  # None only when nothing in the batch used the rows
                table.index_add_(0, rows.reshape(-1), -rate * gradient.reshape(-1, table.shape[1]))
        marginal.index_add_(0, sense_rows.reshape(-1),
                            (probs.detach() * usable).reshape(-1).to(marginal.dtype))
    return float(sg_loss.detach()), int(ctx_mask.sum())
