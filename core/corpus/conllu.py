"""One CoNLL-U word line, checked: shared by the corpus reader (FORM only) and the treebank
reader in plugins/datasets/readers_conllu.py (FORM and UPOS)."""

from __future__ import annotations

from pathlib import Path

from ..errors import FormatError


def word_columns(line: str, path: str | Path, line_no: int) -> list[str] | None:
    """The ten columns of a word line, or None for a multiword range (``3-4``) or an empty
    node (``5.1``), which repeat or add to the words and are left out of sentences."""
    columns = line.split("\t")
    if len(columns) != 10:
        raise FormatError(
            f"expected 10 tab-separated CoNLL-U columns, found {len(columns)}: {line[:80]!r}",
            path=path, line=line_no,
        )
    token_id = columns[0]
    if "-" in token_id or "." in token_id:
        return None
    if not token_id.isdigit():
        raise FormatError(
            f"expected an integer token id in column 1, found {token_id[:20]!r}",
            path=path, line=line_no,
        )
    return columns
