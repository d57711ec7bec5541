"""The compass's corpus: every compass-vocabulary token (not the slices' trimmed streams),
optionally balanced across slices or shuffled; sentence gathering is exact."""

from __future__ import annotations

import numpy as np
import pytest
from lexiplug.errors import ConfigError

pytest.importorskip("numba")

from lexiplug.plugins.alignment.cade import cade_v1
from lexiplug.plugins.alignment.slices import build_compass, compass_corpus, gather_sentences


def _slices() -> dict[str, list[list[str]]]:
    """'rare' occurs 3 times per slice: 6 overall (compass vocabulary at min_count 5) but
    under min_count in each slice; 'big' only in the larger slice, 'small' only in the other."""
    a = [["shared", "big", "word"]] * 60 + [["shared", "rare", "word"]] * 3
    b = [["shared", "small", "word"]] * 20 + [["shared", "rare", "word"]] * 3
    return {"a": a, "b": b}


def test_compass_trains_on_words_rare_in_every_slice() -> None:
    data = build_compass(_slices(), min_count=5, slice_min_count=5)
    rare = data.words.index("rare")
    assert all(rare not in s.rows for s in data.slices.values())  # trimmed from each slice
    ids, offsets = data.concatenated()
    # the compass corpus holds every compass-vocabulary token, as the original's concatenation
    assert np.array_equal(np.bincount(ids, minlength=len(data.words)), data.counts)
    assert offsets[-1] == len(ids)
    embedder = cade_v1(vector_size=8, window=2, min_count=5, negative=3, sample=0.0,
                       compass_epochs=3, slice_epochs=1, workers=1, seed=1)
    embedder.fit(_slices())
    from lexiplug.plugins.alignment.w2v_trainer import initial_input_matrix

    start = initial_input_matrix(len(data.words), 8, 1)[rare]
    trained = embedder.compass.matrix[embedder.compass.key_to_index["rare"]]
    assert not np.allclose(trained, start)


def test_gather_sentences_matches_a_loop() -> None:
    rng = np.random.default_rng(0)
    lengths = rng.integers(1, 6, size=12)
    offsets = np.concatenate(([0], np.cumsum(lengths)))
    ids = rng.integers(0, 50, size=offsets[-1]).astype(np.int32)
    order = np.array([3, 0, 3, 11, 7])
    new_ids, new_offsets = gather_sentences(ids, offsets, order)
    expected = [ids[offsets[i]:offsets[i + 1]] for i in order]
    assert np.array_equal(new_ids, np.concatenate(expected))
    assert np.array_equal(np.diff(new_offsets), [len(e) for e in expected])


def test_equal_balance_gives_each_slice_the_largest_share() -> None:
    data = build_compass(_slices(), min_count=5, slice_min_count=5)
    big, small = data.words.index("big"), data.words.index("small")
    plain, _ = compass_corpus(data, balance="none", order="concatenated", seed=1)
    balanced, offsets = compass_corpus(data, balance="equal", order="concatenated", seed=1)
    assert (plain == big).sum() == 60 and (plain == small).sum() == 20
    assert (balanced == big).sum() == 60
    # b (23 sentences, 69 tokens) is resampled to a's 189 tokens: 'small' 20 -> about 54.8
    assert abs(int((balanced == small).sum()) - 20 * 189 / 69) <= 2
    assert abs(len(balanced) - 2 * 189) <= 6
    assert offsets[-1] == len(balanced)


def test_shuffled_order_permutes_sentences_reproducibly() -> None:
    data = build_compass(_slices(), min_count=5, slice_min_count=5)
    plain, plain_offsets = compass_corpus(data, balance="none", order="concatenated", seed=1)
    shuffled, offsets = compass_corpus(data, balance="none", order="shuffled", seed=1)
    again, _ = compass_corpus(data, balance="none", order="shuffled", seed=1)
    assert np.array_equal(shuffled, again) and not np.array_equal(shuffled, plain)
    as_set = sorted(tuple(plain[plain_offsets[i]:plain_offsets[i + 1]])
                    for i in range(len(plain_offsets) - 1))
    assert as_set == sorted(tuple(shuffled[offsets[i]:offsets[i + 1]])
                            for i in range(len(offsets) - 1))


def test_compass_options_are_validated() -> None:
    with pytest.raises(ConfigError, match="compass_balance"):
        cade_v1(compass_balance="weighted")
    with pytest.raises(ConfigError, match="compass_order"):
        cade_v1(compass_order="random")
