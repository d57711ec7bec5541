"""Align subword pieces to spaCy tokens through character offsets.

A piece belongs to every token whose character span it overlaps, so a piece that spans two
tokens (an unknown ``hello😀`` piece that spaCy splits in two) feeds both, and a token that
no piece overlaps (spaCy's whitespace tokens) gets a zero vector. Everything is vectorised
over pieces; there is no Python loop per token.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

TokenPooling = Literal["mean", "first", "last"]
TOKEN_POOLINGS: tuple[str, ...] = ("mean", "first", "last")


def piece_token_pairs(
    piece_offsets: np.ndarray, token_starts: np.ndarray, token_ends: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """``(piece_index, token_index)`` for every overlapping pair, pieces in order.

    ``piece_offsets`` is ``(n_pieces, 2)`` of ``[start, end)`` character offsets; token
    spans must be sorted and non-overlapping (spaCy's are). Empty pieces are ignored.
    """
    piece_offsets = np.asarray(piece_offsets, dtype=np.int64).reshape(-1, 2)
    starts, ends = piece_offsets[:, 0], piece_offsets[:, 1]
    first = np.searchsorted(token_ends, starts, side="right")  # first token ending after start
    last = np.searchsorted(token_starts, ends, side="left") - 1  # last token starting before end
    n_tokens_hit = np.where((ends > starts) & (last >= first), last - first + 1, 0)
    pieces = np.repeat(np.arange(len(piece_offsets)), n_tokens_hit)
    steps = np.arange(len(pieces)) - np.repeat(np.cumsum(n_tokens_hit) - n_tokens_hit, n_tokens_hit)
    tokens = np.repeat(first, n_tokens_hit) + steps
    # a zero-width token span (empty token) can sit between first and last: drop non-overlaps
    keep = (token_starts[tokens] < ends[pieces]) & (token_ends[tokens] > starts[pieces])
    return pieces[keep], tokens[keep]


def pool_pieces_to_tokens(
    piece_vectors: np.ndarray,
    piece_offsets: np.ndarray,
    token_starts: np.ndarray,
    token_ends: np.ndarray,
    pooling: TokenPooling = "mean",
) -> np.ndarray:
    """One row per token: the mean, first or last of the pieces overlapping it (zeros if none)."""
    token_starts = np.asarray(token_starts, dtype=np.int64)
    token_ends = np.asarray(token_ends, dtype=np.int64)
    n_tokens, dim = len(token_starts), piece_vectors.shape[1]
    out = np.zeros((n_tokens, dim), dtype=np.float32)
    if n_tokens == 0 or len(piece_offsets) == 0:
        return out
    pieces, tokens = piece_token_pairs(piece_offsets, token_starts, token_ends)
    if len(pieces) == 0:
        return out
    if pooling == "mean":
        np.add.at(out, tokens, piece_vectors[pieces].astype(np.float32, copy=False))
        counts = np.bincount(tokens, minlength=n_tokens)
        np.divide(out, np.maximum(counts, 1)[:, None], out=out)
        return out
    if pooling == "first":
        chosen = np.full(n_tokens, np.iinfo(np.int64).max)
        np.minimum.at(chosen, tokens, pieces)
    elif pooling == "last":
        chosen = np.full(n_tokens, -1)
        np.maximum.at(chosen, tokens, pieces)
    else:
        raise ValueError(f"token pooling must be one of {TOKEN_POOLINGS}, got {pooling!r}")
    has_piece = np.bincount(tokens, minlength=n_tokens) > 0
    out[has_piece] = piece_vectors[chosen[has_piece]]
    return out


def whitespace_spans(words: list[str]) -> tuple[str, np.ndarray, np.ndarray]:
    """The text ``" ".join(words)`` and each word's ``[start, end)`` character span."""
    lengths = np.fromiter((len(w) for w in words), dtype=np.int64, count=len(words))
    starts = np.concatenate([[0], np.cumsum(lengths + 1)[:-1]]) if len(words) else lengths
    return " ".join(words), starts, starts + lengths
