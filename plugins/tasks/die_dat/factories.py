"""spaCy factory ``lexiplug_die_dat``; light on purpose: spaCy imports this module at every
``spacy.blank``/``spacy.load`` (docs/architecture.md), so the component, torch and the network load
inside the factory function."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from spacy.language import Language

DEFAULT_MODEL: dict[str, Any] = {"@architectures": "lexiplug.DieDatBiLSTM.v1", "multitask": False}


@Language.factory(
    "lexiplug_die_dat",
    assigns=["token._.die_dat", "doc._.die_dat_issues"],
    default_config={
        "model": DEFAULT_MODEL,
        "threshold": 0.8,
        "pos_loss_weight": 1.0,
        "class_weighting": "balanced",
        "silver_pos_weight": 1.0,
        "scorer": {"@scorers": "lexiplug.die_dat_scorer.v1"},
    },
    default_score_weights={
        "die_dat_acc": 1.0, "die_dat_balanced_acc": 0.0, "die_dat_pronoun_acc": 0.0,
        "die_dat_pos_acc": 0.0,
    },
)
def make_die_dat(
    nlp: Language,
    name: str,
    model: Any,
    threshold: float,
    pos_loss_weight: float,
    class_weighting: str,
    silver_pos_weight: float,
    scorer: Callable | None,
) -> Any:
    """die/dat classifier: ``token._.die_dat`` for every die/dat token and
    ``doc._.die_dat_issues`` (written form disagrees with a prediction of at least
    ``threshold`` probability). Trained with ``spacy train`` on DocBins from
    ``lexiplug task prepare die_dat``. ``silver_pos_weight`` scales the POS loss of
    tagger-made labels (``prepare(..., pos_tagger=...)``)."""
    from .component import DieDat

    return DieDat(nlp.vocab, model, name, threshold=threshold,
                  pos_loss_weight=pos_loss_weight, class_weighting=class_weighting,
                  silver_pos_weight=silver_pos_weight, scorer=scorer)
