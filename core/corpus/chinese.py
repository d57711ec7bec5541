"""Chinese tokenisers for corpus readers: jieba word segmentation, and one token per character.

Chinese is written without spaces, so the whitespace tokenizer would make each line one
"word". ``jieba`` (PyPI, pure Python) segments with a prefix dictionary and an HMM for unknown
words; ``chars`` splits every Han character off on its own (the character-level baseline),
keeping runs of other scripts (``COVID-19``, ``WHO``) as one token so mixed text stays legible.

Both drop whitespace tokens and keep punctuation, as the spaCy tokenizer does. Traditional
characters pass through unchanged: jieba's dictionary is mostly simplified, so traditional
text segments into shorter pieces but is never dropped (convert it first, e.g. with OpenCC,
for the same segmentation as simplified text).

A user dictionary is read here, not by jieba, so a malformed line is a FormatError naming
``file:line`` (jieba's own reader raises a bare ValueError) and its checksum can join the
corpus checksum: changing the dictionary changes the cache key.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import ConfigError, DataNotFoundError, FormatError

# CJK Unified Ideographs, Extension A, Compatibility Ideographs, Extensions B-F (SIP).
HAN_RANGES = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ffff"
_HAN = re.compile(f"[{HAN_RANGES}]")
_CHAR_TOKEN = re.compile(f"[{HAN_RANGES}]|(?:(?![{HAN_RANGES}])\\w)+|[^\\w\\s]")


def is_han(character: str) -> bool:
    """Whether ``character`` is a Han ideograph (simplified or traditional)."""
    return _HAN.fullmatch(character) is not None


def han_characters(word: str) -> list[str]:
    """The Han characters of ``word`` in order (Latin letters, digits, marks are left out)."""
    return _HAN.findall(word)


def character_tokens(texts: Iterable[str]) -> Iterator[list[str]]:
    """Each Han character a token; runs of other word characters one token; marks alone."""
    for text in texts:
        yield _CHAR_TOKEN.findall(text)


@dataclass(frozen=True)
class UserDictEntry:
    """One line of a jieba user dictionary: ``word [frequency] [part-of-speech tag]``."""

    word: str
    frequency: int | None
    tag: str | None


def read_user_dict(path: str | Path) -> list[UserDictEntry]:
    """Parse a jieba user dictionary (UTF-8), every fault a FormatError naming file:line."""
    from .sources import iter_lines

    path = Path(path).expanduser()
    if not path.is_file():
        raise DataNotFoundError(
            "expected a jieba user dictionary file (one 'word [freq] [tag]' a line); "
            f"nothing exists at {str(path)!r}", where="user_dict",
        )
    entries: list[UserDictEntry] = []
    for number, line in iter_lines(path):
        fields = line.split()
        if not fields or fields[0].startswith("#"):
            continue
        if len(fields) > 3:
            raise FormatError(
                f"expected 'word [frequency] [tag]'; found {len(fields)} fields: {line[:60]!r}",
                path=path, line=number,
            )
        frequency: int | None = None
        tag: str | None = None
        for extra in fields[1:]:
            if extra.isdigit() and frequency is None and tag is None:
                frequency = int(extra)
            elif tag is None and not extra.isdigit():
                tag = extra
            else:
                raise FormatError(
                    f"expected 'word [frequency] [tag]' with a whole-number frequency; "
                    f"found {line[:60]!r}", path=path, line=number,
                )
        entries.append(UserDictEntry(fields[0], frequency, tag))
    return entries


def user_dict_checksum(path: str | Path) -> str:
    """SHA-256 of the dictionary's bytes (part of the corpus checksum when one is given)."""
    return hashlib.sha256(Path(path).expanduser().read_bytes()).hexdigest()


_BASE_SEGMENTER: Any = None


def _base_segmenter() -> Any:
    """One initialised jieba dictionary per process (loading it takes about a second)."""
    global _BASE_SEGMENTER
    if _BASE_SEGMENTER is None:
        import jieba

        logging.getLogger("jieba").setLevel(logging.WARNING)  # its "Building prefix dict" chatter
        segmenter = jieba.Tokenizer()
        segmenter.initialize()
        _BASE_SEGMENTER = segmenter
    return _BASE_SEGMENTER


def jieba_tokenizer(user_dict: str | Path | None = None, *, hmm: bool = True) -> Any:
    """A batch tokenizer segmenting each text with jieba.

    With a user dictionary the segmenter is a private ``jieba.Tokenizer`` holding a copy of
    the default dictionary plus the user's words, so one corpus's dictionary never leaks into
    another corpus of the process (jieba's module-level functions share one global state).
    """
    try:
        import jieba
    except ImportError as error:
        raise ConfigError(
            "tokenizer 'jieba' needs the jieba package: pip install 'lexiplug[chinese]'",
            where="tokenizer",
        ) from error
    entries = read_user_dict(user_dict) if user_dict is not None else []
    base = _base_segmenter()
    segmenter = base
    if entries:
        segmenter = jieba.Tokenizer()
        segmenter.FREQ, segmenter.total = dict(base.FREQ), base.total
        segmenter.initialized = True
        for entry in entries:
            segmenter.add_word(entry.word, entry.frequency, entry.tag)

    def jieba_tokens(texts: Iterable[str]) -> Iterator[list[str]]:
        for text in texts:
            yield [token for token in segmenter.cut(text, HMM=hmm) if not token.isspace()]

    return jieba_tokens
