"""Study configs that used to fail at run time (or pass silently) are refused before training.

Covers issue 27 item 9 (an embedder without ``corpus``, ``cache = 0``, unknown ``[study]``
keys, an absurd ``window``), issue 15 defect 1 (an evaluator section without ``datasets``) and
the did-you-mean of a misspelt override (issue 15 defect 12).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from lexiplug.errors import ConfigError, LexiplugError
from lexiplug.evaluation.result import Result
from lexiplug.registry import registry
from lexiplug.study.runner import run_study
from lexiplug.vectors import Vectors

FITS: Counter[str] = Counter()
WORDS = [f"w{i}" for i in range(12)]


class _Corpus:
    def iter_sentences(self) -> Any:
        yield WORDS


class _Embedder:
    def __init__(self, dim: int) -> None:
        self.dim = dim

    def fit(self, corpus: Any) -> Vectors:
        FITS["fit"] += 1
        matrix = np.random.default_rng(0).standard_normal((len(WORDS), self.dim))
        return Vectors(WORDS, matrix.astype(np.float32))


class _NormEvaluator:
    """Needs no dataset, like docs/plugins.md's ``[evaluate.norms]`` example."""

    datasets = None

    def evaluate(self, vectors: Vectors, dataset: Any) -> Result:
        assert dataset is None
        norms = np.linalg.norm(vectors.matrix, axis=1)
        return Result("test_validation.norms.v1", "vocabulary", {"mean_norm": float(norms.mean())},
                      "mean_norm", n_items=len(norms), n_covered=len(norms))


class _DefaultListEvaluator(_NormEvaluator):
    """Has its own default dataset list, which a section without ``datasets`` must use."""

    def __init__(self, datasets: list[str]) -> None:
        self.datasets = datasets  # type: ignore[assignment]
        self.seen: list[Any] = []

    def evaluate(self, vectors: Vectors, dataset: Any) -> Result:
        SEEN.append(dataset)
        return Result("test_validation.listed.v1", str(dataset), {"x": 1.0}, "x",
                      n_items=1, n_covered=1)


SEEN: list[Any] = []


@pytest.fixture(scope="module", autouse=True)
def fake_plugins() -> None:
    from lexiplug.data.spec import DatasetSpec

    registry.corpora.register("test_validation.corpus.v1", func=lambda: _Corpus())
    registry.embedders.register("test_validation.embedder.v1",
                                func=lambda dim=4: _Embedder(dim))
    registry.evaluators.register("test_validation.norms.v1", func=lambda: _NormEvaluator())
    registry.evaluators.register(
        "test_validation.listed.v1",
        func=lambda: _DefaultListEvaluator(["test_validation_set"]),
    )
    spec = DatasetSpec("test_validation_set", "similarity", (), reader=lambda *paths: [])
    registry.datasets.register("test_validation_set", func=lambda: spec)


@pytest.fixture(autouse=True)
def reset() -> None:
    FITS.clear()
    SEEN.clear()


BASE = """
[study]
name = "valid"
seed = 1

[corpora.tiny]
@corpora = "test_validation.corpus.v1"

[embedders.fake]
@embedders = "test_validation.embedder.v1"
corpus = "tiny"

[report]
plots = false
"""


def run(tmp_path: Path, text: str, **kwargs: Any) -> Any:
    path = tmp_path / "study.cfg"
    path.write_text(text)
    return run_study(path, output=tmp_path / "out", quiet=True, **kwargs)


def error_of(tmp_path: Path, text: str, **kwargs: Any) -> LexiplugError:
    with pytest.raises(LexiplugError) as caught:
        run(tmp_path, text, **kwargs)
    assert FITS == Counter(), "the error must come before any training"
    return caught.value


def test_evaluator_without_datasets_runs_with_no_dataset(tmp_path: Path) -> None:
    outcome = run(tmp_path, BASE + '\n[evaluate.norms]\n@evaluators = "test_validation.norms.v1"\n')
    assert [s.result.metrics["mean_norm"] > 0 for s in outcome.scored] == [True]


def test_evaluator_without_datasets_uses_its_own_default_list(tmp_path: Path) -> None:
    run(tmp_path, BASE + '\n[evaluate.listed]\n@evaluators = "test_validation.listed.v1"\n')
    assert SEEN == ["test_validation_set"]


def test_datasets_of_the_wrong_type_are_still_refused(tmp_path: Path) -> None:
    text = BASE + '\n[evaluate.norms]\n@evaluators = "test_validation.norms.v1"\ndatasets = 3\n'
    assert error_of(tmp_path, text).where == "evaluate.norms.datasets"


def test_embedder_that_trains_needs_a_corpus(tmp_path: Path) -> None:
    error = error_of(tmp_path, BASE.replace('corpus = "tiny"\n', ""))
    assert isinstance(error, ConfigError)
    assert error.where == "embedders.fake.corpus"
    assert "corpora: tiny" in error.message


def test_pretrained_row_needs_no_corpus(tmp_path: Path) -> None:
    vectors = Vectors(WORDS, np.eye(len(WORDS), dtype=np.float32))
    vectors.save(tmp_path / "vectors.txt", format="word2vec-text")
    text = BASE + f'\n[embedders.release]\n@embedders = "lexiplug.pretrained.v1"\n' \
                  f'path = "{tmp_path / "vectors.txt"}"\n'
    assert "release" in run(tmp_path, text).rows


@pytest.mark.parametrize("value", ["0", "1.5", "[\"a\"]", '"  "', '"a\\tb"'])
def test_cache_must_be_a_boolean_or_a_folder(tmp_path: Path, value: str) -> None:
    error = error_of(tmp_path, BASE.replace("seed = 1", f"seed = 1\ncache = {value}"))
    assert error.where == "study.cache"
    assert "true, false or a folder path" in error.message


def test_cache_as_a_folder_or_false_is_accepted(tmp_path: Path) -> None:
    run(tmp_path, BASE.replace("seed = 1", f'seed = 1\ncache = "{tmp_path / "c"}"'))
    assert (tmp_path / "c").is_dir()
    run(tmp_path, BASE.replace("seed = 1", "seed = 1\ncache = false"))


def test_unknown_study_key_is_refused_with_a_suggestion(tmp_path: Path) -> None:
    error = error_of(tmp_path, BASE.replace("seed = 1", "sed = 1"))
    assert error.where == "study.sed"
    assert "did you mean 'seed'?" in error.message


def test_absurd_window_is_a_validation_error(tmp_path: Path) -> None:
    text = BASE.replace('"test_validation.embedder.v1"', '"lexiplug.word2vec.v1"')
    text = text.replace('corpus = "tiny"', 'corpus = "tiny"\nwindow = 10000000000')
    assert error_of(tmp_path, text).where == "embedders.fake.window"


def test_misspelt_override_argument_gets_a_did_you_mean(tmp_path: Path) -> None:
    error = error_of(tmp_path, BASE, overrides={"embedders.fake.dmi": 8})
    assert error.where == "embedders.fake.dmi"
    assert "did you mean 'dim'?" in error.message


def test_misspelt_override_section_gets_a_did_you_mean(tmp_path: Path) -> None:
    error = error_of(tmp_path, BASE, overrides={"embedders.faek.dim": 8})
    assert error.where == "--embedders.faek.dim"
    assert "did you mean 'embedders.fake'?" in error.message


def test_misspelt_override_from_the_command_line(tmp_path: Path) -> None:
    from lexiplug.cli.main import app
    from typer.testing import CliRunner

    path = tmp_path / "study.cfg"
    path.write_text(BASE)
    result = CliRunner().invoke(app, ["run", str(path), "-o", str(tmp_path / "o"), "--quiet",
                                      "--embedders.fake.dmi", "8"])
    assert result.exit_code != 0
    assert "did you mean 'dim'?" in result.output
    assert "Traceback" not in result.output
