"""Bias word lists: WEAT word sets (Caliskan et al. 2017, WEFE's ``WEAT.json``) and the
debiaswe lists of Bolukbasi et al. 2016 (definitional pairs, equalize pairs, professions)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from lexiplug.errors import FormatError

from .readers_text import finite_number, load_json


@dataclass(frozen=True)
class WeatTest:
    """A WEAT test: targets X, Y and attributes A, B, named by keys of the word-set table."""

    name: str
    targets: tuple[str, str]
    attributes: tuple[str, str]


# Caliskan et al. 2017, Table 1 (WEAT 1-10), as combined in WEFE's ``load_weat`` examples.
WEAT_TESTS: tuple[WeatTest, ...] = (
    WeatTest("weat1", ("flowers", "insects"), ("pleasant_5", "unpleasant_5a")),
    WeatTest("weat2", ("instruments", "weapons"), ("pleasant_5", "unpleasant_5a")),
    WeatTest("weat3", ("european_american_names_5", "african_american_names_5"),
             ("pleasant_5", "unpleasant_5b")),
    WeatTest("weat4", ("european_american_names_7", "african_american_names_7"),
             ("pleasant_5", "unpleasant_5b")),
    WeatTest("weat5", ("european_american_names_7", "african_american_names_7"),
             ("pleasant_9", "unpleasant_9")),
    WeatTest("weat6", ("male_names", "female_names"), ("career", "family")),
    WeatTest("weat7", ("math", "arts"), ("male_terms", "female_terms")),
    WeatTest("weat8", ("science", "arts_2"), ("male_terms_2", "female_terms_2")),
    WeatTest("weat9", ("mental_disease", "physical_disease"), ("temporary", "permanent")),
    WeatTest("weat10", ("young_people_names", "old_people_names"), ("pleasant_9", "unpleasant_9")),
)


@dataclass
class WeatSets:
    """Named word sets and the WEAT tests built from them."""

    sets: dict[str, list[str]]
    tests: tuple[WeatTest, ...] = WEAT_TESTS
    path: Path | None = None

    def words(self, test: WeatTest) -> tuple[list[str], list[str], list[str], list[str]]:
        x, y = (self.sets[k] for k in test.targets)
        a, b = (self.sets[k] for k in test.attributes)
        return x, y, a, b


@dataclass
class DebiasLists:
    """Bolukbasi et al.'s lists; ``professions`` maps word -> (definitional, stereotypical)."""

    definitional_pairs: list[tuple[str, str]]
    equalize_pairs: list[tuple[str, str]]
    gender_specific: list[str]
    professions: dict[str, tuple[float, float]]
    paths: list[Path] = field(default_factory=list)


def read_weat(path: str | Path, *, tests: tuple[WeatTest, ...] = WEAT_TESTS) -> WeatSets:
    """WEFE's ``WEAT.json``: one object mapping set names to word lists."""
    path = Path(path)
    data = load_json(path)
    if not isinstance(data, dict):
        raise FormatError(f"expected a JSON object of word lists, found {type(data).__name__}",
                          path=path)
    sets: dict[str, list[str]] = {}
    for key, words in data.items():
        if not (isinstance(words, list) and words
                and all(isinstance(w, str) and w for w in words)):
            # an empty set makes every WEAT statistic over it NaN
            raise FormatError(f"expected set {key[:80]!r} to be a non-empty list of words",
                              path=path)
        sets[key] = words
    needed = {k for t in tests for k in (*t.targets, *t.attributes)}
    missing = sorted(needed - sets.keys())
    if missing:
        raise FormatError(f"expected WEAT word sets {missing}, not found; has {sorted(sets)}",
                          path=path)
    return WeatSets(sets, tests, path)


def _pairs(path: Path) -> list[tuple[str, str]]:
    data = load_json(path)
    if not isinstance(data, list):
        raise FormatError("expected a JSON list of [word, word] pairs", path=path)
    pairs = []
    for index, item in enumerate(data):
        is_pair = isinstance(item, list) and len(item) == 2
        if not (is_pair and all(isinstance(w, str) for w in item)):
            raise FormatError(
                f"expected item {index} to be a [word, word] pair, found {item!r}"[:300],
                path=path,
            )
        pairs.append((item[0], item[1]))
    return pairs


def read_debiaswe(
    definitional: str | Path, equalize: str | Path, gender_specific: str | Path,
    professions: str | Path,
) -> DebiasLists:
    """The four debiaswe JSON files (definitional pairs are ``[female, male]``)."""
    paths = [Path(p) for p in (definitional, equalize, gender_specific, professions)]
    specific = load_json(paths[2])
    if not isinstance(specific, list) or not all(isinstance(w, str) for w in specific):
        raise FormatError("expected a JSON list of words", path=paths[2])
    raw = load_json(paths[3])
    table: dict[str, tuple[float, float]] = {}
    if not isinstance(raw, list):
        raise FormatError("expected a JSON list of [profession, score, score]", path=paths[3])
    for index, item in enumerate(raw):
        if not (isinstance(item, list) and len(item) == 3 and isinstance(item[0], str)
                and all(isinstance(v, int | float) for v in item[1:])):
            raise FormatError(
                f"expected item {index} to be [profession, definitional, stereotypical], "
                f"found {item!r}"[:300], path=paths[3],
            )
        scores = (finite_number(v, f"the scores of item {index}", paths[3]) for v in item[1:])
        table[item[0]] = (next(scores), next(scores))
    return DebiasLists(_pairs(paths[0]), _pairs(paths[1]), list(specific), table, paths)
