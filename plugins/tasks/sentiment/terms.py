"""What the features see of a Doc: lower-cased words, lexicon keys with a polarity sign, and
the bag-of-n-grams terms.

Lexicon keys are the words themselves, or their lemmas with Turkish morphology. The sign is
-1 where negation reverses the word: the Turkish negation morpheme inside the word
("beğenmedim"), a Turkish negator after it ("güzel değil"), or an English negator up to
three words before it, within the clause ("not very good").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from .morphology import TurkishMorphology

CLAUSE_BREAKS = frozenset(".,;:!?()")
ENGLISH_SCOPE = 3


@dataclass
class DocTerms:
    words: list[str]
    keys: list[str]  # lexicon / embedding keys (lemma or word)
    signs: list[int]  # +1, or -1 where negation flips the word
    bag: list[str]  # n-gram and lemma terms of the bag-of-words


def words_of(doc: Any) -> list[str]:
    """Lower-cased non-space tokens of a spaCy Doc. Read as one array: building a Token
    object per word was the largest cost of ``nlp.pipe``."""
    from spacy.attrs import IS_SPACE, LOWER

    strings = doc.vocab.strings
    return [strings[lower] for lower, space in doc.to_array([LOWER, IS_SPACE]).tolist()
            if not space]


def doc_terms(words: Sequence[str], *, language: str, negators: frozenset[str],
              morphology: TurkishMorphology | None, ngrams: int = 2) -> DocTerms:
    words = list(words)
    lemma_terms: list[str] = []
    if morphology is not None:
        entries = [morphology.entry(w) for w in words]
        keys = [e[0] for e in entries]
        signs = [e[1] for e in entries]
        lemma_terms = [e[2] for e in entries]
    else:
        keys = list(words)
        signs = [1] * len(words)
    if language == "tr":
        if not negators.isdisjoint(words):
            for i, word in enumerate(words):
                if word in negators and i > 0:
                    signs[i - 1] = -signs[i - 1]
    else:
        scope = 0
        for i, word in enumerate(words):
            if word in negators:
                scope = ENGLISH_SCOPE
            elif word in CLAUSE_BREAKS:
                scope = 0
            elif scope:
                signs[i] = -signs[i]
                scope -= 1
    bag = list(words)
    if ngrams >= 2:
        bag.extend([a + " " + b for a, b in pairwise(words)])
    for n in range(3, ngrams + 1):
        bag.extend(" ".join(words[i:i + n]) for i in range(len(words) - n + 1))
    bag.extend(lemma_terms)
    return DocTerms(words, keys, signs, bag)
