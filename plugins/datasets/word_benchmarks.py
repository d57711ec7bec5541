"""The English word-similarity sets and the Google analogy set, as named datasets.

Files come from the shared data folder (``word_similarity/eval-word-vectors``,
``analogy/word2vec-google``) through the data resolver, or from gensim's bundled test data
(the ``*_gensim`` names). Every file's sha256 is pinned, so a changed copy is an error rather
than a silently different benchmark.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from lexiplug.data.spec import DatasetSpec
from lexiplug.plugin_tools import dataset_factory
from lexiplug.registry import Registries

from .readers_analogy import read_analogy_questions
from .readers_word_pairs import read_word_pairs

_WORD_SIM = "word_similarity/eval-word-vectors/"
_EVAL_WORD_VECTORS_LICENSE = (
    "research data published free by its authors; carried by mfaruqui/eval-word-vectors (MIT)"
)
_GENSIM_LICENSE = "bundled with gensim (LGPL-2.1); original dataset terms apply"

WS353_CITATION = (
    "Finkelstein, Gabrilovich, Matias, Rivlin, Solan, Wolfman, Ruppin (2002). Placing search "
    "in context: the concept revisited. ACM TOIS 20(1)."
)
WS353_SPLIT_CITATION = (
    "Agirre, Alfonseca, Hall, Kravalova, Pasca, Soroa (2009). A study on similarity and "
    "relatedness using distributional and WordNet-based approaches. NAACL-HLT. "
    "Split of: " + WS353_CITATION
)
SIMLEX_CITATION = (
    "Hill, Reichart, Korhonen (2015). SimLex-999: evaluating semantic models with (genuine) "
    "similarity estimation. Computational Linguistics 41(4)."
)
MEN_CITATION = (
    "Bruni, Tran, Baroni (2014). Multimodal distributional semantics. JAIR 49."
)
RG65_CITATION = (
    "Rubenstein, Goodenough (1965). Contextual correlates of synonymy. CACM 8(10)."
)
MC30_CITATION = (
    "Miller, Charles (1991). Contextual correlates of semantic similarity. Language and "
    "Cognitive Processes 6(1)."
)
GOOGLE_ANALOGY_CITATION = (
    "Mikolov, Chen, Corrado, Dean (2013). Efficient estimation of word representations in "
    "vector space. arXiv:1301.3781."
)


def _one_file_spec(name: str, kind: str, file: str, sha256: str, reader: Callable[..., Any], *,
                   citation: str, license: str, description: str, gensim: bool) -> DatasetSpec:
    """Every word benchmark is one checksummed file read by ``reader`` under its own name."""
    return DatasetSpec(
        name=name,
        kind=kind,
        files=(file,),
        reader=partial(reader, name=name),
        sha256={file: sha256},
        citation=citation,
        license=license,
        description=description,
        gensim_file=gensim,
    )


def _similarity(
    name: str, file: str, sha256: str, citation: str, description: str, *, gensim: bool = False
) -> DatasetSpec:
    license = _GENSIM_LICENSE if gensim else _EVAL_WORD_VECTORS_LICENSE
    return _one_file_spec(name, "similarity", file, sha256, read_word_pairs, citation=citation,
                          license=license, description=description, gensim=gensim)


def _analogy(
    name: str, file: str, sha256: str, license: str, *, gensim: bool = False
) -> DatasetSpec:
    description = "Google analogy questions: 14 sections, 19,544 questions (a:b :: c:d)"
    return _one_file_spec(name, "analogy", file, sha256, read_analogy_questions,
                          citation=GOOGLE_ANALOGY_CITATION, license=license,
                          description=description, gensim=gensim)


WORD_BENCHMARKS: tuple[DatasetSpec, ...] = (
    _similarity(
        "ws353", _WORD_SIM + "EN-WS-353-ALL.txt",
        "ce12919b240af45bdf46d243601eaca2b6212b159b5e7e9b435ee7ee40c5619c",
        WS353_CITATION, "WordSim-353, all 353 pairs (relatedness and similarity)",
    ),
    _similarity(
        "ws353_sim", _WORD_SIM + "EN-WS-353-SIM.txt",
        "f1da938998863c94e53f72f984a5c6e215f0b46c323aae8f0f4930703a339107",
        WS353_SPLIT_CITATION, "WordSim-353 similarity split, 203 pairs",
    ),
    _similarity(
        "ws353_rel", _WORD_SIM + "EN-WS-353-REL.txt",
        "66a7c88100624d0a391605ff61ce84e11d11ee620d51ec0298da49592838f8fa",
        WS353_SPLIT_CITATION, "WordSim-353 relatedness split, 252 pairs",
    ),
    _similarity(
        "simlex999", _WORD_SIM + "EN-SIMLEX-999.txt",
        "405394ffb7d25f6d0e3c041f87c9f27d29dc6b047506769953e85c4523b11685",
        SIMLEX_CITATION, "SimLex-999, 999 pairs rated for similarity (not relatedness)",
    ),
    _similarity(
        "men", _WORD_SIM + "EN-MEN-TR-3k.txt",
        "888b13580faa362c7b11da0a670258cf1b1eb4bf0ecbcd418918729a3bd3f43a",
        MEN_CITATION, "MEN, 3,000 pairs rated for relatedness (0-50)",
    ),
    _similarity(
        "rg65", _WORD_SIM + "EN-RG-65.txt",
        "c243f3a91c3f5d8cf67f21a67f6fb80bde8b6bb060851a6a48e6f2d68ec98c9f",
        RG65_CITATION, "Rubenstein-Goodenough, 65 noun pairs (0-4)",
    ),
    _similarity(
        "mc30", _WORD_SIM + "EN-MC-30.txt",
        "33ee05911496ff83d95cac351d0746c6f63b9181b605cb7d307f4daa8864511b",
        MC30_CITATION, "Miller-Charles, 30 noun pairs (0-4)",
    ),
    _analogy(
        "google_analogy", "analogy/word2vec-google/questions-words.txt",
        "8c29b3332afc46f3fb8be04cb5297bf96f39aa7131272dff57869b4485b22a36",
        "Apache-2.0 (tmikolov/word2vec)",
    ),
    _similarity(
        "ws353_gensim", "wordsim353.tsv",
        "f92a022fc2537793a15bc3a8c162ebcd74990e033a228bb6388cb71e4c0b1e1d",
        WS353_CITATION, "WordSim-353 as bundled with gensim (with comment lines)", gensim=True,
    ),
    _similarity(
        "simlex999_gensim", "simlex999.txt",
        "d5e0501971478a511430ee880bd0121e94ac701ba86d90544d83e6d2ba3db05d",
        SIMLEX_CITATION, "SimLex-999 as bundled with gensim", gensim=True,
    ),
    _analogy(
        "google_analogy_gensim", "questions-words.txt",
        "8c29b3332afc46f3fb8be04cb5297bf96f39aa7131272dff57869b4485b22a36",
        _GENSIM_LICENSE, gensim=True,
    ),
)

SIMILARITY_DATASETS: tuple[str, ...] = tuple(
    spec.name for spec in WORD_BENCHMARKS if spec.kind == "similarity"
)
ANALOGY_DATASETS: tuple[str, ...] = tuple(
    spec.name for spec in WORD_BENCHMARKS if spec.kind == "analogy"
)


# The gensim-bundled copies stand in for the shared-data sets they copy.
GENSIM_STAND_INS = {
    "ws353_gensim": "ws353",
    "simlex999_gensim": "simlex999",
    "google_analogy_gensim": "google_analogy",
}


def register(registry: Registries) -> None:
    # ``evaluate_vectors`` (core/evaluation/api.py) reads these metadata keys: the shared-data
    # sets are its default datasets, in this order; a gensim copy replaces a missing one.
    for spec in WORD_BENCHMARKS:
        if spec.name in GENSIM_STAND_INS:
            metadata = {"stands_in_for": GENSIM_STAND_INS[spec.name]}
        else:
            metadata = {"default_evaluation": True}
        registry.datasets.register(spec.name, func=dataset_factory(spec), **metadata)
