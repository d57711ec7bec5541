"""Tests of the example plugin itself: run them with ``pytest examples/lexiplug-example-plugin``.

They import the package from this folder, so they work before the plugin is installed; the
install-and-discover check lives in lexiplug's own ``tests/test_plugin_install.py``.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

PLUGIN_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PLUGIN_ROOT))

from lexiplug.errors import ConfigError, TrainingError  # noqa: E402
from lexiplug_example_plugin import plugin  # noqa: E402

ANIMALS = ["cat", "dog", "cow", "horse"]
VEHICLES = ["car", "bus", "truck", "van"]


def planted_corpus(n_sentences: int = 2000, seed: int = 0) -> list[list[str]]:
    """Animals occur with 'eats grass', vehicles with 'drives fast'."""
    rng = np.random.default_rng(seed)
    sentences = []
    for _ in range(n_sentences):
        if rng.random() < 0.5:
            sentences.append(["the", ANIMALS[rng.integers(4)], "eats", "grass"])
        else:
            sentences.append(["the", VEHICLES[rng.integers(4)], "drives", "fast"])
    return sentences


def test_embedder_learns_planted_classes() -> None:
    vectors = plugin.random_projection_v1(dim=32, window=2).fit(planted_corpus())
    within = np.mean([vectors.similarity("cat", w) for w in ANIMALS[1:]])
    across = np.mean([vectors.similarity("cat", w) for w in VEHICLES])
    assert within > across + 0.5
    assert vectors.dim == 32
    assert vectors.counts is not None and vectors.counts[vectors.index("the")] == 2000


def test_embedder_is_reproducible_and_seed_matters() -> None:
    corpus = planted_corpus()
    first = plugin.random_projection_v1(seed=3).fit(corpus)
    second = plugin.random_projection_v1(seed=3).fit(iter(corpus))  # a one-shot stream too
    other = plugin.random_projection_v1(seed=4).fit(corpus)
    assert first.keys == second.keys
    np.testing.assert_array_equal(first.matrix, second.matrix)
    assert not np.allclose(first.matrix, other.matrix)


def test_embedder_reads_strings_lowercases_and_applies_min_count() -> None:
    vectors = plugin.random_projection_v1(min_count=2).fit(["The cat", "the DOG", "a cat"])
    assert vectors.keys == ["cat", "the"]


@pytest.mark.parametrize(
    ("options", "corpus", "error"),
    [
        ({"dim": 0}, ["a b"], ConfigError),
        ({"window": -1}, ["a b"], ConfigError),
        ({}, [], TrainingError),
        ({"min_count": 5}, ["a b"], TrainingError),
    ],
)
def test_embedder_rejects_bad_input(options: dict, corpus: list, error: type) -> None:
    with pytest.raises(error):
        plugin.random_projection_v1(**options).fit(corpus)


def test_norm_stats_on_known_vectors() -> None:
    from lexiplug.vectors import Vectors

    matrix = np.array([[3, 4], [0, 0], [1, 0]], dtype=np.float32)
    vectors = Vectors(["a", "b", "c"], matrix, counts=[10, 1, 5])
    result = plugin.norm_stats_v1().evaluate(vectors, [("a", "b", 0.5), ("a", "zzz", 1.0)])
    assert result.n_items == 3 and result.n_covered == 2  # a, b, zzz; zzz not covered
    assert result.metrics["mean_norm"] == pytest.approx(2.5)
    assert result.metrics["zero_fraction"] == pytest.approx(0.5)
    whole = plugin.norm_stats_v1().evaluate(vectors, None)
    assert whole.metrics["norm_count_spearman"] == pytest.approx(1.0)


def test_norm_stats_with_nothing_covered_has_no_score() -> None:
    from lexiplug.vectors import Vectors

    vectors = Vectors(["a"], np.ones((1, 2), dtype=np.float32))
    result = plugin.norm_stats_v1().evaluate(vectors, ["zzz"])
    assert result.score is None and result.coverage == 0.0 and result.warnings


def test_register_hook_registers_both_names() -> None:
    registered: dict[str, list[str]] = {"embedders": [], "evaluators": []}

    class Section:
        def __init__(self, name: str) -> None:
            self.name = name

        def register(self, name: str, *, func: object) -> None:
            registered[self.name].append(name)

    class FakeRegistry:
        embedders = Section("embedders")
        evaluators = Section("evaluators")

    plugin.lexiplug_register(FakeRegistry())
    assert registered == {
        "embedders": ["example.random_projection.v1"],
        "evaluators": ["example.norm_stats.v1"],
    }


def test_loading_the_plugin_module_imports_nothing_heavy() -> None:
    code = (
        "import sys; import lexiplug_example_plugin.plugin; "
        "print(sorted(m for m in ('numpy', 'scipy', 'torch') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=PLUGIN_ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"
