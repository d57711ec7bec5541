"""evaluate_vectors: the right evaluator per dataset, shared and per-kind options."""

from __future__ import annotations

import numpy as np
import pytest
from lexiplug.errors import ConfigError
from lexiplug.evaluation.api import default_datasets, evaluate_vectors
from lexiplug.plugins.datasets import word_benchmarks
from lexiplug.plugins.evaluators import analogy, similarity
from lexiplug.registry import registry
from lexiplug.vectors import Vectors

from tests.helpers import require_data


@pytest.fixture(scope="module", autouse=True)
def _registered() -> None:
    word_benchmarks.register(registry)
    similarity.register(registry)
    analogy.register(registry)


@pytest.fixture(scope="module")
def vectors() -> Vectors:
    pairs = word_benchmarks.WORD_BENCHMARKS[-3].load()  # ws353_gensim
    words = sorted({w.lower() for pair in pairs.pairs for w in pair})
    rng = np.random.default_rng(0)
    return Vectors(words, rng.standard_normal((len(words), 16)).astype(np.float32))


def test_named_datasets_get_their_evaluators(vectors: Vectors) -> None:
    results = evaluate_vectors(
        vectors, ["ws353_gensim", "google_analogy_gensim"], bootstrap=50, seed=3,
        analogy={"method": "mul"},
    )
    assert [r.evaluator for r in results] == ["lexiplug.similarity.v1", "lexiplug.analogy.v1"]
    assert [r.dataset for r in results] == ["ws353_gensim", "google_analogy_gensim"]
    assert results[0].extra["seed"] == 3 and results[1].extra["method"] == "3cosmul"
    assert results[0].score is not None and results[0].coverage == 1.0


def test_cli_oov_option_reaches_both_evaluators(vectors: Vectors) -> None:
    results = evaluate_vectors(vectors, ["ws353_gensim", "google_analogy_gensim"], oov="vectors",
                               bootstrap=0)
    assert [r.extra["oov"] for r in results] == ["vectors", "vectors"]


def test_unknown_options_and_datasets_are_config_errors(vectors: Vectors) -> None:
    with pytest.raises(ConfigError, match="colour"):
        evaluate_vectors(vectors, ["ws353_gensim"], colour="red")
    with pytest.raises(ConfigError, match="ws353_gensin"):
        evaluate_vectors(vectors, ["ws353_gensin"])


@pytest.mark.data
def test_default_datasets_are_the_shared_word_benchmarks(vectors: Vectors) -> None:
    require_data("word_similarity/eval-word-vectors/EN-WS-353-ALL.txt")
    require_data("analogy/word2vec-google/questions-words.txt")
    names = default_datasets()
    assert names == ["ws353", "ws353_sim", "ws353_rel", "simlex999", "men", "rg65", "mc30",
                     "google_analogy"]
    results = evaluate_vectors(vectors, bootstrap=0)
    assert [r.dataset for r in results] == names
    assert all(r.n_items > 0 for r in results)


def test_gensim_twins_stand_in_without_shared_data(
    tmp_path: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    from lexiplug.data import resolver

    monkeypatch.setattr(resolver, "data_roots", lambda: [tmp_path])
    assert default_datasets() == ["ws353_gensim", "simlex999_gensim", "google_analogy_gensim"]
    assert default_datasets(kinds=("analogy",)) == ["google_analogy_gensim"]
