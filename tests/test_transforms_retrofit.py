"""Retrofitting on a planted graph, edge-list parsing, and the SEER / ICD-O-3 graph."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from lexiplug.errors import ConfigError, FormatError, TrainingError
from lexiplug.plugins.datasets.graph import WordGraph, read_edge_list
from lexiplug.plugins.retrofit.retrofit import retrofit_v1
from lexiplug.vectors import Vectors

from tests.helpers import require_data

WORDS = ["alpha", "beta", "gamma", "delta", "lone", "other"]


def space(seed: int = 0) -> Vectors:
    rng = np.random.default_rng(seed)
    return Vectors(WORDS, rng.normal(size=(len(WORDS), 12)).astype(np.float32))


def graph(edges: list[tuple[str, str]], weights: list[float] | None = None) -> WordGraph:
    return WordGraph([a for a, _ in edges], [b for _, b in edges],
                     np.array(weights or [1.0] * len(edges)))


def cos(vectors: Vectors, a: str, b: str) -> float:
    return vectors.similarity(a, b)


def test_connected_words_move_together_unconnected_do_not() -> None:
    vectors = space()
    edges = [("alpha", "beta"), ("beta", "gamma"), ("gamma", "delta")]
    out = retrofit_v1(graph=graph(edges)).apply(vectors)
    for a, b in edges:
        assert cos(out, a, b) > cos(vectors, a, b) + 0.1
    unit = vectors.unit_matrix
    for word in ("lone", "other"):
        assert np.allclose(out[word], unit[vectors.key_to_index[word]], atol=1e-6)
    assert out.metadata["retrofit"]["n_updated"] == 4


def test_one_jacobi_step_matches_the_update_rule() -> None:
    vectors = space()
    out = retrofit_v1(graph=graph([("alpha", "beta")]), iterations=1, alpha=1.0).apply(vectors)
    unit = vectors.unit_matrix
    a, b = unit[0].astype(np.float64), unit[1].astype(np.float64)
    assert np.allclose(out["alpha"], (b + a) / 2, atol=1e-6)
    assert np.allclose(out["beta"], (a + b) / 2, atol=1e-6)


def test_jacobi_does_not_depend_on_edge_order_but_in_place_does() -> None:
    vectors = space()
    edges = [("alpha", "beta"), ("beta", "gamma"), ("alpha", "gamma"), ("gamma", "delta")]
    results = {}
    for order in ("jacobi", "in_place"):
        forward = retrofit_v1(graph=graph(edges), order=order, iterations=3).apply(vectors)
        backward = retrofit_v1(graph=graph(edges[::-1]), order=order,
                               iterations=3).apply(vectors)
        results[order] = np.abs(forward.matrix - backward.matrix).max()
    assert results["jacobi"] < 1e-6
    assert results["in_place"] > 1e-4


def test_heavier_edges_pull_harder() -> None:
    vectors = space()
    edges = [("alpha", "beta"), ("alpha", "gamma")]
    out = retrofit_v1(graph=graph(edges, [5.0, 1.0]), beta="inverse_degree").apply(vectors)
    gain_beta = cos(out, "alpha", "beta") - cos(vectors, "alpha", "beta")
    gain_gamma = cos(out, "alpha", "gamma") - cos(vectors, "alpha", "gamma")
    assert gain_beta > gain_gamma


def test_missing_words_are_listed_and_no_edge_is_an_error() -> None:
    vectors = space()
    out = retrofit_v1(graph=graph([("alpha", "beta"), ("alpha", "zeta")])).apply(vectors)
    assert out.metadata["retrofit"]["missing"] == ["zeta"]
    assert out.metadata["retrofit"]["coverage"] == pytest.approx(2 / 3)
    with pytest.raises(TrainingError, match="zeta"):
        retrofit_v1(graph=graph([("zeta", "eta")])).apply(vectors)


def test_bad_options_name_the_key() -> None:
    with pytest.raises(ConfigError, match="order"):
        retrofit_v1(order="random")
    with pytest.raises(ConfigError, match="alpha"):
        retrofit_v1(alpha=0)


def test_edge_list_file_and_its_errors(tmp_path: Path) -> None:
    good = tmp_path / "g.tsv"
    good.write_text("# comment\nalpha\tbeta\t2\tsyn\nBeta\tgamma\n", encoding="utf-8")
    parsed = read_edge_list(good)
    assert next(iter(parsed)) == ("alpha", "beta", 2.0, "syn")
    out = retrofit_v1(graph=str(good)).apply(space())
    assert out.metadata["retrofit"]["n_updated"] == 3  # "Beta" found as "beta"
    bad = tmp_path / "bad.tsv"
    bad.write_text("alpha\tbeta\n\ngamma\tdelta\theavy\n", encoding="utf-8")
    with pytest.raises(FormatError, match=r"bad\.tsv:3"):
        read_edge_list(bad)


@pytest.mark.data
def test_seer_graph_levels() -> None:
    require_data("pathology/seer-icdo3/seersiterecode_site-recode-data-2023.csv")
    from lexiplug.registry import registry

    spec = registry.datasets.get("seer_icdo3_graph")()
    words = spec.load()
    edges = set(zip(words.heads, words.tails, strict=True))
    assert ("lung", "bronchus") in edges
    assert ("stomach", "digestive") in edges
    terms = spec.load(level="terms")
    term_edges = set(zip(terms.heads, terms.tails, strict=True))
    assert ("site:Lung and Bronchus", "topography:C340") in term_edges
    assert ("topography:C340", "topography:C34") in term_edges
    assert ("group:Digestive System", "site:Stomach") in term_edges
    assert len(spec.checksum()) == 16
