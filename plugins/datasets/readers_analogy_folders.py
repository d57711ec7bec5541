"""Analogy sets kept as one headerless ``a b c d`` file per relation (the Turkish set).

Each file becomes one section named ``folder/relation`` (the relation is the file name), so
per-relation accuracy is reported as for the Google set's sections.
"""

from __future__ import annotations

from pathlib import Path

from lexiplug.errors import FormatError

from .readers_analogy import AnalogyQuestions, Question
from .readers_text import read_text


def relation_name(path: Path) -> str:
    """``.../semantic/aile.txt`` -> ``semantic/aile``; a file directly in ``analogy/`` keeps
    its own name."""
    stem = path.stem
    return stem if path.parent.name == "analogy" else f"{path.parent.name}/{stem}"


def read_analogy_folders(*paths: str | Path, name: str = "") -> AnalogyQuestions:
    """One section per file, in the order given; lines are 1-based within each file."""
    sections: list[tuple[str, list[Question]]] = []
    lines: list[list[int]] = []
    for raw in paths:
        path = Path(raw)
        questions: list[Question] = []
        numbers: list[int] = []
        text = read_text(path)
        for line_no, line in enumerate(text.split("\n"), start=1):
            words = line.split()
            if not words:
                continue
            if len(words) != 4:
                raise FormatError(
                    f"expected four words 'a b c d', found {len(words)}: {line.strip()[:80]!r}",
                    path=path, line=line_no,
                )
            questions.append((words[0], words[1], words[2], words[3]))
            numbers.append(line_no)
        if not questions:
            raise FormatError("expected at least one analogy question, found none", path=path)
        sections.append((relation_name(path), questions))
        lines.append(numbers)
    return AnalogyQuestions(sections, lines, None, name)
