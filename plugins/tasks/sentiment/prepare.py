"""``lexiplug task prepare sentiment SOURCES... -o train.spacy [--dev-output dev.spacy]``.

Sources: CSV/TSV files with a header (``text,sentiment``) or SST-2 ``LABEL SENTENCE`` files
(readers.py). Each text becomes a tokenised Doc with ``doc.cats`` POSITIVE/NEGATIVE at
1.0/0.0. ``--option language=tr`` picks the tokenizer and the language check: a text with
three or more frequent words of the other language (seeds/*.json ``stopwords``) and none of
its own is refused, naming its file and line (``other_language=drop`` drops such texts and
lists their lines in the summary: the Turkish set holds two English reviews;
``other_language=keep`` keeps them). ``dev_output`` holds out a stratified, seeded
``dev_fraction``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from lexiplug.errors import ConfigError, FormatError

from ..inputs import fraction_option, integer_option, path_option, reject_unknown, resolve_source
from .readers import LabelledText, read_labelled
from .seeds import load_seeds

OPTIONS = ("language", "dev_output", "dev_fraction", "seed", "other_language")
OTHER_LANGUAGE = ("error", "drop", "keep")
LANGUAGES = ("en", "tr")
OTHER_LANGUAGE_HITS = 3


def stratified_split(labels: Sequence[str], fraction: float, seed: int
                     ) -> tuple[np.ndarray, np.ndarray]:
    """(kept, held-out) indices: ``fraction`` of each class held out, seeded."""
    rng = np.random.default_rng(seed)
    held: list[int] = []
    array = np.asarray(labels)
    for label in sorted(set(labels)):
        ids = rng.permutation(np.flatnonzero(array == label))
        held.extend(ids[:max(1, round(fraction * ids.size))].tolist())
    held_set = set(held)
    kept = np.asarray([i for i in range(len(labels)) if i not in held_set], dtype=np.int64)
    return kept, np.asarray(sorted(held_set), dtype=np.int64)


def foreign_records(records: Sequence[LabelledText], language: str) -> list[LabelledText]:
    """The records that read as the other language (see the module docstring)."""
    own = set(load_seeds(language).stopwords)
    other = set(load_seeds("tr" if language == "en" else "en").stopwords)
    found = []
    for record in records:
        words = record.text.lower().split()
        if sum(w in other for w in words) >= OTHER_LANGUAGE_HITS and not any(
                w in own for w in words):
            found.append(record)
    return found


def screen_language(records: list[LabelledText], language: str, policy: str, path: Path
                    ) -> tuple[list[LabelledText], list[int]]:
    """(records kept, lines dropped) under the ``other_language`` policy."""
    if policy == "keep":
        return records, []
    foreign = foreign_records(records, language)
    if foreign and policy == "error":
        first = foreign[0]
        raise FormatError(f"expected {language} text, found {len(foreign)} that read(s) as "
                          f"another language, first: {first.text[:60]!r} (--option "
                          "other_language=drop or keep)", path=str(path), line=first.line)
    lines = {r.line for r in foreign}
    return [r for r in records if r.line not in lines], sorted(lines)


def to_docs(records: Sequence[LabelledText], nlp: Any) -> list[Any]:
    docs = []
    for record, doc in zip(records, nlp.tokenizer.pipe(r.text for r in records), strict=True):
        positive = record.label == "POSITIVE"
        doc.cats = {"POSITIVE": float(positive), "NEGATIVE": float(not positive)}
        docs.append(doc)
    return docs


def write_docbin(docs: Sequence[Any], output: Path) -> None:
    from lexiplug.atomic import atomic_path
    from spacy.tokens import DocBin

    with atomic_path(output) as tmp:
        DocBin(attrs=["ORTH"], docs=docs, store_user_data=False).to_disk(tmp)


def prepare(sources: Sequence[str | Path], output: str | Path, *, language: str = "en",
            dev_output: str | Path | None = None, dev_fraction: float = 0.1, seed: int = 0,
            other_language: str = "error", **unknown: Any) -> dict[str, Any]:
    """Write the sentiment DocBin(s); returns counts per output file."""
    import spacy

    reject_unknown("sentiment", unknown, OPTIONS)
    if language not in LANGUAGES:
        raise ConfigError(f"expected one of {LANGUAGES}, found {language!r}",
                          where="task prepare sentiment --option language")
    seed = integer_option(seed, "seed", minimum=0)
    if other_language not in OTHER_LANGUAGE:
        raise ConfigError(f"expected one of {OTHER_LANGUAGE}, found {other_language!r}",
                          where="task prepare sentiment --option other_language")
    if dev_output is not None:
        dev_output = path_option(dev_output, "dev_output")
        dev_fraction = fraction_option(dev_fraction, "dev_fraction")
    if not sources:
        raise ConfigError("expected at least one source file", where="task prepare sentiment")
    records: list[LabelledText] = []
    dropped: dict[str, list[int]] = {}
    for raw in sources:
        path = resolve_source(raw, "sentiment")
        found, lines = screen_language(read_labelled(path), language, other_language, path)
        if lines:
            dropped[str(path)] = lines
        records.extend(found)
    nlp = spacy.blank(language)
    splits = {Path(output): records}
    if dev_output is not None:
        kept, held = stratified_split([r.label for r in records], dev_fraction, seed)
        splits = {Path(output): [records[i] for i in kept],
                  Path(dev_output): [records[i] for i in held]}
    summary: dict[str, Any] = {}
    docs_by_path = {path: to_docs(split, nlp) for path, split in splits.items()}
    for path, docs in docs_by_path.items():  # write only once every split is built
        write_docbin(docs, path)
        positive = sum(d.cats["POSITIVE"] == 1.0 for d in docs)
        summary[str(path)] = {"docs": len(docs), "POSITIVE": positive,
                              "NEGATIVE": len(docs) - positive}
    if dropped:
        summary["dropped_other_language"] = dropped
    return summary
