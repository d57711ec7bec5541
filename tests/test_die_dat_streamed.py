"""Bounded-memory training for the die/dat learning curve (issue 16 part 1): spaCy's loop
lists every training Example whenever ``max_epochs >= 0`` (the 50k point peaked at 8.9 GB),
so ``bench/die_dat.py --streamed`` trains with ``max_epochs = -1`` from
``lexiplug.StreamedCorpus.v1``, which streams the DocBins and shuffles within a buffer."""

from __future__ import annotations

import random
from pathlib import Path
from types import ModuleType

import pytest
import spacy
from lexiplug.errors import ConfigError
from spacy.tokens import DocBin

from tests.helpers import load_bench_module

BENCH = Path(__file__).resolve().parents[1] / "bench"


@pytest.fixture
def bench(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    return load_bench_module("die_dat.py", monkeypatch)


def write_shards(folder: Path, n_files: int, per_file: int) -> list[str]:
    """``n_files`` DocBins of ``per_file`` one-sentence Docs in a nested folder tree."""
    nlp = spacy.blank("nl")
    texts = []
    for f in range(n_files):
        part = folder / ("sub" if f % 2 else "") / f"part-{f:05d}.spacy"
        part.parent.mkdir(parents=True, exist_ok=True)
        docs = [nlp(f"zin {f} {i} die dat") for i in range(per_file)]
        texts += [doc.text for doc in docs]
        DocBin(docs=docs).to_disk(part)
    return texts


def test_buffer_shuffle_yields_everything_once_and_holds_at_most_the_buffer() -> None:
    from lexiplug.plugins.tasks.readers import buffer_shuffled

    consumed = 0

    def counted(n: int):  # type: ignore[no-untyped-def]
        nonlocal consumed
        for i in range(n):
            consumed += 1
            yield i

    out = []
    for item in buffer_shuffled(counted(1000), 50, random.Random(0)):
        assert consumed - len(out) <= 51  # the buffer plus the item just read
        out.append(item)
    assert sorted(out) == list(range(1000))
    assert out != list(range(1000))


def test_streamed_corpus_passes_cover_every_doc_in_new_orders(tmp_path: Path) -> None:
    from spacy.util import registry

    texts = write_shards(tmp_path / "train", n_files=5, per_file=20)
    nlp = spacy.blank("nl")
    make = registry.readers.get("lexiplug.StreamedCorpus.v1")
    corpus = make(path=tmp_path / "train", buffer_docs=8, seed=3)
    first = [eg.reference.text for eg in corpus(nlp)]
    second = [eg.reference.text for eg in corpus(nlp)]
    assert sorted(first) == sorted(second) == sorted(texts)
    assert first != second
    again = make(path=tmp_path / "train", buffer_docs=8, seed=3)
    assert [eg.reference.text for eg in again(nlp)] == first  # seeded: reproducible


def test_streamed_corpus_checks_its_settings(tmp_path: Path) -> None:
    from lexiplug.plugins.tasks.readers import streamed_corpus_v1

    with pytest.raises(ConfigError, match="buffer_docs"):
        streamed_corpus_v1(tmp_path, buffer_docs=0)
    with pytest.raises(ConfigError, match=r"corpora\.train\.path"):
        streamed_corpus_v1(None)  # type: ignore[arg-type]


def test_streamed_bench_training_never_lists_the_corpus(bench, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The regression: the bench's --streamed overrides make spaCy's own training loop read
    the corpus lazily (before, every point listed all its Examples)."""
    from confection import Config
    from spacy.training.loop import create_train_batches
    from spacy.util import registry

    write_shards(tmp_path / "train", n_files=6, per_file=100)
    assert bench.count_training_docs(tmp_path / "train") == 600
    arguments = bench.epoch_arguments(2, streamed_steps=20)
    overrides = dict(zip((a[2:] for a in arguments[::2]), arguments[1::2], strict=True))
    assert overrides["training.max_epochs"] == "-1" and overrides["training.max_steps"] == "20"
    reader = {"corpora.train.@readers": overrides["corpora.train.@readers"],
              "corpora.train.buffer_docs": 50, "paths.train": str(tmp_path / "train")}
    config = Config().from_disk(BENCH.parent / "configs" / "die_dat_binary.cfg",
                                interpolate=False, overrides=reader).interpolate()
    corpus = registry.resolve({"c": config["corpora"]["train"]})["c"]
    read = 0
    original = corpus.make_examples

    def counting(nlp, docs):  # type: ignore[no-untyped-def]
        nonlocal read
        for eg in original(nlp, docs):
            read += 1
            yield eg

    corpus.make_examples = counting
    batcher = registry.batchers.get("spacy.batch_by_sequence.v1")(size=bench.BATCH_DOCS,
                                                                 get_length=None)
    batches = create_train_batches(spacy.blank("nl"), corpus, batcher,
                                   max_epochs=int(overrides["training.max_epochs"]))
    next(batches)
    assert read <= 50 + bench.BATCH_DOCS + 1  # a listed corpus would have read all 600
    assert bench.epoch_arguments(3, None) == ["--training.max_epochs", "3"]
