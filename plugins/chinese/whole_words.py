"""``lexiplug.zh_whole_words.v1``: a Hugging Face encoder whose token vectors are whole
jieba words, pooled from the word's pieces.

Chinese BERT-style tokenizers cut Han text into single characters (and Latin runs into
WordPiece pieces), so a word such as ``天安门`` is three pieces. Whole-word treatment is what
Chinese encoders trained with whole-word masking are built around; here it is applied at
read-out: each text is segmented with jieba, each word's ``[start, end)`` character span in
the *original* text (no spaces inserted, so the encoder sees the text as written) is pooled
from the pieces it overlaps (``token_pooling``: mean, first or last), through the contextual
family's span alignment (plugins/contextual/alignment.py).

``encode_tokens`` keeps the Encoder contract: spaCy ``Doc``s are pooled to their own tokens
(a Chinese spaCy pipeline has already segmented them); plain strings are segmented with
jieba. ``encode_jieba_words`` returns the words with their vectors.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
from lexiplug.registry import Registries

NAME = "lexiplug.zh_whole_words.v1"


def word_spans(text: str, words: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """``[start, end)`` of each word in ``text``, searching left to right (jieba drops only
    whitespace, so every word is found after the previous one)."""
    starts = np.empty(len(words), dtype=np.int64)
    position = 0
    for i, word in enumerate(words):
        found = text.find(word, position)
        if found < 0:
            raise ValueError(f"word {word!r} not found in the text after offset {position}")
        starts[i] = found
        position = found + len(word)
    ends = starts + np.fromiter((len(w) for w in words), dtype=np.int64, count=len(words))
    return starts, ends


class WholeWordEncoder:
    """A :class:`TransformerEncoder` with jieba-word token vectors (contracts.Encoder)."""

    def __init__(self, encoder: Any, *, user_dict: str | None = None) -> None:
        from lexiplug.corpus.chinese import jieba_tokenizer

        self.encoder = encoder
        self._segment = jieba_tokenizer(user_dict)

    @property
    def dim(self) -> int:
        return int(self.encoder.dim)

    def encode_texts(self, texts: Sequence[str], **options: Any) -> np.ndarray:
        return np.asarray(self.encoder.encode_texts(texts, **options))

    def segment(self, texts: Iterable[str]) -> list[list[str]]:
        return list(self._segment(texts))

    def encode_jieba_words(self, texts: Sequence[str]) -> list[tuple[list[str], np.ndarray]]:
        """Each text's jieba words and their ``(n_words, dim)`` pooled vectors."""
        texts = list(texts)
        words = self.segment(texts)
        spans = [word_spans(text, text_words) for text, text_words in zip(texts, words,
                                                                          strict=True)]
        vectors = self.encoder.encode_spans(texts, [s for s, _ in spans], [e for _, e in spans])
        return list(zip(words, vectors, strict=True))

    def encode_tokens(self, docs: Iterable[Any]) -> list[np.ndarray]:
        """Per input: a spaCy ``Doc``'s tokens, or a string's jieba words, as vectors."""
        docs = list(docs)
        strings = [i for i, doc in enumerate(docs) if isinstance(doc, str)]
        results: list[np.ndarray | None] = [None] * len(docs)
        if strings:
            pooled = self.encode_jieba_words([docs[i] for i in strings])
            for i, (_, vectors) in zip(strings, pooled, strict=True):
                results[i] = vectors
        others = [i for i in range(len(docs)) if results[i] is None]
        if others:
            for i, vectors in zip(others, self.encoder.encode_tokens([docs[i] for i in others]),
                                  strict=True):
                results[i] = vectors
        return [np.asarray(r) for r in results]


def zh_whole_words_v1(
    model_path: str,
    user_dict: str | None = None,
    token_pooling: str = "mean",
    batch_size: int = 32,
    max_length: int | None = None,
    device: str = "auto",
) -> WholeWordEncoder:
    """Factory registered as ``lexiplug.zh_whole_words.v1`` (model loaded from a local folder)."""
    from lexiplug.plugins.contextual.encoder import TransformerEncoder

    encoder = TransformerEncoder(model_path, token_pooling=token_pooling,  # type: ignore[arg-type]
                                 batch_size=batch_size, max_length=max_length, device=device)
    return WholeWordEncoder(encoder, user_dict=user_dict)


def register(registry: Registries) -> None:
    registry.encoders.register(NAME, func=zh_whole_words_v1)
