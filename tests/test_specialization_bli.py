"""Bilingual lexicon induction (plugins/evaluators/bli.py) on planted spaces: the target
language is a rotated, noisy copy of the source, so the orthogonal map recovers it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from lexiplug.errors import ConfigError, TrainingError
from lexiplug.plugins.datasets.readers_lexical import BilingualDictionary
from lexiplug.plugins.evaluators.bli import BLIEvaluator, gold_ranks, mean_top_k
from lexiplug.registry import registry
from lexiplug.vectors import Vectors

from tests.helpers import require_data


def planted(n: int = 200, dim: int = 20, noise: float = 0.05, seed: int = 0
            ) -> tuple[Vectors, Vectors, BilingualDictionary, BilingualDictionary]:
    rng = np.random.default_rng(seed)
    source = rng.normal(size=(n, dim))
    rotation, _ = np.linalg.qr(rng.normal(size=(dim, dim)))
    target = source @ rotation + noise * rng.normal(size=(n, dim))
    src = Vectors([f"s{i}" for i in range(n)], source.astype(np.float32))
    tgt = Vectors([f"t{i}" for i in range(n)], target.astype(np.float32))
    pairs = [(f"s{i}", f"t{i}") for i in range(n)]
    return (src, tgt, BilingualDictionary.from_pairs(pairs[:100], name="train"),
            BilingualDictionary.from_pairs(pairs[100:], name="test"))


def test_orthogonal_map_recovers_the_planted_rotation() -> None:
    src, tgt, train, test = planted()
    mapped = BLIEvaluator(mapping="orthogonal", train=train).evaluate((src, tgt), test)
    assert mapped.metrics["p_at_1"] == 1.0 and mapped.metrics["mrr"] == 1.0
    assert mapped.n_covered == 100 and mapped.extra["n_train_pairs"] == 100
    identity = BLIEvaluator().evaluate(src, test, target=tgt)
    assert identity.metrics["p_at_1"] < 0.1
    assert identity.details[0]["source"] == "s100" and len(identity.details[0]["top5"]) == 5


def test_csls_beats_a_planted_hub() -> None:
    """One target word near the mean of all sources is every query's nearest neighbour by
    cosine, but CSLS discounts it by its high similarity to all of them."""
    rng = np.random.default_rng(2)
    base = rng.normal(size=(60, 10)) + 3.0  # a common direction makes the mean a hub
    target = base + 1.5 * rng.normal(size=base.shape)
    hub = base.mean(axis=0)
    src = Vectors([f"s{i}" for i in range(60)], base.astype(np.float32))
    tgt = Vectors([*(f"t{i}" for i in range(60)), "hub"],
                  np.vstack([target, hub]).astype(np.float32))
    test = BilingualDictionary.from_pairs([(f"s{i}", f"t{i}") for i in range(60)])
    nn = BLIEvaluator().evaluate((src, tgt), test)
    csls = BLIEvaluator(retrieval="csls", csls_k=5).evaluate((src, tgt), test)
    hub_nn = sum(d["top5"][0] == "hub" for d in nn.details)
    hub_csls = sum(d["top5"][0] == "hub" for d in csls.details)
    assert hub_nn >= 25 and hub_csls < hub_nn / 2
    assert csls.metrics["p_at_1"] > nn.metrics["p_at_1"]


def test_ranks_and_hubness_match_plain_loops() -> None:
    rng = np.random.default_rng(3)
    queries, space = rng.normal(size=(7, 4)), rng.normal(size=(9, 4))
    slow = [np.mean(sorted(q @ space.T)[-3:]) for q in queries]
    np.testing.assert_allclose(mean_top_k(queries, space, 3), slow)
    scores = rng.normal(size=(5, 9))
    gold = [[0], [1, 2], [8], [3, 4, 5], [6]]
    slow_ranks = [1 + sum(s > max(row[g] for g in golds) for s in row)
                  for row, golds in zip(scores, gold, strict=True)]
    assert gold_ranks(scores, gold).tolist() == slow_ranks


def test_coverage_and_prefixed_multilingual_space() -> None:
    rng = np.random.default_rng(4)
    shared = rng.normal(size=(30, 8)).astype(np.float32)
    keys = [f"en_w{i}" for i in range(30)] + [f"de_w{i}" for i in range(30)]
    space = Vectors(keys, np.vstack([shared, shared + 0.01]))
    test = BilingualDictionary.from_pairs([(f"w{i}", f"w{i}") for i in range(30)]
                                          + [("unknown", "w1")])
    result = BLIEvaluator(source_prefix="en_", target_prefix="de_").evaluate(space, test)
    assert result.metrics["p_at_1"] == 1.0 and result.n_covered == 30 and result.n_items == 31
    assert result.metrics["p_at_1_all"] == pytest.approx(30 / 31)


def test_bad_settings_and_leaky_training_dictionaries() -> None:
    src, tgt, _train, test = planted()
    with pytest.raises(ConfigError) as caught:
        registry.evaluators.get("lexiplug.bli.v1")(retrieval="knn")
    assert caught.value.where == "retrieval"
    with pytest.raises(ConfigError) as caught:
        BLIEvaluator(mapping="orthogonal")
    assert caught.value.where == "train"
    with pytest.raises(ConfigError, match="disjoint"):
        BLIEvaluator(mapping="orthogonal", train=test).evaluate((src, tgt), test)
    strangers = BilingualDictionary.from_pairs([("x", "y"), ("z", "q")])
    with pytest.raises(TrainingError, match="training pairs"):
        BLIEvaluator(mapping="orthogonal", train=strangers).evaluate((src, tgt), test)


def test_a_dictionary_file_as_training_data(tmp_path: Path) -> None:
    src, tgt, train, test = planted()
    path = tmp_path / "train.tsv"
    path.write_text("".join(f"{s}\t{t}\n" for s, t in train.all_pairs()), encoding="utf-8")
    result = BLIEvaluator(mapping="orthogonal", train=str(path)).evaluate((src, tgt), test)
    assert result.metrics["p_at_1"] == 1.0


@pytest.mark.data
def test_shared_dictionary_is_scored() -> None:
    require_data("bli/xling-eval/en-de/yacle.train.freq.5k.en-de.tsv")
    dictionary = registry.datasets.get("xling_en_de_500")().load()
    words = sorted({w for s, t in dictionary.all_pairs() for w in (s, t)})
    rng = np.random.default_rng(0)
    space = Vectors(words, rng.normal(size=(len(words), 8)).astype(np.float32))
    result = BLIEvaluator().evaluate(space, "xling_en_de_500")
    assert result.n_items == 500 and result.dataset_checksum
