"""The ``seer_icdo3_graph`` dataset: a small oncology knowledge graph from SEER / ICD-O-3 tables.

Built from ``pathology/seer-icdo3/`` (imsweb/algorithms): the SEER Site Recode 2023 tables
(standard and expanded) and the ICD-10 / ICD-10-CM → ICD-O-3 conversion tables. Two views:

- ``level="terms"`` (for the phenotyping task): typed nodes ``group:<name>``,
  ``site:<name>``, ``topography:C340``, ``topography:C34`` (major site),
  ``histology:9650``, ``histology_family:965``, ``icd10:C34``; edges group–site,
  site–topography code, topography code–major site, site–histology code (where the site is
  defined by histology), histology code–family, ICD-10 code–topography / histology.
- ``level="words"`` (default, for retrofitting word vectors): the lower-cased content words of
  the group and site names, joined within a name (``lung``–``bronchus``), between a site and
  its group (``stomach``–``digestive``), and plural–singular (``lymphomas``–``lymphoma``).

There is no ICD-O-3 term list in the data, so codes have no names beyond the site names.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from pathlib import Path

import numpy as np
from lexiplug.data.spec import DatasetSpec
from lexiplug.errors import ConfigError, FormatError
from lexiplug.registry import Registries

from .graph import WordGraph

NAME = "seer_icdo3_graph"
FOLDER = "pathology/seer-icdo3/"
FILES = (
    FOLDER + "seersiterecode_site-recode-data-2023.csv",
    FOLDER + "seersiterecode_site-recode-data-2023-expanded.csv",
    FOLDER + "icd_icd-10-to-icd-o-3.csv",
    FOLDER + "icd_icd-10-cm-to-icd-o-3.csv",
)
SHA256 = dict(zip(FILES, (
    "6e0393ad3bbfb4fe6fd96f2d0f40b23365e8a6db91fb117522f83a56ccdf37f6",
    "a4175babd0df5784f0c2145eb89ca8854a7b86c0da58b4d5d3cf59c571cc8c1c",
    "cd8976bedec638b5e6bc79a5e7e213d2487e0e044d6a6cbdf7575822d38abd83",
    "5489c268f62c0ab48e63cd62de860f253458b1f6d7299f273e4b0d99e7211bdd",
), strict=True))
LEVELS = ("words", "terms")
ALL_SITES = "C000-C809"  # "any site": would join every site to every haematological code
NOS_HISTOLOGY = "8000"  # neoplasm, NOS: a hub that says nothing
STOPWORDS = frozenset({
    "and", "of", "the", "or", "other", "others", "excluding", "including", "nos", "misc",
    "miscellaneous", "in", "to", "with", "without", "overlap", "all", "non", "small", "large",
})
WEIGHTS = {"group_site": 0.5, "site_topography": 1.0, "major_site": 1.0,
           "site_histology": 1.0, "histology_family": 0.5, "icd10_topography": 1.0,
           "icd10_histology": 0.5, "same_term": 1.0, "site_group_word": 0.5,
           "inflection": 1.0}
_SITE_CODE = re.compile(r"^C(\d{3})$")


def expand_codes(field: str, *, prefix: str = "") -> list[str]:
    """``"C340-C343,C348"`` → C340..C343, C348; ``"9050-9055,9140"`` likewise (no prefix)."""
    codes: list[str] = []
    for item in (part.strip() for part in field.split(",")):
        if not item:
            continue
        low, _, high = item.partition("-")
        start, stop = int(low.lstrip("C")), int((high or low).lstrip("C"))
        width = len(low.lstrip("C"))
        codes.extend(f"{prefix}{n:0{width}d}" for n in range(start, stop + 1))
    return codes


def _rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    with open(path, encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        yield from enumerate(reader, start=2)


def _site_recode_edges(path: Path) -> list[tuple[str, str, str]]:
    edges: list[tuple[str, str, str]] = []
    group = None
    for number, row in _rows(path):
        try:
            name, indentation = row["Name"].strip(), int(row["Indentation"])
            sites, hist_in = row["Sites IN"] or "", row["Hist IN"] or ""
            topography = [] if sites == ALL_SITES else expand_codes(sites, prefix="C")
            histology = expand_codes(hist_in)
        except (KeyError, ValueError, AttributeError) as error:
            raise FormatError(f"expected a SEER site-recode row (Name, Indentation, Sites IN, "
                              f"Hist IN); {error}", path=path, line=number) from None
        if indentation == 0:
            group = name
            continue
        site = f"site:{name}"
        if group is not None and group != name:
            edges.append((f"group:{group}", site, "group_site"))
        edges.extend((site, f"topography:{code}", "site_topography") for code in topography)
        edges.extend((site, f"histology:{code}", "site_histology") for code in histology)
    return edges


def _icd10_edges(path: Path, code_column: str) -> list[tuple[str, str, str]]:
    edges: list[tuple[str, str, str]] = []
    for number, row in _rows(path):
        try:
            icd, site, histology = (row[code_column].strip(),
                                    row["ICD-O-3-PRIMARY-SITE"].strip(), row["HISTOLOGY"].strip())
        except (KeyError, AttributeError):
            raise FormatError(f"expected columns {code_column}, ICD-O-3-PRIMARY-SITE, "
                              "HISTOLOGY", path=path, line=number) from None
        if site:
            edges.append((f"icd10:{icd}", f"topography:{site}", "icd10_topography"))
        if histology and histology != NOS_HISTOLOGY:
            edges.append((f"icd10:{icd}", f"histology:{histology}", "icd10_histology"))
    return edges


def _hierarchy_edges(nodes: list[str]) -> list[tuple[str, str, str]]:
    edges = []
    for node in nodes:
        kind, _, code = node.partition(":")
        if kind == "topography" and _SITE_CODE.match(code):
            edges.append((node, f"topography:{code[:3]}", "major_site"))
        elif kind == "histology" and len(code) == 4:
            edges.append((node, f"histology_family:{code[:3]}", "histology_family"))
    return edges


def term_edges(site_recode: Path, expanded: Path, icd10: Path, icd10cm: Path
               ) -> list[tuple[str, str, str]]:
    edges = [*_site_recode_edges(site_recode), *_site_recode_edges(expanded),
             *_icd10_edges(icd10, "ICD-10-CODE"), *_icd10_edges(icd10cm, "ICD-10-CM-CODE")]
    nodes = list(dict.fromkeys(n for h, t, _ in edges for n in (h, t)))
    return list(dict.fromkeys([*edges, *_hierarchy_edges(nodes)]))


def name_words(name: str) -> list[str]:
    """Lower-cased alphabetic content words of a site or group name."""
    words = re.findall(r"[a-z]+", name.lower())
    return list(dict.fromkeys(w for w in words if w not in STOPWORDS and len(w) > 2))


_SINGULAR_ALREADY = frozenset({"pancreas", "meninges", "fungoides", "bronchus"})


def _singular(word: str) -> str | None:
    """The singular of a plural name word, or None (a crude rule, enough for these names)."""
    if word in _SINGULAR_ALREADY or not word.endswith("s") or word.endswith(("ss", "us", "is")):
        return None
    if len(word) < 5:  # abbreviations: cns, mds
        return None
    if word.endswith(("uses", "sses")):  # sinuses
        return word[:-2]
    return word[:-1]


def word_edges(terms: list[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
    edges: list[tuple[str, str, str]] = []
    names = [n for h, t, _ in terms for n in (h, t) if n.startswith(("group:", "site:"))]
    for node in dict.fromkeys(names):
        words = name_words(node.partition(":")[2])
        edges.extend((a, b, "same_term") for i, a in enumerate(words) for b in words[i + 1:])
        edges.extend((w, singular, "inflection") for w in words
                     if (singular := _singular(w)) is not None)
    for head, tail, relation in terms:
        if relation == "group_site":
            group_words = name_words(head.partition(":")[2])
            site_words = name_words(tail.partition(":")[2])
            edges.extend((s, g, "site_group_word") for s in site_words for g in group_words
                         if s != g)
    return list(dict.fromkeys(edges))


def read_seer_icdo3_graph(
    site_recode: Path, expanded: Path, icd10: Path, icd10cm: Path, *, level: str = "words"
) -> WordGraph:
    """The SEER / ICD-O-3 graph at the word or the term level (see the module docstring)."""
    if level not in LEVELS:
        raise ConfigError(f"expected one of {LEVELS}; found {level!r}",
                          where=f"datasets.{NAME}.level")
    edges = term_edges(Path(site_recode), Path(expanded), Path(icd10), Path(icd10cm))
    if level == "words":
        edges = word_edges(edges)
    return WordGraph([h for h, _, _ in edges], [t for _, t, _ in edges],
                     np.array([WEIGHTS[r] for _, _, r in edges]),
                     [r for _, _, r in edges], f"{NAME}:{level}")


SPEC = DatasetSpec(
    name=NAME,
    kind="graph",
    files=FILES,
    reader=read_seer_icdo3_graph,
    sha256=SHA256,
    citation="SEER Site Recode ICD-O-3/WHO 2008 and 2023 (NCI SEER); ICD-10 to ICD-O-3 "
             "conversion tables, Information Management Services (imsweb/algorithms).",
    license="BSD-style (imsweb/algorithms); SEER tables are US government work",
    description="SEER / ICD-O-3 knowledge graph: site groups, sites, topography and "
                "histology codes, ICD-10 links (level='terms'), or their words (level='words')",
)


def seer_icdo3_graph() -> DatasetSpec:
    return SPEC


seer_icdo3_graph.__doc__ = SPEC.description


def register(registry: Registries) -> None:
    registry.datasets.register(NAME, func=seer_icdo3_graph)
