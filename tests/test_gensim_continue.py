"""word2vec / fastText in ``lexiplug train``: continued training and the epoch progress bar."""

from __future__ import annotations

import logging
import pickle
from pathlib import Path

import numpy as np
import pytest
from lexiplug.errors import ConfigError, TrainingError
from lexiplug.training import train_from_config, training_state_dir

from .static_fixtures import planted_sentences

REPO = Path(__file__).resolve().parents[1]
SETTINGS = {"vector_size": 8, "epochs": 2, "workers": 1, "min_count": 2}
TINY = {f"embedders.word2vec.{key}": value for key, value in SETTINGS.items()}
FASTTEXT = {f"embedders.fasttext.{key}": value
            for key, value in {**SETTINGS, "bucket": 5000}.items()}


@pytest.fixture(autouse=True)
def state_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEXIPLUG_STATE_KEY", str(tmp_path / "state.key"))


def _corpus(folder: Path, sentences: list[list[str]]) -> dict[str, object]:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "corpus.txt").write_text("\n".join(" ".join(s) for s in sentences) + "\n",
                                       encoding="utf-8")
    return {"corpora.gutenberg.paths": str(folder), "corpora.gutenberg.pattern": "corpus.txt"}


def _more_text() -> list[list[str]]:
    """New words (``new0``..``new4``) in the old contexts, and an old word or two."""
    rng = np.random.default_rng(5)
    return [[f"new{rng.integers(5)}", "x1", "x2", "s0", "a0", f"new{rng.integers(5)}"]
            for _ in range(200)]


@pytest.mark.parametrize(("method", "tiny"), [("word2vec", TINY), ("fasttext", FASTTEXT)])
def test_resume_continues_the_saved_model_with_more_text(
    method: str, tiny: dict[str, object], tmp_path: Path
) -> None:
    from lexiplug.vectors.io import load_vectors

    config = REPO / "configs" / "static" / f"{method}.cfg"
    output = tmp_path / "vectors"
    first = _corpus(tmp_path / "first", planted_sentences(300))
    train_from_config(config, overrides={**first, **tiny}, output=output, quiet=True)
    before = load_vectors(output)
    assert (training_state_dir(output) / "manifest.json").is_file()
    assert "new0" not in before

    more = _corpus(tmp_path / "more", _more_text())
    train_from_config(config, overrides={**more, **tiny}, output=output, resume=True,
                      quiet=True)
    after = load_vectors(output)
    assert set(before.keys) < set(after.keys)  # the old vocabulary, and the new words
    assert {f"new{i}" for i in range(5)} <= set(after.keys)
    assert after.metadata["continued"] is True
    assert not np.array_equal(after["a0"], before["a0"])  # trained further
    np.testing.assert_array_equal(after["b3"], before["b3"])  # not in the new text: untouched
    assert after.counts is not None and after.counts[after.key_to_index["a0"]] > before.counts[
        before.key_to_index["a0"]]  # type: ignore[index]


def test_resume_refuses_a_model_folder_lexiplug_did_not_sign(tmp_path: Path) -> None:
    config = REPO / "configs" / "static" / "word2vec.cfg"
    output = tmp_path / "vectors"
    corpus = _corpus(tmp_path / "c", planted_sentences(200))
    train_from_config(config, overrides={**corpus, **TINY}, output=output, quiet=True)
    state = training_state_dir(output)
    marker = tmp_path / "payload-ran"

    class Payload:
        def __reduce__(self) -> tuple[object, ...]:
            return (Path.touch, (marker,))

    (state / "model.gensim").write_bytes(pickle.dumps(Payload()))
    with pytest.raises(TrainingError, match="does not match the checksum"):
        train_from_config(config, overrides={**corpus, **TINY}, output=output, resume=True,
                          quiet=True)
    manifest = (state / "manifest.json").read_text()
    import hashlib
    import json

    forged = json.loads(manifest)
    forged["files"]["model.gensim"] = hashlib.sha256(
        (state / "model.gensim").read_bytes()).hexdigest()
    (state / "manifest.json").write_text(json.dumps(forged))
    with pytest.raises(TrainingError, match="not written by lexiplug for this user"):
        train_from_config(config, overrides={**corpus, **TINY}, output=output, resume=True,
                          quiet=True)
    assert not marker.exists()  # the pickle never ran


def test_resume_checks_the_saved_model_matches_the_config(tmp_path: Path) -> None:
    config = REPO / "configs" / "static" / "word2vec.cfg"
    output = tmp_path / "vectors"
    corpus = _corpus(tmp_path / "c", planted_sentences(200))
    train_from_config(config, overrides={**corpus, **TINY}, output=output, quiet=True)
    with pytest.raises(ConfigError, match=r"embedders\.word2vec\.vector_size"):
        train_from_config(config, overrides={**corpus, **TINY,
                                             "embedders.word2vec.vector_size": 16},
                          output=output, resume=True, quiet=True)


def test_resume_without_a_saved_model_says_so_and_trains(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    config = REPO / "configs" / "static" / "word2vec.cfg"
    corpus = _corpus(tmp_path / "c", planted_sentences(200))
    with caplog.at_level(logging.WARNING):
        written = train_from_config(config, overrides={**corpus, **TINY},
                                    output=tmp_path / "v", resume=True, quiet=True)
    assert "no saved model to continue" in caplog.text
    assert written.is_dir()


@pytest.mark.parametrize("quiet", [False, True])
def test_word2vec_training_shows_an_epoch_bar_with_the_loss(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
    quiet: bool,
) -> None:
    monkeypatch.delenv("TQDM_DISABLE", raising=False)
    config = tmp_path / "word2vec.cfg"
    config.write_text((REPO / "configs" / "static" / "word2vec.cfg").read_text()
                      .replace("[output]\n", "[output]\nsave_state = false\n"))
    corpus = _corpus(tmp_path / "c", planted_sentences(200))
    train_from_config(config, overrides={**corpus, **TINY}, output=tmp_path / "v", quiet=quiet)
    err = capsys.readouterr().err
    if quiet:
        assert "epochs" not in err
    else:
        assert "Word2Vec epochs" in err and "loss=" in err
    assert not training_state_dir(tmp_path / "v").exists()  # save_state = false
