"""Task datasets: bias word lists, LIMIT-small retrieval, Turkish similarity/analogy and the
UD treebanks used for probing, as named, checksummed datasets (docs/architecture.md).

Every file's sha256 is pinned (taken from the shared data's ``MANIFEST.tsv``), so a changed
copy is an error rather than a silently different benchmark.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from lexiplug.data.spec import DatasetSpec
from lexiplug.plugin_tools import dataset_factory
from lexiplug.registry import Registries

from .readers_analogy_folders import read_analogy_folders
from .readers_bias import read_debiaswe, read_weat
from .readers_conllu import read_treebank
from .readers_retrieval import read_beir
from .readers_word_pairs import read_word_pairs

SHA256: dict[str, str] = {
    "bias/wefe-weat/WEAT.json":
        "1a4a448a1825b29c67a7ebb7733343084b015f5b8ed720b2d9e193840a3d49a1",
    "bias/debiaswe/definitional_pairs.json":
        "f2387fdd4ae4d956083ee7594f1401b1ba112914d40a99bb61d481de73db9614",
    "bias/debiaswe/equalize_pairs.json":
        "b6e7dda64461e7828f8d184a51216a87aefcfc2b726d3691aa15b7acc2a1994c",
    "bias/debiaswe/gender_specific_seed.json":
        "9802a524c932d9f0b9b4ecd7ffc429a42d7f8dbe9cbe2020741f984255138958",
    "bias/debiaswe/professions.json":
        "32cc82c7761e7cfb14e37e06dc1aa9f758bc8441f79ca7288996d3fc7c24639a",
    "retrieval/limit-small/corpus.jsonl":
        "ebc38fa10c96fa02e4501e41968edf586efffc6241b6cd10f1c8757c1854dc53",
    "retrieval/limit-small/queries.jsonl":
        "0afedee8bb9aec36053568673bc7b5eb3e5fc416b49d44f187026de930084db8",
    "retrieval/limit-small/qrels.jsonl":
        "f6a0cbf1ac3c405e1cffc96c87bd19a5f77a671d123f547cf946bf17874a27f8",
    "turkish/tasks/similarity/semantic.txt":
        "007c75382667558256c3a8d0a66e3a3ed82531c799dd1060c2c118fab38fcfa2",
    "turkish/tasks/similarity/syntactic.txt":
        "b97db581792ff3d592a940ddfdf64b91ee5db4ee47646e5effdd145ef43fd6fd",
    "ud_dutch/UD_Dutch-Alpino/nl_alpino-ud-dev.conllu":
        "3d6ad878d8b7b362fd756da22ae230951233be1e5596743af772150c89ba346d",
    "ud_dutch/legacy_UD1.3_LassySmall/nl_lassysmall-ud-train.conllu":
        "2c79e713397e23a91e1332a7a816e44d4541504dce5f4bd436eed4a20fd469e0",
    "ud_dutch/legacy_UD1.3_LassySmall/nl_lassysmall-ud-dev.conllu":
        "7912953092349fb1249301443f515159a909f2fd34c4397eb4aead818b5a3529",
    "ud_english/UD_English-Atis/en_atis-ud-train.conllu":
        "bf34cac75bf90593720fb7e06fcecb4f3fbaf325e7a2ceefbcca10771f56ac72",
    "ud_english/UD_English-Atis/en_atis-ud-dev.conllu":
        "ba9ed59a6cf862c695043b64053194277023270ac46ad7b5182b90baee7cfee0",
    "ud_english/UD_English-Atis/en_atis-ud-test.conllu":
        "5d076b73ee57d30170f8e43434e14012f472d3af323b4f04d49a57d44c38b59a",
    "ud_english/UD_English-PUD/en_pud-ud-test.conllu":
        "c80584f2bc2b31d5bada78a1136f9feec7ac49e5e18898db02dea434b5b8f0aa",
    "turkish/tasks/analogy/fiil çekim ekleri/1. tekil kişi çekimi.txt":
        "010e6e81d9c764f1faa9ea412c2ff002159e5d5e7530d2de1e89a4290ff45ccc",
    "turkish/tasks/analogy/fiil çekim ekleri/2. tekil kişi çekimi.txt":
        "c4a2634af3d6adeb7b150db04642698b3a404af6621d1d4d16be01bf0a1fb078",
    "turkish/tasks/analogy/fiil çekim ekleri/2. çoğul kişi çekimi.txt":
        "bf15a8bfa5b260fbf74dcd936cb236f99f28379e736f3d3c4a01c3821970c424",
    "turkish/tasks/analogy/fiil çekim ekleri/3. çoğul kişi çekimi.txt":
        "152ab2bd06d713a3e226a71061f5f507dad33bb8ea0b57d118fddaac77c90daf",
    "turkish/tasks/analogy/fiil çekim ekleri/emir kipi.txt":
        "0a0d9885438fb77997318913ae52a65b8a2ef3a597537ae88c739fc287761c03",
    "turkish/tasks/analogy/fiil çekim ekleri/gelecek zaman kipi.txt":
        "eaee941537a9c664ff3d875a378b098fcdfb12f338e57672f37db0dad6f0003c",
    "turkish/tasks/analogy/fiil çekim ekleri/gereklilik kipi.txt":
        "b70dd572c003bb187a54a0044952fbb65d45c15263236cfd79c496237174fa2d",
    "turkish/tasks/analogy/fiil çekim ekleri/geçmiş zaman eki (-di).txt":
        "f623190d2087e03e75f1c6a27a16002076254f2c4c3e2e63e25f6a43eff6fccb",
    "turkish/tasks/analogy/fiil çekim ekleri/geçmiş zaman eki (-miş).txt":
        "fd284bc0bde8627a8d1585b6d80358293a55d0493f6d6fe5ede6fb6d540691a0",
    "turkish/tasks/analogy/fiil çekim ekleri/istek kipi.txt":
        "0ca4f0bfb3576e8856a75595e122796917236ae6e8b6253db3bba01688f988d5",
    "turkish/tasks/analogy/fiil çekim ekleri/olumsuzluk eki.txt":
        "86a6453b26898926c3b92dd8067ed3d979fade3728e029cb663cd4cef119d005",
    "turkish/tasks/analogy/fiil çekim ekleri/şimdiki zaman eki (-mekte).txt":
        "0fddd69fa371665bd038f96a0266d330cee8ff8df2622c5dc56eb2574991ea18",
    "turkish/tasks/analogy/fiil çekim ekleri/şimdiki zaman eki (-yor).txt":
        "04048906de0f41aec582f551abf82c347bca447c2ee5d6593254a54e7855dcc2",
    "turkish/tasks/analogy/isim çekim ekleri/-den eki.txt":
        "babb1b6af651a4e9c218d863e56778bb67baa908c93f322bfcdbafa72c4820c2",
    "turkish/tasks/analogy/isim çekim ekleri/-e eki.txt":
        "2eb13be96ea1f9f1e40a027968c4b68dba6c599989aaa082490b7a4825b06d8b",
    "turkish/tasks/analogy/isim çekim ekleri/1. tekil kişi iyelik.txt":
        "2272c28a0aaf3e7c455e1cd2a70778fa786ccb859f5efd89e2be613081e763df",
    "turkish/tasks/analogy/isim çekim ekleri/1. çoğul kişi iyelik.txt":
        "a2b2c76157acd76717ab22211362fc7921693e6e14fe6031d5461170486ab21f",
    "turkish/tasks/analogy/isim çekim ekleri/2. tekil kişi iyelik.txt":
        "26c6a4765f97fb5bd1b91d87327c284846bdd6a7fdbcd1774e1d7fb02c6293a6",
    "turkish/tasks/analogy/isim çekim ekleri/2. çoğul kişi iyelik.txt":
        "18fdb5589e7437a4f5a0307f3c52a9c77b41c12aac5d5f89c003afdb3b3762bf",
    "turkish/tasks/analogy/isim çekim ekleri/3. tekil kişi iyelik eki.txt":
        "790d5b3a9470da8866c62cd179e0078be5d795144e0c5b23aca5e11976f6c895",
    "turkish/tasks/analogy/isim çekim ekleri/3. çoğul kişi iyelik.txt":
        "0e3d6b08e38aa51e98f7d5a651a138a16a7e0632f82d8dca379fa44b4eb7d1c7",
    "turkish/tasks/analogy/isim çekim ekleri/eşitlik eki (-ce).txt":
        "897916d3e0c00a2c3c5009781f4e7af9c09ce537160502d7d6a4142869c89f5a",
    "turkish/tasks/analogy/isim çekim ekleri/ismin -de hali.txt":
        "cdbc93596add98a69401fd01b89eee5e38a648ddf6f4b085c26b9ad9409314b2",
    "turkish/tasks/analogy/isim çekim ekleri/ismin -i hali.txt":
        "d7321997633d3f63eb4ba91feeccc8e78b49c2da518af2497fc0c51d6566b71f",
    "turkish/tasks/analogy/isim çekim ekleri/tamlayan eki.txt":
        "8aad03adb507c118c0029835b2112bc5f23fff40eefef8eee9e6e77f6a3003a9",
    "turkish/tasks/analogy/isim çekim ekleri/vasıta eki (-le).txt":
        "1f4cbee7c9cfda5127b6914269bcf5699474c9eea3e0a8c7d470fbc0468e71e3",
    "turkish/tasks/analogy/isim çekim ekleri/çoğul eki.txt":
        "780115e7bd5aafd1e9373e794da6dd18164b67d38e1bc368604dac23bcd40398",
    "turkish/tasks/analogy/semantic/aile.txt":
        "1f5977a3d817cc4ed7722855101e91c09e4a3af2e8c841323dc92ccec65652b6",
    "turkish/tasks/analogy/semantic/es-anlamlilar.txt":
        "4acf07d944ae8e71ed795b876a32974dd08816f602f3abe2fc733dee68660837",
    "turkish/tasks/analogy/semantic/para-birimi.txt":
        "cd0bd6e1c61fb1bef9291cf90ab6a7f8ccddc5f3326ed49bd61c500494cafb7b",
    "turkish/tasks/analogy/semantic/sehir-bolge.txt":
        "5d117e13ee287d9802799a83db93dec3e5f6fa0b50343a2d559f455408f3fbe0",
    "turkish/tasks/analogy/semantic/zit-anlamlilar.txt":
        "65df42281d87c2556e49439a754592066b039791413620465beabfd5de2063d9",
    "turkish/tasks/analogy/semantic/ülke-başkent.txt":
        "15825692f650faeb930c3728f7b2876acd24314183207147267b2dddf954b5b5",
    "turkish/tasks/analogy/yapım ekleri/-imsi -ımsı.txt":
        "67dd4e6714e89509d41676e86872298f88c2b9092a6682c9b5e782ecfeecc57f",
    "turkish/tasks/analogy/yapım ekleri/-li -lı eki.txt":
        "179a0bb89e7fe7ee97ac1ed741a62b87d4d975871429d29eeb6b0ee0a2645332",
    "turkish/tasks/analogy/yapım ekleri/-lık -lik eki.txt":
        "518babec9fbb2b454f0957381c03450ad8e9a9b24016f6faaa29371e5e222836",
    "turkish/tasks/analogy/yapım ekleri/küçültme -cik -cık.txt":
        "cef9d1920e4d43871822182110b9ee312f86d328c4e09b11d86e25fb44e30608",
    "turkish/tasks/analogy/yapım ekleri/meslek eki (-cı, -ci).txt":
        "2ae48712a5181ee799844d4043f4bac3cef373ca34a9352ecb77a843e1c341ac",
    "turkish/tasks/analogy/yapım ekleri/yokluk eki (-sız, -siz).txt":
        "ff0899141ed015d1e12092723d1e8c7bb1ba4507f40b204517ea330acf70514b",
    "turkish/tasks/analogy/yapım-çekim ekleri karışık.txt":
        "be4ee7eb4a028193a10d3a4d5c0142a05a52ba60d486d85baf8579b4440c4e16",
}

_TR_ANALOGY = "turkish/tasks/analogy/"
TR_ANALOGY_FILES: tuple[str, ...] = tuple(_TR_ANALOGY + name for name in (
    "fiil çekim ekleri/1. tekil kişi çekimi.txt",
    "fiil çekim ekleri/2. tekil kişi çekimi.txt",
    "fiil çekim ekleri/2. çoğul kişi çekimi.txt",
    "fiil çekim ekleri/3. çoğul kişi çekimi.txt",
    "fiil çekim ekleri/emir kipi.txt",
    "fiil çekim ekleri/gelecek zaman kipi.txt",
    "fiil çekim ekleri/gereklilik kipi.txt",
    "fiil çekim ekleri/geçmiş zaman eki (-di).txt",
    "fiil çekim ekleri/geçmiş zaman eki (-miş).txt",
    "fiil çekim ekleri/istek kipi.txt",
    "fiil çekim ekleri/olumsuzluk eki.txt",
    "fiil çekim ekleri/şimdiki zaman eki (-mekte).txt",
    "fiil çekim ekleri/şimdiki zaman eki (-yor).txt",
    "isim çekim ekleri/-den eki.txt",
    "isim çekim ekleri/-e eki.txt",
    "isim çekim ekleri/1. tekil kişi iyelik.txt",
    "isim çekim ekleri/1. çoğul kişi iyelik.txt",
    "isim çekim ekleri/2. tekil kişi iyelik.txt",
    "isim çekim ekleri/2. çoğul kişi iyelik.txt",
    "isim çekim ekleri/3. tekil kişi iyelik eki.txt",
    "isim çekim ekleri/3. çoğul kişi iyelik.txt",
    "isim çekim ekleri/eşitlik eki (-ce).txt",
    "isim çekim ekleri/ismin -de hali.txt",
    "isim çekim ekleri/ismin -i hali.txt",
    "isim çekim ekleri/tamlayan eki.txt",
    "isim çekim ekleri/vasıta eki (-le).txt",
    "isim çekim ekleri/çoğul eki.txt",
    "semantic/aile.txt",
    "semantic/es-anlamlilar.txt",
    "semantic/para-birimi.txt",
    "semantic/sehir-bolge.txt",
    "semantic/zit-anlamlilar.txt",
    "semantic/ülke-başkent.txt",
    "yapım ekleri/-imsi -ımsı.txt",
    "yapım ekleri/-li -lı eki.txt",
    "yapım ekleri/-lık -lik eki.txt",
    "yapım ekleri/küçültme -cik -cık.txt",
    "yapım ekleri/meslek eki (-cı, -ci).txt",
    "yapım ekleri/yokluk eki (-sız, -siz).txt",
    "yapım-çekim ekleri karışık.txt",
))

WEAT_CITATION = (
    "Caliskan, Bryson, Narayanan (2017). Semantics derived automatically from language "
    "corpora contain human-like biases. Science 356(6334). Word sets as distributed by WEFE: "
    "Badilla, Bravo-Marquez, Pérez (2020). WEFE: The Word Embeddings Fairness Evaluation "
    "Framework. IJCAI."
)
DEBIASWE_CITATION = (
    "Bolukbasi, Chang, Zou, Saligrama, Kalai (2016). Man is to computer programmer as woman "
    "is to homemaker? Debiasing word embeddings. NeurIPS."
)
LIMIT_CITATION = (
    "Weller, Boratko, Naim, Lee (2025). On the theoretical limitations of embedding-based "
    "retrieval. arXiv:2508.21038."
)
TURKISH_CITATION = (
    "Sarıtaş, Öz, Güngör (2024). A comprehensive analysis of static word embeddings for "
    "Turkish. Expert Systems with Applications 252."
)
ANLAMVER_CITATION = (
    "Ercan, Yıldız (2018). AnlamVer: semantic model evaluation dataset for Turkish - word "
    "similarity and relatedness. COLING. Via " + TURKISH_CITATION
)
WORDSIMTR_CITATION = (
    "Ercan (2017). WordSimTr, a Turkish word similarity set (University of Wolverhampton). "
    "Via " + TURKISH_CITATION
)
TR_ANALOGY_CITATION = (
    "Güngör, Yıldız (2017). Linguistic features in Turkish word representations (SIU), "
    "syntactic analogies; Kurt, semantic analogies (bunyamink/word-embedding-models). Via "
    + TURKISH_CITATION
)
UD_CITATION = (
    "Universal Dependencies (de Marneffe, Manning, Nivre, Zeman 2021, Computational "
    "Linguistics 47(2)); see each treebank's README for its own citation"
)

_TR_LICENSE = (
    "carried by Turkish-Word-Embeddings/Word-Embeddings-Repository-for-Turkish (MIT); the "
    "original sets state no terms of their own"
)


def _spec(
    name: str, kind: str, files: tuple[str, ...], reader: Callable[..., object], citation: str,
    license: str, description: str,
) -> DatasetSpec:
    return DatasetSpec(
        name=name, kind=kind, files=files, reader=reader,
        sha256={f: SHA256[f] for f in files}, citation=citation, license=license,
        description=description,
    )


def _treebank(name: str, files: tuple[str, ...], license: str, description: str) -> DatasetSpec:
    return _spec(name, "treebank", files, partial(read_treebank, name=name), UD_CITATION,
                 license, description)


TASK_DATASETS: tuple[DatasetSpec, ...] = (
    _spec("weat", "bias", ("bias/wefe-weat/WEAT.json",), read_weat, WEAT_CITATION,
          "MIT (dccuchile/wefe)", "WEAT word sets; tests 1-10 of Caliskan et al. 2017"),
    _spec(
        "debiaswe", "bias",
        ("bias/debiaswe/definitional_pairs.json", "bias/debiaswe/equalize_pairs.json",
         "bias/debiaswe/gender_specific_seed.json", "bias/debiaswe/professions.json"),
        read_debiaswe, DEBIASWE_CITATION, "MIT (tolga-b/debiaswe)",
        "gender definitional/equalize pairs, 218 gender-specific seed words, 320 professions",
    ),
    _spec(
        "limit_small", "retrieval",
        ("retrieval/limit-small/corpus.jsonl", "retrieval/limit-small/queries.jsonl",
         "retrieval/limit-small/qrels.jsonl"),
        read_beir, LIMIT_CITATION, "CC BY 4.0 (data), google-deepmind/limit",
        "LIMIT-small: 46 documents, 1,000 'Who likes X?' queries, 2 relevant documents each",
    ),
    _spec("tr_anlamver", "similarity", ("turkish/tasks/similarity/semantic.txt",),
          partial(read_word_pairs, name="tr_anlamver"), ANLAMVER_CITATION, _TR_LICENSE,
          "AnlamVer: 500 Turkish word pairs, semantic similarity 0-10"),
    _spec("tr_wordsimtr", "similarity", ("turkish/tasks/similarity/syntactic.txt",),
          partial(read_word_pairs, name="tr_wordsimtr"), WORDSIMTR_CITATION, _TR_LICENSE,
          "WordSimTr: 140 Turkish word pairs (inflected forms), similarity rescaled to 0-10"),
    _spec("tr_analogy", "analogy", TR_ANALOGY_FILES,
          partial(read_analogy_folders, name="tr_analogy"), TR_ANALOGY_CITATION, _TR_LICENSE,
          "Turkish analogies, one section per relation file: 37,765 questions"),
    _treebank("ud_nl_alpino", ("ud_dutch/UD_Dutch-Alpino/nl_alpino-ud-dev.conllu",),
              "CC BY-SA 4.0", "UD Dutch-Alpino dev (718 sentences; test kept aside)"),
    _treebank(
        "ud_nl_lassysmall_v13",
        ("ud_dutch/legacy_UD1.3_LassySmall/nl_lassysmall-ud-train.conllu",
         "ud_dutch/legacy_UD1.3_LassySmall/nl_lassysmall-ud-dev.conllu"),
        "CC BY-SA 4.0",
        "UD Dutch-LassySmall as of UD 1.3 (train/dev); overlaps current LassySmall dev/test, "
        "so evaluate it against Alpino only",
    ),
    _treebank(
        "ud_en_atis",
        ("ud_english/UD_English-Atis/en_atis-ud-train.conllu",
         "ud_english/UD_English-Atis/en_atis-ud-dev.conllu",
         "ud_english/UD_English-Atis/en_atis-ud-test.conllu"),
        "CC BY-SA 4.0", "UD English-Atis train/dev/test (flight queries, lower-case)",
    ),
    _treebank("ud_en_pud", ("ud_english/UD_English-PUD/en_pud-ud-test.conllu",),
              "CC BY-SA 3.0", "UD English-PUD test (1,000 news/Wikipedia sentences)"),
)


def register(registry: Registries) -> None:
    for spec in TASK_DATASETS:
        registry.datasets.register(spec.name, func=dataset_factory(spec))
