"""Lexical constraint lists and BLI dictionaries from the shared data, as named datasets.

Constraints (kind ``constraints``): ``ppdb_synonyms``, ``ppdb_antonyms``,
``wordnet_antonyms`` (counter-fitting's lists) and ``attract_repel_antonyms`` (attract–repel's
prefixed English sample). Dictionaries (kind ``bli``): ``xling_<src>_<tgt>_<size>`` for the
xling-eval training dictionaries, e.g. ``xling_en_de_5k``. Every file's sha256 is pinned.
"""

from __future__ import annotations

from functools import partial

from lexiplug.data.spec import DatasetSpec
from lexiplug.plugin_tools import dataset_factory
from lexiplug.registry import Registries

from .readers_lexical import read_constraints, read_dictionary

COUNTER_FITTING_CITATION = (
    "Mrkšić, Ó Séaghdha, Thomson, Gašić, Rojas-Barahona, Su, Vandyke, Wen, Young (2016). "
    "Counter-fitting word vectors to linguistic constraints. NAACL-HLT. Lists derived from "
    "PPDB 2.0 (Pavlick et al. 2015) and WordNet (Miller 1995)."
)
ATTRACT_REPEL_CITATION = (
    "Mrkšić, Vulić, Ó Séaghdha, Leviant, Reichart, Gašić, Korhonen, Young (2017). Semantic "
    "specialisation of distributional word vector spaces using monolingual and cross-lingual "
    "constraints. TACL 5."
)
XLING_CITATION = (
    "Glavaš, Litschko, Ruder, Vulić (2019). How to (properly) evaluate cross-lingual word "
    "embeddings: on strong baselines, comparative analyses, and some misconceptions. ACL."
)

_CONSTRAINTS = {
    "ppdb_synonyms": ("counter-fitting/ppdb_synonyms.txt",
                      "a294657ae78b443d2d3676bdbbe3c1c9f3f43f21a8ef2548bfbd00e20462b288",
                      COUNTER_FITTING_CITATION, "PPDB 2.0 synonym pairs (53,809)"),
    "ppdb_antonyms": ("counter-fitting/ppdb_antonyms.txt",
                      "da985c7cd92237a9a906cde1dc8f13e928d159c62d0b8059dfa04e2b45e6485a",
                      COUNTER_FITTING_CITATION, "PPDB 2.0 antonym pairs (638)"),
    "wordnet_antonyms": ("counter-fitting/wordnet_antonyms.txt",
                         "3cfa6341d8de0f3bd06c84d0a283888fe307cbc6ebda6ec0b1bcbfe6b463c2c1",
                         COUNTER_FITTING_CITATION, "WordNet antonym pairs (12,574)"),
    "attract_repel_antonyms": ("attract-repel/full-ant-sample.txt",
                               "30f75f20bcfe5be9c2f72e3c5ba97fd0c6c4176952b18d5f0d9c4e4866f78d7e",
                               ATTRACT_REPEL_CITATION,
                               "English antonym sample with en_ prefixes (11,939)"),
}

_XLING = "bli/xling-eval/"
_XLING_SHA256 = {
    "en-de/yacle.train.freq.1k.en-de.tsv":
        "fb7fea30fccb834c90ff63b0b0633e6438df8caf6034329ccaeb04396fb1c8b8",
    "en-de/yacle.train.freq.3k.en-de.tsv":
        "20280d18bf73e5b82ff5d15f50415f93e875722db7e2fdb381e1929b188074b9",
    "en-de/yacle.train.freq.500.en-de.tsv":
        "2d1e1c58215f96bb06285eb5882d4ae60499ec6544ac93642850c0efeaf4815a",
    "en-de/yacle.train.freq.5k.en-de.tsv":
        "21fdbd393b25a4748bade79201f29c53b7c71cdc8f4447f4153187c08e319f00",
    "en-fi/yacle.train.freq.1k.en-fi.tsv":
        "2a0aab3c7c6db47f3ac71ef20aea7d9ac7ea41e87b470106ab51d14f5a0f0a46",
    "en-fi/yacle.train.freq.3k.en-fi.tsv":
        "3f204768f16eda5bc596466800d6925f48fb67db1ed5a2f95c8d2f604d007c6b",
    "en-fi/yacle.train.freq.500.en-fi.tsv":
        "3f92140f21012c4fdedf1cb1c74ea2028a48bb5eaa06edb447f72237efdb85be",
    "en-fi/yacle.train.freq.5k.en-fi.tsv":
        "53614e37a23557ecee35ac27f2a6d010a8d047f0b7e4925a4768a89763f05ba5",
    "en-fr/yacle.train.freq.1k.en-fr.tsv":
        "f5efb38629410acba3e26094521b62818c87ed18e1be1d4015e5d82eb730682a",
    "en-fr/yacle.train.freq.3k.en-fr.tsv":
        "8dced5cf98a1c96e9aaea2b3d2a34e95a95966d782fece693677756d0712db98",
    "en-fr/yacle.train.freq.500.en-fr.tsv":
        "b486c48ac7bb3740bd01133669bc82a023ed26c7ffdca0fa4462032cb5866794",
    "en-fr/yacle.train.freq.5k.en-fr.tsv":
        "308766ea894ddf7cfb2d1643b5ab7b8a497fd09530a03dfe49ace19bdbad1b84",
    "en-fr/yacle.train.freq.5k.fr-en.tsv":
        "1e362f4e09734ffd454b70769508ed6eb7a5fcc783b3bb0f30da0c0959ff3b32",
    "en-hr/yacle.train.freq.1k.en-hr.tsv":
        "a46bb5e42c871a72a9054441d0fb47289231da8fb7bd3004c0d39755dfc282c8",
    "en-hr/yacle.train.freq.3k.en-hr.tsv":
        "8ef59e0e054892659602ef2df9f435b94cde1ff349f89ebd58bd25fe8b633d7c",
    "en-hr/yacle.train.freq.500.en-hr.tsv":
        "da7b693cad051e38aa12d3cd31fdebdec43e7a76a05ca6ed24d1f686b90fa14a",
    "en-hr/yacle.train.freq.5k.en-hr.tsv":
        "a2236557e0743df8d5df8c33f6559f7005d16c3ec9f8d9a961661b9106883a88",
    "en-it/yacle.train.freq.1k.en-it.tsv":
        "ef1747d11c8b8ae75ac7f120c357f55197f7f4359fb70278b5681a119d7c4840",
    "en-it/yacle.train.freq.3k.en-it.tsv":
        "0a2b6acbce4f20c1b88cf680c5e0f643dbfc1b6b3fece8452226cdbb46dec88f",
    "en-it/yacle.train.freq.500.en-it.tsv":
        "a8ff00a33446d3d00bffff506fe58bcdb6a90dccbe3379e165180071ab8ec85e",
    "en-it/yacle.train.freq.5k.en-it.tsv":
        "9214a1d9a775788115ea7a8476fd3c4ae56474690c842e7c36d506e8d457a140",
    "en-ru/yacle.train.freq.1k.en-ru.tsv":
        "7b9e5dbcd5372f181cec42409fe831912bd90b86db8b5f22330324479b2c8b24",
    "en-ru/yacle.train.freq.3k.en-ru.tsv":
        "c1cf9d1e47e5e92b34824334c6bba88a244d8e3c0b514997368761371e3182e5",
    "en-ru/yacle.train.freq.500.en-ru.tsv":
        "26ae8bd217ef8835e7c541fdc87bc22d4f7e2199b8d0f51505720552f243f785",
    "en-ru/yacle.train.freq.5k.en-ru.tsv":
        "3e180c613844c245e570062fa29c35a589022d914d3300d16bddafc5ae922bc4",
    "en-tr/yacle.train.freq.1k.en-tr.tsv":
        "33f62066828d282a622eeaef8069ce7ae9890b59f759b6da4c5a293d463aed2a",
    "en-tr/yacle.train.freq.3k.en-tr.tsv":
        "4eda217c3e1931309311d5bfa553f812c47dcacb233c32bf621429aa773fd6f2",
    "en-tr/yacle.train.freq.500.en-tr.tsv":
        "2aba69563f645c8d8b803c1c19916b3c6e866d8381fd03127b6ad46a0366a917",
    "en-tr/yacle.train.freq.5k.en-tr.tsv":
        "a9aa66d7017eccbc41379261ba7f9b898e28a9e1379cc8d6be0b318deddea292",
}


def _size_name(file: str) -> str:
    """``en-de/yacle.train.freq.5k.en-de.tsv`` -> ``xling_en_de_5k``."""
    _, base = file.split("/")
    _, _, _, size, pair, _ = base.split(".")
    return "xling_" + pair.replace("-", "_") + "_" + size


CONSTRAINT_SPECS = [
    DatasetSpec(name=name, kind="constraints", files=("lexical_constraints/" + file,),
                reader=partial(read_constraints, name=name),
                sha256={"lexical_constraints/" + file: sha}, citation=citation,
                license="Apache-2.0 (carrier repository)", description=description)
    for name, (file, sha, citation, description) in _CONSTRAINTS.items()
]
BLI_SPECS = [
    DatasetSpec(name=_size_name(file), kind="bli", files=(_XLING + file,),
                reader=partial(read_dictionary, name=_size_name(file)),
                sha256={_XLING + file: sha}, citation=XLING_CITATION,
                license="none stated by the carrier repository; cite the paper",
                description=f"xling-eval training dictionary {file.split('/')[1]}")
    for file, sha in _XLING_SHA256.items()
]


def register(registry: Registries) -> None:
    for spec in [*CONSTRAINT_SPECS, *BLI_SPECS]:
        registry.datasets.register(spec.name, func=dataset_factory(spec))
