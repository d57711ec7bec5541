"""The byte word encoder (plugins/oov/): byte ids, the lookup convolution against Conv1d,
learning planted spelling-to-vector structure, exact resume, save/load and bad input."""

from __future__ import annotations

import functools
import json
import logging

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from lexiplug.errors import ConfigError, FormatError, TrainingError  # noqa: E402
from lexiplug.plugins.oov.byte_ids import END, OFFSET, PAD, START, byte_batch  # noqa: E402
from lexiplug.plugins.oov.model import ByteWordModel  # noqa: E402
from lexiplug.plugins.oov.network import ByteWordEncoder, window_sums  # noqa: E402
from lexiplug.plugins.oov.settings import ByteEncoderSettings  # noqa: E402
from lexiplug.vectors import Vectors  # noqa: E402

LETTERS = "abcdefgh"
SMALL = dict(byte_dim=16, filters=32, hidden=64, batch_size=64)


def planted_vectors(n_words: int = 900, dim: int = 16, seed: int = 0
                    ) -> tuple[list[str], np.ndarray]:
    """Words whose vector is the sum of a random vector per letter bigram (word boundaries
    included): a known function of the spelling that an encoder must learn to generalise."""
    rng = np.random.default_rng(seed)
    symbols = "^" + LETTERS + "$"
    table = {a + b: rng.standard_normal(dim) for a in symbols for b in symbols}
    words: set[str] = set()
    while len(words) < n_words:
        words.add("".join(rng.choice(list(LETTERS), int(rng.integers(3, 9)))))
    ordered = sorted(words)
    matrix = np.stack([sum(table[a + b] for a, b in zip("^" + w, w + "$", strict=True))
                       for w in ordered]).astype(np.float32)
    return ordered, matrix


@functools.cache
def planted_split() -> tuple[Vectors, list[str], np.ndarray]:
    """The planted table without every fifth word, the held-out words and their vectors."""
    words, matrix = planted_vectors()
    counts = np.random.default_rng(1).integers(1, 1000, len(words))
    held_out = np.zeros(len(words), dtype=bool)
    held_out[::5] = True
    train = Vectors([w for w, h in zip(words, held_out, strict=True) if not h],
                    matrix[~held_out], counts=counts[~held_out])
    return train, [w for w, h in zip(words, held_out, strict=True) if h], matrix[held_out]


@functools.cache
def trained_on_planted() -> ByteWordModel:
    """One encoder trained on :func:`planted_split` per test process (tests only read it)."""
    train, _, _ = planted_split()
    return ByteWordModel(ByteEncoderSettings(epochs=12, **SMALL)).fit(train)  # type: ignore[arg-type]


@pytest.fixture
def planted() -> tuple[Vectors, list[str], np.ndarray]:
    return planted_split()


@pytest.fixture
def trained() -> ByteWordModel:
    return trained_on_planted()


def mean_cosine(a: np.ndarray, b: np.ndarray) -> float:
    return float(((a * b).sum(1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)).mean())


def test_byte_ids_mark_start_and_end_and_pad() -> None:
    batch = byte_batch(["ab", "", "é"], max_bytes=8)
    assert batch.ids[0].tolist() == [START, 97 + OFFSET, 98 + OFFSET, END]
    assert batch.ids[1].tolist() == [START, END, PAD, PAD]
    assert batch.ids[2].tolist() == [START, 0xC3 + OFFSET, 0xA9 + OFFSET, END]
    assert batch.lengths.tolist() == [4, 2, 4]
    assert batch.n_truncated == 0


def test_long_words_keep_their_first_and_last_bytes_and_are_counted() -> None:
    batch = byte_batch(["abcdefghij", "abc"], max_bytes=5)
    assert bytes(int(i) - OFFSET for i in batch.ids[0, 1:6]) == b"abcij"
    assert batch.n_truncated == 1


def test_surrogate_escaped_bytes_come_back_as_the_original_bytes() -> None:
    word = b"caf\xe9".decode("utf-8", "surrogateescape")  # Latin-1 bytes read as UTF-8
    assert byte_batch([word], 8).ids[0, 4] == 0xE9 + OFFSET
    assert byte_batch(["\ud800"], 8).lengths[0] == 3  # a lone surrogate is replaced by "?"


def test_lookup_convolution_equals_conv1d_on_embedded_bytes() -> None:
    torch.manual_seed(0)
    network = ByteWordEncoder(8, byte_dim=6, widths=(1, 3), filters=5, hidden=7)
    batch = byte_batch(["word", "longerword", "a"], 16)
    ids, lengths = torch.from_numpy(batch.ids), torch.from_numpy(batch.lengths)
    embedded = network.embed(ids).transpose(1, 2)
    for width, conv, taps in zip(network.widths, network.convs, network.tap_tables(),
                                 strict=True):
        reference = conv(embedded) - conv.bias[None, :, None]  # (batch, filters, windows)
        fast = window_sums(taps, ids, lengths, width).transpose(1, 2)
        for row, length in enumerate(batch.lengths.tolist()):
            valid = max(length - width + 1, 1)
            torch.testing.assert_close(fast[row, :, :valid], reference[row, :, :valid])


def test_a_word_gets_the_same_vector_alone_or_next_to_longer_words(
        trained: ByteWordModel) -> None:
    alone = trained.encode(["abc"])[0]
    padded = trained.encode(["abc", "abcdefghabcdefgh", "h"])[0]
    np.testing.assert_allclose(alone, padded, rtol=1e-5, atol=1e-6)


def test_encoder_learns_a_planted_function_of_the_spelling(
        planted: tuple[Vectors, list[str], np.ndarray], trained: ByteWordModel) -> None:
    train, held_words, held_matrix = planted
    assert trained.losses[-1] < trained.losses[0] / 3
    predicted = trained.encode(held_words)
    assert predicted.shape == held_matrix.shape and predicted.dtype == np.float32
    # the held-out words were never seen: only a learned map from spelling gets them right
    mean_vector = np.broadcast_to(train.matrix.mean(axis=0), held_matrix.shape)
    assert mean_cosine(predicted, held_matrix) > 0.75
    assert mean_cosine(predicted, held_matrix) > mean_cosine(mean_vector, held_matrix) + 0.3


def test_training_is_deterministic_for_a_seed(planted: tuple[Vectors, list[str], np.ndarray]
                                              ) -> None:
    train, held_words, _ = planted
    small = train.subset(train.keys[:200])
    runs = [ByteWordModel(ByteEncoderSettings(epochs=2, seed=s, **SMALL)).fit(small)  # type: ignore[arg-type]
            for s in (3, 3, 4)]
    first, again, other = (run.encode(held_words[:20]) for run in runs)
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)


def test_resume_gives_the_weights_of_an_uninterrupted_run(
        planted: tuple[Vectors, list[str], np.ndarray], tmp_path) -> None:
    train, held_words, _ = planted
    small = train.subset(train.keys[:200])
    straight = ByteWordModel(ByteEncoderSettings(epochs=3, **SMALL)).fit(small)  # type: ignore[arg-type]
    stopped = ByteWordModel(ByteEncoderSettings(epochs=1, **SMALL))  # type: ignore[arg-type]
    stopped.configure_checkpoints(tmp_path / "ckpt")
    stopped.fit(small)
    resumed = ByteWordModel(ByteEncoderSettings(epochs=3, **SMALL))  # type: ignore[arg-type]
    resumed.configure_checkpoints(tmp_path / "ckpt", resume=True)
    resumed.fit(small)
    assert len(resumed.losses) == 3 and resumed.losses[0] == stopped.losses[0]
    for name, value in straight.network.state_dict().items():
        torch.testing.assert_close(resumed.network.state_dict()[name], value, rtol=0, atol=0)
    np.testing.assert_array_equal(straight.encode(held_words), resumed.encode(held_words))


def test_resume_refuses_a_checkpoint_of_other_settings(
        planted: tuple[Vectors, list[str], np.ndarray], tmp_path) -> None:
    train, _, _ = planted
    small = train.subset(train.keys[:50])
    first = ByteWordModel(ByteEncoderSettings(epochs=1, **SMALL))  # type: ignore[arg-type]
    first.configure_checkpoints(tmp_path)
    first.fit(small)
    other = ByteWordModel(ByteEncoderSettings(epochs=2, seed=9, **SMALL))  # type: ignore[arg-type]
    other.configure_checkpoints(tmp_path, resume=True)
    with pytest.raises(TrainingError, match="other vectors or settings"):
        other.fit(small)


def test_save_and_load_give_the_same_vectors(trained: ByteWordModel, tmp_path) -> None:
    folder = trained.save(tmp_path / "encoder")
    assert sorted(p.name for p in folder.iterdir()) == ["config.json", "model.safetensors"]
    loaded = ByteWordModel.load(folder)
    words = ["abc", "hgfedcba", "zzz", "é"]
    np.testing.assert_array_equal(loaded.encode(words), trained.encode(words))
    from lexiplug.registry import registry

    by_name = registry.encoders.get("lexiplug.byte_word_encoder.v1")(path=str(folder))
    np.testing.assert_array_equal(by_name.encode(words), trained.encode(words))


def test_encoder_contract_methods(trained: ByteWordModel) -> None:
    texts = trained.encode_texts(["abc dd", "", "abc"])
    np.testing.assert_allclose(texts[0], trained.encode(["abc", "dd"]).mean(axis=0), atol=1e-5)
    assert not texts[1].any()
    import spacy

    doc = spacy.blank("en")("abc, hh")
    rows = trained.encode_tokens([doc])
    assert rows[0].shape == (3, trained.dim)


def test_bad_saved_encoders_raise_format_errors_naming_the_file(
        trained: ByteWordModel, tmp_path) -> None:
    with pytest.raises(ConfigError, match=r"config\.json") as raised:
        ByteWordModel.load(tmp_path / "nothing")
    assert raised.value.where == "path"
    folder = trained.save(tmp_path / "encoder")
    config = json.loads((folder / "config.json").read_text())
    config["settings"]["filters"] = 7  # weights no longer fit the network
    (folder / "config.json").write_text(json.dumps(config))
    with pytest.raises(FormatError, match=r"model\.safetensors"):
        ByteWordModel.load(folder)
    (folder / "config.json").write_text("{not json")
    with pytest.raises(FormatError, match=r"config\.json"):
        ByteWordModel.load(folder)


def test_long_words_are_encoded_and_counted_in_a_warning(trained: ByteWordModel,
                                                          caplog: pytest.LogCaptureFixture
                                                          ) -> None:
    with caplog.at_level(logging.WARNING):
        out = trained.encode(["a" * 200, "ab", ""])
    assert np.isfinite(out).all() and "1 of 3 words are longer" in caplog.text


def test_untrained_encoder_says_so() -> None:
    with pytest.raises(TrainingError, match="not trained"):
        ByteWordModel(ByteEncoderSettings()).encode(["word"])


@pytest.mark.parametrize(("field", "value"), [("filters", 0), ("widths", []),
                                              ("weighting", "idf"), ("max_bytes", 1),
                                              ("learning_rate", 0.0)])
def test_bad_settings_name_their_argument(field: str, value: object) -> None:
    from lexiplug.registry import registry

    with pytest.raises(ConfigError) as raised:
        registry.encoders.get("lexiplug.byte_word_encoder.v1")(**{field: value})
    assert raised.value.where == field


def test_vectors_with_nothing_to_learn_from_are_refused() -> None:
    empty = Vectors(["", " "], np.ones((2, 4), dtype=np.float32))
    with pytest.raises(TrainingError, match="no word to learn from"):
        ByteWordModel(ByteEncoderSettings(epochs=1)).fit(empty)


def test_invalid_utf8_in_a_vectors_file_is_named_or_replaced_then_learned(tmp_path) -> None:
    path = tmp_path / "bad.vec"
    path.write_bytes(b"2 3\ncaf\xe9 1 2 3\nok 1 0 0\n")
    with pytest.raises(FormatError, match="not valid UTF-8") as raised:
        Vectors.load(path)
    assert raised.value.where == f"{path}:2"
    loaded = Vectors.load(path, errors="replace")  # the reader's way to keep the row
    model = ByteWordModel(ByteEncoderSettings(epochs=1, **SMALL)).fit(loaded)  # type: ignore[arg-type]
    assert np.isfinite(model.encode(loaded.keys)).all()
