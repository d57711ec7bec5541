"""CoNLL-U treebanks, read strictly: word forms and UPOS per sentence, nothing else kept.

Multiword-token lines (``3-4``) and empty nodes (``5.1``) are skipped, as UD tools do; any
other line that is not ten tab-separated columns is a :class:`FormatError` naming
``file:line``, because a silently dropped token shifts every probe figure after it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from lexiplug.corpus.conllu import word_columns
from lexiplug.errors import FormatError

from .readers_text import read_text

UPOS_TAGS = (
    "ADJ", "ADP", "ADV", "AUX", "CCONJ", "DET", "INTJ", "NOUN", "NUM", "PART", "PRON",
    "PROPN", "PUNCT", "SCONJ", "SYM", "VERB", "X",
)  # fmt: skip


@dataclass
class Sentence:
    """One sentence: word forms and their UPOS tags; ``line`` is where it starts (1-based)."""

    forms: list[str]
    upos: list[str]
    line: int = 0
    sent_id: str = ""

    def __len__(self) -> int:
        return len(self.forms)


@dataclass
class Treebank:
    """Sentences by split name (``train``, ``dev``, ``test``), with their source files."""

    splits: dict[str, list[Sentence]]
    paths: dict[str, Path] = field(default_factory=dict)
    name: str = ""

    def split(self, *preferred: str) -> list[Sentence]:
        """The first split of ``preferred`` that exists (e.g. ``"test", "dev"``)."""
        for name in preferred:
            if name in self.splits:
                return self.splits[name]
        raise FormatError(
            f"treebank {self.name!r} has no split among {list(preferred)}; it has "
            f"{sorted(self.splits)}"
        )

    def n_tokens(self, split: str) -> int:
        return sum(len(s) for s in self.splits[split])


def read_conllu(path: str | Path) -> list[Sentence]:
    """All sentences of one CoNLL-U file."""
    path = Path(path)
    text = read_text(path)
    sentences: list[Sentence] = []
    forms: list[str] = []
    tags: list[str] = []
    start = 0
    sent_id = ""
    for line_no, raw in enumerate(text.split("\n"), start=1):
        line = raw.rstrip("\r")
        if not line.strip():
            if forms:
                sentences.append(Sentence(forms, tags, start, sent_id))
            forms, tags, start, sent_id = [], [], 0, ""
            continue
        if line.startswith("#"):
            if line.startswith("# sent_id"):
                sent_id = line.partition("=")[2].strip()
            continue
        columns = word_columns(line, path, line_no)
        if columns is None:
            continue
        upos = columns[3]
        if upos not in UPOS_TAGS and upos != "_":
            raise FormatError(
                f"expected a UPOS tag in column 4 (one of {', '.join(UPOS_TAGS)}), found "
                f"{upos[:20]!r}", path=path, line=line_no,
            )
        if not forms:
            start = line_no
        forms.append(columns[1])
        tags.append(upos)
    if forms:
        sentences.append(Sentence(forms, tags, start, sent_id))
    if not sentences:
        raise FormatError("expected at least one CoNLL-U sentence, found none", path=path)
    return sentences


def split_name(path: Path) -> str:
    """``en_atis-ud-train.conllu`` -> ``train``."""
    stem = path.name.removesuffix(".conllu")
    return stem.rsplit("-", 1)[-1]


def read_treebank(*paths: str | Path, name: str = "") -> Treebank:
    """One treebank from its split files (split named by the file name's last ``-part``)."""
    splits: dict[str, list[Sentence]] = {}
    where: dict[str, Path] = {}
    for raw in paths:
        path = Path(raw)
        split = split_name(path)
        splits[split] = read_conllu(path)
        where[split] = path
    return Treebank(splits, where, name)
