"""Each static embedder learns planted structure; Bit-cipher codes; GloVe resume; PPMI maths."""

from __future__ import annotations

import numpy as np
import pytest
from lexiplug.errors import ConfigError, LexiplugError, TrainingError
from lexiplug.registry import registry

from .static_fixtures import TOPIC_A, planted_encoded, planted_sentences, topic_separation

SMALL = {
    "lexiplug.word2vec.v1": {"vector_size": 16, "epochs": 10, "workers": 1, "min_count": 1,
                             "sample": 0},
    "lexiplug.fasttext.v1": {"vector_size": 16, "epochs": 10, "workers": 1, "min_count": 1,
                             "sample": 0,
                             "bucket": 20000},
    "lexiplug.glove.v1": {"vector_size": 16, "epochs": 25, "min_count": 1, "window": 5},
    "lexiplug.ppmi_svd.v1": {"vector_size": 8, "min_count": 1},
    "lexiplug.bitcipher.v1": {"bits": 12, "dim": None, "min_count": 1},
}


@pytest.fixture(scope="module")
def encoded():  # type: ignore[no-untyped-def]
    return planted_encoded()


@pytest.mark.parametrize("name", sorted(SMALL))
def test_embedder_learns_planted_topics(name: str, encoded) -> None:  # type: ignore[no-untyped-def]
    vectors = registry.embedders.get(name)(progress=False, **SMALL[name]).fit(encoded)
    assert vectors.shape[0] == len(encoded.vocab.words)
    assert vectors.keys == list(encoded.vocab.words)
    np.testing.assert_array_equal(vectors.counts, encoded.vocab.counts)
    assert np.isfinite(vectors.matrix).all()
    # same-topic targets share contexts, cross-topic ones never do
    assert topic_separation(vectors) > 0.3, name


@pytest.mark.parametrize("name", sorted(SMALL))
def test_window_zero_is_a_config_error(name: str) -> None:
    key = "window"
    with pytest.raises(ConfigError) as caught:
        registry.embedders.get(name)(**{key: 0})
    assert caught.value.where == "window"  # the study or `lexiplug train` adds the block path


@pytest.mark.parametrize("name", sorted(SMALL))
def test_no_word_above_min_count(name: str) -> None:
    from lexiplug.corpus.encoded import encode_sentences

    encoded = encode_sentences(planted_sentences(50), min_count=1)
    with pytest.raises(TrainingError):
        registry.embedders.get(name)(progress=False, min_count=10_000).fit(encoded)


def test_encoded_corpus_is_rethresholded(encoded) -> None:  # type: ignore[no-untyped-def]
    from lexiplug.corpus.encoded import encode_sentences
    from lexiplug.plugins.static._common import as_encoded

    sentences = planted_sentences()
    threshold = int(np.sort(encoded.vocab.counts)[len(encoded.vocab.counts) // 2])
    restricted = as_encoded(encoded, min_count=threshold, max_vocab=None, progress=False)
    direct = encode_sentences(sentences, min_count=threshold)
    assert restricted.vocab.words == direct.vocab.words
    np.testing.assert_array_equal(restricted.ids, direct.ids)
    np.testing.assert_array_equal(restricted.offsets, direct.offsets)


# -- Bit-cipher ------------------------------------------------------------------------------

FIXTURE_B4 = [[0], [1], [2], [3], [2, 3], [1, 3], [0, 3], [1, 2], [0, 2], [0, 1],
              [0, 1, 3], [0, 2, 3], [1, 2, 3], [0, 1, 2], [0, 1, 2, 3]]


def test_cipher_matches_the_authors_15_word_fixture() -> None:
    from lexiplug.plugins.static.bitcipher import cipher_codes, cipher_matrix

    codes = cipher_codes(15, 4)
    assert [np.flatnonzero(row).tolist() for row in codes] == FIXTURE_B4
    l1 = cipher_matrix(codes)
    np.testing.assert_allclose(l1.sum(axis=1), 1.0)
    assert sorted({round(float(v), 6) for v in l1[l1 > 0]}) == [0.25, 0.333333, 0.5, 1.0]


def test_cipher_codes_are_unique_and_by_level() -> None:
    from lexiplug.plugins.static.bitcipher import bits_needed, cipher_codes

    codes = cipher_codes(600, 12)
    packed = {row.tobytes() for row in np.packbits(codes, axis=1)}
    assert len(packed) == 600
    ones = codes.sum(axis=1)
    assert (np.diff(ones) >= 0).all() and ones[0] == 1  # more frequent words, fewer bits
    assert bits_needed(15, 4) == 4 and bits_needed(16, 4) == 5 and bits_needed(1000, 4) == 10


def test_bitcipher_sum_is_cooccurrence_times_cipher(encoded) -> None:  # type: ignore[no-untyped-def]
    from lexiplug.plugins.static.bitcipher import cipher_codes, cipher_matrix

    vectors = registry.embedders.get("lexiplug.bitcipher.v1")(
        bits=12, dim=None, window=2, min_count=1, transform="none", standardize=False,
        progress=False, weighting="flat", noise="none",
    ).fit(encoded)
    cipher = cipher_matrix(cipher_codes(len(encoded.vocab.words), 12))
    expected = np.zeros_like(vectors.matrix)
    for sentence in encoded.sentences():
        for pos, word in enumerate(sentence):
            for other in range(max(0, pos - 2), min(len(sentence), pos + 3)):
                if other != pos:
                    expected[word] += cipher[sentence[other]]
    np.testing.assert_allclose(vectors.matrix, expected, rtol=1e-5)


def test_bitcipher_concat_blocks_sum_to_the_sum_mode(encoded) -> None:  # type: ignore[no-untyped-def]
    factory = registry.embedders.get("lexiplug.bitcipher.v1")
    common = {"bits": 12, "dim": None, "window": 3, "min_count": 1, "transform": "none",
              "standardize": False, "progress": False, "noise": "nf"}
    summed = factory(aggregation="sum", **common).fit(encoded)
    concat = factory(aggregation="concat", **common).fit(encoded)
    assert concat.dim == 2 * 3 * 12
    np.testing.assert_allclose(concat.matrix.reshape(len(concat), 6, 12).sum(axis=1),
                               summed.matrix, rtol=1e-5)


@pytest.mark.parametrize("transform", ["log1p", "log_prob"])
def test_bitcipher_transforms_standardise(transform: str, encoded) -> None:  # type: ignore[no-untyped-def]
    vectors = registry.embedders.get("lexiplug.bitcipher.v1")(
        bits=12, dim=None, min_count=1, transform=transform, progress=False
    ).fit(encoded)
    np.testing.assert_allclose(vectors.matrix.mean(axis=0), 0.0, atol=1e-4)
    np.testing.assert_allclose(vectors.matrix.std(axis=0), 1.0, atol=1e-3)


def test_bitcipher_projection_is_the_top_singular_subspace(encoded) -> None:  # type: ignore[no-untyped-def]
    factory = registry.embedders.get("lexiplug.bitcipher.v1")
    full = factory(bits=12, dim=None, min_count=1, progress=False).fit(encoded)
    projected = factory(bits=12, dim=4, min_count=1, progress=False).fit(encoded)
    assert projected.dim == 4
    assert projected.metadata["params"]["dim"] == 4
    u, s, _ = np.linalg.svd(full.matrix.astype(np.float64), full_matrices=False)
    # same 4-dim subspace as an exact SVD: the projection onto it loses nothing
    inside = u[:, :4] @ (u[:, :4].T @ projected.matrix)
    np.testing.assert_allclose(inside, projected.matrix, atol=1e-3)
    np.testing.assert_allclose(np.linalg.norm(projected.matrix, axis=0), 1.0, atol=1e-4)
    weighted = factory(bits=12, dim=4, eig=1.0, min_count=1, progress=False).fit(encoded)
    np.testing.assert_allclose(np.linalg.norm(weighted.matrix, axis=0), s[:4], rtol=1e-3)
    assert topic_separation(projected) > 0.3


def test_bitcipher_projection_wider_than_the_features_is_a_config_error(encoded) -> None:  # type: ignore[no-untyped-def]
    factory = registry.embedders.get("lexiplug.bitcipher.v1")
    with pytest.raises(ConfigError, match=r"\] dim: "):
        factory(bits=12, dim=12, min_count=1, progress=False).fit(encoded)
    with pytest.raises(ConfigError, match=r"\] dim: "):
        factory(bits=12, dim=0, min_count=1, progress=False)


@pytest.mark.parametrize("noise", ["none", "f", "nf", "constant"])
def test_bitcipher_sparse_aggregation_equals_the_dense_product(noise: str) -> None:
    import scipy.sparse
    from lexiplug.plugins.static.bitcipher import (
        cipher_codes,
        cipher_matrix,
        noisy_cipher,
        summed_context_codes,
    )

    rng = np.random.default_rng(3)
    cipher = cipher_matrix(cipher_codes(40, 6))
    counts = rng.integers(1, 30, size=40)
    cooccurrence = scipy.sparse.random(40, 40, density=0.2, random_state=3, format="csr")
    expected = cooccurrence @ noisy_cipher(cipher, counts, noise, 0.3)
    np.testing.assert_allclose(summed_context_codes(cooccurrence, cipher, counts, noise, 0.3),
                               expected, rtol=1e-5, atol=1e-6)


def test_bitcipher_noise_is_iaman_background_mixture() -> None:
    from lexiplug.plugins.static.bitcipher import cipher_codes, cipher_matrix, noisy_cipher

    cipher = cipher_matrix(cipher_codes(15, 4))
    counts = np.array([50, 40, 30, 30, 20, 9, 9, 9, 5, 5, 4, 3, 2, 2, 1])
    usage = counts @ cipher
    background = (1 - usage / usage.sum()) / (1 - usage / usage.sum()).sum()
    np.testing.assert_allclose(noisy_cipher(cipher, counts, "constant", 0.25),
                               0.25 * cipher + 0.75 * background, rtol=1e-6)
    nf = noisy_cipher(cipher, counts, "nf", 0.0)
    np.testing.assert_allclose(nf[0], cipher[0], rtol=1e-6)  # a count only one type has
    np.testing.assert_allclose(nf[5], cipher[5] / 3 + background * 2 / 3, rtol=1e-6)
    np.testing.assert_allclose(nf.sum(axis=1), 1.0, rtol=1e-6)
    assert noisy_cipher(cipher, counts, "none", 0.5) is cipher
    # less-used bits get more of the background
    assert background[np.argmin(usage)] == background.max()


# -- GloVe -----------------------------------------------------------------------------------

GLOVE = {"vector_size": 8, "window": 4, "min_count": 1, "seed": 7, "progress": False}


def test_glove_resume_equals_uninterrupted(encoded, tmp_path) -> None:  # type: ignore[no-untyped-def]
    factory = registry.embedders.get("lexiplug.glove.v1")
    straight = factory(epochs=4, **GLOVE).fit(encoded)
    first = factory(epochs=2, checkpoint_dir=str(tmp_path / "ckpt"), **GLOVE)
    first.fit(encoded)  # stands for a run stopped after epoch 2
    assert (tmp_path / "ckpt" / "ckpt-000000000002" / "manifest.json").exists()
    resumed_embedder = factory(epochs=4, checkpoint_dir=str(tmp_path / "ckpt"), resume=True,
                               **GLOVE)
    resumed = resumed_embedder.fit(encoded)
    np.testing.assert_array_equal(resumed.matrix, straight.matrix)
    assert len(resumed_embedder.losses) == 4


def test_glove_loss_decreases_and_resume_rejects_other_params(encoded, tmp_path) -> None:  # type: ignore[no-untyped-def]
    factory = registry.embedders.get("lexiplug.glove.v1")
    embedder = factory(epochs=5, checkpoint_dir=str(tmp_path), **GLOVE)
    embedder.fit(encoded)
    assert embedder.losses[-1] < embedder.losses[0]
    other = factory(epochs=5, checkpoint_dir=str(tmp_path), resume=True,
                    **{**GLOVE, "x_max": 10.0})
    with pytest.raises(TrainingError, match="another corpus or other GloVe parameters"):
        other.fit(encoded)


def test_glove_epoch_is_glove_c_update_by_update(rng) -> None:  # type: ignore[no-untyped-def]
    """The compiled epoch against a plain transcription of glove.c's per-pair AdaGrad step."""
    pytest.importorskip("numba")
    import math

    from lexiplug.plugins.static.glove_kernel import glove_epoch

    n, dim, nnz, x_max, alpha, eta, clip = 6, 4, 40, 100.0, 0.75, 0.05, 100.0
    state = {name: (rng.random(shape) - 0.5) / dim for name, shape in
             (("W", (n, dim)), ("C", (n, dim)), ("bw", n), ("bc", n))}
    state.update({f"g{name}": np.ones_like(state[name]) for name in ("W", "C", "bw", "bc")})
    rows, cols = rng.integers(0, n, nnz).astype(np.int32), rng.integers(0, n, nnz).astype(np.int32)
    values = rng.random(nnz) * 300 + 0.05  # both sides of x_max
    order = rng.permutation(nnz)
    ref = {name: array.copy() for name, array in state.items()}
    cost = glove_epoch(*(state[k] for k in ("W", "C", "bw", "bc", "gW", "gC", "gbw", "gbc")),
                       rows, cols, values, order, x_max, alpha, eta, clip)
    expected = 0.0
    for t in order:
        i, j, x = rows[t], cols[t], values[t]
        diff = ref["W"][i] @ ref["C"][j] + ref["bw"][i] + ref["bc"][j] - math.log(x)
        fdiff = diff if x > x_max else (x / x_max) ** alpha * diff
        expected += 0.5 * fdiff * diff
        temp_w = np.clip(fdiff * ref["C"][j], -clip, clip) * eta
        temp_c = np.clip(fdiff * ref["W"][i], -clip, clip) * eta
        ref["W"][i] -= temp_w / np.sqrt(ref["gW"][i])
        ref["C"][j] -= temp_c / np.sqrt(ref["gC"][j])
        ref["gW"][i] += temp_w**2
        ref["gC"][j] += temp_c**2
        ref["bw"][i] -= fdiff / math.sqrt(ref["gbw"][i])
        ref["bc"][j] -= fdiff / math.sqrt(ref["gbc"][j])
        ref["gbw"][i] += fdiff**2
        ref["gbc"][j] += fdiff**2
    assert cost == pytest.approx(expected, rel=1e-10)
    for name, array in ref.items():
        np.testing.assert_allclose(state[name], array, rtol=1e-10, atol=1e-12, err_msg=name)


def test_glove_hogwild_workers_learn(encoded) -> None:  # type: ignore[no-untyped-def]
    vectors = registry.embedders.get("lexiplug.glove.v1")(
        progress=False, workers=2, **SMALL["lexiplug.glove.v1"]
    ).fit(encoded)
    assert np.isfinite(vectors.matrix).all()
    assert topic_separation(vectors) > 0.3


# -- PPMI-SVD --------------------------------------------------------------------------------


def test_shifted_ppmi_matches_dense_formula(rng) -> None:  # type: ignore[no-untyped-def]
    import scipy.sparse
    from lexiplug.plugins.static.ppmi_svd import shifted_ppmi

    dense = rng.poisson(1.0, size=(12, 12)).astype(np.float64)
    got = shifted_ppmi(scipy.sparse.csr_matrix(dense), cds=0.75, neg=2.0).toarray()
    context = dense.sum(axis=0) ** 0.75
    with np.errstate(divide="ignore"):
        pmi = np.log(dense * context.sum() / (dense.sum(axis=1, keepdims=True) * context))
    np.testing.assert_allclose(got, np.maximum(pmi - np.log(2.0), 0.0), rtol=1e-5)


@pytest.mark.parametrize("eig", [0.0, 0.5, 1.0])
def test_ppmi_svd_eigenvalue_weighting(eig: float, encoded) -> None:  # type: ignore[no-untyped-def]
    factory = registry.embedders.get("lexiplug.ppmi_svd.v1")
    vectors = factory(vector_size=6, min_count=1, eig=eig, progress=False).fit(encoded)
    norms = np.linalg.norm(vectors.matrix, axis=0)
    if eig == 0.0:
        np.testing.assert_allclose(norms, 1.0, rtol=1e-4)  # columns of U are orthonormal
    else:
        assert (np.diff(norms) <= 1e-5).all()  # columns scaled by S^p, largest first


def test_ppmi_svd_solvers_agree(encoded) -> None:  # type: ignore[no-untyped-def]
    factory = registry.embedders.get("lexiplug.ppmi_svd.v1")
    a = factory(vector_size=4, min_count=1, solver="arpack", progress=False).fit(encoded)
    b = factory(vector_size=4, min_count=1, solver="randomized", n_iter=10,
                progress=False).fit(encoded)
    # singular vectors agree up to sign: compare the similarity structure
    np.testing.assert_allclose(a.matrix @ a.matrix.T, b.matrix @ b.matrix.T, atol=1e-3)


# -- gensim engine ---------------------------------------------------------------------------


def test_fasttext_gives_oov_words_subword_vectors(encoded, tmp_path) -> None:  # type: ignore[no-untyped-def]
    embedder = registry.embedders.get("lexiplug.fasttext.v1")(
        progress=False, **SMALL["lexiplug.fasttext.v1"]
    )
    vectors = embedder.fit(encoded)
    assert vectors.oov == "subword"
    unseen = TOPIC_A[0] + "zz"
    assert unseen not in vectors
    assert np.linalg.norm(vectors.vector(unseen)) > 0
    path = embedder.save_model(tmp_path / "model.bin")
    from gensim.models.fasttext import load_facebook_vectors

    loaded = load_facebook_vectors(str(path))
    np.testing.assert_allclose(loaded[unseen], vectors.vector(unseen), rtol=1e-4, atol=1e-6)


def test_word2vec_deterministic_mode_repeats(encoded) -> None:  # type: ignore[no-untyped-def]
    factory = registry.embedders.get("lexiplug.word2vec.v1")
    kwargs = {"vector_size": 8, "epochs": 2, "min_count": 1, "deterministic": True,
              "workers": 4, "progress": False}
    first = factory(**kwargs).fit(encoded)
    second = factory(**kwargs).fit(encoded)
    np.testing.assert_array_equal(first.matrix, second.matrix)
    assert first.metadata["params"]["deterministic"] is True


def test_word2vec_rejects_nothing_to_train() -> None:
    with pytest.raises(LexiplugError, match=r"\] negative: "):
        registry.embedders.get("lexiplug.word2vec.v1")(hs=0, negative=0)
