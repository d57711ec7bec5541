"""``lexiplug task prepare die_dat SOURCES... --output FILE.spacy``: DocBins for ``spacy train``.

Sources: CoNLL-U files (gold UPOS goes into ``token.pos_``, so the multitask POS head has
labels) and plain-text files, one sentence a line (die/dat labels only: the written form is
the label, self-supervised). ``sentences_per_doc`` consecutive sentences of one file make one
Doc with sentence boundaries, so the left context window can reach the previous sentence;
only Docs holding at least one die/dat are kept. ``dev_output`` holds out a seeded
``dev_fraction`` of the Docs (e.g. 10% of LassySmall v1.3 train for early stopping).
A folder with a ``documents.tsv`` (the Dutch legislation) is streamed instead, split by
document and written as DocBin shards into the ``output`` folder (see indexed.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from lexiplug.errors import ConfigError, FormatError

from ..inputs import (
    fraction_option,
    integer_option,
    path_option,
    read_text,
    reject_unknown,
    resolve_source,
)
from .instances import TARGETS

OPTIONS = ("dev_output", "dev_fraction", "seed", "sentences_per_doc", "pos_tagger",
           "max_instances", "max_dev_instances", "sample_rate", "shard_instances")

_HAS_TARGET = re.compile(r"\b(?:die|dat)\b", re.IGNORECASE)

Sentence = tuple[list[str], list[bool], list[str] | None]  # words, spaces, UPOS or None


def _conllu_sentences(path: Path) -> Iterator[Sentence]:
    from lexiplug.plugins.datasets.readers_conllu import read_conllu

    for sentence in read_conllu(path):
        spaces = [True] * len(sentence.forms)
        spaces[-1] = False
        tags = [tag if tag != "_" else "" for tag in sentence.upos]
        yield sentence.forms, spaces, tags


def _text_sentences(path: Path, tokenizer: Any) -> Iterator[Sentence]:
    lines = read_text(path).splitlines()
    for doc in tokenizer.pipe(line.strip() for line in lines if line.strip()):
        words = [t.text for t in doc if not t.is_space]
        spaces = [bool(t.whitespace_) for t in doc if not t.is_space]
        if words:
            yield words, spaces, None


def docs_of(path: Path, nlp: Any, sentences_per_doc: int, *,
             keep_all: bool = False) -> Iterator[Any]:
    """Docs of ``sentences_per_doc`` consecutive sentences; only those with a die/dat unless
    ``keep_all`` (the tagger's training data needs every sentence)."""
    from spacy.tokens import Doc

    is_conllu = path.suffix.lower() == ".conllu"
    sentences = _conllu_sentences(path) if is_conllu else _text_sentences(path, nlp.tokenizer)
    group: list[Sentence] = []

    def flush() -> Any:
        words = [w for s in group for w in s[0]]
        if not keep_all and not any(_HAS_TARGET.fullmatch(w) for w in words):
            return None
        spaces = [sp for s in group for sp in [*s[1][:-1], True]]
        spaces[-1] = False
        starts: list[bool | int | None] = [i == 0 for s in group for i in range(len(s[0]))]
        pos: list[str] | None = (
            [t for s in group for t in (s[2] or [])] if is_conllu else None
        )
        tags: Any = [p or None for p in pos] if pos is not None and any(pos) else None
        return Doc(nlp.vocab, words=words, spaces=spaces, sent_starts=starts, pos=tags)

    for sentence in sentences:
        group.append(sentence)
        if len(group) == sentences_per_doc:
            doc = flush()
            group = []
            if doc is not None:
                yield doc
    if group:
        doc = flush()
        if doc is not None:
            yield doc


def has_target(doc: Any) -> bool:
    """Whether ``doc`` holds a die/dat (the filter :func:`docs_of` applies)."""
    return any(_HAS_TARGET.fullmatch(token.text) for token in doc)


def dev_indices(n_docs: int, dev_fraction: float, seed: int) -> set[int]:
    """Which of ``n_docs`` die/dat Docs the seeded split holds out (shared with the tagger's
    data, so the silver tagger never trains on the die/dat early-stopping set)."""
    order = np.random.default_rng(seed).permutation(n_docs)
    n_dev = max(1, round(dev_fraction * n_docs)) if n_docs else 0
    return set(order[:n_dev].tolist())


def count_instances(docs: Sequence[Any]) -> dict[str, int]:
    counts = dict.fromkeys(TARGETS, 0)
    for doc in docs:
        for token in doc:
            if token.lower_ in counts:
                counts[token.lower_] += 1
    return counts


def write_docbin(docs: Sequence[Any], output: Path) -> None:
    from lexiplug.atomic import atomic_path
    from spacy.tokens import DocBin

    with atomic_path(output) as tmp:
        DocBin(attrs=["ORTH", "POS", "SENT_START"], docs=docs).to_disk(tmp)


def prepare(
    sources: Sequence[str | Path],
    output: str | Path,
    *,
    dev_output: str | Path | None = None,
    dev_fraction: float = 0.1,
    seed: int = 0,
    sentences_per_doc: int = 2,
    pos_tagger: str | Path | None = None,
    max_instances: int | None = None,
    max_dev_instances: int | None = None,
    sample_rate: float = 1.0,
    shard_instances: int = 5000,
    **unknown: Any,
) -> dict[str, Any]:
    """Write the die/dat DocBin(s); returns counts per output file.

    ``pos_tagger``: a spaCy pipeline (e.g. trained with configs/ud_tagger_nl.cfg) that fills
    the POS of die/dat targets that have none (raw text) with its prediction: silver labels,
    marked in the span group ``die_dat_silver_pos`` so training can down-weight them.
    ``max_instances``, ``max_dev_instances``, ``sample_rate`` and ``shard_instances`` (about
    that many instances a DocBin shard) apply to a document-indexed folder (the only source
    then; ``output`` and ``dev_output`` are shard folders)."""
    import spacy

    reject_unknown("die_dat", unknown, OPTIONS)
    sentences_per_doc = integer_option(sentences_per_doc, "sentences_per_doc", minimum=1)
    seed = integer_option(seed, "seed", minimum=0)
    if dev_output is not None:
        dev_output = path_option(dev_output, "dev_output")
        dev_fraction = fraction_option(dev_fraction, "dev_fraction")
    if pos_tagger is not None:
        pos_tagger = path_option(pos_tagger, "pos_tagger")
    if not sources:
        raise ConfigError("expected at least one source file", where="task prepare die_dat")
    paths = [resolve_source(raw, "die_dat", allow_folder=True) for raw in sources]
    from .indexed import is_indexed_corpus, prepare_indexed

    caps = {name: None if value is None else integer_option(value, name, minimum=1)
            for name, value in (("max_instances", max_instances),
                                ("max_dev_instances", max_dev_instances))}
    if sample_rate != 1.0:  # (0, 1]: 1 keeps every training Doc
        sample_rate = fraction_option(sample_rate, "sample_rate")
    if any(is_indexed_corpus(path) for path in paths):
        if len(paths) > 1:
            raise ConfigError("a document-indexed folder (with documents.tsv) is prepared on "
                              "its own (its output is a folder of shards); give it alone",
                              where="task prepare die_dat")
        return prepare_indexed(paths[0], Path(output), None if dev_output is None
                               else Path(dev_output), dev_fraction=dev_fraction, seed=seed,
                               sentences_per_doc=sentences_per_doc,
                               pos_tagger=None if pos_tagger is None else Path(pos_tagger),
                               sample_rate=sample_rate, **caps,
                               shard_instances=integer_option(shard_instances,
                                                              "shard_instances", minimum=1))
    for path in paths:
        if path.is_dir():
            raise FormatError("expected a file, or a folder with a documents.tsv index; "
                              "found a folder without one", path=str(path))
    if (any(value is not None for value in caps.values()) or sample_rate != 1.0
            or shard_instances != 5000):
        raise ConfigError("max_instances, max_dev_instances, sample_rate and shard_instances "
                          "apply to a document-indexed folder only",
                          where="task prepare die_dat --option")
    nlp = spacy.blank("nl")
    docs: list[Any] = []
    for path in paths:
        docs.extend(docs_of(path, nlp, sentences_per_doc))
    if pos_tagger is not None:
        from .silver import add_silver_pos

        docs = add_silver_pos(docs, pos_tagger)
    splits: dict[Path, list[Any]] = {Path(output): docs}
    if dev_output is not None:
        dev_ids = dev_indices(len(docs), dev_fraction, seed)
        splits = {
            Path(output): [d for i, d in enumerate(docs) if i not in dev_ids],
            Path(dev_output): [d for i, d in enumerate(docs) if i in dev_ids],
        }
    summary: dict[str, Any] = {}
    for path, split_docs in splits.items():
        write_docbin(split_docs, path)
        summary[str(path)] = {"docs": len(split_docs), **count_instances(split_docs)}
        if pos_tagger is not None:
            from .silver import count_silver

            summary[str(path)]["silver_pos"] = count_silver(split_docs)
    return summary
