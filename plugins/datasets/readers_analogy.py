"""Analogy question files in the word2vec ``questions-words.txt`` format.

``: section-name`` lines open a section; every other line is ``a b c d`` (a:b :: c:d).
Strict where gensim is lenient: a question line without exactly four words, or before the
first section header, is a :class:`~lexiplug.errors.FormatError` naming ``file:line``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from lexiplug.errors import FormatError

from .readers_text import read_text

Question = tuple[str, str, str, str]


def section_kind(section: str) -> str:
    """``syntactic`` for the Google set's ``gram*`` sections, else ``semantic``."""
    return "syntactic" if section.lower().startswith("gram") else "semantic"


@dataclass
class AnalogyQuestions:
    """Questions grouped in sections, in file order; ``lines`` parallel ``sections``."""

    sections: list[tuple[str, list[Question]]]
    lines: list[list[int]]
    path: Path | None = None
    name: str = ""

    def __len__(self) -> int:
        return sum(len(questions) for _, questions in self.sections)

    def kind(self, section: str) -> str:
        return section_kind(section)

    def iter_questions(self) -> Iterator[tuple[str, Question, int]]:
        """``(section, question, line)`` for every question in file order."""
        for (section, questions), lines in zip(self.sections, self.lines, strict=True):
            for question, line in zip(questions, lines, strict=True):
                yield section, question, line

    @classmethod
    def from_sections(
        cls, sections: list[tuple[str, list[Question]]], *, name: str = ""
    ) -> AnalogyQuestions:
        """Questions built in code; lines count from 1 across sections."""
        lines: list[list[int]] = []
        counter = 1
        for _, questions in sections:
            lines.append(list(range(counter, counter + len(questions))))
            counter += len(questions)
        copied = [(section, [(a, b, c, d) for a, b, c, d in q]) for section, q in sections]
        return cls(copied, lines, None, name)


def read_analogy_questions(
    path: str | Path, *, name: str = "", encoding: str = "utf-8"
) -> AnalogyQuestions:
    """Read a ``questions-words.txt``-style file."""
    path = Path(path)
    text = read_text(path, encoding)
    sections: list[tuple[str, list[Question]]] = []
    lines: list[list[int]] = []
    for line_no, raw in enumerate(text.split("\n"), start=1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith(":"):
            title = line[1:].strip()
            if not title:
                raise FormatError("expected a section name after ':'", path=path, line=line_no)
            sections.append((title, []))
            lines.append([])
            continue
        words = line.split()
        if len(words) != 4:
            raise FormatError(
                f"expected four words 'a b c d', found {len(words)}: {line[:80]!r}", path=path,
                line=line_no,
            )
        if not sections:
            raise FormatError(
                "expected a ': section' header before the first question", path=path,
                line=line_no,
            )
        sections[-1][1].append((words[0], words[1], words[2], words[3]))
        lines[-1].append(line_no)
    if not any(questions for _, questions in sections):
        raise FormatError("expected at least one analogy question, found none", path=path)
    return AnalogyQuestions(sections, lines, path, name)
