"""Exports that load elsewhere: each folder is read back by the library it is meant for and
gives the table's own vectors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from lexiplug.cli.main import app
from lexiplug.errors import ConfigError
from lexiplug.vectors import Vectors
from lexiplug.vectors.exports import export_vectors
from typer.testing import CliRunner

runner = CliRunner()
WORDS = ["king", "queen", "don't", "New-York", "[UNK]", "état"]


@pytest.fixture(scope="module")
def table() -> Vectors:
    rng = np.random.default_rng(3)
    return Vectors(WORDS, rng.standard_normal((len(WORDS), 12)).astype(np.float32))


@pytest.mark.slow  # importing sentence-transformers (and transformers) takes a minute here
def test_sentence_transformers_loads_the_static_embedding(
    tmp_path: Path, table: Vectors, monkeypatch: pytest.MonkeyPatch,
) -> None:
    st = pytest.importorskip("sentence_transformers", reason="sentence-transformers absent")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    folder = export_vectors(table, tmp_path / "st", "sentence-transformers")
    model = st.SentenceTransformer(str(folder), device="cpu")
    assert model.get_embedding_dimension() == table.dim
    single = model.encode(WORDS)
    np.testing.assert_array_equal(single, table.matrix)  # "[UNK]" is a word here, not unknown
    pair = model.encode(["king queen"])[0]
    np.testing.assert_allclose(pair, (table["king"] + table["queen"]) / 2, rtol=1e-6)


def test_model2vec_loads_the_model(tmp_path: Path, table: Vectors) -> None:
    model2vec = pytest.importorskip("model2vec", reason="model2vec absent")
    folder = export_vectors(table, tmp_path / "m2v", "model2vec")
    model = model2vec.StaticModel.from_pretrained(str(folder))
    np.testing.assert_array_equal(model.encode(WORDS), table.matrix)
    # unknown words are dropped from the mean, as lexiplug's mean pooling drops them
    np.testing.assert_allclose(model.encode(["king zzz queen"])[0],
                               (table["king"] + table["queen"]) / 2, rtol=1e-6)


def test_gensim_loads_keyed_vectors(tmp_path: Path, table: Vectors) -> None:
    from gensim.models import KeyedVectors

    folder = export_vectors(table, tmp_path / "kv", "gensim")
    kv = KeyedVectors.load(str(folder / "vectors.kv"))
    assert kv.index_to_key == WORDS
    np.testing.assert_array_equal(kv.vectors, table.matrix)
    assert [w for w, _ in kv.most_similar("king", topn=3)] == [
        w for w, _ in table.most_similar("king", topn=3)]


def test_spacy_pipeline_and_init_vectors_input(tmp_path: Path, table: Vectors) -> None:
    import spacy
    from spacy.training.initialize import convert_vectors

    nlp = spacy.load(export_vectors(table, tmp_path / "spacy", "spacy"))
    for word in WORDS:
        np.testing.assert_array_equal(nlp.vocab.get_vector(word), table[word])
    # `spacy init vectors` reads word2vec text, which lexiplug writes exactly
    text = table.save(tmp_path / "v.txt", format="word2vec-text")
    blank = spacy.blank("xx")
    convert_vectors(blank, text, truncate=0, prune=-1, name="t")
    for word in WORDS:
        np.testing.assert_array_equal(blank.vocab.get_vector(word), table[word])


def test_bad_export_requests(tmp_path: Path, table: Vectors) -> None:
    with pytest.raises(ConfigError) as err:
        export_vectors(table, tmp_path / "x", "floret")
    assert err.value.where == "to"
    with pytest.raises(ConfigError):
        export_vectors(Vectors([], np.zeros((0, 3), np.float32)), tmp_path / "x", "model2vec")
    assert not (tmp_path / "x").exists()


def test_cli_export(tmp_path: Path, table: Vectors) -> None:
    source = table.save(tmp_path / "src")
    result = runner.invoke(app, ["vectors", "export", str(source), str(tmp_path / "m"),
                                 "--to", "model2vec", "-q"])
    assert result.exit_code == 0, result.output
    assert "StaticModel.from_pretrained" in result.output
    assert (tmp_path / "m" / "model.safetensors").exists()
    result = runner.invoke(app, ["vectors", "export", str(source), str(tmp_path / "n"),
                                 "--to", "onnx"])
    assert result.exit_code != 0 and "--to" in result.output
