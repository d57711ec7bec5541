"""spaCy entry point of the multisense plugin; light on purpose (docs/architecture.md): spaCy
imports this module at every ``spacy.blank``/``spacy.load``, so numpy and the sense vectors
load inside the factory."""

from __future__ import annotations

from typing import Any

from spacy.language import Language


@Language.factory(
    "lexiplug_senses",
    assigns=["token._.sense", "token._.sense_vector"],
    default_config={"path": None, "window": 5, "lowercase": True},
)
def make_lexiplug_senses(nlp: Language, name: str, path: str | None, window: int,
                         lowercase: bool) -> Any:
    """Sense of every known token from its ``window`` neighbours on each side: writes
    ``token._.sense`` (the sense index, None for unknown words) and ``token._.sense_vector``."""
    from .component import SenseTagger

    return SenseTagger(name, path=path, window=window, lowercase=lowercase)
