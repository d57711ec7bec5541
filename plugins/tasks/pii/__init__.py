"""PII extraction as a spaCy component (``lexiplug_pii``): a BiLSTM + GCN BIO tagger over the
dependency parse, merged with a checksum-validated pattern recogniser (docs/pii.md).

Light on purpose: spaCy imports ``factories`` (and so this package) at every ``spacy.load``.
"""

from .redact import redact

__all__ = ["redact"]
