"""spaCy entry points of the phenotyping task; light on purpose: spaCy imports
this module at every ``spacy.blank``/``spacy.load``, so torch, the component and the network
load inside the functions."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from spacy.language import Language


@Language.factory(
    "lexiplug_phenotype",
    assigns=["doc.cats", "doc._.phenotype"],
    default_config={
        "model": {"@architectures": "lexiplug.MTCNN.v1"},
        "tasks": [],
        "min_count": 2,
        "separator": "=",
        "class_weighting": "none",
        "scorer": {"@scorers": "lexiplug.phenotype_scorer.v1"},
    },
    default_score_weights={"phenotype_micro_f": 0.5, "phenotype_macro_f": 0.5,
                           "phenotype_acc": None},
)
def make_lexiplug_phenotype(nlp: Language, name: str, model: Any, tasks: Sequence[str],
                            min_count: int, separator: str, scorer: Callable | None,
                            class_weighting: str = "none") -> Any:
    """Report phenotyping (multitask CNN): one label per configured task (all tasks found
    in the training ``doc.cats`` when ``tasks`` is empty) into ``doc.cats`` and
    ``doc._.phenotype``. Trained with ``spacy train`` on DocBins from
    ``lexiplug task prepare phenotype``. ``class_weighting = "balanced"`` weights each
    task's loss by inverse class frequency (rare cancer types count more)."""
    from .component import Phenotyper

    return Phenotyper(nlp.vocab, model, name, tasks=tasks, min_count=min_count,
                      separator=separator, class_weighting=class_weighting, scorer=scorer)

