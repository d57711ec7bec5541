"""die/dat from a document-indexed corpus (the Dutch legislation): streamed reading, the split
by document, caps and nested sampling, bounded memory, and the gzip lexicon text."""

from __future__ import annotations

import gzip
import inspect
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
import spacy
from lexiplug.errors import ConfigError, FormatError
from lexiplug.plugins.datasets.readers_indexed_text import (
    IndexedTextCorpus,
    held_out,
    read_document_index,
)
from lexiplug.plugins.tasks.die_dat.indexed import count_targets
from lexiplug.plugins.tasks.die_dat.instances import article_lexicon
from lexiplug.plugins.tasks.die_dat.prepare import prepare
from spacy.tokens import DocBin

HEADER = "file\tfirst_line\tn_lines\tbwb_id\tupstream_path\n"


def make_corpus(folder: Path, n_docs: int, lines_per_doc: int = 6) -> Path:
    """``n_docs`` documents in two gzip files; every line names its document (``regN``)."""
    folder.mkdir(parents=True, exist_ok=True)
    index = [HEADER]
    half = n_docs // 2
    for name, docs in (("a.txt.gz", range(half)), ("b.txt.gz", range(half, n_docs))):
        lines = []
        for doc in docs:
            index.append(f"{name}\t{len(lines) + 1}\t{lines_per_doc}\tREG{doc}\tx/REG{doc}\n")
            for i in range(lines_per_doc):
                form = ("die", "dat")[(doc + i) % 2]
                lines.append(f"In reg{doc} staat het besluit {form} de minister nam op dag {i} .")
        with gzip.open(folder / name, "wt", encoding="utf-8") as handle:
            handle.write("\n".join(lines) + "\n")
    (folder / "documents.tsv").write_text("".join(index), encoding="utf-8")
    return folder


def docs_in(folder: Path) -> list[spacy.tokens.Doc]:
    vocab = spacy.blank("nl").vocab
    return [doc for part in sorted(folder.glob("*.spacy"))
            for doc in DocBin().from_disk(part).get_docs(vocab)]


def doc_ids(folder: Path) -> set[str]:
    return {token.text for doc in docs_in(folder) for token in doc
            if token.text.startswith("reg")}


def test_lines_stream_with_their_document(tmp_path: Path) -> None:
    corpus = IndexedTextCorpus.open(make_corpus(tmp_path / "c", 4, lines_per_doc=3))
    lines = corpus.lines()
    assert inspect.isgenerator(lines)
    pairs = list(lines)
    assert len(pairs) == 12
    assert all(f"reg{doc.doc_id[3:]} " in line for doc, line in pairs)
    assert [doc.file for doc, _ in pairs[:6]] == ["a.txt.gz"] * 6


def test_reading_keeps_memory_bounded(tmp_path: Path) -> None:
    """The whole corpus (~2 MB of text) streams through a few hundred KB: nothing holds it."""
    corpus = IndexedTextCorpus.open(make_corpus(tmp_path / "c", 500, lines_per_doc=60))
    tracemalloc.start()
    n_chars = sum(len(line) for _, line in corpus.lines())
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert n_chars > 1_700_000
    assert peak < 600_000


def test_bad_index_is_named(tmp_path: Path) -> None:
    folder = make_corpus(tmp_path / "c", 2)
    index = folder / "documents.tsv"
    index.write_text(HEADER + "a.txt.gz\tone\t3\tREG0\tx\n", encoding="utf-8")
    with pytest.raises(FormatError, match=r"documents\.tsv:2"):
        read_document_index(index)
    index.write_text("name\tstart\n", encoding="utf-8")
    with pytest.raises(FormatError, match="header"):
        read_document_index(index)
    index.write_text(HEADER + "a.txt.gz\t1\t50\tREG0\tx\n", encoding="utf-8")
    with pytest.raises(FormatError, match="REG0 runs to line 50"):
        list(IndexedTextCorpus.open(folder).lines())


def test_held_out_is_stable_and_about_the_fraction() -> None:
    keys = [f"BWBR{i:07d}" for i in range(4000)]
    chosen = [held_out(key, 0.1, seed=0) for key in keys]
    assert chosen == [held_out(key, 0.1, seed=0) for key in keys]
    assert 0.08 < np.mean(chosen) < 0.12
    assert chosen != [held_out(key, 0.1, seed=1) for key in keys]


def test_split_by_document_caps_and_shards(tmp_path: Path) -> None:
    source = make_corpus(tmp_path / "c", 60)
    summary = prepare([source], tmp_path / "train", dev_output=tmp_path / "dev",
                      dev_fraction=0.2, max_instances=100, max_dev_instances=30,
                      shard_instances=40)
    train, dev = doc_ids(tmp_path / "train"), doc_ids(tmp_path / "dev")
    assert train and dev and not train & dev
    counts = summary[str(tmp_path / "train")]
    assert 100 <= counts["die"] + counts["dat"] <= 101  # stops at the cap (one Doc over at most)
    assert counts["shards"] == len(list((tmp_path / "train").glob("*.spacy"))) >= 3
    assert summary[str(tmp_path / "dev")]["die"] + summary[str(tmp_path / "dev")]["dat"] <= 31


def test_sample_rates_nest_and_spread(tmp_path: Path) -> None:
    source = make_corpus(tmp_path / "c", 60)
    small = prepare([source], tmp_path / "small", sample_rate=0.3)
    large = prepare([source], tmp_path / "large", sample_rate=0.6)
    n = {name: s[str(tmp_path / name)]["docs"] for name, s in (("small", small),
                                                                ("large", large))}
    assert 0 < n["small"] < n["large"] < 180
    texts = {name: {doc.text for doc in docs_in(tmp_path / name)} for name in n}
    assert texts["small"] <= texts["large"]
    assert len(doc_ids(tmp_path / "small")) > 30  # spread over the documents, not a prefix


def test_indexed_source_alone_and_options_checked(tmp_path: Path) -> None:
    source = make_corpus(tmp_path / "c", 4)
    text = tmp_path / "plain.txt"
    text.write_text("Het huis dat ik zag.\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="on its own"):
        prepare([source, text], tmp_path / "out")
    with pytest.raises(ConfigError, match="document-indexed folder only"):
        prepare([text], tmp_path / "out.spacy", max_instances=10)
    with pytest.raises(ConfigError, match="sample_rate"):
        prepare([source], tmp_path / "out", sample_rate=1.5)
    prepare([source], tmp_path / "out")
    with pytest.raises(ConfigError, match="already holds"):
        prepare([source], tmp_path / "out")
    (tmp_path / "plain_folder").mkdir()
    with pytest.raises(FormatError, match=r"documents\.tsv"):
        prepare([tmp_path / "plain_folder"], tmp_path / "x.spacy")


def test_prepare_buffers_one_shard_at_a_time(tmp_path: Path, monkeypatch) -> None:
    """What the streamed prepare holds is one shard's Docs, whatever the corpus size: every
    write gets at most ``shard_instances`` instances plus one Doc's."""
    from lexiplug.plugins.tasks.die_dat import prepare as prepare_module

    written: list[int] = []
    real = prepare_module.write_docbin

    def spy(docs, output):
        written.append(sum(t.lower_ in ("die", "dat") for doc in docs for t in doc))
        real(docs, output)

    monkeypatch.setattr(prepare_module, "write_docbin", spy)
    summary = prepare([make_corpus(tmp_path / "c", 40)], tmp_path / "out", shard_instances=20)
    assert sum(written) == sum(v["die"] + v["dat"] for v in summary.values()) > 200
    assert len(written) >= 10 and max(written) <= 20 + 2


def test_count_targets_by_split(tmp_path: Path) -> None:
    corpus = IndexedTextCorpus.open(make_corpus(tmp_path / "c", 10))
    counts = count_targets(corpus, 0.3, seed=0)
    assert counts["train"] + counts["dev"] == 60
    assert counts["dev"] == 6 * sum(held_out(f"REG{i}", 0.3, 0) for i in range(10))


def test_article_lexicon_in_chunks_equals_whole() -> None:
    nlp = spacy.blank("nl")
    docs = [nlp(t) for t in ("de man die het huis zag", "het kind dat de bal had",
                             "deze auto en dit huis", "")] * 5
    whole = article_lexicon(docs, 64, chunk_tokens=10**9)
    chunked = article_lexicon(iter(docs), 64, chunk_tokens=7)
    np.testing.assert_array_equal(whole, chunked)
    assert whole[:, :2].sum() > 0


def test_lexicon_text_reads_gzip(tmp_path: Path) -> None:
    """Regression: the lexicon's plain-text reader opened every file as UTF-8 text, so the
    gzipped legislation failed with a UnicodeDecodeError."""
    from lexiplug.plugins.tasks.die_dat.component import _text_docs

    path = tmp_path / "laws.txt.gz"
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.write("Het besluit dat de minister nam.\n\nDe regel die geldt.\n")
    docs = list(_text_docs([str(path)], spacy.blank("nl")))
    assert [doc.text for doc in docs] == ["Het besluit dat de minister nam.",
                                         "De regel die geldt."]


def _after_het(doc: spacy.tokens.Doc) -> spacy.tokens.Doc:
    """A tagger that looks one token back: DET after "het", else PRON."""
    for i, token in enumerate(doc):
        token.pos_ = "DET" if i and doc[i - 1].lower_ == "het" else "PRON"
    return doc


def test_windowed_silver_pos_equals_the_whole_doc_within_the_tagger_reach() -> None:
    from lexiplug.plugins.tasks.die_dat.silver import SILVER_SPANS, silver_pos_with
    from spacy.language import Language

    if "test_after_het" not in Language.factories:
        Language.component("test_after_het", func=_after_het)
    tagger = spacy.blank("nl")
    tagger.add_pipe("test_after_het")
    nlp = spacy.blank("nl")
    texts = ["ik zag het dat daar stond en die man", "het die , het dat . die"]

    def labels(context: int | None) -> list[str]:
        docs = silver_pos_with([nlp(t) for t in texts], tagger, context=context)
        assert [len(doc.spans[SILVER_SPANS]) for doc in docs] == [2, 3]
        return [t.pos_ for doc in docs for t in doc if t.lower_ in ("die", "dat")]

    whole = labels(None)
    assert whole == ["DET", "PRON", "DET", "DET", "PRON"]
    assert labels(1) == labels(3) == whole
    assert labels(0) != whole  # the window must cover what the tagger reads


def test_task_prepare_command_takes_an_indexed_folder(tmp_path: Path) -> None:
    import json

    from lexiplug.plugins.tasks.cli import task_app
    from typer.testing import CliRunner

    source = make_corpus(tmp_path / "c", 20)
    result = CliRunner().invoke(task_app, [
        "prepare", "die_dat", str(source), "--output", str(tmp_path / "train"),
        "--dev-output", str(tmp_path / "dev"), "--dev-fraction", "0.3",
        "--option", "max_instances=40", "--option", "shard_instances=15"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert 40 <= summary[str(tmp_path / "train")]["die"] + summary[str(tmp_path / "train")][
        "dat"] <= 41
    assert summary[str(tmp_path / "dev")]["docs"] > 0


@pytest.mark.data
def test_dutch_laws_dataset_is_pinned_and_streams() -> None:
    from itertools import islice

    from lexiplug.plugins.datasets.dutch_text import DUTCH_LAWS_BWB

    from tests.helpers import require_data

    require_data("dutch_text/dutch-laws-bwb/documents.tsv")
    assert DUTCH_LAWS_BWB.checksum()  # raises when a file differs from its pinned sha256
    corpus = DUTCH_LAWS_BWB.load()
    assert len(corpus.documents) == 11161
    first = list(islice(corpus.lines(), 3))
    assert first[0][0].doc_id == "BWBR0028659" and first[0][1].startswith("Besluit van")
