"""The engine contract and sharded co-occurrence counting: any sharding, any order of
reduction, the same bits as the local count (no cluster needed: a shuffling engine here)."""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lexiplug.contracts import Engine
from lexiplug.corpus.cooccurrence import (
    CountSpec,
    count_cooccurrences,
    sentence_shards,
    sharded_cooccurrence_counts,
)
from lexiplug.engine import LocalEngine, current_engine, use_engine
from lexiplug.errors import ConfigError


class ShufflingEngine:
    """A stand-in distributed engine: shards in random order, reduced in a random tree."""

    name = "test.shuffling"
    distributed = True

    def __init__(self, workers: int = 3, seed: int = 0) -> None:
        self.workers = workers
        self.rng = random.Random(seed)
        self.closed = False

    def map_reduce(self, function: Callable[..., Any], items: Sequence[Any],
                   combine: Callable[[Any, Any], Any], *, shared: Mapping[str, Any] | None = None,
                   desc: str = "") -> Any:
        order = list(items)
        self.rng.shuffle(order)
        results = [function(item, **(shared or {})) for item in order]
        while len(results) > 1:
            i, j = sorted(self.rng.sample(range(len(results)), 2))
            right, left = results.pop(j), results.pop(i)
            results.append(combine(left, right))
        return results[0]

    def map_with_state(self, setup: Callable[[], Any], function: Callable[[Any, Any], Any],
                       items: Sequence[Any], *, desc: str = "") -> list[Any]:
        state = setup()
        return [function(state, item) for item in items]

    def close(self) -> None:
        self.closed = True


def random_corpus(seed: int, n_sentences: int, vocab: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    lengths = rng.integers(0, 30, size=n_sentences)
    ids = rng.zipf(1.3, size=int(lengths.sum())).astype(np.int64) % vocab
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    return ids.astype(np.int32), offsets


def test_engines_satisfy_the_contract() -> None:
    assert isinstance(LocalEngine(), Engine)
    assert isinstance(ShufflingEngine(), Engine)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), window=st.integers(1, 6), tokens_per_shard=st.integers(1, 400),
       weighting=st.sampled_from(["harmonic", "flat"]), symmetric=st.booleans(),
       dynamic=st.booleans())
def test_sharded_counts_are_bit_identical_to_the_local_count(
        seed: int, window: int, tokens_per_shard: int, weighting: str, symmetric: bool,
        dynamic: bool) -> None:
    ids, offsets = random_corpus(seed, 120, 50)
    options = {"window": window, "weighting": weighting, "symmetric": symmetric,
               "dynamic_window": dynamic, "seed": seed, "chunk_tokens": 37}
    local = count_cooccurrences(ids, offsets, 50, **options)  # type: ignore[arg-type]
    spec = CountSpec.for_corpus(ids, 50, **options)  # type: ignore[arg-type]
    sharded = sharded_cooccurrence_counts(ids, offsets, spec, ShufflingEngine(seed=seed),
                                          tokens_per_shard=tokens_per_shard)
    assert sharded.shape == local.shape
    assert np.array_equal(sharded.indptr, local.indptr)
    assert np.array_equal(sharded.indices, local.indices)
    assert sharded.data.tobytes() == local.data.tobytes()


def test_shards_cover_every_sentence_once() -> None:
    _, offsets = random_corpus(1, 200, 20)
    shards = sentence_shards(offsets, 100)
    assert shards[0][0] == 0 and shards[-1][1] == len(offsets) - 1
    assert all(a < b for a, b in shards)
    assert all(left[1] == right[0] for left, right in itertools.pairwise(shards))
    with pytest.raises(ConfigError, match="tokens_per_shard"):
        sentence_shards(offsets, 0)


def test_the_engine_in_force_is_scoped_and_closed() -> None:
    assert isinstance(current_engine(), LocalEngine)
    engine = ShufflingEngine()
    with use_engine(engine):
        assert current_engine() is engine
    assert engine.closed and isinstance(current_engine(), LocalEngine)
    kept = ShufflingEngine()
    with use_engine(kept, close=False):
        pass
    assert not kept.closed


def test_ppmi_svd_under_a_distributed_engine_gives_the_same_vectors() -> None:
    """The embedders consume the sharded counts unchanged (they never see the engine)."""
    from lexiplug import registry

    sentences = [["the", "cat", "sat", "on", "the", "mat"], ["a", "dog", "sat", "on", "a", "log"],
                 ["the", "dog", "saw", "a", "cat"]] * 30

    def fit() -> np.ndarray:
        embedder = registry.embedders.get("lexiplug.ppmi_svd.v1")(
            vector_size=4, window=2, min_count=1, seed=0)
        return np.asarray(embedder.fit(sentences).matrix)

    local = fit()
    with use_engine(ShufflingEngine(workers=4)):
        sharded = fit()
    assert np.array_equal(local, sharded)


def test_errors_cross_process_boundaries_whole() -> None:
    """A worker's FormatError reaches the caller with its class, text and fields."""
    import pickle

    from lexiplug.errors import FormatError

    error = FormatError("expected a number", path="data.txt", line=7)
    back = pickle.loads(pickle.dumps(error))
    assert type(back) is FormatError and str(back) == str(error)
    assert (back.path, back.line, back.where, back.message) == (
        "data.txt", 7, "data.txt:7", "expected a number")


def test_a_study_fits_its_embedders_in_parallel_on_a_distributed_engine(tmp_path) -> None:
    from lexiplug.study.runner import run_study

    text = tmp_path / "text.txt"
    rng = np.random.default_rng(0)
    words = [f"w{i}" for i in range(40)]
    text.write_text("\n".join(" ".join(rng.choice(words, 10)) for _ in range(200)))
    config = tmp_path / "study.cfg"
    config.write_text(f"""
[corpora.text]
@corpora = "lexiplug.text_file.v1"
path = "{text}"

[embedders.small]
@embedders = "lexiplug.ppmi_svd.v1"
corpus = "text"
vector_size = 4

[embedders.large]
@embedders = "lexiplug.ppmi_svd.v1"
corpus = "text"
vector_size = 8
""")
    fitted: list[Any] = []

    class RecordingEngine(ShufflingEngine):
        def map_with_state(self, setup, function, items, *, desc=""):
            fitted.extend(items)
            return super().map_with_state(setup, function, items, desc=desc)

    with use_engine(RecordingEngine()):
        parallel = run_study(config, output=tmp_path / "a", quiet=True, cache_dir=False)
    assert sorted(fitted) == ["large", "small"]
    local = run_study(config, output=tmp_path / "b", quiet=True, cache_dir=False)
    for name in ("small", "large"):
        assert np.array_equal(np.asarray(parallel.rows[name].vectors.matrix),
                              np.asarray(local.rows[name].vectors.matrix))


def test_the_aggregate_distiller_spreads_its_encoding_and_gives_the_same_vectors(tmp_path
                                                                               ) -> None:
    pytest.importorskip("transformers", reason="the tiny BERT encoder needs transformers")
    from lexiplug import registry
    from lexiplug.plugins.contextual.testing import build_tiny_bert

    model = build_tiny_bert(tmp_path / "bert")
    sentences = [["the", "cat", "sat", "on", "the", "mat"], ["a", "dog", "sat"],
                 ["the", "king", "is", "a", "man"], ["hello", "world"]] * 6

    def fit() -> Any:
        return registry.embedders.get("lexiplug.x2static_aggregate.v1")(
            model=str(model), min_count=1, chunk_sentences=4, max_per_word=5).fit(sentences)

    local = fit()
    calls: list[int] = []

    class CountingEngine(ShufflingEngine):
        def map_with_state(self, setup, function, items, *, desc=""):
            calls.append(len(items))
            return super().map_with_state(setup, function, items, desc=desc)

    with use_engine(CountingEngine(workers=2)):
        spread = fit()
    assert calls and calls[0] > 1
    assert spread.keys == local.keys
    np.testing.assert_allclose(np.asarray(spread.matrix), np.asarray(local.matrix), atol=1e-6)
