"""Silver POS for die/dat: tagger data split, `prepare --pos-tagger`, silver loss weights."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import spacy
from lexiplug.errors import ConfigError, DataNotFoundError, FormatError
from lexiplug.plugins.tasks.die_dat.component import silver_flags
from lexiplug.plugins.tasks.die_dat.prepare import prepare
from lexiplug.plugins.tasks.die_dat.silver import (
    SILVER_SPANS,
    add_silver_pos,
    prepare_tagger_data,
    target_pos_accuracy,
)
from spacy.tokens import Doc, DocBin
from spacy.training import Example

TAGGED = [
    ("De man die daar loopt .", ["DET", "NOUN", "PRON", "ADV", "VERB", "PUNCT"]),
    ("Hij zegt dat het regent .", ["PRON", "VERB", "SCONJ", "PRON", "VERB", "PUNCT"]),
    ("Die fiets is rood .", ["DET", "NOUN", "AUX", "ADJ", "PUNCT"]),
    ("Ik weet dat zij komt .", ["PRON", "VERB", "SCONJ", "PRON", "VERB", "PUNCT"]),
    ("Geen doel hier .", ["DET", "NOUN", "ADV", "PUNCT"]),
]


def _conllu(sentences: list[tuple[str, list[str]]]) -> str:
    blocks = []
    for n, (text, tags) in enumerate(sentences, start=1):
        lines = [f"# sent_id = {n}"] + [
            f"{i}\t{word}\t{word.lower()}\t{tag}\t_\t_\t0\tdep\t_\t_"
            for i, (word, tag) in enumerate(zip(text.split(), tags, strict=True), start=1)]
        blocks.append("\n".join(lines) + "\n")
    return "\n".join(blocks)


@pytest.fixture(scope="module")
def tiny_tagger(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real spaCy morphologizer overfitted on a few sentences (die -> PRON or DET by
    position, dat -> SCONJ), saved to disk as `prepare --pos-tagger` expects."""
    from thinc.api import fix_random_seed

    fix_random_seed(0)
    nlp = spacy.blank("nl")
    nlp.add_pipe("morphologizer")
    examples = [Example(nlp.make_doc(text), Doc(nlp.vocab, words=text.split(), pos=tags))
                for text, tags in TAGGED * 3]
    optimizer = nlp.initialize(lambda: examples)
    for _ in range(30):
        nlp.update(examples, sgd=optimizer, losses={})
    path = tmp_path_factory.mktemp("tagger") / "tagger"
    nlp.to_disk(path)
    return path


def _docs(path: Path) -> list[Doc]:
    return list(DocBin().from_disk(path).get_docs(spacy.blank("nl").vocab))


def test_prepare_fills_silver_pos_only_where_gold_is_missing(tiny_tagger, tmp_path) -> None:
    conllu = tmp_path / "gold.conllu"
    conllu.write_text(_conllu(TAGGED[:2]), encoding="utf-8")
    text = tmp_path / "raw.txt"
    text.write_text("Hij zegt dat het regent.\nDie fiets is rood.\nGeen doel hier.\n",
                    encoding="utf-8")
    output = tmp_path / "out.spacy"
    summary = prepare([conllu, text], output, sentences_per_doc=1, pos_tagger=tiny_tagger)
    assert summary[str(output)] == {"docs": 4, "die": 2, "dat": 2, "silver_pos": 2}
    gold_die, gold_dat, raw_dat, raw_die = _docs(output)
    assert gold_die[2].pos_ == "PRON" and gold_dat[2].pos_ == "SCONJ"
    assert not gold_die.spans.get(SILVER_SPANS) and not gold_dat.spans.get(SILVER_SPANS)
    # raw text: only the target gets a label, the tagger's, and it is marked silver
    assert raw_dat[2].pos_ == "SCONJ" and raw_die[0].pos_ == "DET"
    assert [t.pos_ for t in raw_dat if t.lower_ != "dat"] == [""] * (len(raw_dat) - 1)
    assert [(s.start, s.text) for s in raw_dat.spans[SILVER_SPANS]] == [(2, "dat")]
    assert [(s.start, s.text) for s in raw_die.spans[SILVER_SPANS]] == [(0, "Die")]


def test_prepare_without_tagger_writes_no_silver_labels(tmp_path) -> None:
    text = tmp_path / "raw.txt"
    text.write_text("Die fiets is rood.\n", encoding="utf-8")
    summary = prepare([text], tmp_path / "out.spacy")
    assert "silver_pos" not in summary[str(tmp_path / "out.spacy")]
    assert _docs(tmp_path / "out.spacy")[0][0].pos_ == ""


def test_bad_tagger_paths_name_the_problem(tmp_path) -> None:
    text = tmp_path / "raw.txt"
    text.write_text("Die fiets is rood.\n", encoding="utf-8")
    with pytest.raises(DataNotFoundError, match="ud_tagger_nl"):
        prepare([text], tmp_path / "out.spacy", pos_tagger=tmp_path / "missing")
    no_tagger = tmp_path / "blank"
    spacy.blank("nl").to_disk(no_tagger)
    with pytest.raises(FormatError, match=r"token\.pos"):
        prepare([text], tmp_path / "out.spacy", pos_tagger=no_tagger)


def test_tagger_data_holds_out_exactly_the_die_dat_dev_docs(tmp_path) -> None:
    conllu = tmp_path / "gold.conllu"
    conllu.write_text(_conllu(TAGGED * 4), encoding="utf-8")
    kwargs = {"dev_fraction": 0.3, "seed": 5, "sentences_per_doc": 1}
    prepare([conllu], tmp_path / "dd_train.spacy", dev_output=tmp_path / "dd_dev.spacy",
            **kwargs)
    counts = prepare_tagger_data(conllu, tmp_path / "tag_train.spacy",
                                 tmp_path / "tag_dev.spacy", **kwargs)
    die_dat_dev = [d.text for d in _docs(tmp_path / "dd_dev.spacy")]
    tagger_dev = [d.text for d in _docs(tmp_path / "tag_dev.spacy")]
    tagger_train = _docs(tmp_path / "tag_train.spacy")
    assert tagger_dev == die_dat_dev and counts == {"train_docs": 20 - 5, "dev_docs": 5}
    # the tagger trains on every other sentence, including those without die/dat
    assert sum(d.text == "Geen doel hier ." for d in tagger_train) == 4
    assert all(t.pos_ for d in tagger_train for t in d)


def test_target_pos_accuracy_counts_only_die_dat_tokens(tiny_tagger) -> None:
    vocab = spacy.blank("nl").vocab
    docs = [Doc(vocab, words=text.split(), pos=tags) for text, tags in TAGGED]
    wrong = Doc(vocab, words="Ik weet dat zij komt .".split(),
                pos=["PRON", "VERB", "PRON", "PRON", "VERB", "PUNCT"])
    right = target_pos_accuracy(tiny_tagger, docs)
    assert right["n"] == 4 and right["accuracy"] == 1.0
    mixed = target_pos_accuracy(tiny_tagger, [*docs, wrong])
    assert mixed["n"] == 5 and mixed["accuracy"] == pytest.approx(0.8)
    assert mixed["by_tag"]["PRON"] == {"n": 2, "accuracy": 0.5}


def test_silver_flags_follow_the_span_group(tiny_tagger) -> None:
    nlp = spacy.blank("nl")
    docs = [nlp.make_doc("Die fiets die ik zag ."), nlp.make_doc("Hij zegt dat het regent .")]
    docs[1][2].pos_ = "SCONJ"  # gold, not silver
    add_silver_pos(docs, tiny_tagger)
    examples = [Example(nlp.make_doc(d.text), d) for d in docs]
    assert silver_flags(examples).tolist() == [True, True, False]


def _multitask(silver_pos_weight: float) -> spacy.language.Language:
    nlp = spacy.blank("nl")
    nlp.add_pipe("lexiplug_die_dat", config={
        "model": {"@architectures": "lexiplug.DieDatBiLSTM.v1", "multitask": True,
                  "n_word_buckets": 64, "n_suffix_buckets": 16, "embed_width": 8,
                  "hidden_width": 8, "n_layers": 1, "dense_width": 8, "dropout": 0.0,
                  "sentence_window": 3, "context_window": 2, "torch_threads": 1},
        "silver_pos_weight": silver_pos_weight, "class_weighting": "none"})
    return nlp


def test_silver_weight_scales_only_silver_pos_gradients(tiny_tagger) -> None:
    nlp = _multitask(0.25)
    component = nlp.get_pipe("lexiplug_die_dat")
    reference = [nlp.make_doc("Die fiets is rood ."), nlp.make_doc("Hij zegt dat het regent .")]
    reference[1][2].pos_ = "SCONJ"
    add_silver_pos(reference[:1], tiny_tagger)
    examples = [Example(nlp.make_doc(d.text), d) for d in reference]
    weights = component._pos_weights(examples)
    assert weights is not None and weights.tolist() == [0.25, 1.0]
    logits = np.zeros((2, 5), dtype=np.float32)
    _, full = component.loss_and_gradient(logits, np.array([0, 1]), np.array([1, 2]))
    _, scaled = component.loss_and_gradient(logits, np.array([0, 1]), np.array([1, 2]), weights)
    full, scaled = np.asarray(full), np.asarray(scaled)
    np.testing.assert_allclose(scaled[0, 2:], 0.25 * full[0, 2:], rtol=1e-6)
    np.testing.assert_allclose(scaled[1], full[1], rtol=1e-6)
    np.testing.assert_allclose(scaled[:, :2], full[:, :2], rtol=1e-6)
    assert _multitask(1.0).get_pipe("lexiplug_die_dat")._pos_weights(examples) is None


def test_silver_weight_outside_unit_interval_names_the_key() -> None:
    with pytest.raises(ConfigError, match="silver_pos_weight"):
        _multitask(1.5)


def test_null_pretrained_path_leaves_embeddings_random() -> None:
    nlp = spacy.blank("nl")
    nlp.add_pipe("lexiplug_die_dat", config={"model": {
        "@architectures": "lexiplug.DieDatBiLSTM.v1", "n_word_buckets": 64,
        "n_suffix_buckets": 16, "embed_width": 8, "hidden_width": 8, "n_layers": 1,
        "dense_width": 8, "sentence_window": 3, "context_window": 2,
        "pretrained": {"@misc": "lexiplug.vectors.v1", "name_or_path": None}}})
    doc = Doc(nlp.vocab, words="Die fiets is rood .".split())
    nlp.initialize(lambda: [Example(nlp.make_doc(doc.text), doc)])
    assert nlp("Die fiets is rood .")[0]._.die_dat["form"] in ("die", "dat")


def test_task_prepare_cli_takes_pos_tagger(tiny_tagger, tmp_path) -> None:
    import json

    from lexiplug.plugins.tasks.cli import task_app
    from typer.testing import CliRunner

    text = tmp_path / "raw.txt"
    text.write_text("Hij zegt dat het regent.\n", encoding="utf-8")
    output = tmp_path / "out.spacy"
    result = CliRunner().invoke(task_app, ["prepare", "die_dat", str(text), "-o", str(output),
                                           "--pos-tagger", str(tiny_tagger)])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)[str(output)]["silver_pos"] == 1
    assert _docs(output)[0][2].pos_ == "SCONJ"
