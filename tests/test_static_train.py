"""``lexiplug train``: configs resolve, vectors are saved, bad input writes nothing."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from lexiplug.errors import (
    ConfigError,
    DataNotFoundError,
    FormatError,
    LexiplugError,
    TrainingError,
)
from lexiplug.training import train_from_config

from .static_fixtures import planted_sentences

REPO = Path(__file__).resolve().parents[1]
METHODS = ("word2vec", "fasttext", "glove", "ppmi_svd", "bitcipher")
TINY = {
    "word2vec": {"embedder.vector_size": 8, "embedder.epochs": 1, "embedder.workers": 1},
    "fasttext": {"embedder.vector_size": 8, "embedder.epochs": 1, "embedder.workers": 1,
                 "embedder.bucket": 5000},
    "glove": {"embedder.vector_size": 8, "embedder.epochs": 2},
    "ppmi_svd": {"embedder.vector_size": 8},
    "bitcipher": {"embedder.bits": 12, "embedder.dim": 4},
}


@pytest.fixture
def corpus_file(tmp_path: Path) -> Path:
    path = tmp_path / "corpus.txt"
    path.write_text("\n".join(" ".join(s) for s in planted_sentences(400)) + "\n",
                    encoding="utf-8")
    return path


def corpus_overrides(path: Path, min_count: int = 2) -> dict[str, object]:
    return {"paths.corpus": str(path.parent), "corpus.pattern": path.name,
            "embedder.min_count": min_count}


@pytest.mark.parametrize("method", METHODS)
def test_each_config_trains_and_saves(method: str, corpus_file: Path, tmp_path: Path) -> None:
    from lexiplug.vectors.io import load_vectors

    output = tmp_path / "out" / method
    written = train_from_config(
        REPO / "configs" / "static" / f"{method}.cfg",
        overrides={**corpus_overrides(corpus_file), **TINY[method]},
        output=output, format="native", quiet=True,
    )
    vectors = load_vectors(written)
    assert len(vectors) > 20 and np.isfinite(vectors.matrix).all()
    assert "a0" in vectors
    assert "@embedders" in vectors.metadata["config"]
    if method == "fasttext":
        assert (written / "model.bin").is_file()
    leftovers = [p.name for p in output.parent.iterdir() if p.name.startswith(".")]
    assert leftovers == []  # checkpoints removed, no temporary files


def test_text_format_and_config_beside_it(corpus_file: Path, tmp_path: Path) -> None:
    output = tmp_path / "bitcipher.txt"
    written = train_from_config(
        REPO / "configs" / "static" / "bitcipher.cfg",
        overrides={**corpus_overrides(corpus_file), **TINY["bitcipher"]},
        output=output, format="word2vec-text", quiet=True,
    )
    assert written == output
    header = output.read_text(encoding="utf-8").splitlines()[0].split()
    assert int(header[1]) == 4  # 12 bits projected to dim 4
    assert (tmp_path / "bitcipher.txt.cfg").is_file()


def test_glove_resume_through_train(corpus_file: Path, tmp_path: Path) -> None:
    config = REPO / "configs" / "static" / "glove.cfg"
    base = {**corpus_overrides(corpus_file), **TINY["glove"],
            "training.checkpoint_dir": str(tmp_path / "ckpt")}
    straight = train_from_config(config, overrides={**base, "embedder.epochs": 3},
                                 output=tmp_path / "straight", quiet=True)
    # an interrupted run: two epochs checkpointed, no output saved yet
    from lexiplug.corpus.reader import text_files_corpus
    from lexiplug.plugins.static.glove import glove_v1

    corpus = text_files_corpus(str(corpus_file.parent), pattern=corpus_file.name,
                               lowercase=True, pretokenized=True)
    glove_v1(vector_size=8, epochs=2, min_count=2, x_max=10.0, progress=False,
             checkpoint_dir=str(tmp_path / "ckpt")).fit(corpus)
    resumed = train_from_config(config, overrides={**base, "embedder.epochs": 3},
                                output=tmp_path / "resumed", resume=True, quiet=True)
    from lexiplug.vectors.io import load_vectors

    np.testing.assert_array_equal(load_vectors(resumed).matrix, load_vectors(straight).matrix)
    assert not (tmp_path / "ckpt").exists()


def write_config(tmp_path: Path, corpus_path: str, embedder: str = "lexiplug.ppmi_svd.v1",
                 extra: str = "") -> Path:
    config = tmp_path / "train.cfg"
    config.write_text(
        f'[corpus]\n@corpora = "lexiplug.text_file.v1"\npath = "{corpus_path}"\n'
        f'pretokenized = true\n\n[embedder]\n@embedders = "{embedder}"\n'
        f"vector_size = 4\nmin_count = 1\n{extra}\n",
        encoding="utf-8",
    )
    return config


@pytest.mark.parametrize(
    ("setup", "error"),
    [
        ("empty", TrainingError),
        ("min_count", TrainingError),
        ("window0", ConfigError),
        ("latin1", FormatError),
        ("missing", DataNotFoundError),
        ("unknown_embedder", ConfigError),
        ("missing_config", DataNotFoundError),
    ],
)
def test_bad_input_is_a_clear_error_and_writes_nothing(
    setup: str, error: type[LexiplugError], tmp_path: Path, corpus_file: Path
) -> None:
    corpus_path, extra, embedder = str(corpus_file), "", "lexiplug.ppmi_svd.v1"
    if setup == "empty":
        (tmp_path / "empty.txt").write_text("\n\n", encoding="utf-8")
        corpus_path = str(tmp_path / "empty.txt")
    elif setup == "min_count":
        extra = "min_count = 100000"
    elif setup == "window0":
        extra = "window = 0"
    elif setup == "latin1":
        (tmp_path / "latin1.txt").write_bytes("caf\xe9 au lait\n".encode("latin-1"))
        corpus_path = str(tmp_path / "latin1.txt")
    elif setup == "missing":
        corpus_path = str(tmp_path / "nowhere.txt")
    elif setup == "unknown_embedder":
        embedder = "lexiplug.glove.v9"
    config = write_config(tmp_path, corpus_path, embedder,
                          extra.replace("min_count = 1\n", ""))
    if "min_count = 100000" in extra:
        config.write_text(config.read_text().replace("min_count = 1\n", ""), encoding="utf-8")
    if setup == "missing_config":
        config = tmp_path / "no.cfg"
    output = tmp_path / "out" / "vectors"
    with pytest.raises(error) as caught:
        train_from_config(config, output=output, quiet=True)
    message = str(caught.value)
    assert message.startswith("[E")  # a coded LexiplugError, not a bare traceback
    if setup == "window0":
        assert "embedder.window" in message
    if setup in ("latin1", "missing"):
        assert Path(corpus_path).name in message
    assert not output.exists() and not output.parent.exists()


def test_cli_train_quiet(corpus_file: Path, tmp_path: Path) -> None:
    from lexiplug.cli.main import app
    from typer.testing import CliRunner

    config = write_config(tmp_path, str(corpus_file), "lexiplug.bitcipher.v1",
                          "bits = 8\ndim = 4").read_text().replace("vector_size = 4\n", "")
    (tmp_path / "cli.cfg").write_text(config, encoding="utf-8")
    output = tmp_path / "cli_vectors.txt"
    result = CliRunner().invoke(app, [
        "train", str(tmp_path / "cli.cfg"), "--output", str(output), "--format",
        "word2vec-text", "--quiet", "--embedder.window", "2",
    ])
    assert result.exit_code == 0, result.output
    assert "saved vectors" in result.output and output.is_file()
    bad = CliRunner().invoke(app, ["train", str(tmp_path / "cli.cfg"), "--output",
                                   str(tmp_path / "x"), "--embedder.window", "0"])
    assert bad.exit_code == 1 and "embedder.window" in bad.output
