"""Tokenisers for corpus readers: whitespace, a blank spaCy tokenizer of a named language, or
Chinese word segmentation (``jieba``) and one token per Han character (``chars``).

A tokenizer maps a batch of texts to token lists, so spaCy can work through ``pipe``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from ..errors import ConfigError

BatchTokenizer = Callable[[Iterable[str]], Iterator[list[str]]]
SPACY_BATCH_SIZE = 1000


def whitespace_tokens(texts: Iterable[str]) -> Iterator[list[str]]:
    """Split each text on runs of whitespace."""
    for text in texts:
        yield text.split()


def _spacy_tokenizer(lang: str) -> BatchTokenizer:
    import spacy

    try:
        nlp = spacy.blank(lang)
    except Exception as error:  # spaCy raises ImportError / a custom error for unknown codes
        raise ConfigError(
            f"expected a spaCy language code such as 'en' or 'nl'; spaCy has no language "
            f"{lang!r} ({error})",
            where="tokenizer",
        ) from error
    tokenizer: Any = nlp.tokenizer

    def spacy_tokens(texts: Iterable[str]) -> Iterator[list[str]]:
        for doc in tokenizer.pipe(texts, batch_size=SPACY_BATCH_SIZE):
            yield [token.text for token in doc if not token.is_space]

    return spacy_tokens


def make_tokenizer(
    spec: str, *, lowercase: bool = False, user_dict: str | None = None
) -> BatchTokenizer:
    """A batch tokenizer for ``spec``: ``"whitespace"``, ``"spacy:<lang>"``, ``"jieba"`` or
    ``"chars"`` (see core/corpus/chinese.py); ``user_dict`` is a jieba user dictionary.

    Lower-casing happens before tokenising (cheaper on whole lines, same result for all).
    """
    if user_dict is not None and spec != "jieba":
        raise ConfigError(
            f"a user dictionary is a jieba option; tokenizer is {spec!r}. Set tokenizer = "
            "'jieba' or drop user_dict.",
            where="user_dict",
        )
    if spec == "whitespace":
        base: BatchTokenizer = whitespace_tokens
    elif spec.startswith("spacy:") and len(spec) > len("spacy:"):
        base = _spacy_tokenizer(spec.split(":", 1)[1])
    elif spec == "jieba":
        from .chinese import jieba_tokenizer

        base = jieba_tokenizer(user_dict)
    elif spec == "chars":
        from .chinese import character_tokens

        base = character_tokens
    else:
        raise ConfigError(
            "expected 'whitespace', 'spacy:<lang>' (e.g. 'spacy:en'), 'jieba' or 'chars'; "
            f"found {spec!r}",
            where="tokenizer",
        )
    if not lowercase:
        return base

    def lowercased(texts: Iterable[str]) -> Iterator[list[str]]:
        return base(text.lower() for text in texts)

    return lowercased
