"""``lexiplug task prepare phenotype``: CSV/JSONL reports + label columns -> DocBins.

Each label column is a task; a report's label goes into ``doc.cats`` as a one-hot block of
``task=label`` entries over every label of that column in the input (so ``spacy train``
carries it); an empty or "not available" cell leaves the task out of ``doc.cats`` (a
missing label: masked in the loss, not scored). Rows are split into train/dev by group
(patient) id, so no patient is in both.
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from lexiplug.errors import ConfigError, FormatError

from ..inputs import (
    fraction_option,
    integer_option,
    open_binary,
    path_option,
    reject_unknown,
    resolve_source,
    text_lines,
    text_option,
)

OPTIONS = ("labels", "text_column", "group_column", "dev_output", "dev_fraction", "seed",
           "lang", "separator", "generate")

MISSING = ("", "na", "n/a", "nan", "none", "null", "[not available]", "[unknown]",
           "[discrepancy]", "[not applicable]")


def read_records(path: str | Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line, record) of a CSV (RFC 4180: quoted newlines allowed) or ``.jsonl`` file, either
    optionally gzipped (``.csv.gz``, ``.jsonl.gz``)."""
    path = Path(path)
    with open_binary(path) as handle:
        lines = text_lines(path, handle, keep_crlf=True)
        if path.name.endswith((".jsonl", ".jsonl.gz")):
            for line, text in enumerate(lines, start=1):
                if not text.strip():
                    continue
                try:
                    record = json.loads(text)
                except json.JSONDecodeError as exc:
                    raise FormatError(f"expected one JSON object per line ({exc.msg})",
                                      path=str(path), line=line) from None
                if not isinstance(record, dict):
                    raise FormatError(f"expected a JSON object, found {type(record).__name__}",
                                      path=str(path), line=line)
                yield line, record
            return
        csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
        reader = csv.DictReader(lines)
        while True:
            try:
                record = next(reader)
            except StopIteration:
                return
            except csv.Error as error:
                raise FormatError(f"expected CSV ({error})", path=str(path),
                                  line=reader.line_num) from None
            if None in record:  # DictReader's key for cells beyond the header
                raise FormatError(f"expected at most {len(reader.fieldnames or ())} cells "
                                  f"(the header's), found {len(record) - 1 + len(record[None])}",
                                  path=str(path), line=reader.line_num)
            yield reader.line_num, record


def label_of(value: Any, missing: Sequence[str] = MISSING) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return None if text.lower() in missing else text


def load_reports(sources: Sequence[str | Path], text_column: str, label_columns: Sequence[str],
                 group_column: str | None = None) -> list[dict[str, Any]]:
    """Records with ``text``, ``group`` and ``labels`` ({task: label or None})."""
    if not label_columns:
        raise ConfigError("expected at least one label column", where="prepare.labels")
    reports = []
    for source in sources:
        for line, record in read_records(source):
            wanted = [text_column, *label_columns] + ([group_column] if group_column else [])
            absent = [c for c in wanted if c not in record]
            if absent:
                found = sorted(str(key) for key in record)[:12]
                raise FormatError(f"expected columns {wanted}; {absent} missing (found "
                                  f"{found})", path=str(source), line=line)
            text = record[text_column]
            if not isinstance(text, str) or not text.strip():
                raise FormatError(f"expected report text in column {text_column!r}, found "
                                  f"{text!r}", path=str(source), line=line)
            group = str(record[group_column]) if group_column else f"{source}:{line}"
            reports.append({"text": text, "group": group,
                            "labels": {c: label_of(record[c]) for c in label_columns}})
    return reports


def label_vocabulary(reports: Sequence[dict[str, Any]]) -> dict[str, list[str]]:
    vocab: dict[str, set[str]] = {}
    for report in reports:
        for task, label in report["labels"].items():
            vocab.setdefault(task, set())
            if label is not None:
                vocab[task].add(label)
    return {task: sorted(labels) for task, labels in vocab.items()}


def cats_of(labels: dict[str, str | None], vocab: dict[str, list[str]],
            separator: str = "=") -> dict[str, float]:
    cats: dict[str, float] = {}
    for task, label in labels.items():
        if label is None:
            continue
        for option in vocab[task]:
            cats[f"{task}{separator}{option}"] = 1.0 if option == label else 0.0
    return cats


def split_groups(groups: Sequence[str], dev_fraction: float, seed: int) -> np.ndarray:
    """Boolean mask of the dev rows: a seeded ``dev_fraction`` of the distinct groups."""
    if not 0.0 <= dev_fraction < 1.0:
        raise ConfigError(f"expected a fraction in [0, 1), found {dev_fraction!r}",
                          where="prepare.dev_fraction")
    distinct = sorted(set(groups))
    rng = np.random.default_rng(seed)
    chosen = set(rng.permutation(distinct)[:round(len(distinct) * dev_fraction)].tolist())
    return np.array([g in chosen for g in groups], dtype=bool)


def make_docs(nlp: Any, reports: Sequence[dict[str, Any]], vocab: dict[str, list[str]],
              separator: str = "=") -> list[Any]:
    docs = []
    for report, doc in zip(reports, nlp.tokenizer.pipe(r["text"] for r in reports),
                           strict=True):
        doc.cats = cats_of(report["labels"], vocab, separator)
        docs.append(doc)
    return docs


def prepare_phenotype(sources: Sequence[str | Path], output: str | Path, *,
                      labels: Sequence[str], text_column: str = "text",
                      group_column: str | None = None, dev_output: str | Path | None = None,
                      dev_fraction: float = 0.1, seed: int = 0, lang: str = "en",
                      separator: str = "=") -> dict[str, Any]:
    """Write the DocBin(s); returns counts and the label vocabulary."""
    import spacy
    from lexiplug.atomic import atomic_path
    from spacy.tokens import DocBin

    reports = load_reports(sources, text_column, labels, group_column)
    vocab = label_vocabulary(reports)
    try:
        nlp = spacy.blank(lang)
    except ImportError:
        raise ConfigError(f"expected a language code spaCy knows (e.g. 'en'), found {lang!r}",
                          where="lang") from None
    docs = make_docs(nlp, reports, vocab, separator)
    dev = (split_groups([r["group"] for r in reports], dev_fraction, seed)
           if dev_output is not None else np.zeros(len(docs), dtype=bool))
    summary: dict[str, Any] = {"labels": vocab}
    for path, mask in ((output, ~dev), (dev_output, dev)):
        if path is None:
            continue
        chosen = [doc for doc, keep in zip(docs, mask.tolist(), strict=True) if keep]
        with atomic_path(Path(path)) as tmp:
            DocBin(docs=chosen, store_user_data=False).to_disk(tmp)
        summary[str(path)] = {
            "docs": len(chosen),
            "labelled": {t: sum(1 for d in chosen if any(k.startswith(t + separator)
                                                         for k in d.cats)) for t in vocab},
        }
    return summary


def prepare(sources: Sequence[str | Path], output: str | Path, *,
            labels: str | Sequence[str] | None = None, generate: int = 0,
            **options: Any) -> dict[str, Any]:
    """Entry of ``lexiplug task prepare phenotype SOURCES -o FILE --option labels=a,b``.

    ``labels``: the label columns (comma-separated or a JSON list). ``generate=N``: first
    write N patients of generated six-task reports (SEER / ICD-O-3) to the first source
    path (grouped by ``patient_id`` unless ``group_column`` is given). Every option is
    checked here, so a wrong one is named instead of failing inside the reader.
    """
    reject_unknown("phenotype", {k: v for k, v in options.items() if k not in OPTIONS},
                   OPTIONS)
    tasks = _label_columns(labels)
    generate = integer_option(generate, "generate", minimum=0)
    checked = _checked_options(options)
    if generate:
        from .generate import generate_reports, write_reports

        if not sources:
            raise ConfigError("generate=N writes its reports to the first source path; none "
                              "was given", where="task prepare phenotype")
        write_reports(generate_reports(generate, seed=checked.get("seed", 0)), sources[0])
        sources = sources[:1]
        checked.setdefault("group_column", "patient_id")
    if not sources:
        raise ConfigError("expected at least one source file", where="task prepare phenotype")
    paths = [resolve_source(source, "phenotype") for source in sources]
    return prepare_phenotype(paths, output, labels=tasks, **checked)


def _label_columns(labels: Any) -> list[str]:
    if isinstance(labels, str):
        tasks = [t.strip() for t in labels.split(",")]
    elif isinstance(labels, list | tuple) and all(isinstance(t, str) for t in labels):
        tasks = [t.strip() for t in labels]
    else:
        raise ConfigError("expected the label columns as 'a,b' or a JSON list of names, found "
                          f"{labels!r}", where="labels")
    tasks = [t for t in tasks if t]
    if not tasks:
        raise ConfigError("expected at least one label column (--option labels=a,b)",
                          where="labels")
    return tasks


def _checked_options(options: dict[str, Any]) -> dict[str, Any]:
    """The options of :func:`prepare_phenotype`, type-checked."""
    checked: dict[str, Any] = {}
    for name in ("text_column", "lang", "separator"):
        if name in options:
            checked[name] = text_option(options[name], name)
    if options.get("group_column") is not None:
        checked["group_column"] = text_option(options["group_column"], "group_column")
    if options.get("dev_output") is not None:
        checked["dev_output"] = path_option(options["dev_output"], "dev_output")
    if "dev_fraction" in options:
        checked["dev_fraction"] = fraction_option(options["dev_fraction"], "dev_fraction",
                                                  allow_zero=True)
    if "seed" in options:
        checked["seed"] = integer_option(options["seed"], "seed", minimum=0)
    return checked
