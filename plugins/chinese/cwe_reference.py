"""A plainly correct, slow CWE epoch in pure Python + numpy: the check on cwe_kernels.py.

It makes the same random draws in the same order as the compiled kernel (the same 64-bit LCG,
Python integers reduced mod 2**64) and writes every step as the formula it implements, one
word at a time, with whole-vector numpy operations. Tests run both on a small corpus and
require the same vectors up to float32 rounding; use it for nothing larger.
"""

from __future__ import annotations

import math

import numpy as np

_MASK = (1 << 64) - 1
_MAX_EXP = 6.0


def _next(state: int) -> int:
    return (state * 25214903917 + 11) & _MASK


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-min(max(x, -_MAX_EXP), _MAX_EXP)))


def composed_input(word: int, W: np.ndarray, C: np.ndarray, char_start: np.ndarray,
                   char_rows: np.ndarray) -> np.ndarray:
    """x_w = 1/2 (W[w] + mean of its character rows), or W[w] without character rows."""
    rows = char_rows[char_start[word]:char_start[word + 1]]
    if len(rows) == 0:
        return W[word].astype(np.float64)
    return 0.5 * (W[word].astype(np.float64) + C[rows].astype(np.float64).mean(axis=0))


def backprop_input(word: int, error: np.ndarray, W: np.ndarray, C: np.ndarray,
                   char_start: np.ndarray, char_rows: np.ndarray) -> None:
    """d x_w / d W[w] = 1/2 and d x_w / d C[c_k] = 1/(2N): the error split by the chain rule."""
    rows = char_rows[char_start[word]:char_start[word + 1]]
    if len(rows) == 0:
        W[word] += error.astype(np.float32)
        return
    W[word] += (0.5 * error).astype(np.float32)
    for row in rows:  # a character may occur twice in one word: each occurrence gets its share
        C[row] += (error / (2 * len(rows))).astype(np.float32)


def negative_sampling_step(inp: np.ndarray, target: int, Out: np.ndarray, cum_table: np.ndarray,
                           negative: int, lr: float, state: int) -> tuple[np.ndarray, int]:
    """Logistic loss on the target (label 1) and ``negative`` noise draws (label 0)."""
    error = np.zeros_like(inp)
    total = int(cum_table[-1])
    for d in range(negative + 1):
        if d == 0:
            word, label = target, 1.0
        else:
            state = _next(state)
            draw = (state >> 16) % total
            word = int(np.searchsorted(cum_table, draw, side="right"))
            if word == target:
                continue
            label = 0.0
        g = (label - _sigmoid(float(inp @ Out[word]))) * lr
        error += g * Out[word]
        Out[word] += (g * inp).astype(np.float32)
    return error, state


def train_epoch_reference(ids: np.ndarray, offsets: np.ndarray, W: np.ndarray, C: np.ndarray,
                          Out: np.ndarray, char_start: np.ndarray, char_rows: np.ndarray,
                          keep_prob: np.ndarray, cum_table: np.ndarray, window: int,
                          negative: int, sg: bool, alpha: float, min_alpha: float,
                          total_words: int, words_before: int, seed: int) -> int:
    """Same arguments and result as :func:`cwe_kernels.train_epoch`."""
    state = int(seed) & _MASK
    words_done = 0
    for s in range(len(offsets) - 1):
        progress = (words_before + words_done) / max(total_words, 1)
        lr = max(alpha - (alpha - min_alpha) * progress, min_alpha)
        kept = []
        for word in ids[offsets[s]:offsets[s + 1]].tolist():
            if keep_prob[word] < 1.0:
                state = _next(state)
                if keep_prob[word] < ((state >> 16) & 0xFFFF) / 65536.0:
                    continue
            kept.append(word)
        words_done += int(offsets[s + 1] - offsets[s])
        for i, centre in enumerate(kept):
            state = _next(state)
            reduced = window - state % window
            context = [kept[j] for j in range(max(0, i - reduced), min(len(kept), i + reduced + 1))
                       if j != i]
            if sg:
                for word in context:
                    inp = composed_input(word, W, C, char_start, char_rows)
                    error, state = negative_sampling_step(inp, centre, Out, cum_table, negative,
                                                          lr, state)
                    backprop_input(word, error, W, C, char_start, char_rows)
            elif context:
                inp = np.mean([composed_input(w, W, C, char_start, char_rows) for w in context],
                              axis=0)
                error, state = negative_sampling_step(inp, centre, Out, cum_table, negative, lr,
                                                      state)
                for word in context:
                    backprop_input(word, error, W, C, char_start, char_rows)
    return words_done
