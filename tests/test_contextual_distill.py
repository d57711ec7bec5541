"""Static distillation from a tiny random BERT: distill_vocab, x2static extraction and training."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("transformers")
pytest.importorskip("torch")

from lexiplug.errors import ConfigError
from lexiplug.plugins.contextual.distill_vocab import (
    DistillVocab,
    pca_reduce,
    sif_weights,
)
from lexiplug.plugins.contextual.encoder import TransformerEncoder
from lexiplug.plugins.contextual.testing import build_tiny_bert
from lexiplug.plugins.contextual.x2static import X2Static
from lexiplug.plugins.contextual.x2static_extract import (
    X2StaticAggregate,
    X2StaticDecontextualized,
)

CORPUS = [
    "the cat sat on the mat".split(),
    "the dog sat on the mat".split(),
    "a king and a queen".split(),
    "the man and the woman sat".split(),
    "hello world the cat".split(),
] * 6


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_bert(tmp_path_factory.mktemp("tiny_bert"))


def test_pca_reduce_gives_uncorrelated_components_in_variance_order(
    rng: np.random.Generator,
) -> None:
    x = rng.standard_normal((200, 6)) @ rng.standard_normal((6, 6))
    reduced = pca_reduce(x, 3)
    cov = np.cov(reduced, rowvar=False)
    np.testing.assert_allclose(cov - np.diag(np.diag(cov)), 0, atol=1e-3)
    assert np.all(np.diff(np.diag(cov)) <= 0)
    np.testing.assert_array_equal(reduced, pca_reduce(x, 3))


def test_sif_weights_by_hand() -> None:
    inverse_rank = np.array([1 / 2, 1 / 3])
    proba = inverse_rank / inverse_rank.sum()
    np.testing.assert_allclose(sif_weights(2, None, 0.5), 0.5 / (0.5 + proba), rtol=1e-6)
    np.testing.assert_allclose(sif_weights(2, np.array([3, 1]), 1.0), [1 / 1.75, 1 / 1.25])


def test_distill_vocab_from_the_tokenizer(tiny_model: Path) -> None:
    vectors = DistillVocab(tiny_model, dim=8, batch_size=64).fit()
    assert vectors.dim == 8
    assert "[CLS]" not in vectors and "cat" in vectors and "##a" in vectors
    # an unknown word is the mean of its pieces' rows, as model2vec composes it
    np.testing.assert_allclose(
        vectors.vector("cats"), (vectors["cat"] + vectors["##s"]) / 2, atol=1e-6
    )
    again = DistillVocab(tiny_model, dim=8, batch_size=7).fit()
    np.testing.assert_allclose(vectors.matrix, again.matrix, atol=1e-4)


def test_distill_vocab_from_a_corpus_with_count_weighting(tiny_model: Path) -> None:
    distiller = DistillVocab(
        tiny_model, vocabulary="corpus", dim=None, weighting="none", min_count=6
    )
    vectors = distiller.fit(CORPUS)
    assert vectors.keys[0] == "the" and "queen" in vectors and "hello" in vectors
    encoder = TransformerEncoder(tiny_model)
    np.testing.assert_allclose(vectors["queen"], encoder.encode_texts(["queen"])[0], atol=1e-5)
    with pytest.raises(ConfigError, match="counts"):
        DistillVocab(tiny_model, weighting="counts")
    with pytest.raises(ConfigError, match="dim"):
        DistillVocab(tiny_model, vocabulary="corpus", dim=500, min_count=1).fit(CORPUS)


def test_decontextualized_encodes_each_word_alone(tiny_model: Path) -> None:
    vectors = X2StaticDecontextualized(tiny_model, min_count=1, pooling="cls").fit(CORPUS)
    encoder = TransformerEncoder(tiny_model)
    np.testing.assert_allclose(
        vectors["king"], encoder.encode_texts(["king"], pooling="cls")[0], atol=1e-5
    )
    subwords = X2StaticDecontextualized(tiny_model, min_count=1, pooling="subwords").fit(CORPUS)
    np.testing.assert_allclose(subwords["king"], encoder.encode_words([["king"]])[0][0], atol=1e-5)


def test_aggregate_is_the_mean_over_capped_occurrences(tiny_model: Path) -> None:
    vectors = X2StaticAggregate(tiny_model, min_count=1, max_per_word=4, chunk_sentences=3).fit(
        CORPUS
    )
    encoder = TransformerEncoder(tiny_model)
    # "queen" occurs once per sentence 3; the first 4 occurrences are its first 4 sentences
    queen_sentences = [s for s in CORPUS if "queen" in s][:4]
    expected = np.mean(
        [
            v[s.index("queen")]
            for v, s in zip(encoder.encode_words(queen_sentences), queen_sentences, strict=True)
        ],
        axis=0,
    )
    np.testing.assert_allclose(vectors["queen"], expected, atol=1e-5)
    # "the" is capped at 4 occurrences although it occurs far more often
    the_vectors = [
        row
        for s, v in zip(CORPUS, encoder.encode_words(CORPUS), strict=True)
        for word, row in zip(s, v, strict=True)
        if word == "the"
    ]
    np.testing.assert_allclose(vectors["the"], np.mean(the_vectors[:4], axis=0), atol=1e-5)


def test_aggregate_sentence_pooling(tiny_model: Path) -> None:
    vectors = X2StaticAggregate(tiny_model, min_count=1, pooling="cls_of_sentence").fit(CORPUS)
    encoder = TransformerEncoder(tiny_model)
    king = [" ".join(s) for s in CORPUS if "king" in s]
    expected = encoder.encode_texts(king, pooling="cls").mean(axis=0)
    np.testing.assert_allclose(vectors["king"], expected, atol=1e-5)


def _x2static(model: Path, folder: Path | None, seed: int = 3, **kwargs: object) -> X2Static:
    return X2Static(
        model,
        epochs=3,
        batch_size=4,
        min_count=1,
        subsample=0.05,
        checkpoint_dir=folder,
        checkpoint_every=2,
        seed=seed,
        **kwargs,  # type: ignore[arg-type]
    )


def test_x2static_trains_and_resume_matches_an_uninterrupted_run(
    tiny_model: Path, tmp_path: Path
) -> None:
    full = _x2static(tiny_model, tmp_path / "full").fit(CORPUS)
    assert full.metadata["complete"] and full.metadata["steps"] == 24
    interrupted = _x2static(tiny_model, tmp_path / "resumed", max_steps=10).fit(CORPUS)
    assert not interrupted.metadata["complete"]
    assert not np.allclose(interrupted.matrix, full.matrix)
    resumed = _x2static(tiny_model, tmp_path / "resumed").fit(CORPUS)
    np.testing.assert_allclose(resumed.matrix, full.matrix, atol=1e-6)


def test_x2static_scores_a_word_higher_on_its_own_sentences(tiny_model: Path) -> None:
    model = X2Static(tiny_model, epochs=30, batch_size=4, min_count=1, subsample=1.0, lr=0.05)
    vectors = model.fit(CORPUS)
    encoder = TransformerEncoder(tiny_model)
    for word in ("queen", "dog", "hello"):
        texts = [" ".join(s) for s in CORPUS[:5]]
        scores = encoder.encode_texts(texts) @ vectors[word]
        own = np.array([word in t.split() for t in texts])
        assert scores[own].min() > scores[~own].max(), word


def test_x2static_refuses_a_checkpoint_made_with_other_settings(
    tiny_model: Path, tmp_path: Path
) -> None:
    _x2static(tiny_model, tmp_path, max_steps=2).fit(CORPUS)
    with pytest.raises(ConfigError, match="other settings"):
        _x2static(tiny_model, tmp_path, seed=4).fit(CORPUS)


def test_embedders_are_registered_and_build(tiny_model: Path) -> None:
    from lexiplug.registry import registry

    for name in (
        "lexiplug.distill_vocab.v1",
        "lexiplug.x2static_aggregate.v1",
        "lexiplug.x2static_decontextualized.v1",
        "lexiplug.x2static.v1",
    ):
        assert hasattr(registry.embedders.get(name)(model=str(tiny_model)), "fit")
