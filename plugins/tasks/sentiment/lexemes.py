"""``lexiplug.sentiment_lexemes.v1``: compute only the lexical attributes the sentiment
pipeline reads when spaCy meets a new word type.

spaCy's tokenizer creates a Lexeme the first time it meets a word type and fills in every
attribute of its vocabulary's ``lex_attr_getters`` (22 for Turkish: NORM, PREFIX, SUFFIX,
SHAPE, LIKE_NUM, LIKE_URL, IS_STOP, ...). Turkish reviews bring many unseen inflected forms,
and on a freshly loaded pipeline those getters were a third of ``nlp.pipe``'s time
(bench/results/sentiment_speed.md). The ``lexiplug_sentiment`` component reads only LOWER
and IS_SPACE of a token (terms.words_of), and the tokenizer's segmentation reads none, so
a pipeline that holds nothing else predicts the same with only those two.

Used as ``[nlp.after_pipeline_creation]`` in configs/sentiment_{tr,en}.cfg, it replaces the
getters of that pipeline's own ``Vocab`` (spaCy's ``Vocab.lex_attr_getters``, the table
``Vocab.__init__`` takes), never the language's class defaults, so other pipelines in the
process are untouched. The config is saved with a trained pipeline, so ``spacy.load`` applies
it again. Attributes left out read as 0 / False / "" on tokens (``token.like_num``,
``token.shape_``, ...): a pipeline that adds components reading them lists them in ``keep``.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from typing import Any

from lexiplug.errors import ConfigError

# what the sentiment component reads of a token (terms.words_of)
READ_BY_SENTIMENT = ("LOWER", "IS_SPACE")
SENTIMENT_FACTORY = "lexiplug_sentiment"


def attribute_ids(names: Sequence[str], where: str) -> set[int]:
    """spaCy attribute ids of ``names`` (``LOWER``, ``SHAPE``, ...); an unknown name is a
    ConfigError naming the field."""
    from spacy.attrs import IDS

    unknown = [n for n in names if not isinstance(n, str) or n.upper() not in IDS]
    if unknown:
        raise ConfigError(f"expected spaCy lexical attribute names (e.g. 'SHAPE', 'LIKE_NUM'), "
                          f"found {unknown!r}", where=where)
    return {IDS[n.upper()] for n in names}


def keep_only(nlp: Any, keep: Sequence[str] = (),
              where: str = "nlp.after_pipeline_creation.keep") -> Any:
    """Restrict ``nlp.vocab``'s lexical attribute getters to what the sentiment component
    reads plus ``keep``; returns ``nlp``. Warns when the pipeline holds other components and
    ``keep`` is empty: they may read an attribute that is no longer computed."""
    wanted = attribute_ids([*READ_BY_SENTIMENT, *keep], where)
    others = [name for name in nlp.pipe_names
              if nlp.get_pipe_meta(name).factory != SENTIMENT_FACTORY]
    if others and not keep:
        warnings.warn(f"lexiplug.sentiment_lexemes.v1: the pipeline also holds {others}; "
                      "their lexical attributes other than LOWER and IS_SPACE are no longer "
                      "computed (list the ones they read in keep)", UserWarning, stacklevel=2)
    getters = nlp.vocab.lex_attr_getters or {}
    nlp.vocab.lex_attr_getters = {attr: get for attr, get in getters.items() if attr in wanted}
    return nlp


def sentiment_lexemes_v1(keep: list[str] | None = None) -> Callable[[Any], Any]:
    """``lexiplug.sentiment_lexemes.v1`` for ``[nlp.after_pipeline_creation]`` (see the
    module docstring); ``keep``: further attribute names to compute."""
    extra = list(keep or [])
    attribute_ids(extra, "nlp.after_pipeline_creation.keep")  # fail at config time

    def after_pipeline_creation(nlp: Any) -> Any:
        return keep_only(nlp, extra)

    return after_pipeline_creation
