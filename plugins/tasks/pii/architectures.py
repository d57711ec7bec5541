"""``lexiplug.PIITagger.v1`` (spacy_architectures): the PII tagger's thinc model.

Light on purpose: spaCy imports this module through its entry point at every
``spacy.blank``/``spacy.load``, so torch and the network (``model.py``) load inside the
function.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def build_pii_tagger_v1(hash_rows: Sequence[int] = (20000, 2000, 5000, 5000),
                        hash_width: int = 64, char_width: int = 30, char_filters: int = 50,
                        tag_width: int = 16, lstm_width: int = 128, gcn_width: int = 256,
                        gcn_layers: int = 2, dropout: float = 0.3, extra_features: str = "none",
                        first_names: str | None = None, seed: int = 0,
                        gcn_gates: bool = False) -> Any:
    """See ``model.build_pii_tagger`` (the output width is set at ``initialize``)."""
    from .model import build_pii_tagger

    return build_pii_tagger(hash_rows=hash_rows, hash_width=hash_width, char_width=char_width,
                            char_filters=char_filters, tag_width=tag_width,
                            lstm_width=lstm_width, gcn_width=gcn_width, gcn_layers=gcn_layers,
                            dropout=dropout, extra_features=extra_features,
                            first_names=first_names, seed=seed, gcn_gates=gcn_gates)
