"""Binary Paragraph Vector (DBOW, DM, Real-Binary), exact resume, and the code baselines."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from lexiplug.contracts import Checkpointing, DocEmbedder
from lexiplug.errors import ConfigError, TrainingError
from lexiplug.plugins.documents import newsgroups as ng
from lexiplug.plugins.documents.baselines import (
    pv_sign_v1,
    random_rotation,
    tfidf_autoencoder_v1,
)
from lexiplug.plugins.documents.binary_pv import binary_pv_v1
from lexiplug.plugins.documents.evaluator import DocRetrievalEvaluator

from tests.documents_helpers import planted_archive

SMALL = {"bits": 32, "dim": 16, "min_count": 1, "sample": 0.0, "batch_size": 256,
         "learning_rate": 0.01, "infer_epochs": 5}


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[ng.Document],
                                                               list[ng.Document]]:
    folder = tmp_path_factory.mktemp("planted")
    train = ng.read_newsgroups(planted_archive(folder / "train.tar.gz", per_group=25))
    queries = ng.read_newsgroups(planted_archive(folder / "q.tar.gz", per_group=4, seed=9))
    return train, queries


@pytest.mark.parametrize(("mode", "ranking"), [("dbow", "hamming"), ("dm", "hamming"),
                                               ("real_binary", "hamming+cosine")])
def test_binary_pv_codes_retrieve_planted_topics(planted: tuple, mode: str,
                                                 ranking: str) -> None:
    train, queries = planted
    # PV-DM needs more passes: its context words predict the centre word without the code
    extra = {"epochs": 15, "window": 2} if mode == "dm" else {"epochs": 6}
    embedder = binary_pv_v1(mode=mode, **extra, **SMALL)
    assert isinstance(embedder, DocEmbedder) and isinstance(embedder, Checkpointing)
    rows = embedder.fit(train)
    assert rows.codes is not None and rows.codes.shape == (len(train), 4)
    assert rows.codes.dtype == np.uint8 and (rows.vectors is not None) == (mode == "real_binary")
    assert embedder.losses[-1] < embedder.losses[0]
    result = DocRetrievalEvaluator(n_resamples=100).evaluate(rows, queries)
    assert result.extra["ranking"] == ranking
    assert result.metrics["map"] > 0.8, result.metrics
    assert embedder.infer(["pixel shader render"]).shape == (1, 4)


def test_resume_from_a_checkpoint_is_exact(planted: tuple, tmp_path: Path) -> None:
    train, _ = planted
    straight = binary_pv_v1(epochs=4, **SMALL).fit(train)
    first = binary_pv_v1(epochs=2, **SMALL)
    first.configure_checkpoints(tmp_path / "ckpt")
    first.fit(train)
    assert [p.name for p in (tmp_path / "ckpt").iterdir()] == ["ckpt-000000000002"]
    resumed = binary_pv_v1(epochs=4, **SMALL)
    resumed.configure_checkpoints(tmp_path / "ckpt", resume=True)
    rows = resumed.fit(train)
    assert np.array_equal(rows.codes, straight.codes)
    assert len(resumed.losses) == 4
    other = binary_pv_v1(epochs=4, **{**SMALL, "bits": 64})
    other.configure_checkpoints(tmp_path / "ckpt", resume=True)
    with pytest.raises(TrainingError, match="other settings"):
        other.fit(train)


def test_binary_pv_bad_input() -> None:
    with pytest.raises(ConfigError, match="multiple of 8"):
        binary_pv_v1(bits=30)
    with pytest.raises(ConfigError, match="mode"):
        binary_pv_v1(mode="cbow")
    with pytest.raises(TrainingError, match="no words"):
        binary_pv_v1(**SMALL).fit(["words here", "!!!"])
    embedder = binary_pv_v1(epochs=1, **SMALL)
    embedder.fit(["alpha beta", "beta gamma"])
    with pytest.raises(TrainingError, match="no word the model knows"):
        embedder.infer(["zzz"])
    with pytest.raises(TrainingError, match="fewer than min_count = 2"):
        binary_pv_v1(**{**SMALL, "min_count": 2}).fit(["alpha beta", "alpha beta", "gamma"])
    with pytest.raises(TrainingError, match="fitted"):
        binary_pv_v1(**SMALL).infer(["alpha"])


def test_random_rotation_is_orthogonal_and_seeded() -> None:
    rotation = random_rotation(12, 3)
    assert np.allclose(rotation @ rotation.T, np.eye(12), atol=1e-10)
    assert np.array_equal(rotation, random_rotation(12, 3))


def test_baselines_make_codes_of_the_asked_length(planted: tuple) -> None:
    train, queries = planted
    sign = pv_sign_v1(bits=32, dim=32, min_count=1, epochs=10, sample=0.0)
    rows = sign.fit(train)
    assert rows.codes is not None and rows.codes.shape == (len(train), 4)
    assert DocRetrievalEvaluator(n_resamples=100).evaluate(rows, queries).metrics["map"] > 0.6
    auto = tfidf_autoencoder_v1(bits=32, hidden=32, min_count=1, epochs=15, batch_size=32,
                                learning_rate=0.01)
    rows = auto.fit(train)
    assert rows.codes is not None and auto.losses[-1] < auto.losses[0]
    assert DocRetrievalEvaluator(n_resamples=100).evaluate(rows, queries).metrics["map"] > 0.6
    with pytest.raises(ConfigError, match="dim >= bits"):
        pv_sign_v1(bits=64, dim=32)
    with pytest.raises(TrainingError, match="no word the model knows"):
        auto.infer(["zzz"])


def test_an_inferred_vector_does_not_depend_on_the_other_queries(planted: tuple) -> None:
    """Regression: inference used a fixed batch size, so a query got as many updates as its
    query set had batches: the same text inferred alone had a vector 0.35x as long as when
    inferred among 100 others (and its code differed). Now the texts are split into as many
    batches as the training set was, whatever their number."""
    train, _ = planted
    settings = {k: v for k, v in SMALL.items() if k != "infer_epochs"}
    embedder = binary_pv_v1(mode="real_binary", epochs=6, **settings)
    rows = embedder.fit(train)
    texts = [d.text for d in train]
    together = embedder.infer_rows(texts)
    alone = embedder.infer_rows(texts[:2])
    assert rows.vectors is not None and together.vectors is not None
    assert alone.vectors is not None

    def norm(vectors: np.ndarray) -> float:
        return float(np.linalg.norm(vectors, axis=1).mean())

    assert 0.7 < norm(alone.vectors) / norm(together.vectors[:2]) < 1.4
    cosine = (alone.vectors * together.vectors[:2]).sum(axis=1) / (
        np.linalg.norm(alone.vectors, axis=1) * np.linalg.norm(together.vectors[:2], axis=1))
    assert cosine.min() > 0.8, cosine


def test_binary_pv_refuses_a_bad_inference_rate() -> None:
    with pytest.raises(ConfigError, match="infer_learning_rate"):
        binary_pv_v1(infer_learning_rate=-1.0)
