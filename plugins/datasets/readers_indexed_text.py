"""Plain-text corpora whose lines belong to documents listed in a ``documents.tsv`` index.

The Dutch legislation corpus (``dutch_text/dutch-laws-bwb``) is gzip text, one paragraph a
line, with ``documents.tsv`` saying which consecutive lines make one regulation. Lines of
one regulation share boilerplate, so anything that holds text out must hold out whole
documents: :func:`held_out` decides by a seeded hash of the document id, the same on every
run and machine. :meth:`IndexedTextCorpus.lines` streams the gzip files line by line (a
generator; the corpus is ~120 MB unpacked and is never held in memory) and checks that the
index and the files agree, naming the file and line where they do not.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from lexiplug.errors import DataNotFoundError, FormatError

INDEX_NAME = "documents.tsv"
INDEX_COLUMNS = ("file", "first_line", "n_lines", "bwb_id", "upstream_path")


@dataclass(frozen=True)
class IndexedDocument:
    """One document: ``n_lines`` lines of ``file`` from ``first_line`` (1-based)."""

    file: str
    first_line: int
    n_lines: int
    doc_id: str


def held_out(key: str, fraction: float, seed: int) -> bool:
    """Whether ``key`` (a document id) falls in the seeded ``fraction`` held out: a stable
    hash, so a document's side of the split never depends on order or on what else is read."""
    digest = hashlib.sha256(f"{seed}:{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2.0**64 < fraction


def read_document_index(path: str | Path) -> tuple[IndexedDocument, ...]:
    """The rows of a ``documents.tsv`` (header: file, first_line, n_lines, bwb_id, ...)."""
    path = Path(path)
    if not path.is_file():
        raise DataNotFoundError(f"expected a document index {INDEX_NAME} here", where=str(path))
    documents: list[IndexedDocument] = []
    with open(path, encoding="utf-8") as handle:
        header = handle.readline().rstrip("\n").split("\t")
        if tuple(header[:4]) != INDEX_COLUMNS[:4]:
            raise FormatError(f"expected the header {'<TAB>'.join(INDEX_COLUMNS)}; found "
                              f"{header!r}", path=str(path), line=1)
        for number, line in enumerate(handle, start=2):
            fields = line.rstrip("\n").split("\t")
            try:
                first, count = int(fields[1]), int(fields[2])
                doc_id = fields[3]
            except (IndexError, ValueError):
                raise FormatError("expected file<TAB>first_line<TAB>n_lines<TAB>id with "
                                  f"integer line numbers; found {line.strip()!r}",
                                  path=str(path), line=number) from None
            if first < 1 or count < 1 or not doc_id:
                raise FormatError("expected first_line >= 1, n_lines >= 1 and an id; found "
                                  f"{line.strip()!r}", path=str(path), line=number)
            documents.append(IndexedDocument(fields[0], first, count, doc_id))
    return tuple(documents)


@dataclass(frozen=True)
class IndexedTextCorpus:
    """A folder of text files (plain or ``.gz``) plus the ``documents.tsv`` that maps their
    lines to documents."""

    folder: Path
    documents: tuple[IndexedDocument, ...]

    @classmethod
    def open(cls, folder: str | Path) -> IndexedTextCorpus:
        folder = Path(folder)
        return cls(folder, read_document_index(folder / INDEX_NAME))

    def files(self) -> tuple[str, ...]:
        """The text files, in index order."""
        return tuple(dict.fromkeys(document.file for document in self.documents))

    def lines(self) -> Iterator[tuple[IndexedDocument, str]]:
        """Every indexed line with its document, streamed file by file (a generator: memory
        stays bounded by one line). Lines outside every document are skipped; an index that
        points past a file's end is a :class:`FormatError`."""
        from lexiplug.corpus.sources import iter_lines

        for name in self.files():
            path = self.folder / name
            if not path.is_file():
                raise DataNotFoundError(f"the index {INDEX_NAME} names {name!r}, which is "
                                        "not in the folder", where=str(self.folder))
            documents = iter(sorted((d for d in self.documents if d.file == name),
                                    key=lambda d: d.first_line))
            current = next(documents, None)
            number = 0
            lines = iter_lines(path)
            for number, line in lines:
                while current is not None and number >= current.first_line + current.n_lines:
                    current = next(documents, None)
                if current is None:
                    break
                if number >= current.first_line:
                    yield current, line
            lines.close()  # type: ignore[attr-defined]  # the gzip handle, when stopped early
            if current is not None and number < current.first_line + current.n_lines - 1:
                raise FormatError(f"the index says document {current.doc_id} runs to line "
                                  f"{current.first_line + current.n_lines - 1}; the file "
                                  f"ends at line {number}", path=str(path))


def read_indexed_text(*paths: Path, name: str = "") -> IndexedTextCorpus:
    """The dataset reader: ``paths`` are the index and its files, all in one folder."""
    del name
    return IndexedTextCorpus.open(Path(paths[0]).parent)
