"""die/dat instances from a large document-indexed corpus (the Dutch legislation), streamed.

The corpus (``plugins/datasets/dutch_text.py``: 18M tokens of gzip text, ``documents.tsv``
mapping lines to regulations) is read line by line and written as DocBin shards of about
``shard_instances`` instances, so memory stays bounded by one shard whatever the corpus size;
nothing ever holds the whole corpus. The train/dev split is by document (a regulation's
lines share boilerplate, so a line-level split would leak): a seeded hash of the document id
puts ``dev_fraction`` of the regulations in dev. ``sample_rate`` keeps a seeded, stable
subset of the training Docs spread over the whole corpus (a lower rate keeps a subset of a
higher rate's Docs, so learning-curve points are nested); ``max_instances`` and
``max_dev_instances`` cap what is written. Silver POS (``pos_tagger``) is added shard by shard.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lexiplug.errors import ConfigError

SHARD_NAME = "part-{:05d}.spacy"
# Tokens either side of a target the silver tagger reads: its CNN sees 4 (silver.py).
TAGGER_CONTEXT = 8
_TARGET = re.compile(r"\b(?:die|dat)\b", re.IGNORECASE)


def is_indexed_corpus(path: Path) -> bool:
    """A folder with a ``documents.tsv`` index (see plugins/datasets/readers_indexed_text.py)."""
    from lexiplug.plugins.datasets.readers_indexed_text import INDEX_NAME

    return path.is_dir() and (path / INDEX_NAME).is_file()


def line_groups(corpus: Any, sentences_per_doc: int) -> Iterator[tuple[str, int, list[str]]]:
    """``(doc_id, group number, lines)``: ``sentences_per_doc`` consecutive lines of one
    document (a group never spans two documents), streamed."""
    group: list[str] = []
    doc_id, number = "", 0
    for document, line in corpus.lines():
        if document.doc_id != doc_id:
            if group:
                yield doc_id, number, group
            group, doc_id, number = [], document.doc_id, 0
        if not line.strip():
            continue
        group.append(line.strip())
        if len(group) == sentences_per_doc:
            yield doc_id, number, group
            group, number = [], number + 1
    if group:
        yield doc_id, number, group


def count_targets(corpus: Any, dev_fraction: float, seed: int) -> dict[str, int]:
    """die/dat occurrences (word-boundary regex, close to the spaCy tokens) in the training
    and dev documents: what ``sample_rate`` must be for a given number of instances."""
    from lexiplug.plugins.datasets.readers_indexed_text import held_out

    counts = {"train": 0, "dev": 0}
    side: dict[str, str] = {}
    for document, line in corpus.lines():
        doc_id = document.doc_id
        if doc_id not in side:
            side[doc_id] = "dev" if held_out(doc_id, dev_fraction, seed) else "train"
        counts[side[doc_id]] += len(_TARGET.findall(line))
    return counts


@dataclass
class _ShardWriter:
    """Buffers Docs and writes one DocBin shard every ``shard_instances`` instances."""

    folder: Path
    shard_instances: int
    tagger: Any
    docs: list[Any] = field(default_factory=list)
    pending: int = 0
    summary: dict[str, int] = field(default_factory=lambda: {
        "docs": 0, "die": 0, "dat": 0, "shards": 0, "silver_pos": 0})

    def add(self, doc: Any, counts: dict[str, int]) -> None:
        self.docs.append(doc)
        self.pending += counts["die"] + counts["dat"]
        for key in ("die", "dat"):
            self.summary[key] += counts[key]
        if self.pending >= self.shard_instances:
            self.flush()

    def flush(self) -> None:
        if not self.docs:
            return
        from .prepare import write_docbin
        from .silver import count_silver, silver_pos_with

        if self.tagger is not None:
            self.docs = silver_pos_with(self.docs, self.tagger, context=TAGGER_CONTEXT)
            self.summary["silver_pos"] += count_silver(self.docs)
        write_docbin(self.docs, self.folder / SHARD_NAME.format(self.summary["shards"]))
        self.summary["docs"] += len(self.docs)
        self.summary["shards"] += 1
        self.docs, self.pending = [], 0

    @property
    def instances(self) -> int:
        return self.summary["die"] + self.summary["dat"]


def prepare_indexed(
    source: Path,
    output: Path,
    dev_output: Path | None,
    *,
    dev_fraction: float,
    seed: int,
    sentences_per_doc: int,
    pos_tagger: Path | None,
    sample_rate: float = 1.0,
    max_instances: int | None = None,
    max_dev_instances: int | None = None,
    shard_instances: int = 5000,
) -> dict[str, Any]:
    """Write the shards (``output/part-00000.spacy`` ...; dev documents to ``dev_output``,
    or nowhere without it) and return the counts per folder."""
    import spacy
    from lexiplug.plugins.datasets.readers_indexed_text import IndexedTextCorpus, held_out
    from spacy.tokens import Doc

    from .prepare import count_instances

    for folder in (output, dev_output):
        if folder is not None and folder.exists() and any(folder.glob("*.spacy")):
            raise ConfigError(f"expected an empty or new folder for the shards of {source}; "
                              f"{folder} already holds .spacy files", where="--output")
    corpus = IndexedTextCorpus.open(source)
    tagger = None
    if pos_tagger is not None:
        from .silver import load_tagger

        tagger = load_tagger(pos_tagger)
    nlp = spacy.blank("nl")
    writers = {"train": _ShardWriter(output, shard_instances, tagger)}
    if dev_output is not None:
        writers["dev"] = _ShardWriter(dev_output, shard_instances, tagger)
    caps = {"train": max_instances, "dev": max_dev_instances}
    stable_rate = sample_rate < 1.0
    for doc_id, number, lines in line_groups(corpus, sentences_per_doc):
        if not any(_TARGET.search(line) for line in lines):
            continue
        split = "dev" if held_out(doc_id, dev_fraction, seed) else "train"
        writer = writers.get(split)
        cap = caps[split]
        if writer is None or (cap is not None and writer.instances >= cap):
            if all(caps[s] is not None and w.instances >= caps[s]  # type: ignore[operator]
                   for s, w in writers.items()):
                break
            continue
        if split == "train" and stable_rate and held_out(f"{doc_id}#{number}", 1.0 - sample_rate,
                                                         seed + 1):
            continue
        doc = _doc_of(nlp, lines, Doc)
        counts = count_instances([doc])
        if counts["die"] + counts["dat"]:
            writer.add(doc, counts)
    summary: dict[str, Any] = {}
    for split, writer in writers.items():
        writer.flush()
        folder = output if split == "train" else dev_output
        summary[str(folder)] = writer.summary
    return summary


def _doc_of(nlp: Any, lines: list[str], doc_class: Any) -> Any:
    """One Doc of ``lines``, each line a sentence (as the plain-text reader makes them)."""
    words: list[str] = []
    spaces: list[bool] = []
    starts: list[bool] = []
    for line in lines:
        tokens = [t for t in nlp.tokenizer(line) if not t.is_space]
        if not tokens:
            continue
        words.extend(t.text for t in tokens)
        spaces.extend([*(bool(t.whitespace_) for t in tokens[:-1]), True])
        starts.extend(i == 0 for i in range(len(tokens)))
    if spaces:
        spaces[-1] = False
    return doc_class(nlp.vocab, words=words, spaces=spaces, sent_starts=starts)
