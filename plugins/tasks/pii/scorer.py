"""``lexiplug.pii_scorer.v1``: exact-span precision/recall/F1, overall and per label.

Keys follow spaCy's span scorers: ``spans_<key>_p``, ``_r``, ``_f`` and ``_per_type``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from spacy.scorer import Scorer
from spacy.training import Example


def score_pii_spans(examples: Iterable[Example], spans_key: str = "pii",
                    **kwargs: Any) -> dict[str, Any]:
    def getter(doc: Any, attr: str) -> list:
        return list(doc.spans.get(spans_key, []))

    return Scorer.score_spans(list(examples), attr=f"spans_{spans_key}", getter=getter,
                              has_annotation=lambda doc: spans_key in doc.spans,
                              labeled=True, allow_overlap=True)


def make_pii_scorer(spans_key: str = "pii") -> Callable[..., dict[str, Any]]:
    def scorer(examples: Iterable[Example], **kwargs: Any) -> dict[str, Any]:
        return score_pii_spans(examples, spans_key=spans_key)

    return scorer
