"""Readers and dataset specs for the sense-aware evaluations: SCWS and SemEval-2013 Task 13.

Both readers stop at the first malformed record with a :class:`~lexiplug.errors.FormatError`
that names the file and line and what was expected, so a damaged copy never scores quietly.

- **SCWS** (Huang et al. 2012): tab-separated ``id, word1, POS1, word2, POS2, context1,
  context2, mean rating, 10 ratings``; the target is marked ``<b> … </b>`` in its context.
- **SemEval-2013 Task 13** (Jurgens & Klapaftis 2013): per lemma an XML file of
  ``<instance id lemma partOfSpeech token tokenStart tokenEnd>sentence</instance>`` and a key
  file of ``lemma.pos instance-id sensekey/rating [sensekey/rating …]`` lines (graded senses).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from lexiplug.data.spec import DatasetSpec
from lexiplug.errors import FormatError
from lexiplug.plugin_tools import dataset_factory
from lexiplug.registry import Registries

SCWS_FIELDS = 18
_WORD = re.compile(r"[A-Za-z0-9]+(?:['’][A-Za-z]+)?")


def word_tokens(text: str, *, lowercase: bool = True) -> list[str]:
    """Words of running text (letters and digits; punctuation dropped), lowercased."""
    found = _WORD.findall(text)
    return [w.lower() for w in found] if lowercase else found


@dataclass(frozen=True)
class SCWSPair:
    """One SCWS pair: each word with the words left and right of it in its context."""

    id: str
    word1: str
    word2: str
    left1: tuple[str, ...]
    right1: tuple[str, ...]
    left2: tuple[str, ...]
    right2: tuple[str, ...]
    rating: float


@dataclass
class SCWSData:
    name: str
    path: Path
    pairs: list[SCWSPair]

    def __len__(self) -> int:
        return len(self.pairs)

    @property
    def scores(self) -> list[float]:
        """The mean human ratings, in pair order (what shared checksum helpers read)."""
        return [pair.rating for pair in self.pairs]


def read_scws(path: str | Path, *, name: str = "scws") -> SCWSData:
    source = Path(path)
    pairs: list[SCWSPair] = []
    with open(source, encoding="utf-8", errors="replace") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            pairs.append(_scws_pair(line.rstrip("\n"), source, number))
    if not pairs:
        raise FormatError("expected SCWS pairs (18 tab-separated fields a line); the file "
                          "is empty", path=source)
    return SCWSData(name, source, pairs)


def _scws_pair(line: str, path: Path, number: int) -> SCWSPair:
    fields = line.split("\t")
    if len(fields) != SCWS_FIELDS:
        raise FormatError(f"expected {SCWS_FIELDS} tab-separated fields (id, word1, POS1, "
                          f"word2, POS2, context1, context2, mean, 10 ratings); found "
                          f"{len(fields)}", path=path, line=number)
    try:
        rating = float(fields[7])
    except ValueError:
        raise FormatError(f"expected a number as the mean rating (field 8); found "
                          f"{fields[7]!r}", path=path, line=number) from None
    left1, right1 = _split_context(fields[5], path, number, 6)
    left2, right2 = _split_context(fields[6], path, number, 7)
    return SCWSPair(fields[0], fields[1], fields[3], left1, right1, left2, right2, rating)


def _split_context(text: str, path: Path, number: int, column: int
                   ) -> tuple[tuple[str, ...], tuple[str, ...]]:
    start, end = text.find("<b>"), text.find("</b>")
    if start < 0 or end < start:
        raise FormatError(f"expected the target marked '<b> … </b>' in context field "
                          f"{column}; no such mark", path=path, line=number)
    return tuple(word_tokens(text[:start])), tuple(word_tokens(text[end + 4:]))


# -- SemEval-2013 Task 13 --------------------------------------------------------------


@dataclass(frozen=True)
class WSIInstance:
    id: str
    lemma: str  # "window.n": the key file's lemma column
    left: tuple[str, ...]
    right: tuple[str, ...]
    token: str


@dataclass
class WSIData:
    """Instances per lemma and the graded gold senses per instance id."""

    name: str
    instances: dict[str, list[WSIInstance]]
    gold: dict[str, dict[str, float]]
    key_path: Path
    context_paths: list[Path] = field(default_factory=list)

    def __len__(self) -> int:
        return sum(len(v) for v in self.instances.values())


def read_semeval_key(path: str | Path) -> dict[str, tuple[str, dict[str, float]]]:
    """instance id -> (lemma.pos, {sense key: rating}); a line with a bare sense key (no
    rating) rates all its senses 1, as the task's scorer reads it."""
    source = Path(path)
    gold: dict[str, tuple[str, dict[str, float]]] = {}
    with open(source, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            parts = line.split()
            if not parts:
                continue
            if len(parts) < 3:
                raise FormatError("expected 'lemma.pos instance-id sense[/rating] …'; found "
                                  f"{len(parts)} field(s)", path=source, line=number)
            senses: dict[str, float] = {}
            for item in parts[2:]:
                key, _, rating = item.rpartition("/") if "/" in item else (item, "", "1")
                try:
                    senses[key] = float(rating)
                except ValueError:
                    raise FormatError(f"expected sense/rating with a numeric rating; found "
                                      f"{item!r}", path=source, line=number) from None
                if not key:
                    raise FormatError(f"expected a sense key before '/'; found {item!r}",
                                      path=source, line=number)
            if any("/" not in item for item in parts[2:]):
                # the task's scorer rates every sense of such a line fully applicable
                senses = dict.fromkeys(senses, 1.0)
            if parts[1] in gold:
                raise FormatError(f"instance {parts[1]!r} appears twice", path=source,
                                  line=number)
            gold[parts[1]] = (parts[0], senses)
    if not gold:
        raise FormatError("the key file holds no instance", path=source)
    return gold


def read_semeval_contexts(path: str | Path) -> list[WSIInstance]:
    """The instances of one lemma's XML file (target split from its left and right)."""
    import xml.etree.ElementTree as ET

    source = Path(path)
    try:
        root = ET.parse(source).getroot()
    except ET.ParseError as error:
        raise FormatError(f"expected SemEval-2013 Task 13 XML ({error.msg})", path=source,
                          line=error.position[0]) from None
    lemma = f"{root.get('lemma')}.{root.get('partOfSpeech')}"
    out = []
    for number, element in enumerate(root.iter("instance"), start=1):
        text = element.text or ""
        try:
            start, end = int(element.get("tokenStart", "")), int(element.get("tokenEnd", ""))
        except ValueError:
            raise FormatError(f"instance {number} ({element.get('id')!r}) lacks integer "
                              "tokenStart/tokenEnd attributes", path=source) from None
        if not 0 <= start <= end <= len(text) or not element.get("id"):
            raise FormatError(f"instance {number} ({element.get('id')!r}): expected an id and "
                              f"0 <= tokenStart <= tokenEnd <= {len(text)}; found "
                              f"{start}, {end}", path=source)
        out.append(WSIInstance(str(element.get("id")), lemma, tuple(word_tokens(text[:start])),
                               tuple(word_tokens(text[end:])), text[start:end]))
    if not out:
        raise FormatError("expected <instance> elements; found none", path=source)
    return out


def read_semeval(key_path: str | Path, *context_paths: str | Path, name: str = "semeval2013"
                 ) -> WSIData:
    """A key file and context XML files (or one folder holding ``<lemma>.xml`` files); only
    the instances the key rates are kept, and a keyed lemma without contexts is an error."""
    key = Path(key_path)
    paths = [Path(p) for p in context_paths]
    if len(paths) == 1 and paths[0].is_dir():
        paths = sorted(paths[0].glob("*.xml"))
    keyed = read_semeval_key(key)
    instances: dict[str, list[WSIInstance]] = {}
    for path in paths:
        for instance in read_semeval_contexts(path):
            if instance.id in keyed:
                instances.setdefault(instance.lemma, []).append(instance)
    found = {i.id for group in instances.values() for i in group}
    lost = sorted({lemma for iid, (lemma, _) in keyed.items() if iid not in found})
    if lost:
        raise FormatError(f"the key rates instances of {lost[:5]} that no context file "
                          "holds", path=key)
    gold = {iid: senses for iid, (_, senses) in keyed.items()}
    return WSIData(name, instances, gold, key, paths)


# -- registered datasets -----------------------------------------------------------------

SCWS_FILE = "multisense/scws/ratings.dev20.txt"
SEMEVAL_DIR = "multisense/semeval2013-task13"
SEMEVAL_LEMMAS = ("ask.v", "force.n", "late.j", "new.j", "number.n", "paper.n", "power.n",
                  "read.v", "serious.j", "window.n")


def _read_semeval_files(key: Path, *xml: Path, name: str) -> WSIData:
    return read_semeval(key, *xml, name=name)


SCWS_DEV = DatasetSpec(
    name="scws_dev", kind="contextual_similarity", files=(SCWS_FILE,),
    reader=partial(read_scws, name="scws_dev"),
    sha256={SCWS_FILE: "50edd7554c42da436e9bcfc0b784259d1ffe8299b5ba23ed411ca5dc3b2f06c1"},
    citation="Huang, Socher, Manning & Ng 2012, Improving Word Representations via Global "
             "Context and Multiple Word Prototypes (ACL)",
    license="none stated",
    description="SCWS dev sample: 401 of the 2,003 pairs (20 %, seeded); the rest is held out",
)

SEMEVAL_DEV = DatasetSpec(
    name="semeval2013_wsi_dev", kind="wsi",
    files=(f"{SEMEVAL_DIR}/dev.key",
           *(f"{SEMEVAL_DIR}/contexts/{lemma}.xml" for lemma in SEMEVAL_LEMMAS)),
    reader=partial(_read_semeval_files, name="semeval2013_wsi_dev"),
    sha256={f"{SEMEVAL_DIR}/dev.key":
            "acdab7d0a9d9710ca33fb90d2b4edd8459c10f12f680990cf5d333d345c7e82d"},
    citation="Jurgens & Klapaftis 2013, SemEval-2013 Task 13: Word Sense Induction for "
             "Graded and Non-Graded Senses",
    license="none stated (contexts from the Open American National Corpus)",
    description="SemEval-2013 Task 13 dev lemmas (10 of 50, 984 instances, graded keys)",
)


def register(registry: Registries) -> None:
    for spec in (SCWS_DEV, SEMEVAL_DEV):
        registry.datasets.register(spec.name, func=dataset_factory(spec))
