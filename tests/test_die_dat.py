"""die/dat component: instance extraction and masking, training, serialisation, edge cases."""

from __future__ import annotations

import functools

import numpy as np
import pytest
import spacy
from hypothesis import given, settings
from hypothesis import strategies as st
from lexiplug.errors import ConfigError
from lexiplug.plugins.tasks.die_dat.instances import (
    MASK,
    PAD,
    Windows,
    extract_instances,
    target_positions,
)
from lexiplug.plugins.tasks.die_dat.scorer import score_die_dat
from spacy.tokens import Doc
from spacy.training import Example

TINY_MODEL = {
    "@architectures": "lexiplug.DieDatBiLSTM.v1",
    "n_word_buckets": 512, "n_suffix_buckets": 64, "embed_width": 16, "hidden_width": 16,
    "n_layers": 1, "dense_width": 16, "dropout": 0.0, "sentence_window": 6,
    "context_window": 4, "torch_threads": 1,
}
TRAIN = [
    ("De man die daar loopt is mijn oom .", ["DET", "NOUN", "PRON", "ADV", "VERB", "AUX",
                                            "PRON", "NOUN", "PUNCT"]),
    ("Het huis dat ik kocht is oud .", ["DET", "NOUN", "PRON", "PRON", "VERB", "AUX", "ADJ",
                                       "PUNCT"]),
    ("Hij zegt dat het regent .", ["PRON", "VERB", "SCONJ", "PRON", "VERB", "PUNCT"]),
    ("Die fiets is rood .", ["DET", "NOUN", "AUX", "ADJ", "PUNCT"]),
    ("Dat boek lees ik niet .", ["DET", "NOUN", "VERB", "PRON", "ADV", "PUNCT"]),
    ("Ik weet dat zij komt .", ["PRON", "VERB", "SCONJ", "PRON", "VERB", "PUNCT"]),
]
W = Windows(sentence=6, context=4)


def _blank() -> spacy.language.Language:
    return spacy.blank("nl")


@functools.cache
def _shared_nlp() -> spacy.language.Language:
    """One blank pipeline for tests that only need a vocab and a tokenizer (blank() is slow)."""
    return spacy.blank("nl")


def _gold_docs(nlp: spacy.language.Language) -> list[Doc]:
    return [Doc(nlp.vocab, words=text.split(), pos=tags) for text, tags in TRAIN]


def _pipeline(multitask: bool) -> spacy.language.Language:
    nlp = _blank()
    nlp.add_pipe("lexiplug_die_dat", config={
        "model": {**TINY_MODEL, "multitask": multitask}, "class_weighting": "balanced",
        "threshold": 0.6,
    })
    return nlp


def _train(nlp: spacy.language.Language, steps: int = 80) -> list[Example]:
    examples = [Example(nlp.make_doc(doc.text), doc) for doc in _gold_docs(nlp)]
    optimizer = nlp.initialize(lambda: examples)
    for _ in range(steps):
        nlp.update(examples, sgd=optimizer, losses={})
    return examples


@pytest.fixture(scope="module")
def trained() -> tuple[spacy.language.Language, list[Example]]:
    from thinc.api import fix_random_seed

    fix_random_seed(0)
    nlp = _pipeline(multitask=True)
    return nlp, _train(nlp)


# -- instances and masking ---------------------------------------------------------------------


def test_targets_found_in_any_case_and_only_whole_words() -> None:
    nlp = _shared_nlp()
    docs = [nlp("Die man zei DAT dattum diep is."), nlp(""), nlp("Geen doelwoord.")]
    doc_index, token_index = target_positions(docs)
    assert doc_index.tolist() == [0, 0]
    assert [docs[0][i].text for i in token_index] == ["Die", "DAT"]


def test_windows_centre_the_mask_and_stop_at_the_sentence() -> None:
    nlp = _shared_nlp()
    doc = Doc(nlp.vocab, words="Ik zag het . De man die liep".split(),
              sent_starts=[True, False, False, False, True, False, False, False])
    batch = extract_instances([doc], 512, 64, W)
    assert len(batch) == 1 and batch.token_index.tolist() == [6]
    row = batch.sentence_words[0]
    assert row[W.sentence] == MASK and batch.sentence_suffixes[0, W.sentence] == MASK
    # "De man" precede the mask inside the sentence; the first sentence is PAD here ...
    assert (row[W.sentence - 2: W.sentence] > MASK).all()
    assert (row[: W.sentence - 2] == PAD).all()
    # ... but the left context window crosses into it (antecedents live there)
    assert (batch.left_words[0] > MASK).all()
    assert (batch.right_words[0, 1:] == PAD).all() and batch.right_words[0, 0] > MASK


def _swap_target(words: list[str], i: int) -> list[str]:
    swapped = list(words)
    swapped[i] = {"die": "dat", "dat": "die"}[words[i].lower()]
    return swapped


@given(
    left=st.lists(st.sampled_from(["de", "het", "man", "huis", "die", "dat", ",", "zag"]),
                  max_size=12),
    right=st.lists(st.sampled_from(["ik", "loopt", "die", "dat", "boek", "."]), max_size=12),
    target=st.sampled_from(["die", "dat", "Die", "DAT"]),
)
@settings(max_examples=40)
def test_the_target_word_never_reaches_the_model(left: list[str], right: list[str],
                                                 target: str) -> None:
    nlp = _shared_nlp()
    words = [*left, target, *right]
    i = len(left)
    batch_a = extract_instances([Doc(nlp.vocab, words=words)], 512, 64, W)
    batch_b = extract_instances([Doc(nlp.vocab, words=_swap_target(words, i))], 512, 64, W)
    row_a = int(np.flatnonzero(batch_a.token_index == i)[0])
    row_b = int(np.flatnonzero(batch_b.token_index == i)[0])
    for name, ids in batch_a.id_arrays().items():
        np.testing.assert_array_equal(ids[row_a], batch_b.id_arrays()[name][row_b], err_msg=name)


def test_the_network_receives_identical_inputs_whatever_the_target(trained) -> None:
    nlp, _ = trained
    component = nlp.get_pipe("lexiplug_die_dat")
    wrapper = component.model.layers[0]
    seen: list[dict] = []
    convert = wrapper.attrs["convert_inputs"]

    def spy(model, batch, is_train):  # type: ignore[no-untyped-def]
        seen.append({k: v.copy() for k, v in batch.id_arrays().items()})
        return convert(model, batch, is_train)

    wrapper.attrs["convert_inputs"] = spy
    try:
        a = nlp("Het boek die ik las .")
        b = nlp("Het boek dat ik las .")
    finally:
        wrapper.attrs["convert_inputs"] = convert
    assert len(seen) == 2
    for name in seen[0]:
        np.testing.assert_array_equal(seen[0][name], seen[1][name], err_msg=name)
    assert a[2]._.die_dat["prob"] == b[2]._.die_dat["prob"]
    assert a[2]._.die_dat["form"] == b[2]._.die_dat["form"]


# -- training, inference, serialisation ----------------------------------------------------------


def test_tiny_multitask_run_overfits(trained) -> None:
    nlp, examples = trained
    scores = nlp.evaluate(examples)
    assert scores["die_dat_acc"] == 1.0
    assert scores["die_dat_pos_acc"] is not None and scores["die_dat_pos_acc"] >= 0.8
    assert scores["die_dat_pronoun_acc"] == 1.0


def test_tiny_binary_run_overfits_and_reports_no_pos() -> None:
    from thinc.api import fix_random_seed

    fix_random_seed(0)
    nlp = _pipeline(multitask=False)
    examples = _train(nlp)
    scores = nlp.evaluate(examples)
    assert scores["die_dat_acc"] == 1.0
    assert scores["die_dat_pos_acc"] is None
    assert "pos" not in nlp("De man die loopt .")[2]._.die_dat


def test_issues_flag_confident_disagreements(trained) -> None:
    nlp, _ = trained
    doc = nlp("Het huis die ik kocht is oud .")
    record = doc[2]._.die_dat
    assert record["written"] == "die"
    assert [t.i for t in doc._.die_dat_issues] == ([2] if record["issue"] else [])
    assert record["issue"] == (record["form"] != "die" and record["prob"] >= 0.6)
    assert nlp("Het huis dat ik kocht is oud .")._.die_dat_issues == []


@pytest.mark.parametrize("text", ["", "   ", "Geen doelwoorden in deze zin ."])
def test_empty_texts_and_texts_without_targets(trained, text: str) -> None:
    nlp, _ = trained
    doc = nlp(text)
    assert all(t._.die_dat is None for t in doc)
    assert doc._.die_dat_issues == []
    docs = list(nlp.pipe([text, "De man die loopt .", text]))
    assert docs[1][2]._.die_dat is not None


def test_update_without_instances_is_a_no_op(trained) -> None:
    nlp, _ = trained
    doc = nlp.make_doc("Geen doelwoord .")
    losses = nlp.get_pipe("lexiplug_die_dat").update([Example(doc, doc.copy())])
    assert losses == {"lexiplug_die_dat": 0.0}


def test_to_disk_spacy_load_round_trip(trained, tmp_path) -> None:
    nlp, _ = trained
    text = "Het huis die ik kocht en de man dat daar loopt ."
    before = [t._.die_dat for t in nlp(text) if t._.die_dat]
    nlp.to_disk(tmp_path / "pipe")
    loaded = spacy.load(tmp_path / "pipe")
    after = [t._.die_dat for t in loaded(text) if t._.die_dat]
    assert before == after and len(after) == 2
    restored = _pipeline(multitask=True)
    restored.from_bytes(nlp.to_bytes())
    assert [t._.die_dat for t in restored(text) if t._.die_dat] == before


def test_weights_are_safetensors_not_pickle(trained) -> None:
    from lexiplug.plugins.tasks.die_dat.model import serialize_module
    from safetensors.torch import load

    nlp, _ = trained
    module = nlp.get_pipe("lexiplug_die_dat").model.layers[0].shims[0]._model
    blob = serialize_module(module)
    tensors = load(blob)
    assert "words.weight" in tensors and "pos.weight" in tensors
    assert not blob.startswith(b"\x80")  # a pickle stream starts with PROTO


def test_pos_loss_is_masked_for_instances_without_pos(trained) -> None:
    nlp, _ = trained
    component = nlp.get_pipe("lexiplug_die_dat")
    logits = np.zeros((3, 5), dtype=np.float32)
    forms = np.array([0, 1, 1])
    tags = np.array([-1, 2, -1])
    _, grad = component.loss_and_gradient(logits, forms, tags)
    grad = np.asarray(grad)
    assert not grad[[0, 2], 2:].any() and grad[1, 2:].any()
    # the POS mean runs over the one labelled instance: d = p - onehot = 1/3 - 1 for SCONJ
    assert grad[1, 4] == pytest.approx(component.cfg["pos_loss_weight"] * (1 / 3 - 1))
    w_die, _w_dat = component.cfg["class_weights"]
    assert grad[0, 0] == pytest.approx(-0.5 * w_die / 3)


def test_balanced_weights_follow_class_counts(trained) -> None:
    nlp, _ = trained
    # TRAIN holds 2 "die" and 4 "dat": n / (2 n_c) = 6/4 and 6/8
    assert nlp.get_pipe("lexiplug_die_dat").cfg["class_weights"] == [1.5, 0.75]


@pytest.mark.parametrize(("key", "value"), [("class_weighting", "oversample"),
                                            ("threshold", 0.2), ("pos_loss_weight", -1.0)])
def test_bad_component_settings_name_the_key(key: str, value: object) -> None:
    with pytest.raises(ConfigError, match=key):
        _blank().add_pipe("lexiplug_die_dat", config={key: value})


def test_bad_architecture_settings_name_the_key() -> None:
    with pytest.raises(ConfigError, match="hidden_width"):
        _blank().add_pipe("lexiplug_die_dat",
                          config={"model": {**TINY_MODEL, "hidden_width": 0}})


# -- scorer --------------------------------------------------------------------------------------


def test_scorer_metrics_from_known_predictions() -> None:
    from lexiplug.plugins.tasks.die_dat.component import ensure_extensions

    ensure_extensions()
    nlp = _shared_nlp()
    reference = Doc(nlp.vocab, words="de man die dat zegt dat die".split(),
                    pos=["DET", "NOUN", "PRON", "PRON", "VERB", "SCONJ", "DET"])
    predicted = Doc(nlp.vocab, words=[t.text for t in reference])
    # gold: die(PRON) dat(PRON) dat(SCONJ) die(DET); predictions: die, die, dat, dat
    for i, form, pos in [(2, "die", "PRON"), (3, "die", "PRON"), (5, "dat", "PRON"),
                         (6, "dat", "DET")]:
        predicted[i]._.die_dat = {"form": form, "prob": 0.9, "pos": pos}
    scores = score_die_dat([Example(predicted, reference)])
    assert scores["die_dat_acc"] == pytest.approx(2 / 4)
    assert scores["die_dat_balanced_acc"] == pytest.approx((1 / 2 + 1 / 2) / 2)
    assert scores["die_dat_pronoun_acc"] == pytest.approx(1 / 3)  # SCONJ "dat" excluded
    assert scores["die_dat_pos_acc"] == pytest.approx(3 / 4)
    assert scores["die_dat_per_type"]["die"] == pytest.approx({"p": 0.5, "r": 0.5, "f": 0.5})
    assert score_die_dat([])["die_dat_acc"] is None


def test_article_lexicon_counts_words_after_de_and_het() -> None:
    from lexiplug.plugins.tasks.die_dat.instances import article_lexicon, word_bucket

    nlp = _shared_nlp()
    docs = [nlp("het huis en het grote huis"), nlp("de man zag de man"), nlp("het")]
    table = article_lexicon(docs, 512)
    huis, man = word_bucket("huis", 512), word_bucket("man", 512)
    assert table[huis, 1] == pytest.approx(np.log1p(2)) and table[huis, 0] == 0
    assert table[man, 0] == pytest.approx(np.log1p(2)) and table[man, 1] == 0
    assert table[huis, 2] > 0 > table[man, 2]
    assert not table[:2].any()  # PAD and MASK rows


def test_lexicon_is_filled_at_initialize_and_saved(trained, tmp_path) -> None:
    nlp, _ = trained
    module = nlp.get_pipe("lexiplug_die_dat").model.layers[0].shims[0]._model
    assert float(module.lexicon.abs().sum()) > 0
    nlp.to_disk(tmp_path / "pipe")
    loaded = spacy.load(tmp_path / "pipe").get_pipe("lexiplug_die_dat")
    np.testing.assert_array_equal(loaded.model.layers[0].shims[0]._model.lexicon.numpy(),
                                  module.lexicon.numpy())


def test_embeddings_start_from_lexiplug_vectors_through_the_misc_bridge(tmp_path) -> None:
    from lexiplug.plugins.tasks.die_dat.instances import word_bucket
    from lexiplug.vectors.io import save_vectors
    from lexiplug.vectors.vectors import Vectors

    matrix = np.arange(3 * 16, dtype=np.float32).reshape(3, 16) / 10
    path = save_vectors(Vectors(["huis", "man", "fiets"], matrix), tmp_path / "nl.vec",
                        format="word2vec-text")
    pretrained = {"@misc": "lexiplug.vectors.v1", "name_or_path": str(path)}
    nlp = _blank()
    component = nlp.add_pipe("lexiplug_die_dat", config={
        "model": {**TINY_MODEL, "n_word_buckets": 4096, "pretrained": pretrained}})
    nlp.initialize(lambda: [Example(nlp.make_doc(d.text), d) for d in _gold_docs(nlp)])
    table = component.model.layers[0].shims[0]._model.words.weight.detach().numpy()
    np.testing.assert_allclose(table[word_bucket("man", 4096)], matrix[1], rtol=1e-6)
    wrong = _blank()
    wrong.add_pipe("lexiplug_die_dat", config={
        "model": {**TINY_MODEL, "embed_width": 8, "pretrained": pretrained}})
    with pytest.raises(ConfigError, match="embed_width"):
        wrong.initialize(lambda: [Example(wrong.make_doc(d.text), d)
                                  for d in _gold_docs(wrong)])


def test_lexicon_text_adds_raw_sentences_at_initialize(tmp_path) -> None:
    from lexiplug.plugins.tasks.die_dat.instances import word_bucket

    (tmp_path / "raw.txt").write_text("het fietsje\n\nhet fietsje is rood\n", encoding="utf-8")
    nlp = _pipeline(multitask=False)
    examples = [Example(nlp.make_doc(d.text), d) for d in _gold_docs(nlp)]
    nlp.get_pipe("lexiplug_die_dat").initialize(lambda: examples, nlp=nlp,
                                                lexicon_text=[str(tmp_path)])
    module = nlp.get_pipe("lexiplug_die_dat").model.layers[0].shims[0]._model
    row = module.lexicon[word_bucket("fietsje", 512)].numpy()
    assert row[1] == pytest.approx(np.log1p(2)) and row[0] == 0
    with pytest.raises(ConfigError, match="lexicon_text"):
        nlp.get_pipe("lexiplug_die_dat").initialize(lambda: examples, nlp=nlp,
                                                    lexicon_text=str(tmp_path / "none.txt"))
