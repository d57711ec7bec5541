"""Compiled CWE training epoch (numba): CBOW or skip-gram with negative sampling where a
word's *input* vector is composed with its characters' vectors.

Composition (Chen, Xu, Liu, Sun, Luan 2015, "Joint learning of character and word
embeddings", IJCAI): a compositional word ``w`` with character rows ``c_1..c_N`` enters the
context as ``x_w = 1/2 (W[w] + 1/N sum_k C[c_k])``; a non-compositional word (no character
rows) enters as ``x_w = W[w]``. The character rows are chosen by the caller: one row per
character (position-agnostic) or one per character and position, begin/middle/end
(position-based, the paper's CWE+P). Output vectors ``Out`` are plain word rows.

The error reaching ``x_w`` is passed back by the chain rule: ``W[w]`` gets half of it and each
character row ``1/(2N)`` of it. As in word2vec.c / gensim (``cbow_mean=1``), CBOW averages the
context inputs and adds the error back to every context word undivided; skip-gram trains each
(context -> centre) pair with the context word's composed input. Frequent words are
subsampled, each position draws a reduced window, negatives come from the unigram^0.75 table,
and the learning rate falls linearly with global progress. Every random draw comes from one
64-bit LCG (word2vec.c's), seeded per epoch by the caller, so a run is deterministic and
``cwe_reference.py`` replays it draw for draw. Composition with no character rows anywhere is
exactly word2vec CBOW / skip-gram.

The LCG step and clipped sigmoid are word2vec.c's, shared with the alignment family's
kernels (plugins/alignment/w2v_kernels.py). Imported only by the trainer, so ``import
lexiplug`` never loads numba.
"""

from __future__ import annotations

import numpy as np
from lexiplug.plugins.alignment.w2v_kernels import clipped_sigmoid, lcg_next
from numba import njit


@njit(cache=True, fastmath=True, nogil=True)
def _add_input(word, W, C, char_start, char_rows, out):
    """``out += x_word`` (the composed input vector)."""
    dim = out.shape[0]
    first = char_start[word]
    n_chars = char_start[word + 1] - first
    if n_chars == 0:
        for k in range(dim):
            out[k] += W[word, k]
        return
    char_scale = np.float32(0.5 / n_chars)
    for k in range(dim):
        out[k] += np.float32(0.5) * W[word, k]
    for r in range(first, first + n_chars):
        row = char_rows[r]
        for k in range(dim):
            out[k] += char_scale * C[row, k]


@njit(cache=True, fastmath=True, nogil=True)
def _backprop_input(word, W, C, char_start, char_rows, error):
    """Pass the error on ``x_word`` back to its word row and character rows."""
    dim = error.shape[0]
    first = char_start[word]
    n_chars = char_start[word + 1] - first
    if n_chars == 0:
        for k in range(dim):
            W[word, k] += error[k]
        return
    char_scale = np.float32(0.5 / n_chars)
    for k in range(dim):
        W[word, k] += np.float32(0.5) * error[k]
    for r in range(first, first + n_chars):
        row = char_rows[r]
        for k in range(dim):
            C[row, k] += char_scale * error[k]


@njit(cache=True, fastmath=True, nogil=True)
def _train_target(inp, target, Out, cum_table, negative, alpha, state, work):
    """``inp`` predicting ``target`` against ``negative`` noise words; the error on ``inp``
    accumulates in ``work``. Returns the RNG state."""
    dim = inp.shape[0]
    table_total = np.uint64(cum_table[cum_table.shape[0] - 1])
    for d in range(negative + 1):
        if d == 0:
            word = target
            label = 1.0
        else:
            state = lcg_next(state)
            draw = np.int64((state >> np.uint64(16)) % table_total)
            word = np.searchsorted(cum_table, draw, side="right")
            if word == target:
                continue
            label = 0.0
        f = 0.0
        for k in range(dim):
            f += inp[k] * Out[word, k]
        g = np.float32((label - clipped_sigmoid(f)) * alpha)
        for k in range(dim):
            work[k] += g * Out[word, k]
        for k in range(dim):
            Out[word, k] += g * inp[k]
    return state


@njit(cache=True, fastmath=True, nogil=True)
def train_epoch(ids, offsets, W, C, Out, char_start, char_rows, keep_prob, cum_table, window,
                negative, sg, alpha, min_alpha, total_words, words_before, seed):
    """One pass over every sentence; returns the number of tokens read (before subsampling)."""
    dim = W.shape[1]
    work = np.zeros(dim, dtype=np.float32)
    inp = np.zeros(dim, dtype=np.float32)
    n_sentences = offsets.shape[0] - 1
    longest = 1
    for s in range(n_sentences):
        longest = max(longest, offsets[s + 1] - offsets[s])
    kept = np.empty(longest, dtype=np.int32)
    state = np.uint64(seed)
    words_done = 0
    for s in range(n_sentences):
        progress = (words_before + words_done) / max(total_words, 1)
        lr = max(alpha - (alpha - min_alpha) * progress, min_alpha)
        n_kept = 0
        for t in range(offsets[s], offsets[s + 1]):
            word = ids[t]
            if keep_prob[word] < 1.0:
                state = lcg_next(state)
                if keep_prob[word] < ((state >> np.uint64(16)) & np.uint64(0xFFFF)) / 65536.0:
                    continue
            kept[n_kept] = word
            n_kept += 1
        words_done += offsets[s + 1] - offsets[s]
        for i in range(n_kept):
            state = lcg_next(state)
            reduced = window - np.int64(state % np.uint64(window))
            start = max(0, i - reduced)
            stop = min(n_kept, i + reduced + 1)
            if sg:
                for j in range(start, stop):
                    if j == i:
                        continue
                    inp[:] = 0.0
                    work[:] = 0.0
                    _add_input(kept[j], W, C, char_start, char_rows, inp)
                    state = _train_target(inp, kept[i], Out, cum_table, negative, lr, state, work)
                    _backprop_input(kept[j], W, C, char_start, char_rows, work)
            else:
                inp[:] = 0.0
                count = 0
                for j in range(start, stop):
                    if j != i:
                        _add_input(kept[j], W, C, char_start, char_rows, inp)
                        count += 1
                if count == 0:
                    continue
                scale = np.float32(1.0 / count)
                for k in range(dim):
                    inp[k] *= scale
                work[:] = 0.0
                state = _train_target(inp, kept[i], Out, cum_table, negative, lr, state, work)
                for j in range(start, stop):
                    if j != i:
                        _backprop_input(kept[j], W, C, char_start, char_rows, work)
    return words_done
