"""``spacy train`` corpus readers of the task configs (``spacy_readers`` entry points, light).

``lexiplug.StreamedCorpus.v1`` (``[corpora.train]``): spaCy's training loop, whenever
``training.max_epochs >= 0``, reads the whole training corpus into a list of Examples to
shuffle it (``spacy.training.loop.create_train_batches``), and ``spacy.Corpus.v1`` with
``shuffle = true`` lists every Doc too; on the die/dat legislation that held ~0.33 MB per Doc
(the 50k-instance run peaked at 8.9 GB, bench/results/die_dat.md). With
``training.max_epochs = -1`` spaCy instead calls the reader once a pass and never lists it;
this reader then visits the DocBin files in a new seeded order each pass and shuffles within
a bounded buffer, so memory is ``buffer_docs`` Examples however large the corpus is. Stop
such a run with ``training.max_steps``.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from lexiplug.errors import ConfigError


def buffer_shuffled(items: Iterable[Any], buffer_size: int, rng: random.Random) -> Iterator[Any]:
    """``items`` in a random order, holding at most ``buffer_size`` of them: once the buffer
    is full each new item replaces a randomly drawn one, which is yielded."""
    buffer: list[Any] = []
    for item in items:
        if len(buffer) < buffer_size:
            buffer.append(item)
            continue
        index = rng.randrange(buffer_size)
        yield buffer[index]
        buffer[index] = item
    rng.shuffle(buffer)
    yield from buffer


def streamed_corpus_v1(path: str | Path, max_length: int = 0, limit: int = 0,
                       buffer_docs: int = 2048, seed: int = 0) -> Callable[[Any], Iterator[Any]]:
    """A ``spacy.Corpus.v1`` that streams: DocBin files under ``path`` in a new seeded order
    each pass, Examples shuffled within ``buffer_docs`` (use with ``max_epochs = -1``)."""
    from spacy.training.corpus import Corpus, walk_corpus

    if not isinstance(buffer_docs, int) or buffer_docs < 1:
        raise ConfigError(f"expected a positive integer, found {buffer_docs!r}",
                          where="corpora.train.buffer_docs")
    if path is None:
        raise ConfigError("expected a folder or .spacy file, found null",
                          where="corpora.train.path")

    class StreamedCorpus(Corpus):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__(path, max_length=max_length, limit=limit, shuffle=False)
            self.passes = 0

        def __call__(self, nlp: Any) -> Iterator[Any]:
            rng = random.Random(seed * 1_000_003 + self.passes)
            self.passes += 1
            files = walk_corpus(self.path, ".spacy")
            rng.shuffle(files)
            docs = self.read_docbin(nlp.vocab, files)
            yield from buffer_shuffled(self.make_examples(nlp, docs), buffer_docs, rng)

    return StreamedCorpus()
