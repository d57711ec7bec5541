"""Chinese datasets and corpora: wordsim-240, the four shared Chinese text corpora, and a
reader for user evaluation files (word pairs or Google-format analogies, UTF-8).

Files come from the shared data folder (``chinese/...``) through the data resolver, each
sha256 pinned, so a changed copy is an error rather than a silently different figure. The
corpora are raw text, one paragraph or sentence a line, not segmented: they reach an embedder
through ``lexiplug.zh_corpus.v1``, which segments them (jieba by default).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Any

from lexiplug.data.spec import DatasetSpec
from lexiplug.errors import ConfigError, FormatError
from lexiplug.plugin_tools import dataset_factory
from lexiplug.plugins.datasets.readers_analogy import read_analogy_questions
from lexiplug.plugins.datasets.readers_word_pairs import read_word_pairs
from lexiplug.registry import Registries

WORDSIM240_FILE = "chinese/cwe-wordsim/240.txt"
WORDSIM240_CITATION = (
    "Wang Xiang et al. (2011), Journal of Chinese Computer Systems 32(11); as distributed with "
    "Chen, Xu, Liu, Sun, Luan (2015). Joint learning of character and word embeddings. IJCAI."
)

CORPUS_FILES: dict[str, tuple[str, str]] = {
    # name: (file, sha256)
    "cmrc2018": ("chinese/corpus-cmrc2018-wikipedia/cmrc2018_dev_trial_contexts.txt",
                 "94378c93617f221526efa593b818dc9e66e1ae1785d9f9473724501d9844d5bd"),
    "ntrex128": ("chinese/corpus-ntrex128-zho/newstest2019-ref.zho-CN.txt",
                 "8bcd6f0868d33f26c8da12f55a82f66088a7b60a5f7b0b1a99dcec51daa8054a"),
    "flores200": ("chinese/corpus-flores200-zho/zho_Hans.devtest",
                  "b30158b1b76f7cee08530d8127a9769f4512597c7eefe97ae1ccf630d5b6e7fd"),
    "tico19": ("chinese/corpus-tico19-zh/tico19-test.zh",
               "1a1e6ec6c9af576d96ac1b1ee2736a5a547ff886c19dfc4aa91f3b7bbcb6437c"),
}
CORPUS_DESCRIPTIONS = {
    "cmrc2018": ("CC BY-SA 4.0", "CMRC 2018 dev+trial contexts: 1,104 Chinese Wikipedia "
                 "paragraphs, 565,955 characters"),
    "ntrex128": ("CC BY-SA 4.0", "NTREX-128 newstest2019 reference, simplified Chinese: 1,997 "
                 "lines, 84,961 characters (translated from English)"),
    "flores200": ("CC BY-SA 4.0", "FLORES-200 devtest zho_Hans: 1,012 sentences, 43,251 "
                  "characters (translated from English)"),
    "tico19": ("CC0 1.0", "TICO-19 test, Chinese: 2,100 COVID-19 domain sentences, 105,726 "
               "characters (translated from English)"),
}

ZH_WORDSIM240 = DatasetSpec(
    name="zh_wordsim240",
    kind="similarity",
    files=(WORDSIM240_FILE,),
    reader=partial(read_word_pairs, name="zh_wordsim240"),
    sha256={WORDSIM240_FILE: "822b25ceba0f6b916355e20a6611704de4b65933898196ee19de95f9c0203483"},
    citation=WORDSIM240_CITATION,
    license="no licence stated; carried by Leonard-Xu/CWE (MIT) 'for convenience'",
    description="wordsim-240: 240 Chinese word pairs, relatedness 0-10 (CRLF, one stray space)",
)


def _corpus_spec(name: str) -> DatasetSpec:
    file, sha256 = CORPUS_FILES[name]
    license, description = CORPUS_DESCRIPTIONS[name]
    return DatasetSpec(name=f"zh_corpus_{name}", kind="corpus", files=(file,),
                       reader=_segmented_corpus_reader(name), sha256={file: sha256},
                       license=license, description=description)


def _segmented_corpus_reader(name: str) -> Callable[..., Any]:
    def read(path: Path, **options: Any) -> Any:
        from lexiplug.corpus.reader import Corpus

        return Corpus([path], tokenizer=options.pop("tokenizer", "jieba"), name=name, **options)

    return read


CORPUS_SPECS: tuple[DatasetSpec, ...] = tuple(_corpus_spec(name) for name in CORPUS_FILES)


def zh_corpus(
    sources: Sequence[str] = ("cmrc2018", "ntrex128", "flores200", "tico19"),
    *,
    tokenizer: str = "jieba",
    user_dict: str | None = None,
    lowercase: bool = True,
    name: str | None = None,
) -> Any:
    """The shared Chinese text (about 800k characters in all four), segmented as asked:
    ``tokenizer = "jieba"`` (words) or ``"chars"`` (one token per Han character)."""
    from lexiplug.corpus.reader import Corpus

    unknown = [source for source in sources if source not in CORPUS_FILES]
    if unknown or not sources:
        raise ConfigError(f"expected some of {sorted(CORPUS_FILES)}; found {list(sources)!r}",
                          where="sources")
    specs = {spec.name: spec for spec in CORPUS_SPECS}
    paths = []
    for source in sources:
        spec = specs[f"zh_corpus_{source}"]
        spec.checksum()  # a changed copy is an error, not another corpus
        paths.extend(spec.paths())
    return Corpus(paths, tokenizer=tokenizer, lowercase=lowercase, user_dict=user_dict,
                  name=name or "zh_" + "+".join(sources))


def read_evaluation_file(path: str | Path) -> Any:
    """A user's evaluation file: Google-format analogies (``: section`` lines, then ``a b c
    d``) when its first non-blank line starts with ``:``, else word pairs with scores.

    Files in GB18030/GBK are refused with the encoding named (re-encode them to UTF-8).
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise FormatError(f"cannot read the file ({error.strerror or error})", path=path) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        from lexiplug.corpus.sources import likely_legacy_encoding

        line = data[: error.start].count(b"\n") + 1
        raw_line = data.split(b"\n")[line - 1]
        source = likely_legacy_encoding(raw_line)
        raise FormatError(
            f"expected UTF-8 text; the bytes at byte {error.start} read as {source} text. "
            f"Re-encode the file: iconv -f {source} -t utf-8", path=path, line=line,
        ) from None
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    if first.startswith(":"):
        return read_analogy_questions(path, name=path.stem)
    return read_word_pairs(path, name=path.stem)


def register(registry: Registries) -> None:
    registry.datasets.register(ZH_WORDSIM240.name, func=dataset_factory(ZH_WORDSIM240))
    for spec in CORPUS_SPECS:
        registry.datasets.register(spec.name, func=dataset_factory(spec))
    registry.corpora.register("lexiplug.zh_corpus.v1", func=zh_corpus)
