"""Whole-word pooling (lexiplug.zh_whole_words.v1): a tiny random BERT with a Chinese
vocabulary built in the test; jieba words pooled from the encoder's character pieces."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("jieba")
pytest.importorskip("transformers")

HAN = "我爱北京天安门中国的首都是"


@pytest.fixture(scope="module")
def encoder(tmp_path_factory: pytest.TempPathFactory) -> object:
    from lexiplug.plugins.chinese.whole_words import zh_whole_words_v1
    from lexiplug.plugins.contextual.testing import build_tiny_bert

    folder = build_tiny_bert(tmp_path_factory.mktemp("zh_bert"), words=[*HAN, "who"])
    return zh_whole_words_v1(str(folder), device="cpu")


def test_word_spans_follow_the_text() -> None:
    from lexiplug.plugins.chinese.whole_words import word_spans

    starts, ends = word_spans("我爱 北京", ["我", "爱", "北京"])
    assert starts.tolist() == [0, 1, 3] and ends.tolist() == [1, 2, 5]
    with pytest.raises(ValueError):
        word_spans("我爱", ["北京"])


def test_jieba_words_are_the_mean_of_their_character_pieces(encoder: object) -> None:
    text = "我爱北京天安门WHO"
    ((words, vectors),) = encoder.encode_jieba_words([text])  # type: ignore[attr-defined]
    assert words[:4] == ["我", "爱", "北京", "天安门"]
    assert vectors.shape == (len(words), encoder.dim)  # type: ignore[attr-defined]
    # the same text pooled one character at a time: the words' rows are their means
    spans = np.arange(len(text))
    pieces = encoder.encoder.encode_spans([text], [spans], [spans + 1])[0]  # type: ignore[attr-defined]
    np.testing.assert_allclose(vectors[2], pieces[2:4].mean(axis=0), atol=1e-5)
    np.testing.assert_allclose(vectors[3], pieces[4:7].mean(axis=0), atol=1e-5)
    np.testing.assert_allclose(vectors[0], pieces[0], atol=1e-5)
    assert not np.allclose(vectors[2], pieces[2])


def test_encode_tokens_segments_strings_and_keeps_the_contract(encoder: object) -> None:
    from lexiplug.contracts import Encoder

    assert isinstance(encoder, Encoder)
    out = encoder.encode_tokens(["北京是中国的首都", "我爱北京"])  # type: ignore[attr-defined]
    assert [len(o) for o in out] == [5, 3]  # 北京/是/中国/的/首都, 我/爱/北京
    texts = encoder.encode_texts(["我爱北京"])  # type: ignore[attr-defined]
    assert texts.shape == (1, encoder.dim)  # type: ignore[attr-defined]


def test_registered_under_its_versioned_name(tmp_path: Path) -> None:
    from lexiplug.registry import registry

    assert registry.encoders.has("lexiplug.zh_whole_words.v1")
