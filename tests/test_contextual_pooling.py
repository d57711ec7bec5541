"""Pooling math and piece-to-token alignment against hand computations (no model needed)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

torch = pytest.importorskip("torch")

from lexiplug.plugins.contextual.alignment import (  # noqa: E402
    piece_token_pairs,
    pool_pieces_to_tokens,
    whitespace_spans,
)
from lexiplug.plugins.contextual.pooling import mix_layers, pool_sentences  # noqa: E402


def _hidden() -> tuple[torch.Tensor, torch.Tensor]:
    hidden = torch.tensor(
        [
            [[1.0, 2.0], [3.0, 4.0], [100.0, -100.0]],  # third position is padding
            [[-1.0, 0.0], [0.0, 5.0], [2.0, 1.0]],
        ]
    )
    mask = torch.tensor([[1, 1, 0], [1, 1, 1]])
    return hidden, mask


def test_mean_pooling_ignores_padding() -> None:
    hidden, mask = _hidden()
    pooled = pool_sentences(hidden, mask, "mean").numpy()
    np.testing.assert_allclose(pooled[0], [(1 + 3) / 2, (2 + 4) / 2])
    np.testing.assert_allclose(pooled[1], [(-1 + 0 + 2) / 3, (0 + 5 + 1) / 3])


def test_cls_and_max_pooling() -> None:
    hidden, mask = _hidden()
    np.testing.assert_allclose(pool_sentences(hidden, mask, "cls").numpy(), [[1, 2], [-1, 0]])
    np.testing.assert_allclose(pool_sentences(hidden, mask, "max").numpy(), [[3, 4], [2, 5]])


def test_unknown_pooling_is_an_error() -> None:
    hidden, mask = _hidden()
    with pytest.raises(ValueError, match="pooling must be one of"):
        pool_sentences(hidden, mask, "median")  # type: ignore[arg-type]


def test_mix_layers_is_a_normalised_weighted_sum() -> None:
    a, b = torch.ones(1, 2, 3), torch.full((1, 2, 3), 4.0)
    np.testing.assert_allclose(mix_layers((a, b), [-1], None).numpy(), b.numpy())
    mixed = mix_layers((a, b), [0, 1], [1.0, 3.0]).numpy()
    np.testing.assert_allclose(mixed, np.full((1, 2, 3), 0.25 * 1 + 0.75 * 4))


def test_pieces_pool_into_tokens_by_offsets() -> None:
    # text "ab cd" -> tokens [0,2) [3,5); pieces "a" "##b" "cd"
    vectors = np.array([[1.0, 0.0], [3.0, 2.0], [5.0, 5.0]], dtype=np.float32)
    offsets = np.array([[0, 1], [1, 2], [3, 5]])
    starts, ends = np.array([0, 3]), np.array([2, 5])
    np.testing.assert_allclose(
        pool_pieces_to_tokens(vectors, offsets, starts, ends, "mean"), [[2, 1], [5, 5]]
    )
    np.testing.assert_allclose(
        pool_pieces_to_tokens(vectors, offsets, starts, ends, "first"), [[1, 0], [5, 5]]
    )
    np.testing.assert_allclose(
        pool_pieces_to_tokens(vectors, offsets, starts, ends, "last"), [[3, 2], [5, 5]]
    )


def test_piece_spanning_two_tokens_feeds_both_and_uncovered_token_is_zero() -> None:
    # "x😀  y": spaCy tokens "x" [0,1), "😀" [1,2), " " [3,4), "y" [4,5); one [UNK] piece [0,2)
    vectors = np.array([[2.0, 4.0], [1.0, 1.0]], dtype=np.float32)
    offsets = np.array([[0, 2], [4, 5]])
    starts, ends = np.array([0, 1, 3, 4]), np.array([1, 2, 4, 5])
    pooled = pool_pieces_to_tokens(vectors, offsets, starts, ends)
    np.testing.assert_allclose(pooled, [[2, 4], [2, 4], [0, 0], [1, 1]])


def test_whitespace_spans() -> None:
    text, starts, ends = whitespace_spans(["Ağaç", "een", "😀"])
    assert text == "Ağaç een 😀"
    assert [text[s:e] for s, e in zip(starts, ends, strict=True)] == ["Ağaç", "een", "😀"]


@st.composite
def _spans_and_pieces(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    length = draw(st.integers(1, 40))
    cuts = sorted(draw(st.sets(st.integers(0, length), min_size=2, max_size=12)))
    token_bounds = [(a, b) for a, b in itertools.pairwise(cuts) if b > a]
    token_bounds = [span for i, span in enumerate(token_bounds) if i % 2 == 0] or [(0, length)]
    n_pieces = draw(st.integers(0, 10))
    pieces = []
    for _ in range(n_pieces):
        start = draw(st.integers(0, length))
        pieces.append((start, draw(st.integers(start, length))))
    return (
        np.array(pieces, dtype=np.int64).reshape(-1, 2),
        np.array([s for s, _ in token_bounds]),
        np.array([e for _, e in token_bounds]),
    )


@given(_spans_and_pieces())
def test_piece_token_pairs_match_a_naive_overlap_check(
    case: tuple[np.ndarray, np.ndarray, np.ndarray],
) -> None:
    pieces, starts, ends = case
    expected = [
        (p, t)
        for p, (ps, pe) in enumerate(pieces)
        for t, (ts, te) in enumerate(zip(starts, ends, strict=True))
        if pe > ps and ps < te and pe > ts
    ]
    got_pieces, got_tokens = piece_token_pairs(pieces, starts, ends)
    assert list(zip(got_pieces.tolist(), got_tokens.tolist(), strict=True)) == expected
