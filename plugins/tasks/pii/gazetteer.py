"""First-name gazetteer for the PII tagger's lexicon feature.

The names (Kantrowitz's lists under ``pii/names-kantrowitz`` in the shared data) are read once
at training time and stored with the model weights as hashes of their lowercase forms, so a
trained pipeline needs no data folder at inference.
"""

from __future__ import annotations

from pathlib import Path

FIRST_NAMES_DIR = "pii/names-kantrowitz"


def read_first_names(folder: str | Path) -> list[str]:
    """Every non-comment line of the ``*.txt`` files in ``folder``, lowercased, unique."""
    from lexiplug.errors import DataNotFoundError

    files = sorted(Path(folder).glob("*.txt"))
    if not files:
        raise DataNotFoundError(f"no *.txt name lists in {folder}")
    names = set()
    for path in files:
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            name = line.strip()
            if name and not name.startswith("#"):
                names.add(name.lower())
    return sorted(names)


def first_name_hashes(relative: str = FIRST_NAMES_DIR) -> list[int]:
    """spaCy string hashes (the ``LOWER`` attribute's ids) of the lowercase first names."""
    from lexiplug.data.resolver import resolve_data_path
    from spacy.strings import hash_string

    folder = resolve_data_path(relative, what="first-name lists")
    return sorted({int(hash_string(name)) for name in read_first_names(folder)})
