"""spaCy entry points of the PII task; light on purpose (docs/architecture.md): spaCy imports this
module at every ``spacy.blank``/``spacy.load``, so torch and the model load inside functions.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from spacy.language import Language

from .labels import PII_LABELS


@Language.factory(
    "lexiplug_pii",
    assigns=["doc.spans"],
    default_config={
        "model": {"@architectures": "lexiplug.PIITagger.v1"},
        "spans_key": "pii",
        "labels": list(PII_LABELS),
        "parse_fallback": "error",
        "use_patterns": True,
        "scorer": {"@scorers": "lexiplug.pii_scorer.v1"},
    },
    default_score_weights={"spans_pii_f": 1.0, "spans_pii_p": 0.0, "spans_pii_r": 0.0},
)
def make_lexiplug_pii(nlp: Language, name: str, model: Any, spans_key: str,
                      labels: Sequence[str], parse_fallback: str, use_patterns: bool,
                      scorer: Callable | None) -> Any:
    """PII spans into ``doc.spans[spans_key]``: a BiLSTM + GCN BIO tagger over the
    dependency parse, merged with checksum-validated pattern hits."""
    from .component import PIITagger

    return PIITagger(nlp.vocab, model, name, spans_key=spans_key, labels=labels,
                     parse_fallback=parse_fallback, use_patterns=use_patterns, scorer=scorer)

