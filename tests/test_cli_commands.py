"""The built-in CLI commands end to end, on small files made in the test."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from lexiplug.cli.main import app
from lexiplug.vectors import Vectors
from typer.testing import CliRunner

runner = CliRunner()


@pytest.fixture
def vectors_file(tmp_path: Path) -> Path:
    rng = np.random.default_rng(0)
    words = ["king", "queen", "man", "woman", "apple", "pear", "car", "bus"]
    matrix = rng.standard_normal((len(words), 6)).astype(np.float32)
    matrix[1] = matrix[0] + 0.05  # queen next to king
    path = tmp_path / "vecs.txt"
    Vectors(words, matrix).save(path, format="word2vec-text")
    return path


def test_vectors_info_reports_shape_and_format(vectors_file: Path) -> None:
    result = runner.invoke(app, ["vectors", "info", str(vectors_file), "--json"])
    assert result.exit_code == 0, result.output
    info = json.loads(result.output)
    assert info["words"] == 8 and info["dim"] == 6 and info["first_words"][0] == "king"


def test_vectors_convert_round_trips_through_binary(vectors_file: Path, tmp_path: Path) -> None:
    target = tmp_path / "vecs.bin"
    result = runner.invoke(app, ["vectors", "convert", str(vectors_file), str(target),
                                 "--to", "word2vec-binary"])
    assert result.exit_code == 0, result.output
    original, converted = Vectors.load(vectors_file), Vectors.load(target)
    assert converted.keys == original.keys
    np.testing.assert_allclose(converted.matrix, original.matrix, atol=1e-6)


def test_vectors_query_finds_the_planted_neighbour(vectors_file: Path) -> None:
    result = runner.invoke(app, ["vectors", "query", str(vectors_file), "king", "--topn", "3",
                                 "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)[0]["word"] == "queen"


def test_vectors_query_unknown_word_is_a_clear_error(vectors_file: Path) -> None:
    result = runner.invoke(app, ["vectors", "query", str(vectors_file), "kingdom"])
    assert result.exit_code == 1
    assert "kingdom" in result.output and "Traceback" not in result.output


def test_convert_to_unknown_format_names_the_choices(vectors_file: Path, tmp_path) -> None:
    result = runner.invoke(app, ["vectors", "convert", str(vectors_file), str(tmp_path / "o"),
                                 "--to", "parquet"])
    assert result.exit_code == 1
    assert "parquet" in result.output and "word2vec-binary" in result.output
    assert not (tmp_path / "o").exists()


def test_evaluate_on_gensims_bundled_wordsim(vectors_file: Path) -> None:
    result = runner.invoke(app, ["evaluate", str(vectors_file), "--datasets", "ws353_gensim",
                                 "--json"])
    assert result.exit_code == 0, result.output
    [scored] = json.loads(result.stdout)  # warnings and bars go to stderr
    assert scored["dataset"] == "ws353_gensim"
    assert scored["n_items"] > 300 and 0 < scored["n_covered"] < scored["n_items"]


def test_data_list_shows_gensim_sets_as_available() -> None:
    result = runner.invoke(app, ["data", "list", "--json"])
    assert result.exit_code == 0, result.output
    rows = {row["name"]: row for row in json.loads(result.output)}
    assert rows["ws353_gensim"]["available"] is True
    assert {"ws353", "simlex999", "google_analogy"} <= set(rows)
