"""Turkish morphology through ``zeyrek`` (a Python port of Zemberek's analyser, on PyPI).

Each word type is analysed once and cached: its lemma and whether its first analysis holds
the verbal negation morpheme ``Neg`` (-mA: "beğenmedim" = beğen + me + di + m, "I did not
like"), which flips the word's lexicon polarity. zeyrek has no disambiguator, and the order
of its analyses changes from one Python process to the next (it follows string hashing:
"adama" came first as ada + m + a in one process and as adamak + Neg in another), so a
fixed rule picks one (:func:`choose_analysis`: no proper noun, the fewest morphemes, the
shortest stem: adam + a); words it cannot analyse (ASCII-fied spellings such as "guzel") keep their
surface form. The table of the training vocabulary is saved with the model, so a loaded
pipeline needs zeyrek only for words it never saw (and not at all with
``analyse_unseen = false``).

zeyrek's public ``analyze`` tokenises with NLTK's punkt model, a download; the one-word
entry point ``_parse`` needs nothing beyond the package, so this works offline.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from typing import Any

from lexiplug.errors import ConfigError

Analysis = tuple[str, bool]  # lemma, negated
# what doc_terms needs of a word: lexicon key (lemma), sign (-1 negated), bag term
Entry = tuple[str, int, str]
# a stream of new text can bring unseen surface forms without end: past this many cached
# entries the cache starts over (the analyses themselves stay in ``table``)
MAX_ENTRIES = 500_000

# zeyrek's analyses are deterministic, so one analyser (3 s to load) and one cache serve
# every model in the process (the bench fits several)
_ANALYSER: list[Any] = []
_CACHE: dict[str, Analysis] = {}


class TurkishMorphology:
    """Cached word -> (lemma, negated) over zeyrek."""

    def __init__(self, table: dict[str, Analysis] | None = None, *,
                 analyse_unseen: bool = True) -> None:
        self._entries: dict[str, Entry] = {}
        self.table = dict(table or {})
        self.analyse_unseen = analyse_unseen

    @property
    def table(self) -> dict[str, Analysis]:
        return self._table

    @table.setter
    def table(self, table: dict[str, Analysis]) -> None:
        self._table = table
        self._entries.clear()  # entries derive from the table

    def entry(self, word: str) -> Entry:
        """(lemma, sign, bag term) of ``word``, cached per surface form: a review repeats
        its words and a corpus its vocabulary, and building the lemma term string per
        occurrence was a large share of ``nlp.pipe`` on Turkish."""
        found = self._entries.get(word)
        if found is not None:
            return found
        lemma, negated = self.analyse(word)
        if len(self._entries) >= MAX_ENTRIES:
            self._entries.clear()
        made = self._entries[word] = (lemma, -1 if negated else 1,
                                      f"L={lemma}~neg" if negated else f"L={lemma}")
        return made

    def _load(self) -> Any:
        if not _ANALYSER:
            try:
                import zeyrek
            except ImportError:
                raise ConfigError(
                    "Turkish morphology needs the zeyrek analyser: pip install "
                    "'lexiplug[sentiment]' (or set morphology = false)",
                    where="components.sentiment.morphology") from None
            # zeyrek logs every analysis path at WARNING level
            logging.getLogger("zeyrek").setLevel(logging.ERROR)
            logging.getLogger("zeyrek.rulebasedanalyzer").setLevel(logging.ERROR)
            _ANALYSER.append(zeyrek.MorphAnalyzer(lexicon=file_order_lexicon()))
        return _ANALYSER[0]

    def analyse(self, word: str) -> Analysis:
        found = self.table.get(word)
        if found is not None:
            return found
        if not self.analyse_unseen or not any(c.isalpha() for c in word):
            return word, False
        cached = _CACHE.get(word)
        if cached is not None:
            self.table[word] = cached
            return cached
        analyser = self._load()
        parses = analyser._parse(word)
        if parses:
            chosen = choose_analysis(parses)
            lemma = str(chosen.dict_item.lemma).lower()
            negated = any(m[0].id_ == "Neg" for m in chosen.morphemes)
            # "değil" itself parses as a negated verb; it is a negator word, handled apart
            result: Analysis = (lemma, negated and lemma not in ("değil", "değmek"))
        else:
            result = (word, False)
        self.table[word] = _CACHE[word] = result
        return result

    def fill(self, words: Iterable[str]) -> None:
        """Analyse every word type of ``words`` (training time: the saved table)."""
        analyse_unseen, self.analyse_unseen = self.analyse_unseen, True
        try:
            # in a fixed order: zeyrek's analyser keeps state between words (a word's
            # analyses can depend on the words analysed before it), so a set's hash order
            # made two identical training runs analyse differently
            for word in sorted(set(words)):
                self.analyse(word)
        finally:
            self.analyse_unseen = analyse_unseen
            # an entry cached for a word unseen before (surface form kept) is stale now
            self._entries.clear()


def file_order_lexicon() -> Any:
    """zeyrek's dictionaries as a ``RootLexicon`` that hands its items out in the order of
    the dictionary files. zeyrek's own ``RootLexicon.items`` lists a ``set``, so the stem
    table its analyser builds from them, and with it which analyses a word gets (some words
    got none: "adı" in one process, ad + Acc in another), changed with Python's string hash
    seed. Passed to ``zeyrek.MorphAnalyzer(lexicon=...)``, its public argument."""
    from zeyrek.lexicon import RootLexicon

    class FileOrderLexicon(RootLexicon):  # type: ignore[misc]
        @property
        def items(self) -> list[Any]:
            # id_dict holds every added item once, in the order ``add`` saw them
            return list(self.id_dict.values())

    loaded = RootLexicon.default_text_dictionaries()
    lexicon = FileOrderLexicon()
    lexicon.item_set, lexicon.id_dict, lexicon.item_dict = (
        loaded.item_set, loaded.id_dict, loaded.item_dict)
    return lexicon


def choose_analysis(parses: Sequence[Any]) -> Any:
    """One of zeyrek's analyses of a word, whatever order they come in: not a proper noun
    (the words are lower-cased: "sevdim" is sevmek + Past, not the name Sevdi), the fewest
    morphemes (the plainest reading, a common stand-in for a disambiguator: "adama" is
    adam + Dat, not ada + P1sg + Dat), the shortest stem (more of the word explained by its
    suffixes: "beğendim" is beğen + di + m, not a noun "beğendi" + m), then lemma and morpheme
    ids, so that ties are broken the same way in every process."""
    return min(parses, key=lambda p: (str(p.dict_item.secondary_pos).endswith("ProperNoun"),
                                      len(p.morphemes), len(str(p.stem)),
                                      str(p.dict_item.lemma),
                                      tuple(str(m[0].id_) for m in p.morphemes)))


def zeyrek_available() -> bool:
    try:
        import zeyrek  # noqa: F401
    except ImportError:
        return False
    return True
