"""Comparisons read the typed per-item records (Result.items), never guessed dict keys."""

from __future__ import annotations

import json

import numpy as np
from lexiplug.evaluation.result import ItemRecord, Result
from lexiplug.study.cache import result_from_dict
from lexiplug.study.compare import compare, item_scores


def _accuracy(correct: list[bool], *, higher_is_better: bool | None = True) -> Result:
    items = [ItemRecord(f"q{i}", float(c)) for i, c in enumerate(correct)]
    return Result("acc", "set", {"accuracy": float(np.mean(correct))}, "accuracy",
                  n_items=len(items), n_covered=len(items), items=items,
                  item_statistic="mean", higher_is_better=higher_is_better)


def test_free_form_details_alone_are_not_compared() -> None:
    # a record that happens to use the old guessed keys says nothing about the metric
    details = [{"word1": "a", "word2": "b", "gold": 1.0, "predicted": 0.5}] * 5
    result = Result("sim", "set", {"spearman": 0.1}, "spearman", n_items=5, n_covered=5,
                    details=details)
    assert item_scores(result) is None
    table = compare("sim", {"one": result, "two": result})
    assert table.n_shared is None and table.best is None


def test_items_pair_by_id_and_drop_uncovered_or_missing_values() -> None:
    items = [ItemRecord(0, 0.5, gold=1.0), ItemRecord(1, None, gold=2.0),
             ItemRecord(2, 0.7, covered=False, gold=3.0), ItemRecord(3, 0.9, gold=None),
             ItemRecord(4, 0.1, gold=4.0)]
    result = Result("sim", "set", {}, "spearman", n_items=5, n_covered=3, items=items,
                    item_statistic="spearman")
    scores = item_scores(result)
    assert scores is not None and scores.ids == [0, 4]
    assert scores.gold is not None and scores.gold.tolist() == [1.0, 4.0]


def test_repeated_item_ids_are_refused() -> None:
    result = _accuracy([True, False])
    result.items = [ItemRecord("same", 1.0), ItemRecord("same", 0.0)]
    assert item_scores(result) is None


def test_best_needs_a_direction() -> None:
    rng = np.random.default_rng(0)
    strong = list(rng.random(300) < 0.9)
    weak = list(rng.random(300) < 0.3)
    table = compare("acc", {"strong": _accuracy(strong), "weak": _accuracy(weak)},
                    n_resamples=200)
    assert table.n_shared == 300 and table.best == "strong"
    neutral = compare("acc", {"strong": _accuracy(strong, higher_is_better=None),
                              "weak": _accuracy(weak, higher_is_better=None)}, n_resamples=200)
    assert neutral.higher_is_better is None and neutral.best is None


def test_items_survive_the_cache_round_trip() -> None:
    result = _accuracy([True, False, True], higher_is_better=None)
    again = result_from_dict(json.loads(json.dumps(result.to_dict())))
    assert "items" not in result.to_dict(details=False)
    assert again.items == result.items
    assert again.item_statistic == "mean" and again.higher_is_better is None
