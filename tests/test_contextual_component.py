"""The lexiplug_embed spaCy component: hooks, static vectors, and the to_disk round trip."""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("transformers")
spacy = pytest.importorskip("spacy")

from lexiplug.plugins.contextual.testing import build_tiny_bert  # noqa: E402

TEXT = "The cat sat on the mat. Hello😀 https://x.org/a?b=1 café İstanbul"


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_bert(tmp_path_factory.mktemp("tiny_bert"))


def _encoder_source(model: Path) -> dict:
    return {
        "@misc": "lexiplug.embedder.v1",
        "name": "lexiplug.transformer.v1",
        "options": {"model_path": str(model), "device": "cpu"},
    }


@pytest.fixture(scope="module")
def nlp(tiny_model: Path) -> spacy.language.Language:
    nlp = spacy.blank("en")
    nlp.vocab.set_vector("cat", np.ones(7, dtype=np.float32))  # vocab vectors must not win
    nlp.add_pipe("lexiplug_embed", config={"source": _encoder_source(tiny_model)})
    return nlp


def test_token_span_doc_vectors_come_from_the_encoder(nlp: spacy.language.Language) -> None:
    doc = nlp(TEXT)
    rows = doc._.lexiplug_vectors
    expected = nlp.get_pipe("lexiplug_embed").backend.encode_tokens([nlp.make_doc(TEXT)])[0]
    np.testing.assert_allclose(rows, expected, atol=1e-6)
    assert rows.shape == (len(doc), 32)
    np.testing.assert_array_equal(doc[1].vector, rows[1])  # "cat" despite the vocab vector
    np.testing.assert_allclose(doc[0:3].vector, rows[0:3].mean(0), atol=1e-6)
    np.testing.assert_allclose(doc.vector, rows.mean(0), atol=1e-6)
    assert doc[1].has_vector and doc.has_vector
    a, b = rows[1], rows[2]
    cosine = float(a @ b / np.linalg.norm(a) / np.linalg.norm(b))
    assert doc[1].similarity(doc[2]) == pytest.approx(cosine, abs=1e-6)
    other = nlp("A dog sat.")
    d1, d2 = doc.vector, other.vector
    expected_sim = float(d1 @ d2 / np.linalg.norm(d1) / np.linalg.norm(d2))
    assert doc.similarity(other) == pytest.approx(expected_sim, abs=1e-6)


def test_pipe_batches_match_single_calls(nlp: spacy.language.Language) -> None:
    texts = ["the cat", TEXT, "een café", ""]
    piped = [d._.lexiplug_vectors for d in nlp.pipe(texts, batch_size=2)]
    for text, rows in zip(texts, piped, strict=True):
        np.testing.assert_allclose(rows, nlp(text)._.lexiplug_vectors, atol=1e-5)


def test_round_trip_through_to_disk_and_spacy_load(
    nlp: spacy.language.Language, tmp_path: Path
) -> None:
    before = nlp(TEXT)._.lexiplug_vectors
    nlp.to_disk(tmp_path / "pipeline")
    loaded = spacy.load(tmp_path / "pipeline")
    assert loaded.pipe_names == ["lexiplug_embed"]
    np.testing.assert_allclose(loaded(TEXT)._.lexiplug_vectors, before, atol=1e-6)


def test_static_vectors_source_and_round_trip(tmp_path: Path) -> None:
    io = pytest.importorskip("lexiplug.vectors.io")
    from lexiplug.vectors.vectors import Vectors

    vectors = Vectors(["cat", "sat", "the"], np.arange(12, dtype=np.float32).reshape(3, 4))
    path = tmp_path / "static"
    io.save_vectors(vectors, path)
    nlp = spacy.blank("en")
    source = {"@misc": "lexiplug.vectors.v1", "name_or_path": str(path)}
    nlp.add_pipe("lexiplug_embed", config={"source": source})
    doc = nlp("The cat sat dog")
    np.testing.assert_array_equal(doc[0].vector, vectors["the"])  # lower-case fallback
    np.testing.assert_array_equal(doc[1].vector, vectors["cat"])
    np.testing.assert_array_equal(doc[3].vector, np.zeros(4))  # OOV: the bridge's zero policy
    nlp.to_disk(tmp_path / "pipeline")
    again = spacy.load(tmp_path / "pipeline")("The cat sat dog")
    np.testing.assert_array_equal(again._.lexiplug_vectors, doc._.lexiplug_vectors)


def test_embedder_name_in_the_encoder_bridge_is_explained(tiny_model: Path) -> None:
    from lexiplug.errors import ConfigError
    from lexiplug.spacy_bridge import lexiplug_embedder

    with pytest.raises(ConfigError, match="needs a corpus"):
        lexiplug_embedder("lexiplug.distill_vocab.v1", {"model": str(tiny_model)})()


def test_factory_and_bridge_modules_import_nothing_heavy() -> None:
    # torch is not checked: thinc imports it whenever it is installed (import spacy does)
    code = (
        "import sys, spacy\n"
        "import lexiplug.plugins.contextual.factories, lexiplug.spacy_bridge\n"
        "nlp = spacy.blank('en')\n"
        "assert 'lexiplug_embed' in spacy.registry.factories, 'factory not registered'\n"
        "heavy = [m for m in ('transformers', 'lexiplug.plugins.contextual.encoder',\n"
        "                     'lexiplug.plugins.contextual.component') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]


# -- pipelines that travel -------------------------------------------------------------------

_LOAD_AND_DUMP = (
    "import sys, numpy, spacy\n"
    "nlp = spacy.load(sys.argv[1])\n"
    "numpy.save(sys.argv[2], nlp(sys.argv[3])._.lexiplug_vectors)\n"
)


def _load_elsewhere(pipeline: Path, text: str, out: Path) -> np.ndarray:
    """spacy.load in a fresh interpreter, as on another machine."""
    result = subprocess.run([sys.executable, "-c", _LOAD_AND_DUMP, str(pipeline), str(out), text],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-3000:]
    return np.load(out)


def test_a_saved_static_pipeline_loads_after_its_vectors_file_is_gone(tmp_path: Path) -> None:
    import shutil

    from lexiplug.vectors.vectors import Vectors

    rng = np.random.default_rng(0)
    vectors = Vectors(["the", "cat", "sat"], rng.standard_normal((3, 5)).astype(np.float32))
    vectors_path = tmp_path / "elsewhere" / "static.txt"
    vectors.save(vectors_path, format="word2vec-text")
    nlp = spacy.blank("en")
    nlp.add_pipe("lexiplug_embed", config={
        "source": {"@misc": "lexiplug.vectors.v1", "name_or_path": str(vectors_path)}})
    before = nlp("The cat sat down")._.lexiplug_vectors
    nlp.to_disk(tmp_path / "pipeline")
    shutil.rmtree(tmp_path / "elsewhere")
    moved = tmp_path / "moved"
    shutil.move(tmp_path / "pipeline", moved)
    stored = sorted(p.name for p in (moved / "lexiplug_embed" / "vectors").iterdir())
    assert stored == ["meta.json", "vectors.npy", "vocab.txt"]  # npy and text: no pickle
    after = spacy.load(moved)("The cat sat down")._.lexiplug_vectors  # the source is gone
    np.testing.assert_allclose(after, before, atol=1e-6)


@pytest.mark.slow  # a fresh interpreter imports transformers (~10 s)
def test_copy_encoder_makes_the_pipeline_independent_of_the_model_folder(tmp_path: Path) -> None:
    import shutil

    model = build_tiny_bert(tmp_path / "models" / "tiny")
    nlp = spacy.blank("en")
    nlp.add_pipe("lexiplug_embed", config={"source": _encoder_source(model),
                                           "copy_encoder": True})
    before = nlp(TEXT)._.lexiplug_vectors
    nlp.to_disk(tmp_path / "pipeline")
    assert (tmp_path / "pipeline" / "lexiplug_embed" / "encoder" / "model.safetensors").is_file()
    shutil.rmtree(tmp_path / "models")
    after = _load_elsewhere(tmp_path / "pipeline", TEXT, tmp_path / "rows.npy")
    np.testing.assert_allclose(after, before, atol=1e-5)


def test_copy_encoder_refuses_pickled_weights(tmp_path: Path) -> None:
    from lexiplug.errors import FormatError
    from lexiplug.plugins.contextual.component import copy_model_folder

    (tmp_path / "model").mkdir()
    (tmp_path / "model" / "config.json").write_text("{}")
    (tmp_path / "model" / "pytorch_model.bin").write_bytes(b"pickle")
    with pytest.raises(FormatError, match="safetensors"):
        copy_model_folder(tmp_path / "model", tmp_path / "copy")
    assert not (tmp_path / "copy").exists()


# -- defects 12 and 13: say what is happening ------------------------------------------------


def _static_nlp(tmp_path: Path) -> spacy.language.Language:
    from lexiplug.vectors.vectors import Vectors

    path = tmp_path / "static"
    Vectors(["cat", "dog"], np.eye(2, dtype=np.float32)).save(path)
    nlp = spacy.blank("en")
    nlp.add_pipe("lexiplug_embed", config={
        "source": {"@misc": "lexiplug.vectors.v1", "name_or_path": str(path)}})
    return nlp


def test_similarity_of_an_all_oov_doc_warns_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    from lexiplug.plugins.contextual import component

    monkeypatch.setattr(component, "_warned_empty_similarity", False)
    nlp = _static_nlp(tmp_path)
    known, unknown = nlp("cat"), nlp("zebra giraffe")
    with caplog.at_level(logging.WARNING, logger="lexiplug.plugins.contextual.component"):
        assert known.similarity(unknown) == 0.0
        assert unknown.similarity(known) == 0.0
        assert known.similarity(nlp("dog cat")) > 0
    warned = [r for r in caplog.records if "zero vector" in r.getMessage()]
    assert len(warned) == 1 and "has_vector" in warned[0].getMessage()
    assert not unknown.has_vector


def test_the_first_call_says_it_is_loading_and_how_long_it_took(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    nlp = _static_nlp(tmp_path)
    with caplog.at_level(logging.INFO, logger="lexiplug.plugins.contextual.component"):
        nlp("cat")
        nlp("dog")
    messages = [r.getMessage() for r in caplog.records]
    assert sum("loading its source (first use)" in m for m in messages) == 1
    assert sum(m.startswith("lexiplug_embed: loaded Vectors in") for m in messages) == 1


def test_to_bytes_carries_the_static_table(tmp_path: Path) -> None:
    import shutil

    nlp = _static_nlp(tmp_path)
    before = nlp("cat dog")._.lexiplug_vectors
    data = nlp.to_bytes()
    shutil.rmtree(tmp_path / "static")
    again = spacy.blank("en")
    config = {key: value for key, value in nlp.config["components"]["lexiplug_embed"].items()
              if key != "factory"}
    again.add_pipe("lexiplug_embed", config=config)
    again.from_bytes(data)
    np.testing.assert_array_equal(again("cat dog")._.lexiplug_vectors, before)


@pytest.mark.slow  # builds and installs a wheel (~30 s)
def test_spacy_package_wheel_of_a_static_pipeline_needs_no_original_file(tmp_path: Path) -> None:
    import shutil

    nlp = _static_nlp(tmp_path)
    before = nlp("cat dog")._.lexiplug_vectors
    nlp.to_disk(tmp_path / "pipeline")
    shutil.rmtree(tmp_path / "static")
    (tmp_path / "out").mkdir()
    subprocess.run([sys.executable, "-m", "spacy", "package", str(tmp_path / "pipeline"),
                    str(tmp_path / "out"), "--name", "embedtest", "--version", "0.0.1",
                    "--build", "wheel"], check=True, capture_output=True)
    wheel = next((tmp_path / "out").glob("*/dist/*.whl"))
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-index",
                    "--target", str(tmp_path / "site"), str(wheel)], check=True,
                   capture_output=True)
    code = ("import sys, numpy, spacy; sys.path.insert(0, sys.argv[1]); "
            "numpy.save(sys.argv[2], spacy.load('en_embedtest')('cat dog')._.lexiplug_vectors)")
    subprocess.run([sys.executable, "-c", code, str(tmp_path / "site"), str(tmp_path / "r.npy")],
                   check=True, capture_output=True)
    np.testing.assert_array_equal(np.load(tmp_path / "r.npy"), before)
