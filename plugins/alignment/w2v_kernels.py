"""Compiled word2vec negative-sampling kernels (numba) for CADE's compass and slices.

The inner loop follows word2vec.c / gensim: per sentence, frequent words are subsampled,
each position gets a random reduced window, CBOW averages the context rows of ``U`` (the
error is added back to every context row undivided, gensim ``cbow_mean=1``) and skip-gram
trains each (context → centre) pair; the output rows ``C`` are updated only when
``learn_context`` is true: CADE freezes them for the slices. The learning rate falls linearly
with global progress. ``nogil`` lets several threads run chunks of sentences at once
(Hogwild, as word2vec and gensim do); with one thread the result is deterministic.

Imported only by the trainer, so ``import lexiplug`` never loads numba.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

_LCG_MULTIPLIER = np.uint64(25214903917)
_LCG_INCREMENT = np.uint64(11)
_MAX_EXP = 6.0


@njit(cache=True, fastmath=True, nogil=True, inline="always")
def lcg_next(state: np.uint64) -> np.uint64:
    """word2vec.c's linear congruential generator (shared by every SGNS kernel)."""
    return state * _LCG_MULTIPLIER + _LCG_INCREMENT


@njit(cache=True, fastmath=True, nogil=True, inline="always")
def clipped_sigmoid(x: float) -> float:
    """The logistic function with its input clipped to +-6, as word2vec.c's table does."""
    if x > _MAX_EXP:
        x = _MAX_EXP
    elif x < -_MAX_EXP:
        x = -_MAX_EXP
    return 1.0 / (1.0 + math.exp(-x))


@njit(cache=True, fastmath=True, nogil=True)
def _train_pair(inp, target, U, C, neg_ids, cum_table, negative, alpha, learn_context,
                state, work):
    """One input vector ``inp`` (a row of U or a CBOW mean) predicting ``target``; the
    input's error accumulates in ``work``. Returns the RNG state."""
    dim = inp.shape[0]
    table_total = cum_table[cum_table.shape[0] - 1]
    for d in range(negative + 1):
        if d == 0:
            word = target
            label = 1.0
        else:
            state = lcg_next(state)
            draw = np.int64((state >> np.uint64(16)) % np.uint64(table_total))
            word = neg_ids[np.searchsorted(cum_table, draw, side="right")]
            if word == target:
                continue
            label = 0.0
        row = C[word]
        f = 0.0
        for k in range(dim):
            f += inp[k] * row[k]
        g = (label - clipped_sigmoid(f)) * alpha
        for k in range(dim):
            work[k] += g * row[k]
        if learn_context:
            for k in range(dim):
                row[k] += g * inp[k]
    return state


@njit(cache=True, fastmath=True, nogil=True)
def train_chunk(ids, offsets, first_sentence, last_sentence, U, C, neg_ids, cum_table,
                keep_prob, window, negative, sg, learn_context, alpha, min_alpha,
                total_words, words_before, progress_scale, seed):
    """Train on sentences [first_sentence, last_sentence); returns tokens seen."""
    dim = U.shape[1]
    work = np.zeros(dim, dtype=np.float32)
    neu1 = np.zeros(dim, dtype=np.float32)
    longest = 1
    for s in range(first_sentence, last_sentence):
        longest = max(longest, offsets[s + 1] - offsets[s])
    sentence = np.empty(longest, dtype=np.int64)
    state = np.uint64(seed)
    seen = 0
    for s in range(first_sentence, last_sentence):
        progress = (words_before + seen * progress_scale) / total_words
        lr = max(min_alpha, alpha - (alpha - min_alpha) * min(progress, 1.0))
        n = 0
        for p in range(offsets[s], offsets[s + 1]):
            word = ids[p]
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
            if sg:
                for j in range(lo, hi):
                    if j == i:
                        continue
                    inp = U[sentence[j]]
                    work[:] = 0.0
                    state = _train_pair(inp, sentence[i], U, C, neg_ids, cum_table, negative,
                                        lr, learn_context, state, work)
                    for k in range(dim):
                        inp[k] += work[k]
            else:
                neu1[:] = 0.0
                count = 0
                for j in range(lo, hi):
                    if j == i:
                        continue
                    row = U[sentence[j]]
                    for k in range(dim):
                        neu1[k] += row[k]
                    count += 1
                if count == 0:
                    continue
                for k in range(dim):
                    neu1[k] /= count
                work[:] = 0.0
                state = _train_pair(neu1, sentence[i], U, C, neg_ids, cum_table, negative,
                                    lr, learn_context, state, work)
                for j in range(lo, hi):
                    if j == i:
                        continue
                    row = U[sentence[j]]
                    for k in range(dim):
                        row[k] += work[k]
    return seen
