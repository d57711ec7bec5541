"""The sentiment task (plugins/tasks/sentiment): lexicon induction, features, the spaCy
component's fit/predict/save/load, the scorer and the bad-input errors, on small planted data.

Planted data: positive documents carry positive seed words and the non-seed word "sunny",
negative ones negative seeds and "gloomy"; the induced lexicon must place the non-seed words
on their class's side, and the component must separate held-out documents.
"""

from __future__ import annotations

import numpy as np
import pytest
import spacy
from lexiplug.errors import FormatError, TrainingError
from lexiplug.plugins.tasks.sentiment.features import (
    TfidfBag,
    delta_idf_scores,
    pmi_orientation,
)
from lexiplug.plugins.tasks.sentiment.lexicon import load_tsv, save_tsv
from lexiplug.plugins.tasks.sentiment.lexicon_config import polarity_lexicon
from lexiplug.plugins.tasks.sentiment.scorer import score_sentiment
from lexiplug.plugins.tasks.sentiment.terms import doc_terms
from spacy.training import Example

POSITIVE_WORDS = ["good", "lovely", "excellent", "pleasant", "happy", "sunny", "bright"]
NEGATIVE_WORDS = ["bad", "horrible", "poor", "unpleasant", "unhappy", "gloomy", "dull"]
NEUTRAL_WORDS = ["the", "film", "plot", "actor", "scene", "story", "music", "a", "was", "it",
                 "of", "and", "camera", "ending", "script", "cast"]
SMALL_LEXICON = {"@misc": "lexiplug.polarity_lexicon.v1", "seeds": "en", "dim": 8,
                 "doc_vector_dim": 4, "min_count": 2, "k": 5, "bootstrap": 8, "subset_size": 4}


def planted_texts(n: int, seed: int) -> list[tuple[str, bool]]:
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        positive = bool(i % 2)
        pool = POSITIVE_WORDS if positive else NEGATIVE_WORDS
        words = list(rng.choice(NEUTRAL_WORDS, 6)) + list(rng.choice(pool, 2))
        # the non-seed pole words always travel with a seed, so the walk can reach them
        words += ["sunny" if positive else "gloomy"] if rng.random() < 0.5 else []
        rng.shuffle(words)
        out.append((" ".join(words), positive))
    return out


def examples(nlp: spacy.Language, data: list[tuple[str, bool]]) -> list[Example]:
    out = []
    for text, positive in data:
        out.append(Example.from_dict(nlp.make_doc(text), {"cats": {
            "POSITIVE": float(positive), "NEGATIVE": float(not positive)}}))
    return out


def trained(features: list[str] | None = None, **config: object) -> spacy.Language:
    nlp = spacy.blank("en")
    settings: dict[str, object] = {"lexicon": SMALL_LEXICON, "folds": 3, **config}
    if features is not None:
        settings["features"] = features
    nlp.add_pipe("lexiplug_sentiment", name="sentiment", config=settings)
    train = examples(nlp, planted_texts(120, seed=0))
    nlp.initialize(lambda: train)
    return nlp


@pytest.fixture(scope="module")
def nlp() -> spacy.Language:
    return trained()


def test_lexicon_places_non_seed_words_on_their_pole(nlp: spacy.Language) -> None:
    lexicon = nlp.get_pipe("sentiment").model.induced
    polarity = dict(zip(lexicon.words, lexicon.polarity.tolist(), strict=True))
    assert polarity["sunny"] > 0 > polarity["gloomy"]
    assert polarity["bright"] > polarity["dull"]
    assert ((lexicon.confidence >= 0) & (lexicon.confidence <= 1)).all()


def test_component_separates_held_out_docs(nlp: spacy.Language) -> None:
    held = planted_texts(60, seed=1)
    docs = list(nlp.pipe(text for text, _ in held))
    predicted = np.asarray([d.cats["POSITIVE"] > 0.5 for d in docs])
    gold = np.asarray([p for _, p in held])
    assert (predicted == gold).mean() >= 0.9
    assert all(abs(d.cats["POSITIVE"] + d.cats["NEGATIVE"] - 1.0) < 1e-6 for d in docs)


def test_save_and_load_without_pickle(nlp: spacy.Language, tmp_path) -> None:  # type: ignore[no-untyped-def]
    nlp.to_disk(tmp_path / "model")
    folder = tmp_path / "model" / "sentiment"
    assert sorted(p.name for p in folder.iterdir()) == ["cfg", "model.json", "model.npz"]
    np.load(folder / "model.npz", allow_pickle=False)  # raises if anything needs pickle
    loaded = spacy.load(tmp_path / "model")
    texts = [text for text, _ in planted_texts(20, seed=2)]
    before = [d.cats["POSITIVE"] for d in nlp.pipe(texts)]
    after = [d.cats["POSITIVE"] for d in loaded.pipe(texts)]
    assert np.allclose(before, after, atol=1e-6)
    from_bytes = spacy.blank("en")
    from_bytes.add_pipe("lexiplug_sentiment", name="sentiment", config={"lexicon": SMALL_LEXICON})
    from_bytes.from_bytes(nlp.to_bytes())
    assert np.allclose(before, [d.cats["POSITIVE"] for d in from_bytes.pipe(texts)], atol=1e-6)


def test_scorer_reports_accuracy_and_macro_f(nlp: spacy.Language) -> None:
    held = examples(nlp, planted_texts(40, seed=3))
    scores = nlp.evaluate(held)
    assert scores["sentiment_acc"] >= 0.9
    assert 0.0 <= scores["sentiment_macro_f"] <= 1.0
    # a hand-made case: 3 of 4 right, one false positive
    docs = [nlp.make_doc(t) for t in ["a", "b", "c", "d"]]
    gold = [True, True, False, False]
    predicted = [True, True, True, False]
    egs = []
    for doc, g, p in zip(docs, gold, predicted, strict=True):
        doc.cats = {"POSITIVE": float(p), "NEGATIVE": float(not p)}
        ref = nlp.make_doc(doc.text)
        ref.cats = {"POSITIVE": float(g), "NEGATIVE": float(not g)}
        egs.append(Example(doc, ref))
    result = score_sentiment(egs)
    assert result["sentiment_acc"] == 0.75
    # POSITIVE: p 2/3 r 1 -> f 0.8; NEGATIVE: p 1 r 1/2 -> f 2/3
    assert result["sentiment_macro_f"] == pytest.approx((0.8 + 2 / 3) / 2)


def test_ablation_feature_sets_train() -> None:
    for features in (["delta_idf"], ["bag", "pmi"], ["lexicon", "doc_vector"]):
        model = trained(features)
        docs = list(model.pipe(text for text, _ in planted_texts(40, seed=4)))
        accuracy = np.mean([(d.cats["POSITIVE"] > 0.5) == bool(i % 2)
                            for i, d in enumerate(docs)])
        assert accuracy >= 0.8, features


def test_delta_idf_and_pmi_point_the_right_way() -> None:
    bags = [["good", "film"], ["good", "plot"], ["bad", "film"], ["bad", "plot"]]
    bag = TfidfBag.fit(bags, min_df=1)
    scores = dict(zip(bag.vocabulary, delta_idf_scores(
        bag.transform(bags), np.asarray([True, True, False, False])).tolist(), strict=True))
    assert scores["good"] > 0 > scores["bad"]
    assert scores["film"] == pytest.approx(0.0, abs=1e-6)
    orientation = pmi_orientation(
        [["good", "sunny"], ["good", "sunny"], ["bad", "gloomy"], ["bad", "gloomy"]],
        [("good", "bad")])
    assert orientation["sunny"] > 0 > orientation["gloomy"]


def test_english_negation_flips_the_words_it_scopes() -> None:
    terms = doc_terms(["not", "very", "good", ",", "good"], language="en",
                      negators=frozenset({"not"}), morphology=None)
    assert terms.signs == [1, -1, -1, 1, 1]
    assert "not very" in terms.bag


def test_turkish_negator_flips_the_word_before_it() -> None:
    terms = doc_terms(["film", "güzel", "değil"], language="tr",
                      negators=frozenset({"değil"}), morphology=None)
    assert terms.signs == [1, -1, 1]


# -- bad input ---------------------------------------------------------------------------

def test_label_outside_the_two_classes_is_named() -> None:
    nlp = spacy.blank("en")
    nlp.add_pipe("lexiplug_sentiment", config={"lexicon": SMALL_LEXICON})
    doc = nlp.make_doc("good film")
    bad = [Example.from_dict(doc, {"cats": {"POSITIVE": 0.0, "NEUTRAL": 1.0}})]
    with pytest.raises(TrainingError, match=r"example 1 has label\(s\) \['NEUTRAL'\]"):
        nlp.initialize(lambda: bad)


def test_empty_training_text_is_named() -> None:
    nlp = spacy.blank("en")
    nlp.add_pipe("lexiplug_sentiment", config={"lexicon": SMALL_LEXICON})
    data = examples(nlp, planted_texts(10, seed=0)) + examples(nlp, [("", True)])
    with pytest.raises(TrainingError, match="example 11 has an empty text"):
        nlp.initialize(lambda: data)


def test_one_class_training_set_is_refused() -> None:
    nlp = spacy.blank("en")
    nlp.add_pipe("lexiplug_sentiment", config={"lexicon": SMALL_LEXICON})
    data = examples(nlp, [(t, True) for t, _ in planted_texts(10, seed=0)])
    with pytest.raises(TrainingError, match="both classes"):
        nlp.initialize(lambda: data)


def test_empty_text_at_inference(nlp: spacy.Language) -> None:
    with pytest.raises(FormatError, match="expected non-empty texts"):
        list(nlp.pipe(["good film", "   "]))
    pipe = nlp.get_pipe("sentiment")
    pipe.cfg["on_empty"] = "neutral"
    try:
        docs = list(nlp.pipe(["good film", ""]))
    finally:
        pipe.cfg["on_empty"] = "error"
    assert docs[1].cats == {"POSITIVE": 0.5, "NEGATIVE": 0.5}


def test_untrained_component_says_so() -> None:
    nlp = spacy.blank("en")
    nlp.add_pipe("lexiplug_sentiment", config={"lexicon": SMALL_LEXICON})
    with pytest.raises(TrainingError, match="not fitted"):
        nlp("good film")


def test_seeds_absent_from_the_corpus_are_reported() -> None:
    nlp = spacy.blank("en")
    nlp.add_pipe("lexiplug_sentiment", config={
        "lexicon": {**SMALL_LEXICON, "seeds": "tr"}})
    data = examples(nlp, planted_texts(40, seed=0))
    with pytest.raises(TrainingError, match="seed words in the corpus vocabulary"):
        nlp.initialize(lambda: data)


def test_bad_config_values_name_their_field() -> None:
    from lexiplug.errors import ConfigError

    nlp = spacy.blank("en")
    with pytest.raises(ConfigError, match="features"):
        nlp.add_pipe("lexiplug_sentiment", config={"features": ["bag", "magic"]})
    with pytest.raises(ConfigError, match="morphology"):
        nlp.add_pipe("lexiplug_sentiment", name="s2", config={"morphology": True})
    with pytest.raises(ConfigError, match=r"lexicon\.beta"):
        polarity_lexicon(beta=1.5)


def test_lexicon_tsv_round_trip_and_bad_lines(nlp: spacy.Language, tmp_path) -> None:  # type: ignore[no-untyped-def]
    lexicon = nlp.get_pipe("sentiment").model.induced
    path = tmp_path / "lexicon.tsv"
    save_tsv(lexicon, path)
    assert path.read_text(encoding="utf-8").splitlines()[0] == "word\tpolarity\tconfidence"
    again = load_tsv(path)
    assert dict(zip(again.words, again.polarity.tolist(), strict=True)) == pytest.approx(dict(
        zip(lexicon.words, lexicon.polarity.tolist(), strict=True)), abs=1e-5)
    bad = tmp_path / "bad.tsv"
    bad.write_text("word\tpolarity\tconfidence\ngood\t0.5\t1\nbad\tvery\t1\n", encoding="utf-8")
    with pytest.raises(FormatError, match=r"bad.tsv:3: expected a polarity number"):
        load_tsv(bad)
    bad.write_text("good\t0.5\t1\nbad -0.5\n", encoding="utf-8")
    with pytest.raises(FormatError, match=r"bad.tsv:2: expected 'word<TAB>polarity"):
        load_tsv(bad)
    bad.write_text("good\t1.5\n", encoding="utf-8")
    with pytest.raises(FormatError, match=r"bad.tsv:1: expected a polarity in \[-1.0, 1.0\]"):
        load_tsv(bad)


def test_lexicon_from_tsv_replaces_induction(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "lexicon.tsv"
    path.write_text("word\tpolarity\tconfidence\nsunny\t0.9\t1\ngloomy\t-0.9\t1\n",
                    encoding="utf-8")
    nlp = trained(["lexicon"], lexicon={**SMALL_LEXICON, "path": str(path)})
    assert nlp.get_pipe("sentiment").model.lexicon == pytest.approx(
        {"sunny": 0.9, "gloomy": -0.9})
    assert nlp("sunny sunny plot").cats["POSITIVE"] > nlp("gloomy gloomy plot").cats["POSITIVE"]


def test_features_constant_in_training_do_not_explode_on_new_text() -> None:
    """Regression: a dense column with (near) zero spread in training was divided by 1e-6,
    so a held-out document with an unseen value got a huge feature and one class for
    everything (spacy train scored 50% on this set)."""
    def data(numbers: range) -> list[tuple[str, bool]]:
        return [(f"a good, lovely film number {i}" if i % 2 else
                 f"a bad and poor plot number {i}", bool(i % 2)) for i in numbers]

    nlp = spacy.blank("en")
    nlp.add_pipe("lexiplug_sentiment", config={"lexicon": {
        **SMALL_LEXICON, "min_count": 1, "k": 4}})
    train = examples(nlp, data(range(180)))
    nlp.initialize(lambda: train)
    held = data(range(180, 200))
    docs = list(nlp.pipe(text for text, _ in held))
    assert [d.cats["POSITIVE"] > 0.5 for d in docs] == [p for _, p in held]
