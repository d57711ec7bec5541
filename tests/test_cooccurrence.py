"""The vectorised co-occurrence counter equals a plain dict-based counter, exactly."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from lexiplug.corpus.cooccurrence import cooccurrence_counts, count_cooccurrences, shrunk_windows
from lexiplug.corpus.encoded import EncodedCorpus, encode_sentences
from lexiplug.corpus.reference import reference_cooccurrence_counts
from lexiplug.corpus.vocab import Vocabulary
from lexiplug.errors import ConfigError, LexiplugError, TrainingError

VOCAB_SIZE = 7

sentences_strategy = st.lists(
    st.lists(st.integers(0, VOCAB_SIZE - 1), min_size=0, max_size=14), min_size=1, max_size=12
)


def as_arrays(sentences: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
    ids = np.array([i for sentence in sentences for i in sentence], dtype=np.int32)
    lengths = [len(sentence) for sentence in sentences]
    offsets = np.concatenate(([0], np.cumsum(lengths))).astype(np.int64)
    return ids, offsets


def assert_equals_reference(
    matrix, reference: dict[tuple[int, int], Fraction | int], window: int
) -> None:
    """Exact: each entry is the correctly rounded float of the reference's rational sum."""
    scale = math.lcm(*range(1, window + 1))
    coo = matrix.tocoo()
    ours = {
        (int(r), int(c)): float(v) for r, c, v in zip(coo.row, coo.col, coo.data, strict=True)
    }
    assert set(ours) == set(reference)
    for key, expected in reference.items():
        assert ours[key] == float(expected), key
        assert round(ours[key] * scale) == expected * scale, key


@given(
    sentences=sentences_strategy,
    window=st.integers(1, 6),
    weighting=st.sampled_from(["harmonic", "flat"]),
    symmetric=st.booleans(),
    dynamic=st.booleans(),
    chunk_tokens=st.integers(1, 40),
    seed=st.integers(0, 3),
)
def test_counts_equal_reference_counter(
    sentences, window, weighting, symmetric, dynamic, chunk_tokens, seed
) -> None:
    ids, offsets = as_arrays(sentences)
    matrix = count_cooccurrences(
        ids,
        offsets,
        VOCAB_SIZE,
        window=window,
        weighting=weighting,
        symmetric=symmetric,
        dynamic_window=dynamic,
        seed=seed,
        chunk_tokens=chunk_tokens,
    )
    shrunk = shrunk_windows(window, seed, 0, len(ids)) if dynamic else None
    reference = reference_cooccurrence_counts(
        sentences, window=window, weighting=weighting, symmetric=symmetric, shrunk=shrunk,
        exact=True,
    )
    assert matrix.shape == (VOCAB_SIZE, VOCAB_SIZE)
    assert matrix.has_canonical_format
    assert_equals_reference(matrix, reference, window)


@given(
    sentences=st.lists(
        st.lists(st.sampled_from(list("abcdefgh")), min_size=1, max_size=10), min_size=1,
        max_size=10,
    ),
    window=st.integers(1, 5),
    min_count=st.integers(1, 3),
)
def test_public_api_on_encoded_words(sentences, window, min_count) -> None:
    """Through encode_sentences (OOV tokens dropped, as word2vec does) and a tiny memory budget."""
    try:
        encoded = encode_sentences(sentences, min_count=min_count)
    except TrainingError:
        return
    kept = [[encoded.vocab.index[w] for w in s if w in encoded.vocab] for s in sentences]
    matrix = cooccurrence_counts(encoded, window=window, memory_budget_mb=0.0005)
    reference = reference_cooccurrence_counts(kept, window=window, exact=True)
    assert_equals_reference(matrix, reference, window)


def test_sentence_boundaries_are_respected() -> None:
    ids, offsets = as_arrays([[0, 1], [2, 3]])
    matrix = count_cooccurrences(ids, offsets, 4, window=5, weighting="flat").toarray()
    assert matrix[1, 2] == 0 and matrix[2, 1] == 0
    assert matrix[0, 1] == 1 and matrix[3, 2] == 1


def test_orientation_and_weights() -> None:
    ids, offsets = as_arrays([[0, 1, 2]])
    left_only = count_cooccurrences(ids, offsets, 3, window=2, symmetric=False).toarray()
    # row = word, column = a word on its left, weight 1/distance
    assert left_only[2, 0] == pytest.approx(0.5)
    assert left_only[2, 1] == 1.0 and left_only[0, 2] == 0.0
    both = count_cooccurrences(ids, offsets, 3, window=2, symmetric=True).toarray()
    np.testing.assert_array_equal(both, left_only + left_only.T)


def test_chunking_and_budget_do_not_change_the_result(rng: np.random.Generator) -> None:
    lengths = rng.integers(1, 30, size=300)
    ids = rng.zipf(1.5, size=lengths.sum()).clip(max=50).astype(np.int32) - 1
    offsets = np.concatenate(([0], np.cumsum(lengths))).astype(np.int64)
    results = [
        count_cooccurrences(ids, offsets, 50, window=4, dynamic_window=True, chunk_tokens=size)
        for size in (17, 1000, len(ids))
    ]
    for other in results[1:]:
        assert (results[0] != other).nnz == 0


def test_dynamic_windows_are_seeded() -> None:
    rng = np.random.default_rng(5)
    ids = rng.integers(0, 20, size=2000).astype(np.int32)
    offsets = np.array([0, 2000], dtype=np.int64)

    def run(seed: int):
        return count_cooccurrences(ids, offsets, 20, window=5, dynamic_window=True, seed=seed)

    assert (run(1) != run(1)).nnz == 0
    assert (run(1) != run(2)).nnz > 0
    static = count_cooccurrences(ids, offsets, 20, window=5)
    assert run(1).sum() < static.sum()
    draws = shrunk_windows(5, 0, 0, 100_000)
    assert draws.min() == 1 and draws.max() == 5
    np.testing.assert_array_equal(draws[70_000:70_010], shrunk_windows(5, 0, 70_000, 70_010))


@pytest.mark.parametrize("window", [0, -1, 2.5, True, "5"])
def test_bad_window_is_a_config_error(window) -> None:
    encoded = encode_sentences([["a", "b"]], min_count=1)
    with pytest.raises(ConfigError, match="window"):
        cooccurrence_counts(encoded, window=window)


@pytest.mark.parametrize(
    ("options", "key"),
    [({"weighting": "gaussian"}, "weighting"), ({"memory_budget_mb": 0}, "memory_budget_mb")],
)
def test_bad_options_are_config_errors(options, key) -> None:
    encoded = encode_sentences([["a", "b"]], min_count=1)
    with pytest.raises(ConfigError) as caught:
        cooccurrence_counts(encoded, **options)
    assert caught.value.where == f"cooccurrence.{key}"


def test_empty_encoded_corpus_is_a_training_error() -> None:
    empty = EncodedCorpus(
        Vocabulary(["a"], np.array([1])), np.zeros(0, np.int32), np.zeros(1, np.int64)
    )
    with pytest.raises(LexiplugError, match="no token"):
        cooccurrence_counts(empty)


def test_wide_vocabulary_uses_64_bit_keys() -> None:
    """2 x 17 word bits exceed 32: the uint64 key layout must give the same counts."""
    rng = np.random.default_rng(7)
    vocab_size = 70_000
    sentences = [rng.choice([5, 69_999, 12_345, 65_536], size=9).tolist() for _ in range(6)]
    ids, offsets = as_arrays(sentences)
    matrix = count_cooccurrences(ids, offsets, vocab_size, window=3)
    reference = reference_cooccurrence_counts(sentences, window=3, exact=True)
    assert_equals_reference(matrix, reference, 3)


def test_very_wide_windows_fall_back_to_float_sums() -> None:
    """lcm(1..40) x tokens would overflow int64: float sums, equal to within rounding."""
    rng = np.random.default_rng(8)
    sentences = [rng.integers(0, VOCAB_SIZE, size=60).tolist() for _ in range(3)]
    ids, offsets = as_arrays(sentences)
    matrix = count_cooccurrences(ids, offsets, VOCAB_SIZE, window=40, chunk_tokens=50)
    reference = reference_cooccurrence_counts(sentences, window=40)
    dense = np.zeros((VOCAB_SIZE, VOCAB_SIZE))
    for (row, col), value in reference.items():
        dense[row, col] = value
    np.testing.assert_allclose(matrix.toarray(), dense, rtol=1e-12)


def test_ids_outside_the_vocabulary_are_rejected() -> None:
    ids, offsets = as_arrays([[0, 1, 9]])
    with pytest.raises(LexiplugError, match=r"0\.\.6"):
        count_cooccurrences(ids, offsets, VOCAB_SIZE, window=2)
