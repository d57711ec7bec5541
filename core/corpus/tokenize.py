"""Tokenisers for corpus readers: whitespace, or a blank spaCy tokenizer of a named language.

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


def make_tokenizer(spec: str, *, lowercase: bool = False) -> BatchTokenizer:
    """A batch tokenizer for ``spec``: ``"whitespace"`` or ``"spacy:<lang>"``.

    Lower-casing happens before tokenising (cheaper on whole lines, same result for both).
    """
    if spec == "whitespace":
        base: BatchTokenizer = whitespace_tokens
    elif spec.startswith("spacy:") and len(spec) > len("spacy:"):
        base = _spacy_tokenizer(spec.split(":", 1)[1])
    else:
        raise ConfigError(
            f"expected 'whitespace' or 'spacy:<lang>' (e.g. 'spacy:en'); found {spec!r}",
            where="tokenizer",
        )
    if not lowercase:
        return base

    def lowercased(texts: Iterable[str]) -> Iterator[list[str]]:
        return base(text.lower() for text in texts)

    return lowercased
