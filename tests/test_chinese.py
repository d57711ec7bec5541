"""Chinese segmentation in the corpus pipeline (jieba, characters, user dictionary), its bad
input (GB18030 files, mixed scripts, traditional characters, empty lines), and the Chinese
datasets and evaluation-file reader."""

from __future__ import annotations

from pathlib import Path

import pytest
from lexiplug.corpus.chinese import character_tokens, han_characters, read_user_dict
from lexiplug.corpus.encoded import encode_corpus
from lexiplug.corpus.reader import text_file_corpus
from lexiplug.corpus.tokenize import make_tokenizer
from lexiplug.errors import ConfigError, FormatError, LexiplugError

from tests.helpers import require_data

jieba = pytest.importorskip("jieba")

MIXED = "我爱北京天安门。COVID-19疫情在2020年爆发，WHO发布了警告"
TRADITIONAL = "這是繁體中文的句子，臺灣的學生在圖書館讀書"


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def segment(text: str, **options: object) -> list[str]:
    return next(iter(make_tokenizer("jieba", **options)([text])))  # type: ignore[arg-type]


def test_jieba_segments_words_and_keeps_other_scripts_whole() -> None:
    tokens = segment(MIXED)
    assert {"北京", "天安门", "疫情", "爆发"} <= set(tokens)
    assert {"COVID", "2020", "WHO"} <= set(tokens)
    assert "".join(tokens) == MIXED  # nothing dropped or altered (no spaces in the text)


def test_jieba_drops_whitespace_tokens_and_lowercases_latin() -> None:
    tokens = segment("  北京 WHO  大学\t", lowercase=True)
    assert tokens == ["北京", "who", "大学"]


def test_traditional_text_is_segmented_not_dropped() -> None:
    tokens = segment(TRADITIONAL)
    assert "".join(tokens) == TRADITIONAL
    assert any(len(token) > 1 for token in tokens)


def test_character_mode_splits_han_and_keeps_latin_runs() -> None:
    assert next(character_tokens(["我爱COVID-19疫情 WHO。"])) == [
        "我", "爱", "COVID", "-", "19", "疫", "情", "WHO", "。"]
    assert han_characters("X光机") == ["光", "机"]


def test_corpus_skips_empty_lines_and_streams_segmented_sentences(tmp_path: Path) -> None:
    path = write(tmp_path, "zh.txt", f"{MIXED}\r\n\r\n   \n{TRADITIONAL}\n")
    sentences = list(text_file_corpus(path, tokenizer="jieba").iter_sentences())
    assert len(sentences) == 2
    assert "".join(sentences[1]) == TRADITIONAL
    chars = list(text_file_corpus(path, tokenizer="chars").iter_sentences())
    assert chars[1][:3] == ["這", "是", "繁"]


def test_user_dictionary_joins_words_and_changes_the_checksum(tmp_path: Path) -> None:
    text = "云计算平台上线了"
    corpus_path = write(tmp_path, "zh.txt", text + "\n")
    plain = text_file_corpus(corpus_path, tokenizer="jieba")
    assert "云计算平台" not in next(plain.iter_sentences())
    assert "user_dict_sha256" not in plain.options()  # old corpora keep their checksums
    user_dict = write(tmp_path, "user.txt", "# my words\n云计算平台 10 n\n\n上线\n")
    with_dict = text_file_corpus(corpus_path, tokenizer="jieba", user_dict=user_dict)
    assert "云计算平台" in next(with_dict.iter_sentences())
    assert with_dict.checksum() != plain.checksum()
    again = text_file_corpus(corpus_path, tokenizer="jieba")  # the dictionary did not leak
    assert "云计算平台" not in next(again.iter_sentences())
    user_dict.write_text("云计算平台 20 n\n", encoding="utf-8")
    changed = text_file_corpus(corpus_path, tokenizer="jieba", user_dict=user_dict)
    assert changed.checksum() != with_dict.checksum()


def test_encoded_jieba_corpus_is_cached_per_checksum(tmp_path: Path) -> None:
    corpus_path = write(tmp_path, "zh.txt", (MIXED + "\n") * 3)
    cache = tmp_path / "cache"
    first = encode_corpus(text_file_corpus(corpus_path, tokenizer="jieba"), min_count=1,
                          cache_dir=cache, progress=False)
    second = encode_corpus(text_file_corpus(corpus_path, tokenizer="jieba"), min_count=1,
                           cache_dir=cache, progress=False)
    chars = encode_corpus(text_file_corpus(corpus_path, tokenizer="chars"), min_count=1,
                          cache_dir=cache, progress=False)
    assert len(list(cache.iterdir())) == 2  # jieba once (reused), chars once
    assert first.vocab.words == second.vocab.words
    assert "北京" in first.vocab.words and "北" in chars.vocab.words


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("北京 x y z\n", "4 fields"),
        ("北京 n 10\n", "whole-number frequency"),
        ("北京 10 20\n", "whole-number frequency"),
    ],
)
def test_malformed_user_dictionary_names_file_and_line(tmp_path: Path, content: str,
                                                       message: str) -> None:
    path = write(tmp_path, "user.txt", "上线\n" + content)
    with pytest.raises(FormatError, match=message) as caught:
        read_user_dict(path)
    assert "user.txt:2" in str(caught.value)


def test_user_dictionary_needs_jieba_and_must_exist(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        make_tokenizer("whitespace", user_dict=str(tmp_path / "user.txt"))
    assert caught.value.where == "user_dict"
    with pytest.raises(LexiplugError, match="user dictionary"):
        make_tokenizer("jieba", user_dict=str(tmp_path / "missing.txt"))


def test_unknown_tokenizer_lists_the_chinese_ones() -> None:
    with pytest.raises(ConfigError, match="'jieba' or 'chars'"):
        make_tokenizer("jeiba")


def test_gb18030_corpus_is_refused_naming_the_encoding(tmp_path: Path) -> None:
    """Regression: the error used to suggest `iconv -f latin1`, which garbles Chinese."""
    path = write(tmp_path, "gbk.txt", "第一行\n" + MIXED + "\n", encoding="gb18030")
    with pytest.raises(FormatError) as caught:
        list(text_file_corpus(path, tokenizer="jieba").iter_sentences())
    message = str(caught.value)
    assert "gb18030" in message and "iconv -f gb18030 -t utf-8" in message
    assert "gbk.txt:1" in message


def test_latin1_corpus_still_gets_the_latin1_hint(tmp_path: Path) -> None:
    path = write(tmp_path, "fr.txt", "un café crème\n", encoding="latin-1")
    with pytest.raises(FormatError, match="iconv -f latin1"):
        list(text_file_corpus(path).iter_sentences())


def test_gb18030_user_dictionary_is_refused_naming_the_encoding(tmp_path: Path) -> None:
    path = write(tmp_path, "user.txt", "云计算平台 10 n\n", encoding="gb18030")
    with pytest.raises(FormatError, match="iconv -f gb18030"):
        read_user_dict(path)


def test_evaluation_file_reader_sniffs_pairs_and_analogies(tmp_path: Path) -> None:
    from lexiplug.plugins.chinese.datasets import read_evaluation_file

    pairs = read_evaluation_file(write(tmp_path, "sim.txt", "钱\t 现金\t8.5\r\n老虎\t猫\t7.35"))
    assert pairs.pairs == [("钱", "现金"), ("老虎", "猫")]
    analogies = read_evaluation_file(write(tmp_path, "ana.txt",
                                           ": capital\n北京 中国 东京 日本\n"))
    assert analogies.sections[0][1] == [("北京", "中国", "东京", "日本")]
    gbk = write(tmp_path, "gbk.txt", "老虎\t猫\t7.35\n", encoding="gb18030")
    with pytest.raises(FormatError, match="iconv -f gb18030"):
        read_evaluation_file(gbk)


@pytest.mark.data
def test_wordsim240_loads_all_pairs_with_its_pinned_checksum() -> None:
    require_data("chinese/cwe-wordsim/240.txt")
    from lexiplug.registry import registry

    spec = registry.datasets.get("zh_wordsim240")()
    pairs = spec.load()
    assert len(pairs) == 240 and spec.checksum()
    assert all(word == word.strip() for pair in pairs.pairs for word in pair)
    assert 0.1 < pairs.scores.min() and pairs.scores.max() <= 10


@pytest.mark.data
def test_zh_corpus_reads_the_shared_chinese_text() -> None:
    require_data("chinese/corpus-flores200-zho/zho_Hans.devtest")
    from lexiplug.registry import registry

    corpus = registry.corpora.get("lexiplug.zh_corpus.v1")(sources=["flores200"])
    sentences = list(corpus.iter_sentences())
    assert len(sentences) == 1012
    assert sum(len(token) for s in sentences for token in s) > 40_000
