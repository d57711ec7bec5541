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
        "scorer": {"@scorers": "lexiplug.phenotype_scorer.v1"},
    },
    default_score_weights={"phenotype_micro_f": 0.5, "phenotype_macro_f": 0.5,
                           "phenotype_acc": None},
)
def make_lexiplug_phenotype(nlp: Language, name: str, model: Any, tasks: Sequence[str],
                            min_count: int, separator: str, scorer: Callable | None) -> Any:
    """Report phenotyping (multitask CNN): one label per configured task (all tasks found
    in the training ``doc.cats`` when ``tasks`` is empty) into ``doc.cats`` and
    ``doc._.phenotype``. Trained with ``spacy train`` on DocBins from
    ``lexiplug task prepare phenotype``."""
    from .component import Phenotyper

    return Phenotyper(nlp.vocab, model, name, tasks=tasks, min_count=min_count,
                      separator=separator, scorer=scorer)


def mtcnn_v1(embed_width: int = 300, filters: int = 300, kernel_sizes: Sequence[int] = (3, 4, 5),
             bag_of_embeddings: bool = True, dropout: float = 0.5, max_length: int = 3000,
             long_docs: str = "window", embeddings_scale: float = 20.0,
             max_vocab: int = 100_000, pretrained: Callable[[], Any] | None = None,
             seed: int = 0) -> Any:
    """``lexiplug.MTCNN.v1`` (spacy_architectures): see ``architectures.build_mtcnn``."""
    from .architectures import build_mtcnn

    return build_mtcnn(embed_width=embed_width, filters=filters, kernel_sizes=kernel_sizes,
                       bag_of_embeddings=bag_of_embeddings, dropout=dropout,
                       max_length=max_length, long_docs=long_docs,
                       embeddings_scale=embeddings_scale, max_vocab=max_vocab,
                       pretrained=pretrained, seed=seed)


def phenotype_scorer_v1(tasks: Sequence[str] | None = None,
                        separator: str = "=") -> Callable[..., dict[str, Any]]:
    """``lexiplug.phenotype_scorer.v1`` (spacy_scorers)."""
    from .scorer import make_phenotype_scorer

    return make_phenotype_scorer(tasks, separator)
