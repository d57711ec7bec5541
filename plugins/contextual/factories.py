"""spaCy factory ``lexiplug_embed``; light on purpose: spaCy imports this module at every
``spacy.blank``/``spacy.load``, so the component code loads inside the factory."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from spacy.language import Language


@Language.factory(
    "lexiplug_embed",
    default_config={"batch_size": 32, "lowercase_fallback": True},
)
def make_lexiplug_embed(
    nlp: Language,
    name: str,
    source: Callable[[], Any],
    batch_size: int,
    lowercase_fallback: bool,
) -> Any:
    """Token, span and doc vectors from a lexiplug encoder or static ``Vectors``.

    ``source`` comes from the ``spacy_misc`` bridge: ``lexiplug.embedder.v1`` (an encoder)
    or ``lexiplug.vectors.v1`` (static vectors); it is loaded on first use.
    """
    from .component import LexiplugEmbed

    return LexiplugEmbed(
        nlp.vocab, name, source, batch_size=batch_size, lowercase_fallback=lowercase_fallback
    )
