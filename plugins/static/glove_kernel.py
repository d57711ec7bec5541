"""Compiled GloVe epoch (numba): Stanford ``glove.c``'s per-pair AdaGrad update, line for line.

For one co-occurrence (i, j, X) with word vector w_i, context vector c_j and biases:

    diff  = w_i . c_j + b_i + b~_j - log X
    fdiff = f(X) * diff,  f(X) = (X / x_max)^alpha, or 1 once X > x_max
    cost += 0.5 * fdiff * diff
    g_w   = clip(fdiff * c_j, +-grad_clip) * eta        (likewise g_c with w_i)
    w_i  -= g_w / sqrt(G_w);  G_w += g_w^2              (accumulator *after* the step)
    b_i  -= fdiff / sqrt(G_b); G_b += fdiff^2           (no eta on the biases, as in glove.c)

A pair whose diff is not finite is skipped, and a vector step whose sum is not finite is not
applied, as in the C code. Imported only by the trainer, so ``import lexiplug`` never loads
numba.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

# Reassociation lets LLVM vectorise the dot products; no ``nnan``/``ninf``, so the C code's
# NaN/inf guards below keep working. Still deterministic for a fixed order.
_FAST = {"reassoc", "contract"}


@njit(cache=True, inline="always", fastmath=_FAST)
def _update_pair(W, C, bw, bc, gW, gC, gbw, gbc, i, j, x, x_max, alpha, eta,  # type: ignore[no-untyped-def]
                 grad_clip, step_w, step_c):
    dim = W.shape[1]
    diff = 0.0
    for b in range(dim):
        diff += W[i, b] * C[j, b]
    diff += bw[i] + bc[j] - math.log(x)
    fdiff = diff if x > x_max else math.pow(x / x_max, alpha) * diff
    if math.isnan(diff) or math.isnan(fdiff) or math.isinf(diff) or math.isinf(fdiff):
        return 0.0
    cost = 0.5 * fdiff * diff
    sum_w = 0.0
    sum_c = 0.0
    for b in range(dim):
        temp_w = min(max(fdiff * C[j, b], -grad_clip), grad_clip) * eta
        temp_c = min(max(fdiff * W[i, b], -grad_clip), grad_clip) * eta
        step_w[b] = temp_w / math.sqrt(gW[i, b])
        step_c[b] = temp_c / math.sqrt(gC[j, b])
        sum_w += step_w[b]
        sum_c += step_c[b]
        gW[i, b] += temp_w * temp_w
        gC[j, b] += temp_c * temp_c
    if not (math.isnan(sum_w) or math.isinf(sum_w) or math.isnan(sum_c) or math.isinf(sum_c)):
        for b in range(dim):
            W[i, b] -= step_w[b]
            C[j, b] -= step_c[b]
    step_bw = fdiff / math.sqrt(gbw[i])
    step_bc = fdiff / math.sqrt(gbc[j])
    if not (math.isnan(step_bw) or math.isinf(step_bw)):
        bw[i] -= step_bw
    if not (math.isnan(step_bc) or math.isinf(step_bc)):
        bc[j] -= step_bc
    gbw[i] += fdiff * fdiff
    gbc[j] += fdiff * fdiff
    return cost


@njit(cache=True, fastmath=_FAST)
def glove_epoch(W, C, bw, bc, gW, gC, gbw, gbc, rows, cols, values, order,  # type: ignore[no-untyped-def]
                x_max, alpha, eta, grad_clip):
    """One pass over the nonzeros in ``order``, one thread; returns the summed cost."""
    step_w = np.empty(W.shape[1], dtype=W.dtype)
    step_c = np.empty(W.shape[1], dtype=W.dtype)
    total = 0.0
    for k in range(order.shape[0]):
        t = order[k]
        total += _update_pair(W, C, bw, bc, gW, gC, gbw, gbc, rows[t], cols[t], values[t],
                              x_max, alpha, eta, grad_clip, step_w, step_c)
    return total


@njit(cache=True, parallel=True, fastmath=_FAST)
def glove_epoch_hogwild(W, C, bw, bc, gW, gC, gbw, gbc, rows, cols, values, order,  # type: ignore[no-untyped-def]
                        x_max, alpha, eta, grad_clip, workers):
    """``glove.c``'s threads: ``order`` split into ``workers`` slices updated lock-free.

    Threads race on shared rows (Hogwild), so the result depends on scheduling.
    """
    n = order.shape[0]
    costs = np.zeros(workers)
    for worker in prange(workers):
        begin = worker * (n // workers)
        end = n if worker == workers - 1 else begin + n // workers
        step_w = np.empty(W.shape[1], dtype=W.dtype)
        step_c = np.empty(W.shape[1], dtype=W.dtype)
        total = 0.0
        for k in range(begin, end):
            t = order[k]
            total += _update_pair(W, C, bw, bc, gW, gC, gbw, gbc, rows[t], cols[t], values[t],
                                  x_max, alpha, eta, grad_clip, step_w, step_c)
        costs[worker] = total
    return costs.sum()
