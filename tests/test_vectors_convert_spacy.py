"""`lexiplug vectors convert --to spacy` writes a pipeline that `spacy.load` reads (defect 4)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from lexiplug.cli.main import app
from lexiplug.vectors import Vectors
from typer.testing import CliRunner

from tests.helpers import write_random_vectors

spacy = pytest.importorskip("spacy")
runner = CliRunner()

WORDS = ["kat", "hond", "mat", "die", "dat"]


@pytest.fixture
def vectors_file(tmp_path: Path) -> Path:
    return write_random_vectors(tmp_path / "vecs.txt", WORDS)


def _convert(*args: str) -> str:
    result = runner.invoke(app, ["vectors", "convert", *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_convert_to_spacy_is_a_loadable_pipeline_with_the_vectors(
    vectors_file: Path, tmp_path: Path
) -> None:
    target = tmp_path / "pipeline"
    output = _convert(str(vectors_file), str(target), "--to", "spacy", "--lang", "nl", "-q")
    assert "spacy.load" in output
    nlp = spacy.load(target)  # E053 (no meta.json) before the fix
    assert nlp.lang == "nl" and nlp.pipe_names == []
    original = Vectors.load(vectors_file)
    doc = nlp("kat hond")
    np.testing.assert_allclose(doc[0].vector, original["kat"], atol=1e-6)
    np.testing.assert_allclose(doc[1].vector, original["hond"], atol=1e-6)
    back = Vectors.load(target)
    assert back.keys == original.keys
    np.testing.assert_allclose(back.matrix, original.matrix, atol=1e-6)


def test_language_defaults_to_multilingual_then_to_the_source_pipelines(
    vectors_file: Path, tmp_path: Path
) -> None:
    _convert(str(vectors_file), str(tmp_path / "xx"), "--to", "spacy")
    assert spacy.load(tmp_path / "xx").lang == "xx"
    _convert(str(vectors_file), str(tmp_path / "nl"), "--to", "spacy", "--lang", "nl")
    _convert(str(tmp_path / "nl"), str(tmp_path / "again"), "--to", "spacy")
    assert spacy.load(tmp_path / "again").lang == "nl"


def test_unknown_language_is_a_clear_error_before_anything_is_written(
    vectors_file: Path, tmp_path: Path
) -> None:
    result = runner.invoke(app, ["vectors", "convert", str(vectors_file), str(tmp_path / "o"),
                                 "--to", "spacy", "--lang", "klingon"])
    assert result.exit_code == 1
    assert "klingon" in result.output and "language code" in result.output
    assert "Traceback" not in result.output and not (tmp_path / "o").exists()


def test_vectors_save_as_spacy_is_loadable_too(tmp_path: Path) -> None:
    vectors = Vectors(WORDS, np.eye(5, dtype=np.float32))
    vectors.save(tmp_path / "saved", format="spacy")
    assert spacy.load(tmp_path / "saved").vocab.vectors.shape == (5, 5)


def test_a_large_conversion_shows_its_progress(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    words = [f"w{i}" for i in range(50_000)]
    path = tmp_path / "big.npy.d"
    Vectors(words, np.zeros((len(words), 2), dtype=np.float32)).save(path)
    result = runner.invoke(app, ["vectors", "convert", str(path), str(tmp_path / "out"),
                                 "--to", "spacy"])
    assert result.exit_code == 0, result.output
    shown = capsys.readouterr().err + result.output
    assert "spaCy pipeline (xx)" in shown  # "reading …" is a terminal-only spinner: test_cli_ux
    quiet = runner.invoke(app, ["vectors", "convert", str(path), str(tmp_path / "q"),
                                "--to", "spacy", "--quiet"])
    assert "spaCy pipeline (xx)" not in capsys.readouterr().err + quiet.output
