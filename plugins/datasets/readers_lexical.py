"""Lexical constraint lists and bilingual dictionaries: two words a line.

Constraints (``word1 word2``, whitespace separated; counter-fitting and attract–repel lists,
optionally with a language prefix ``en_word``) feed lexical specialisation
(plugins/specialization/); dictionaries (``source<TAB>target``, xling-eval) feed bilingual
lexicon induction (plugins/evaluators/bli.py). A line that is not two words is a
:class:`~lexiplug.errors.FormatError` naming ``file:line``: a silently skipped line changes
what is trained or measured. Self-pairs and repeated pairs carry no information, so they are
dropped but *counted*, and the counts travel with the loaded object for the caller to report.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from lexiplug.errors import FormatError

from .readers_text import read_text

_PREFIX = re.compile(r"^([a-z]{2,3})_(.+)$")


@dataclass
class LexicalConstraints:
    """Word pairs of one relation (synonymy or antonymy), in file order, deduplicated.

    ``lines`` are the 1-based source lines of the kept pairs; ``n_self_pairs`` and
    ``n_duplicates`` count the lines dropped; ``languages`` are the language prefixes seen
    when every word carries one (``en_word``), else empty.
    """

    pairs: list[tuple[str, str]]
    lines: list[int] = field(default_factory=list)
    name: str = ""
    path: Path | None = None
    n_self_pairs: int = 0
    n_duplicates: int = 0
    languages: tuple[str, ...] = ()

    def __len__(self) -> int:
        return len(self.pairs)

    def words(self) -> list[str]:
        return list(dict.fromkeys(w for pair in self.pairs for w in pair))

    def without_prefixes(self) -> LexicalConstraints:
        """The same pairs with the ``xx_`` language prefixes removed (monolingual vectors)."""
        if not self.languages:
            return self
        strip = [(_PREFIX.sub(r"\2", a), _PREFIX.sub(r"\2", b)) for a, b in self.pairs]
        out = constraints_from_pairs(strip, name=self.name, lines=self.lines, path=self.path)
        out.n_self_pairs += self.n_self_pairs
        out.n_duplicates += self.n_duplicates
        return out

    @classmethod
    def from_pairs(cls, pairs: list[tuple[str, str]], *, name: str = "") -> LexicalConstraints:
        """Constraints built in code; self-pairs and duplicates are dropped and counted."""
        return constraints_from_pairs(pairs, name=name)


def constraints_from_pairs(pairs: list[tuple[str, str]], *, name: str = "",
                           lines: list[int] | None = None, path: Path | None = None
                           ) -> LexicalConstraints:
    numbers = lines if lines is not None else list(range(1, len(pairs) + 1))
    kept: dict[frozenset[str], tuple[tuple[str, str], int]] = {}
    n_self = n_duplicates = 0
    for (a, b), number in zip(pairs, numbers, strict=True):
        if a == b:
            n_self += 1
            continue
        key = frozenset((a, b))  # a constraint is symmetric: (b, a) repeats (a, b)
        if key in kept:
            n_duplicates += 1
            continue
        kept[key] = ((a, b), number)
    ordered = list(kept.values())
    prefixes = [_PREFIX.match(w) for pair, _ in ordered for w in pair]
    languages = tuple(sorted({m.group(1) for m in prefixes if m})) \
        if prefixes and all(prefixes) else ()
    return LexicalConstraints([p for p, _ in ordered], [n for _, n in ordered], name, path,
                              n_self, n_duplicates, languages)


def read_constraints(path: str | Path, *, name: str = "", encoding: str = "utf-8"
                     ) -> LexicalConstraints:
    """A constraint file: ``word1 word2`` a line (space or tab), blank and ``#`` lines skipped."""
    path = Path(path)
    pairs: list[tuple[str, str]] = []
    numbers: list[int] = []
    for number, raw in enumerate(read_text(path, encoding).split("\n"), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        words = line.split()
        if len(words) != 2:
            raise FormatError(f"expected two words 'word1 word2', found {len(words)} "
                              f"field(s): {line[:80]!r}", path=path, line=number)
        pairs.append((words[0], words[1]))
        numbers.append(number)
    if not pairs:
        raise FormatError("expected lines 'word1 word2', found no pair", path=path)
    return constraints_from_pairs(pairs, name=name or path.stem, lines=numbers, path=path)


@dataclass
class BilingualDictionary:
    """Source → gold target words, in file order (a source may have several targets)."""

    translations: dict[str, list[str]]
    name: str = ""
    path: Path | None = None
    n_pairs: int = 0
    n_duplicates: int = 0

    def __len__(self) -> int:
        return len(self.translations)

    def all_pairs(self) -> list[tuple[str, str]]:
        return [(s, t) for s, targets in self.translations.items() for t in targets]

    @classmethod
    def from_pairs(cls, pairs: list[tuple[str, str]], *, name: str = "") -> BilingualDictionary:
        translations: dict[str, list[str]] = {}
        duplicates = 0
        for source, target in pairs:
            targets = translations.setdefault(source, [])
            if target in targets:
                duplicates += 1
            else:
                targets.append(target)
        return cls(translations, name, None, len(pairs) - duplicates, duplicates)

    def split(self, first: int) -> tuple[BilingualDictionary, BilingualDictionary]:
        """The first ``first`` source words and the rest (a held-out part of a train file)."""
        items = list(self.translations.items())
        head, tail = dict(items[:first]), dict(items[first:])
        return (BilingualDictionary(head, f"{self.name}[:{first}]", self.path,
                                    sum(map(len, head.values()))),
                BilingualDictionary(tail, f"{self.name}[{first}:]", self.path,
                                    sum(map(len, tail.values()))))


def read_dictionary(path: str | Path, *, name: str = "", encoding: str = "utf-8"
                    ) -> BilingualDictionary:
    """A BLI dictionary: ``source<TAB>target`` a line (whitespace when there is no tab)."""
    path = Path(path)
    pairs: list[tuple[str, str]] = []
    for number, raw in enumerate(read_text(path, encoding).split("\n"), start=1):
        line = raw.rstrip("\r")
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.split("\t") if "\t" in line else line.split()
        fields = [f.strip() for f in fields]
        if len(fields) != 2 or not all(fields):
            raise FormatError(f"expected 'source<TAB>target', found {len(fields)} field(s): "
                              f"{line[:80]!r}", path=path, line=number)
        pairs.append((fields[0], fields[1]))
    if not pairs:
        raise FormatError("expected lines 'source<TAB>target', found no pair", path=path)
    out = BilingualDictionary.from_pairs(pairs, name=name or path.stem)
    out.path = path
    return out
