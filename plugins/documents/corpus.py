"""Documents as the embedders here read them, and the ``lexiplug.newsgroups.v1`` corpus.

A document embedder's ``fit`` takes any of: an object with ``iter_documents()`` yielding
``(key, tokens, label)`` (the corpus below), a sequence of :class:`Document`, or a sequence
of plain texts. :func:`tokenised_documents` turns each into the same triples and rejects an
empty document by naming it, since a document without words cannot get a vector.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from lexiplug.errors import ConfigError, TrainingError
from lexiplug.registry import Registries

from .newsgroups import (
    REMOVABLE,
    SUBSETS,
    TRAIN_FILE,
    Document,
    check_remove,
    document_tokens,
    read_newsgroups_split,
)

NAME = "lexiplug.newsgroups.v1"
TokenisedDocument = tuple[str, list[str], str | None]


@runtime_checkable
class DocumentSource(Protocol):
    """A corpus of documents: ``(key, tokens, label)`` per document, re-iterable."""

    def iter_documents(self) -> Iterator[TokenisedDocument]: ...


def tokenised_documents(docs: Any) -> list[TokenisedDocument]:
    """``docs`` as ``(key, tokens, label)`` triples; TrainingError on an empty document."""
    if isinstance(docs, DocumentSource):
        triples = list(docs.iter_documents())
    elif isinstance(docs, (str, bytes)) or not isinstance(docs, Iterable):
        raise ConfigError(f"expected a corpus of documents or a list of texts, found "
                          f"{type(docs).__name__}", where="docs")
    else:
        triples = []
        for index, doc in enumerate(docs):
            if isinstance(doc, Document):
                triples.append((doc.key, document_tokens(doc.text), doc.label))
            elif isinstance(doc, str):
                triples.append((str(index), document_tokens(doc), None))
            else:
                raise ConfigError(f"document {index}: expected a text, found "
                                  f"{type(doc).__name__}", where="docs")
    if not triples:
        raise TrainingError("expected at least one document, found none", where="docs")
    empty = [key for key, tokens, _ in triples if not tokens]
    if empty:
        raise TrainingError(
            f"{len(empty)} document(s) have no words (first: {empty[:3]}); remove them (the "
            "newsgroups corpus does with drop_empty = true)", where="docs")
    return triples


def labels_of(triples: Sequence[TokenisedDocument]) -> list[str] | None:
    """The labels when every document has one; None when none has; an error when some lack
    one (retrieval would silently count them as irrelevant to everything)."""
    labels = [label for _, _, label in triples]
    missing = [key for key, _, label in triples if label is None]
    if len(missing) == len(labels):
        return None
    if missing:
        raise TrainingError(f"{len(missing)} document(s) have no label (first: {missing[:3]}) "
                            "while others have one", where="docs")
    return [str(label) for label in labels]


@dataclass
class NewsgroupsCorpus:
    """One split of a 20 Newsgroups archive as documents (and as sentences, one per document,
    so word embedders can train on it too)."""

    path: str | None = None
    split: str = "train"
    dev_fraction: float = 0.1
    seed: int = 0
    remove: list[str] = field(default_factory=lambda: list(REMOVABLE))
    subset: str = "all20"
    drop_empty: bool = True
    max_docs: int | None = None

    def __post_init__(self) -> None:
        check_remove(self.remove)
        if self.subset not in SUBSETS:
            raise ConfigError(f"expected one of {SUBSETS}, found {self.subset!r}",
                              where="subset")
        if self.split not in ("train", "dev", "all"):
            raise ConfigError(f"expected 'train', 'dev' or 'all', found {self.split!r}",
                              where="split")
        if self.max_docs is not None and self.max_docs < 1:
            raise ConfigError(f"expected a positive number, found {self.max_docs!r}",
                              where="max_docs")

    def archive(self) -> Path:
        if self.path is not None:
            return Path(self.path)
        from lexiplug.data.resolver import resolve_data_path

        return resolve_data_path(TRAIN_FILE, what="20 Newsgroups (bydate train)")

    def documents(self) -> list[Document]:
        documents = read_newsgroups_split(self.archive(), split=self.split,
                                          dev_fraction=self.dev_fraction, seed=self.seed,
                                          remove=self.remove, subset=self.subset)
        if self.drop_empty:
            documents = [d for d in documents if document_tokens(d.text)]
        return documents[: self.max_docs] if self.max_docs else documents

    def iter_documents(self) -> Iterator[TokenisedDocument]:
        for document in self.documents():
            yield document.key, document_tokens(document.text), document.label

    def iter_sentences(self) -> Iterator[list[str]]:
        for _, tokens, _ in self.iter_documents():
            yield tokens

    def checksum(self) -> str:
        from lexiplug.data.spec import file_sha256

        options = f"{self.split}|{self.dev_fraction}|{self.seed}|{sorted(self.remove)}|" \
                  f"{self.subset}|{self.drop_empty}|{self.max_docs}"
        return hashlib.sha256(f"{file_sha256(self.archive())}|{options}".encode()
                              ).hexdigest()[:16]


def newsgroups_v1(
    path: str | None = None,
    split: str = "train",
    dev_fraction: float = 0.1,
    seed: int = 0,
    remove: list[str] = list(REMOVABLE),  # noqa: B006 - confection needs a literal default
    subset: str = "all20",
    drop_empty: bool = True,
    max_docs: int | None = None,
) -> NewsgroupsCorpus:
    """20 Newsgroups documents: ``split`` train (dev carved out), dev or all of the archive."""
    return NewsgroupsCorpus(path, split, dev_fraction, seed, list(remove), subset, drop_empty,
                            max_docs)


def register(registry: Registries) -> None:
    registry.corpora.register(NAME, func=newsgroups_v1)
