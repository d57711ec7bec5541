"""Compiled Disambiguated Skip-gram epoch (numba), one sentence range per call.

Per kept position i of word w (frequent words subsampled as in word2vec, a random reduced
window per position), with context words C:

- c̄ = mean of the context words' disambiguation rows ``Q[c]``, c ∈ C, minus ``q_mean`` (the
  frequency-weighted mean row at the start of the epoch), scaled to unit length: without the
  centring every c̄ shares one large common direction and the sense that learns it first
  wins every context;
- p_k = softmax_k(D[w,k] · c̄) over w's active senses;
- s̄ = Σ_k p_k S[w,k] predicts every c ∈ C with negative sampling (word2vec's loss); the
  gradient g on s̄ moves S[w,k] by p_k·g; the score gradient dz_k = p_k·(g·(S[w,k] − s̄))
  (the softmax Jacobian) plus the entropy term λ·p_k·(log p_k + H) that makes choices crisp,
  times ``disambiguation_lr``, moves D[w,k] by dz_k·c̄ and every Q[c] by Σ_k dz_k·D[w,k]
  taken back through the unit length and the mean;
- ``marginal[w,k] += p_k`` (what pruning and the priors are computed from); ``loss`` sums
  the skip-gram loss per (centre, context) pair, for the history.

A word with one active sense is plain skip-gram. ``nogil`` lets threads run sentence ranges
at once (Hogwild); with one thread a seed gives the same result every time, which is what
checkpoint resume relies on. Imported only by the trainer, so ``import lexiplug`` never
loads numba.
"""

from __future__ import annotations

import math

import numpy as np
from lexiplug.plugins.alignment.w2v_kernels import clipped_sigmoid, lcg_next
from numba import njit


@njit(cache=True, fastmath=True, nogil=True)
def _predict(inp, target, U, cum_table, negative, lr, state, grad, loss):
    """``inp`` predicts ``target`` against ``negative`` sampled words: updates the output
    rows, adds the input's gradient (already times ``lr``) to ``grad`` and the pair's loss
    to ``loss[0]`` (``loss[1]`` counts pairs); returns the RNG."""
    dim = inp.shape[0]
    total = cum_table[cum_table.shape[0] - 1]
    for d in range(negative + 1):
        if d == 0:
            word = target
            label = 1.0
        else:
            state = lcg_next(state)
            draw = np.int64((state >> np.uint64(16)) % np.uint64(total))
            word = np.searchsorted(cum_table, draw, side="right")
            if word == target:
                continue
            label = 0.0
        row = U[word]
        f = 0.0
        for k in range(dim):
            f += inp[k] * row[k]
        # −log σ(±f), computed without overflow
        signed = f if label > 0.5 else -f
        loss[0] += math.log1p(math.exp(-abs(signed))) + max(-signed, 0.0)
        g = (label - clipped_sigmoid(f)) * lr
        for k in range(dim):
            grad[k] += g * row[k]
            row[k] += g * inp[k]
    loss[1] += 1.0
    return state


@njit(cache=True, fastmath=True, nogil=True)
def train_range(ids, offsets, first, last, S, D, U, Q, q_mean, sense_start, n_senses, active,
                marginal, cum_table, keep_prob, window, negative, entropy_weight,
                disambiguation_lr, alpha, min_alpha, total_words, words_before,
                progress_scale, seed, loss):
    """Train on sentences [first, last); returns the number of tokens read."""
    dim = S.shape[1]
    max_k = 1
    for w in range(n_senses.shape[0]):
        max_k = max(max_k, n_senses[w])
    grad = np.zeros(dim, dtype=np.float32)
    c_bar = np.zeros(dim, dtype=np.float32)
    g_cbar = np.zeros(dim, dtype=np.float32)
    s_bar = np.zeros(dim, dtype=np.float32)
    p = np.zeros(max_k, dtype=np.float64)
    longest = 1
    for s in range(first, last):
        longest = max(longest, offsets[s + 1] - offsets[s])
    sentence = np.empty(longest, dtype=np.int64)
    state = np.uint64(seed)
    seen = 0
    for s in range(first, last):
        progress = (words_before + seen * progress_scale) / total_words
        lr = max(min_alpha, alpha - (alpha - min_alpha) * min(progress, 1.0))
        n = 0
        for q in range(offsets[s], offsets[s + 1]):
            word = ids[q]
            seen += 1
            state = lcg_next(state)
            if keep_prob[word] < ((state >> np.uint64(16)) & np.uint64(0xFFFF)) / 65536.0:
                continue
            sentence[n] = word
            n += 1
        for i in range(n):
            state = lcg_next(state)
            reduced = np.int64(state % np.uint64(window))
            lo = max(0, i - window + reduced)
            hi = min(n, i + window + 1 - reduced)
            if hi - lo < 2:
                continue
            w = sentence[i]
            base = sense_start[w]
            k_w = n_senses[w]
            n_active = 0
            for k in range(k_w):
                if active[base + k]:
                    n_active += 1
            # p over the active senses (one active sense: p = 1, plain skip-gram)
            if n_active > 1:
                c_bar[:] = 0.0
                for j in range(lo, hi):
                    if j != i:
                        row = Q[sentence[j]]
                        for x in range(dim):
                            c_bar[x] += row[x]
                n_context = hi - lo - 1
                inv = 1.0 / n_context
                norm2 = 0.0
                for x in range(dim):
                    c_bar[x] = c_bar[x] * inv - q_mean[x]
                    norm2 += c_bar[x] * c_bar[x]
                c_len = math.sqrt(norm2)
                if c_len > 1e-8:
                    for x in range(dim):
                        c_bar[x] /= c_len
                top = -1e30
                for k in range(k_w):
                    if active[base + k]:
                        z = 0.0
                        for x in range(dim):
                            z += D[base + k, x] * c_bar[x]
                        p[k] = z
                        top = max(top, z)
                norm = 0.0
                for k in range(k_w):
                    if active[base + k]:
                        p[k] = math.exp(p[k] - top)
                        norm += p[k]
                    else:
                        p[k] = 0.0
                for k in range(k_w):
                    p[k] /= norm
            else:
                for k in range(k_w):
                    p[k] = 1.0 if active[base + k] else 0.0
            s_bar[:] = 0.0
            for k in range(k_w):
                if p[k] > 0.0:
                    marginal[base + k] += p[k]
                    for x in range(dim):
                        s_bar[x] += p[k] * S[base + k, x]
            grad[:] = 0.0
            for j in range(lo, hi):
                if j != i:
                    state = _predict(s_bar, sentence[j], U, cum_table, negative, lr, state,
                                     grad, loss)
            if n_active > 1:
                entropy = 0.0
                for k in range(k_w):
                    if p[k] > 0.0:
                        entropy -= p[k] * math.log(p[k])
                g_sbar = 0.0
                for x in range(dim):
                    g_sbar += grad[x] * s_bar[x]
                g_cbar[:] = 0.0
                for k in range(k_w):
                    if p[k] <= 0.0:
                        continue
                    g_k = 0.0
                    for x in range(dim):
                        g_k += grad[x] * S[base + k, x]
                    dz = p[k] * (g_k - g_sbar) \
                        + lr * entropy_weight * p[k] * (math.log(p[k]) + entropy)
                    dz *= disambiguation_lr
                    for x in range(dim):
                        g_cbar[x] += dz * D[base + k, x]
                        D[base + k, x] += dz * c_bar[x]
                # back through the unit length to the mean: (I - ĉĉᵀ) g / |c|, shared by
                # the context words' disambiguation rows
                if c_len > 1e-8:
                    along = 0.0
                    for x in range(dim):
                        along += g_cbar[x] * c_bar[x]
                    scale = 1.0 / (c_len * n_context)
                    for x in range(dim):
                        g_cbar[x] = (g_cbar[x] - along * c_bar[x]) * scale
                    for j in range(lo, hi):
                        if j != i:
                            row = Q[sentence[j]]
                            for x in range(dim):
                                row[x] += g_cbar[x]
            for k in range(k_w):
                if p[k] > 0.0:
                    for x in range(dim):
                        S[base + k, x] += p[k] * grad[x]
    return seen
