"""Dutch raw text for self-supervised tasks: the consolidated legislation corpus.

``dutch_laws_bwb``: every consolidated Dutch statute, order in council and ministerial
regulation of the Basiswettenbestand as of 2017-05-10 (18.1M tokens, gzip, one paragraph a
line) with ``documents.tsv`` mapping lines to regulations, so held-out splits take whole
regulations (``readers_indexed_text.held_out``). Lines overlapping UD Dutch dev/test were
removed when the corpus was made (the shared data's SOURCES.md, section 23). Checksums pinned
from the shared data's ``MANIFEST.tsv``.
"""

from __future__ import annotations

from lexiplug.data.spec import DatasetSpec
from lexiplug.plugin_tools import dataset_factory
from lexiplug.registry import Registries

from .readers_indexed_text import read_indexed_text

LAWS = "dutch_text/dutch-laws-bwb/"
DUTCH_LAWS_BWB = DatasetSpec(
    name="dutch_laws_bwb",
    kind="corpus",
    files=(LAWS + "documents.tsv", LAWS + "wetgeving.txt.gz",
           LAWS + "ministeriele-regelingen.txt.gz"),
    reader=read_indexed_text,
    sha256={
        LAWS + "documents.tsv":
            "573c8b7d86afdb8393db57c0104bcbebe08e0e59c2aace898dd7ef8414eac8ed",
        LAWS + "wetgeving.txt.gz":
            "b815360495333f7fe4ac3824b8cdf3dab642d2a3b8063b25ca1620e9bed056f8",
        LAWS + "ministeriele-regelingen.txt.gz":
            "474a228aed2e74847c2e8cfff466244e9723b971f4d4b2930839351a23e8702e",
    },
    citation="Basiswettenbestand (wetten.overheid.nl) as converted to Markdown by "
             "statengeneraal/laws-markdown @ 91556a80 (2017-05-10)",
    license="no copyright on Dutch statutes and regulations (Auteurswet art. 11)",
    description="Dutch legislation: 11,161 regulations, 572k paragraphs, 18.1M tokens "
                "(~164k die, ~117k dat); one paragraph a line, documents.tsv maps lines "
                "to regulations",
)


def register(registry: Registries) -> None:
    registry.datasets.register(DUTCH_LAWS_BWB.name, func=dataset_factory(DUTCH_LAWS_BWB))
