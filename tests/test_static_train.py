"""``lexiplug train``: configs resolve, vectors are saved, bad input writes nothing.

A training config is a one-embedder study (``[corpora.*]``, ``[embedders.*]``, ``[output]``),
read and checked by the study code.
"""

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
    "word2vec": {"vector_size": 8, "epochs": 1, "workers": 1},
    "fasttext": {"vector_size": 8, "epochs": 1, "workers": 1, "bucket": 5000},
    "glove": {"vector_size": 8, "epochs": 2},
    "ppmi_svd": {"vector_size": 8},
    "bitcipher": {"bits": 12, "dim": 4},
}


def tiny(method: str, **more: object) -> dict[str, object]:
    """``TINY[method]`` and ``more`` as overrides of the config's one embedder."""
    return {f"embedders.{method}.{key}": value
            for key, value in {**TINY[method], **more}.items()}


@pytest.fixture
def corpus_file(tmp_path: Path) -> Path:
    path = tmp_path / "corpus.txt"
    path.write_text("\n".join(" ".join(s) for s in planted_sentences(400)) + "\n",
                    encoding="utf-8")
    return path


def corpus_overrides(path: Path) -> dict[str, object]:
    return {"corpora.gutenberg.paths": str(path.parent), "corpora.gutenberg.pattern": path.name}


@pytest.mark.parametrize("method", METHODS)
def test_each_config_trains_and_saves(method: str, corpus_file: Path, tmp_path: Path) -> None:
    from lexiplug.vectors.io import load_vectors

    output = tmp_path / "out" / method
    written = train_from_config(
        REPO / "configs" / "static" / f"{method}.cfg",
        overrides={**corpus_overrides(corpus_file), **tiny(method, min_count=2)},
        output=output, format="native", quiet=True,
    )
    vectors = load_vectors(written)
    assert len(vectors) > 20 and np.isfinite(vectors.matrix).all()
    assert "a0" in vectors
    assert f"[embedders.{method}]" in vectors.metadata["config"]
    if method == "fasttext":
        assert (written / "model.bin").is_file()
    leftovers = [p.name for p in output.parent.iterdir() if p.name.startswith(".")]
    assert leftovers == []  # checkpoints removed, no temporary files


def test_text_format_and_config_beside_it(corpus_file: Path, tmp_path: Path) -> None:
    output = tmp_path / "bitcipher.txt"
    written = train_from_config(
        REPO / "configs" / "static" / "bitcipher.cfg",
        overrides={**corpus_overrides(corpus_file), **tiny("bitcipher", min_count=2)},
        output=output, format="word2vec-text", quiet=True,
    )
    assert written == output
    header = output.read_text(encoding="utf-8").splitlines()[0].split()
    assert int(header[1]) == 4  # 12 bits projected to dim 4
    assert (tmp_path / "bitcipher.txt.cfg").is_file()


def test_glove_resume_through_train(corpus_file: Path, tmp_path: Path) -> None:
    config = REPO / "configs" / "static" / "glove.cfg"
    base = {**corpus_overrides(corpus_file), **tiny("glove", min_count=2, epochs=3),
            "output.checkpoint_dir": str(tmp_path / "ckpt")}
    straight = train_from_config(config, overrides=base,
                                 output=tmp_path / "straight", quiet=True)
    # an interrupted run: two epochs checkpointed, no output saved yet
    from lexiplug.corpus.reader import text_files_corpus
    from lexiplug.plugins.static.glove import glove_v1

    corpus = text_files_corpus(str(corpus_file.parent), pattern=corpus_file.name,
                               lowercase=True, pretokenized=True)
    glove_v1(vector_size=8, epochs=2, min_count=2, x_max=10.0, progress=False,
             checkpoint_dir=str(tmp_path / "ckpt")).fit(corpus)
    resumed = train_from_config(config, overrides=base,
                                output=tmp_path / "resumed", resume=True, quiet=True)
    from lexiplug.vectors.io import load_vectors

    np.testing.assert_array_equal(load_vectors(resumed).matrix, load_vectors(straight).matrix)
    assert not (tmp_path / "ckpt").exists()


def write_config(tmp_path: Path, corpus_path: str, embedder: str = "lexiplug.ppmi_svd.v1",
                 extra: str = "") -> Path:
    config = tmp_path / "train.cfg"
    config.write_text(
        f'[corpora.text]\n@corpora = "lexiplug.text_file.v1"\npath = "{corpus_path}"\n'
        f'pretokenized = true\n\n[embedders.vectors]\n@embedders = "{embedder}"\n'
        f'corpus = "text"\nvector_size = 4\nmin_count = 1\n{extra}\n',
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
        assert caught.value.where == "embedders.vectors.window"
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
        "word2vec-text", "--quiet", "--embedders.vectors.window", "2",
    ])
    assert result.exit_code == 0, result.output
    assert "saved vectors" in result.output and output.is_file()
    bad = CliRunner().invoke(app, ["train", str(tmp_path / "cli.cfg"), "--output",
                                   str(tmp_path / "x"), "--embedders.vectors.window", "0"])
    assert bad.exit_code == 1 and "embedders.vectors.window:" in bad.output
    misspelt = CliRunner().invoke(app, ["train", str(tmp_path / "cli.cfg"), "--output",
                                        str(tmp_path / "x"), "--embedders.vectors.widnow", "2"])
    assert misspelt.exit_code == 1 and "did you mean 'window'?" in misspelt.output


def test_train_config_is_a_study_with_one_embedder(corpus_file: Path, tmp_path: Path) -> None:
    """The old ``[corpus]``/``[embedder]`` dialect and extra study sections are refused."""
    config = write_config(tmp_path, str(corpus_file))
    two = config.read_text().replace("[embedders.vectors]", "[embedders.other]\n"
                                     '@embedders = "lexiplug.ppmi_svd.v1"\ncorpus = "text"\n\n'
                                     "[embedders.vectors]")
    config.write_text(two, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        train_from_config(config, output=tmp_path / "v", quiet=True)
    assert caught.value.where == "embedders"
    old = tmp_path / "old.cfg"
    old.write_text('[corpus]\n@corpora = "lexiplug.text_file.v1"\npath = "x"\n\n'
                   '[embedder]\n@embedders = "lexiplug.ppmi_svd.v1"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="did you mean 'corpora'"):
        train_from_config(old, output=tmp_path / "v", quiet=True)


def test_output_section_is_checked_before_training(corpus_file: Path, tmp_path: Path) -> None:
    config = write_config(tmp_path, str(corpus_file), extra='\n[output]\nformat = "word2vec-txt"')
    with pytest.raises(ConfigError) as caught:
        train_from_config(config, output=tmp_path / "v", quiet=True)
    assert caught.value.where == "output.format"
    config = write_config(tmp_path, str(corpus_file), extra='\n[output]\npaht = "v"')
    with pytest.raises(ConfigError, match="did you mean 'path'") as caught:
        train_from_config(config, quiet=True)
    assert caught.value.where == "output.paht"
