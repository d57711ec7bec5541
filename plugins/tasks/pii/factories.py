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


def pii_tagger_v1(hash_rows: Sequence[int] = (20000, 2000, 5000, 5000), hash_width: int = 64,
                  char_width: int = 30, char_filters: int = 50, tag_width: int = 16,
                  lstm_width: int = 128, gcn_width: int = 256, gcn_layers: int = 2,
                  dropout: float = 0.3, extra_features: str = "none",
                  first_names: str | None = None, seed: int = 0) -> Any:
    """``lexiplug.PIITagger.v1`` (spacy_architectures): see ``model.build_pii_tagger``."""
    from .model import build_pii_tagger

    return build_pii_tagger(hash_rows=hash_rows, hash_width=hash_width, char_width=char_width,
                            char_filters=char_filters, tag_width=tag_width,
                            lstm_width=lstm_width, gcn_width=gcn_width, gcn_layers=gcn_layers,
                            dropout=dropout, extra_features=extra_features,
                            first_names=first_names, seed=seed)


def pii_scorer_v1(spans_key: str = "pii") -> Callable[..., dict[str, Any]]:
    """``lexiplug.pii_scorer.v1`` (spacy_scorers)."""
    from .scorer import make_pii_scorer

    return make_pii_scorer(spans_key)
