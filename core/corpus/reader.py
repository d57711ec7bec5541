"""Streaming corpora: plain text, folders/globs (``.gz``/``.bz2``), JSONL and CoNLL-U.

A :class:`Corpus` re-reads its files on every pass and never holds them in memory; it is
restartable, so ``for sentence in corpus`` works for gensim and for our own encoder.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Literal

from ..errors import ConfigError, DataNotFoundError, FormatError
from .conllu import word_columns
from .sources import PathLike, expand_paths, files_checksum, iter_lines
from .tokenize import make_tokenizer

CorpusFormat = Literal["text", "jsonl", "conllu"]
FORMATS: tuple[str, ...] = ("text", "jsonl", "conllu")


class Corpus:
    """Sentences (token lists) streamed from files, with the options that shaped them."""

    def __init__(
        self,
        files: Sequence[Path],
        *,
        format: CorpusFormat = "text",
        tokenizer: str = "whitespace",
        lowercase: bool = False,
        pretokenized: bool = False,
        text_field: str = "text",
        name: str | None = None,
        user_dict: PathLike | None = None,
    ) -> None:
        if format not in FORMATS:
            raise ConfigError(
                f"expected one of {', '.join(FORMATS)}; found {format!r}", where="format"
            )
        if not files:
            raise DataNotFoundError("the corpus names no file", where="paths")
        if pretokenized and tokenizer != "whitespace":
            raise ConfigError(
                f"pretokenized text is split on whitespace; tokenizer {tokenizer!r} would be "
                "ignored. Set pretokenized = false to tokenise, or tokenizer = 'whitespace'.",
                where="tokenizer",
            )
        self.files: tuple[Path, ...] = tuple(files)
        self.format: CorpusFormat = format
        self.tokenizer = tokenizer
        self.lowercase = lowercase
        self.pretokenized = pretokenized
        self.text_field = text_field
        default_name = self.files[0].stem if len(self.files) == 1 else self.files[0].parent.name
        self.name = name or default_name
        self.user_dict = None if user_dict is None else str(user_dict)
        self._tokenize = make_tokenizer(tokenizer, lowercase=lowercase, user_dict=self.user_dict)
        self._checksum: str | None = None

    def options(self) -> dict[str, Any]:
        """The reading options; part of the checksum and of any cache key built from it.

        A jieba user dictionary enters by its bytes' checksum (not its path), and only when
        given, so corpora without one keep the checksums they always had.
        """
        options: dict[str, Any] = {
            "format": self.format,
            "tokenizer": self.tokenizer,
            "lowercase": self.lowercase,
            "pretokenized": self.pretokenized,
            "text_field": self.text_field if self.format == "jsonl" else None,
        }
        if self.user_dict is not None:
            from .chinese import user_dict_checksum

            options["user_dict_sha256"] = user_dict_checksum(self.user_dict)
        return options

    def iter_sentences(self) -> Iterator[list[str]]:
        """Yield each non-empty sentence (or document line) as a list of tokens."""
        if self.format == "conllu":
            yield from self._conllu_sentences()
            return
        for tokens in self._tokenize(self._texts()):
            if tokens:
                yield tokens

    __iter__ = iter_sentences

    def _texts(self) -> Iterator[str]:
        for path in self.files:
            if self.format == "jsonl":
                yield from _jsonl_texts(path, self.text_field)
            else:
                for _, line in iter_lines(path):
                    if line.strip():
                        yield line

    def _conllu_sentences(self) -> Iterator[list[str]]:
        for path in self.files:
            for tokens in _conllu_forms(path):
                if self.lowercase:
                    tokens = [token.lower() for token in tokens]
                if tokens:
                    yield tokens

    def checksum(self) -> str:
        """SHA-256 of the input files' bytes and the reading options (computed once)."""
        if self._checksum is None:
            self._checksum = files_checksum(self.files, self.options())
        return self._checksum

    def describe(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "files": [str(path) for path in self.files],
            **self.options(),
        }

    def __repr__(self) -> str:
        return f"Corpus({self.name!r}, {len(self.files)} file(s), format={self.format!r})"


def _jsonl_texts(path: Path, field: str) -> Iterator[str]:
    for number, line in iter_lines(path):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            raise FormatError(
                f"expected one JSON object a line; {error.msg} at column {error.colno}",
                path=path,
                line=number,
            ) from None
        if not isinstance(record, dict) or field not in record:
            found = sorted(record) if isinstance(record, dict) else type(record).__name__
            raise FormatError(
                f"expected an object with a {field!r} field; found {found}", path=path, line=number
            )
        text = record[field]
        if not isinstance(text, str):
            raise FormatError(
                f"expected field {field!r} to be a string; found {type(text).__name__}",
                path=path,
                line=number,
            )
        yield text


def _conllu_forms(path: Path) -> Iterator[list[str]]:
    """FORM column of each sentence; skips multiword ranges (``3-4``), empty nodes (``5.1``)."""
    tokens: list[str] = []
    for number, line in iter_lines(path):
        if not line.strip():
            if tokens:
                yield tokens
                tokens = []
            continue
        if line.startswith("#"):
            continue
        columns = word_columns(line, path, number)
        if columns is not None:
            tokens.append(columns[1])
    if tokens:
        yield tokens


def locate(
    paths: PathLike | Sequence[PathLike], *, pattern: str = "*", argument: str = "paths"
) -> list[Path]:
    """Expand ``paths``; relative paths that do not exist here are looked up in the data roots.

    A path found nowhere is reported at the factory's ``argument`` (the block path is added
    by whoever resolves the block).
    """
    try:
        return _locate(paths, pattern)
    except DataNotFoundError as error:
        found_at = f" ({error.where})" if error.where else ""
        raise DataNotFoundError(error.message + found_at, where=argument) from None


def _locate(paths: PathLike | Sequence[PathLike], pattern: str) -> list[Path]:
    from ..data.resolver import resolve_data_path

    entries = [paths] if isinstance(paths, (str, Path)) else list(paths)
    located: list[PathLike] = []
    for entry in entries:
        text = str(entry)
        is_glob = any(char in text for char in "*?[")
        here = Path(text).expanduser()
        if is_glob or here.exists() or here.is_absolute():
            located.append(entry)
            continue
        located.append(resolve_data_path(text))
    files = []
    for entry in located:
        try:
            files.extend(expand_paths(entry, pattern=pattern))
        except DataNotFoundError:
            text = str(entry)
            if not any(char in text for char in "*?[") or Path(text).is_absolute():
                raise
            files.extend(_glob_in_data_roots(text, pattern))
    return files


def _glob_in_data_roots(text: str, pattern: str) -> list[Path]:
    from ..data.resolver import data_roots

    for root in data_roots():
        try:
            return expand_paths(str(root / text), pattern=pattern)
        except DataNotFoundError:
            continue
    raise DataNotFoundError(f"the glob {text!r} matches no file here or in the data roots")


# Factories registered in ``registry.corpora`` (see plugins/static/corpora.py).


def text_file_corpus(
    path: PathLike,
    *,
    tokenizer: str = "whitespace",
    lowercase: bool = False,
    pretokenized: bool = False,
    name: str | None = None,
    user_dict: PathLike | None = None,
) -> Corpus:
    """One plain-text file (``.gz``/``.bz2`` allowed), one sentence or document a line."""
    files = locate(path, argument="path")
    if len(files) != 1 or Path(str(path)).is_dir():
        raise ConfigError(
            f"expected one file; {path!r} names {len(files)} files. "
            "Use lexiplug.text_files.v1 for folders and globs.",
            where="path",
        )
    return Corpus(
        files, tokenizer=tokenizer, lowercase=lowercase, pretokenized=pretokenized, name=name,
        user_dict=user_dict,
    )


def text_files_corpus(
    paths: PathLike | Sequence[PathLike],
    *,
    pattern: str = "*",
    tokenizer: str = "whitespace",
    lowercase: bool = False,
    pretokenized: bool = False,
    name: str | None = None,
    user_dict: PathLike | None = None,
) -> Corpus:
    """Plain-text files from folders (files matching ``pattern``), globs or explicit paths."""
    return Corpus(
        locate(paths, pattern=pattern),
        tokenizer=tokenizer,
        lowercase=lowercase,
        pretokenized=pretokenized,
        name=name,
        user_dict=user_dict,
    )


def jsonl_corpus(
    paths: PathLike | Sequence[PathLike],
    *,
    text_field: str = "text",
    pattern: str = "*.jsonl*",
    tokenizer: str = "whitespace",
    lowercase: bool = False,
    pretokenized: bool = False,
    name: str | None = None,
    user_dict: PathLike | None = None,
) -> Corpus:
    """JSON Lines files; each object's ``text_field`` is one sentence or document."""
    return Corpus(
        locate(paths, pattern=pattern),
        format="jsonl",
        text_field=text_field,
        tokenizer=tokenizer,
        lowercase=lowercase,
        pretokenized=pretokenized,
        name=name,
        user_dict=user_dict,
    )


def conllu_corpus(
    paths: PathLike | Sequence[PathLike],
    *,
    pattern: str = "*.conllu",
    lowercase: bool = False,
    name: str | None = None,
) -> Corpus:
    """CoNLL-U treebanks: the FORM column of each sentence (already tokenised)."""
    return Corpus(
        locate(paths, pattern=pattern),
        format="conllu",
        lowercase=lowercase,
        pretokenized=True,
        name=name,
    )


def gensim_corpus(
    filename: str = "lee_background.cor",
    *,
    tokenizer: str = "whitespace",
    lowercase: bool = True,
    name: str | None = None,
) -> Corpus:
    """A text file bundled in gensim's test data (found on disk, no network)."""
    from ..data.resolver import gensim_data_dir

    folder = gensim_data_dir()
    if folder is None:
        raise DataNotFoundError("gensim is not installed, so its test data is unavailable")
    path = folder / filename
    if not path.is_file():
        available = sorted(p.name for p in folder.glob("*.cor"))
        raise DataNotFoundError(
            f"gensim's test data ({folder}) has no {filename!r}; text corpora there: "
            f"{', '.join(available)}", where="filename",
        )
    return Corpus(
        [path], tokenizer=tokenizer, lowercase=lowercase, name=name or Path(filename).stem
    )
