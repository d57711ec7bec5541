"""Readers of the sentiment sets of the shared data folder (``sentiment/``; docs/sentiment.md).

Three formats, told apart by content, not by name: CSV with a header row holding a text and
a label column (``text,sentiment``: the Aydın & Güngör Turkish and English sets, RFC-4180
quoting, CRLF or LF), TSV with the same header, and the SST-2 line format ``LABEL SENTENCE``
(``stsa.binary.*``). Labels map onto ``POSITIVE``/``NEGATIVE``; any other label, an empty
text or a missing column is a :class:`FormatError` naming the file and line.

SST-2 and Pang & Lee's sentences are the same Rotten Tomatoes snippets, so
:func:`check_no_overlap` compares normalised texts and refuses a train/eval pair that shares
any.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from lexiplug.errors import FormatError

LABELS = ("POSITIVE", "NEGATIVE")
LABEL_MAP = {
    "p": "POSITIVE", "pos": "POSITIVE", "positive": "POSITIVE", "1": "POSITIVE",
    "n": "NEGATIVE", "neg": "NEGATIVE", "negative": "NEGATIVE", "0": "NEGATIVE",
}
TEXT_COLUMNS = ("text", "sentence", "review")
LABEL_COLUMNS = ("sentiment", "label", "polarity")


@dataclass(frozen=True)
class LabelledText:
    text: str
    label: str  # POSITIVE or NEGATIVE
    line: int  # 1-based line of the record's start in its file


def normalise_label(raw: str, path: Path | str, line: int) -> str:
    label = LABEL_MAP.get(raw.strip().lower())
    if label is None:
        raise FormatError(f"expected a label among {sorted(set(LABEL_MAP))} (two classes: "
                          f"positive, negative), found {raw!r}", path=str(path), line=line)
    return label


def _column(header: Sequence[str], names: Sequence[str], what: str, path: Path) -> int:
    lowered = [h.strip().lower() for h in header]
    for name in names:
        if name in lowered:
            return lowered.index(name)
    raise FormatError(f"expected a {what} column named one of {list(names)}, found header "
                      f"{list(header)}", path=str(path), line=1)


def _read_delimited(path: Path, text: str, delimiter: str) -> list[LabelledText]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        raise FormatError("expected a header row, found an empty file", path=str(path)) from None
    text_at = _column(header, TEXT_COLUMNS, "text", path)
    label_at = _column(header, LABEL_COLUMNS, "label", path)
    records: list[LabelledText] = []
    start = reader.line_num + 1
    try:
        for row in reader:
            if not row:
                start = reader.line_num + 1
                continue
            if len(row) <= max(text_at, label_at):
                raise FormatError(f"expected {len(header)} fields, found {len(row)}",
                                  path=str(path), line=start)
            records.append(_record(row[text_at], row[label_at], path, start))
            start = reader.line_num + 1
    except csv.Error as error:
        raise FormatError(f"expected valid CSV ({error})", path=str(path),
                          line=reader.line_num) from None
    return records


def _record(text: str, raw_label: str, path: Path, line: int) -> LabelledText:
    label = normalise_label(raw_label, path, line)
    if not text.strip():
        raise FormatError("expected a non-empty text", path=str(path), line=line)
    return LabelledText(text.strip(), label, line)


def _read_sst(path: Path, text: str) -> list[LabelledText]:
    records = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        raw_label, _, sentence = line.strip().partition(" ")
        records.append(_record(sentence, raw_label, path, number))
    return records


def read_labelled(path: str | Path) -> list[LabelledText]:
    """Every record of a CSV/TSV/SST-2 file, in file order."""
    from ..inputs import read_text

    path = Path(path)
    text = read_text(path)
    first = text.split("\n", 1)[0]
    if not first.strip():
        raise FormatError("expected a header row or an SST-2 line, found an empty first line",
                          path=str(path), line=1)
    if re.match(r"^[01] \S", first):
        return _read_sst(path, text)
    delimiter = "\t" if "\t" in first else ","
    records = _read_delimited(path, text, delimiter)
    if not records:
        raise FormatError("expected at least one labelled text", path=str(path))
    return records


def overlap_key(text: str) -> str:
    """Lower-cased, alphanumerics only: how the data notes measure the SST-2 / MR overlap."""
    return re.sub(r"[\W_]+", "", text.lower())


def check_no_overlap(train: Sequence[LabelledText], evaluation: Sequence[LabelledText],
                     *, train_name: str, eval_name: str, allowed: int = 0) -> None:
    """Refuse an evaluation set that shares texts with the training set (beyond ``allowed``
    known upstream duplicates)."""
    seen = {overlap_key(r.text) for r in train}
    shared = [r for r in evaluation if overlap_key(r.text) in seen]
    if len(shared) > allowed:
        raise FormatError(
            f"{len(shared)} of its {len(evaluation)} texts also occur in the training set "
            f"{train_name} (first at line {shared[0].line}); train and evaluate on disjoint "
            "sets (SST-2 and Pang & Lee share sentences)", path=eval_name)
