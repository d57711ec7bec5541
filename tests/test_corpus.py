"""Corpus readers, vocabulary order, integer encoding, caching, and errors on bad input."""

from __future__ import annotations

import bz2
import gzip
import json
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from lexiplug.corpus.encoded import EncodedCorpus, encode_corpus, encode_sentences
from lexiplug.corpus.reader import (
    Corpus,
    conllu_corpus,
    gensim_corpus,
    jsonl_corpus,
    text_file_corpus,
    text_files_corpus,
)
from lexiplug.corpus.vocab import build_vocabulary
from lexiplug.errors import (
    ConfigError,
    DataNotFoundError,
    FormatError,
    LexiplugError,
    TrainingError,
)

from tests.helpers import require_data

LINES = ["The cat sat .", "", "the DOG sat on the mat .", "  ", "a cat"]
SENTENCES = [
    ["The", "cat", "sat", "."],
    ["the", "DOG", "sat", "on", "the", "mat", "."],
    ["a", "cat"],
]


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_text_file_skips_blank_lines_and_lowercases(tmp_path: Path) -> None:
    path = write(tmp_path / "a.txt", "\n".join(LINES) + "\n")
    assert list(text_file_corpus(path).iter_sentences()) == SENTENCES
    lowered = list(text_file_corpus(path, lowercase=True))
    assert lowered == [[t.lower() for t in s] for s in SENTENCES]


def test_folder_glob_and_compressed_files_read_the_same(tmp_path: Path) -> None:
    text = "\n".join(LINES) + "\n"
    write(tmp_path / "plain" / "a.txt", text)
    (tmp_path / "packed").mkdir()
    with gzip.open(tmp_path / "packed" / "a.txt.gz", "wt", encoding="utf-8") as handle:
        handle.write(text)
    with bz2.open(tmp_path / "packed" / "b.txt.bz2", "wt", encoding="utf-8") as handle:
        handle.write(text)
    plain = list(text_files_corpus(tmp_path / "plain"))
    packed = list(text_files_corpus(tmp_path / "packed"))
    globbed = list(text_files_corpus(str(tmp_path / "packed" / "*.bz2")))
    assert plain == SENTENCES
    assert packed == SENTENCES + SENTENCES
    assert globbed == SENTENCES


def test_jsonl_reads_the_text_field(tmp_path: Path) -> None:
    rows = [{"text": "Hello world", "id": 1}, {"text": "again", "id": 2}]
    path = write(tmp_path / "a.jsonl", "\n".join(json.dumps(r) for r in rows) + "\n\n")
    assert list(jsonl_corpus(path, lowercase=True)) == [["hello", "world"], ["again"]]
    body = write(tmp_path / "b.jsonl", json.dumps({"body": "x y"}) + "\n")
    assert list(jsonl_corpus(body, text_field="body")) == [["x", "y"]]


@pytest.mark.parametrize(
    ("content", "message"),
    [('{"text": "ok"}\n{"text": broken}\n', "JSON"), ('{"text": "ok"}\n{"body": "x"}\n', "'text'")],
)
def test_jsonl_errors_name_file_and_line(tmp_path: Path, content: str, message: str) -> None:
    path = write(tmp_path / "bad.jsonl", content)
    with pytest.raises(FormatError, match=message) as caught:
        list(jsonl_corpus(path))
    assert caught.value.path == str(path) and caught.value.line == 2


CONLLU = """# sent_id = 1
# text = Don't go.
1-2\tDon't\t_\t_\t_\t_\t_\t_\t_\t_
1\tDo\tdo\tAUX\t_\t_\t3\taux\t_\t_
2\tn't\tnot\tPART\t_\t_\t3\tadvmod\t_\t_
3\tgo\tgo\tVERB\t_\t_\t0\troot\t_\t_
3.1\tgone\tgo\tVERB\t_\t_\t_\t_\t_\t_
4\t.\t.\tPUNCT\t_\t_\t3\tpunct\t_\t_

1\tYes\tyes\tINTJ\t_\t_\t0\troot\t_\t_
"""


def test_conllu_reads_forms_and_skips_ranges_and_empty_nodes(tmp_path: Path) -> None:
    path = write(tmp_path / "a.conllu", CONLLU)
    assert list(conllu_corpus(path)) == [["Do", "n't", "go", "."], ["Yes"]]
    assert list(conllu_corpus(tmp_path, lowercase=True))[1] == ["yes"]


def test_conllu_with_wrong_columns_is_a_format_error(tmp_path: Path) -> None:
    path = write(tmp_path / "a.conllu", "1\tonly\tthree\n")
    with pytest.raises(FormatError, match="10 tab-separated") as caught:
        list(conllu_corpus(path))
    assert caught.value.line == 1


def test_spacy_tokenizer_of_a_named_language(tmp_path: Path) -> None:
    path = write(tmp_path / "a.txt", "Don't stop, Mr. Smith!\n")
    assert list(text_file_corpus(path, tokenizer="spacy:en")) == [
        ["Do", "n't", "stop", ",", "Mr.", "Smith", "!"]
    ]


@pytest.mark.parametrize("options", [{"tokenizer": "nltk"}, {"tokenizer": "spacy:xx-nope"},
                                     {"tokenizer": "spacy:en", "pretokenized": True}])
def test_bad_tokenizer_options_are_config_errors(tmp_path: Path, options) -> None:
    path = write(tmp_path / "a.txt", "a b\n")
    with pytest.raises(ConfigError):
        list(text_file_corpus(path, **options))


def test_non_utf8_is_a_format_error_naming_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "latin1.txt.gz"
    with gzip.open(path, "wb") as handle:
        handle.write("fine\nstill fine\ncaf\u00e9\n".encode("latin-1"))
    with pytest.raises(FormatError, match="UTF-8") as caught:
        list(text_files_corpus(path))
    assert caught.value.path == str(path) and caught.value.line == 3
    assert f"{path}:3" in str(caught.value)


@pytest.mark.parametrize("make", [text_file_corpus, text_files_corpus, jsonl_corpus, conllu_corpus])
def test_missing_path_is_data_not_found(tmp_path: Path, make) -> None:
    with pytest.raises(DataNotFoundError, match="nope"):
        make(tmp_path / "nope.txt")


def test_empty_glob_and_empty_folder_are_data_not_found(tmp_path: Path) -> None:
    with pytest.raises(DataNotFoundError, match="matches no file"):
        text_files_corpus(str(tmp_path / "*.txt"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataNotFoundError):
        text_files_corpus(tmp_path / "empty")


def test_checksum_follows_content_and_options(tmp_path: Path) -> None:
    path = write(tmp_path / "a.txt", "a b\n")
    first = text_file_corpus(path).checksum()
    assert text_file_corpus(path).checksum() == first
    assert text_file_corpus(path, lowercase=True).checksum() != first
    write(path, "a c\n")
    assert text_file_corpus(path).checksum() != first


def test_gensim_bundled_corpus_is_found_without_network() -> None:
    corpus = gensim_corpus("lee_background.cor")
    assert corpus.describe()["lowercase"] is True
    assert sum(1 for _ in corpus) == 300
    with pytest.raises(DataNotFoundError, match=r"nope\.cor"):
        gensim_corpus("nope.cor")


def test_readers_are_registered() -> None:
    from lexiplug.registry import registry

    for name in ("text_file", "text_files", "jsonl", "conllu", "gensim_corpus"):
        assert registry.corpora.has(f"lexiplug.{name}.v1")


# --- vocabulary ------------------------------------------------------------------------------

words_strategy = st.lists(st.lists(st.sampled_from(list("abcdefg")), max_size=8), max_size=12)


@given(
    sentences=words_strategy,
    min_count=st.integers(1, 4),
    max_vocab=st.none() | st.integers(1, 5),
)
def test_vocabulary_ranks_by_count_then_first_occurrence(sentences, min_count, max_vocab) -> None:
    counter = Counter(word for sentence in sentences for word in sentence)  # insertion-ordered
    expected = [(w, c) for w, c in sorted(counter.items(), key=lambda item: -item[1])
                if c >= min_count][:max_vocab]
    if not expected:
        with pytest.raises(TrainingError):
            build_vocabulary(sentences, min_count=min_count, max_vocab=max_vocab)
        return
    vocab = build_vocabulary(sentences, min_count=min_count, max_vocab=max_vocab)
    assert list(zip(vocab.words, vocab.counts.tolist(), strict=True)) == expected
    assert vocab.counts.dtype == np.int64
    encoded = encode_sentences(sentences, min_count=min_count, max_vocab=max_vocab)
    assert encoded.vocab.words == vocab.words
    np.testing.assert_array_equal(encoded.vocab.counts, vocab.counts)


@given(sentences=words_strategy, min_count=st.integers(1, 3))
def test_encoding_round_trip_drops_only_rare_words(sentences, min_count) -> None:
    try:
        encoded = encode_sentences(sentences, min_count=min_count)
    except TrainingError:
        return
    kept = [[w for w in s if w in encoded.vocab] for s in sentences]
    assert list(encoded.iter_sentences()) == [s for s in kept if s]
    assert encoded.ids.dtype == np.int32 and encoded.offsets.dtype == np.int64
    assert encoded.raw_token_count == sum(len(s) for s in sentences)
    assert encoded.n_tokens == sum(len(s) for s in kept)


def test_save_load_mmap_and_write_text(tmp_path: Path) -> None:
    encoded = encode_sentences(SENTENCES, min_count=1)
    encoded.save(tmp_path / "enc")
    loaded = EncodedCorpus.load(tmp_path / "enc")
    assert isinstance(loaded.ids, np.memmap)
    np.testing.assert_array_equal(loaded.ids, encoded.ids)
    np.testing.assert_array_equal(loaded.offsets, encoded.offsets)
    assert loaded.vocab.words == encoded.vocab.words
    assert list(loaded.iter_sentences()) == SENTENCES
    text = encoded.write_text(tmp_path / "corpus.txt").read_text(encoding="utf-8")
    assert text.splitlines() == [" ".join(s) for s in SENTENCES]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["corpus.txt", "enc"]


def test_load_rejects_a_folder_that_is_not_an_encoded_corpus(tmp_path: Path) -> None:
    with pytest.raises(FormatError, match=r"meta\.json"):
        EncodedCorpus.load(tmp_path)


def test_cache_is_reused_without_re_tokenising(tmp_path: Path, monkeypatch) -> None:
    path = write(tmp_path / "a.txt", "\n".join(LINES) + "\n")
    cache = tmp_path / "cache"
    first = encode_corpus(text_file_corpus(path), min_count=1, cache_dir=cache, progress=False)
    assert len(list(cache.iterdir())) == 1

    def fail(self):  # type: ignore[no-untyped-def]
        raise AssertionError("the cached encoding should have been used")

    monkeypatch.setattr(Corpus, "iter_sentences", fail)
    again = encode_corpus(text_file_corpus(path), min_count=1, cache_dir=cache, progress=False)
    np.testing.assert_array_equal(again.ids, first.ids)
    assert again.metadata["corpus_checksum"] == text_file_corpus(path).checksum()
    with pytest.raises(AssertionError):  # other options: a new key, so the corpus is read
        encode_corpus(text_file_corpus(path), min_count=2, cache_dir=cache, progress=False)


@pytest.mark.parametrize(
    ("content", "options", "error", "message"),
    [
        ("\n  \n", {}, TrainingError, "empty"),
        ("a b c\n", {"min_count": 2}, TrainingError, "min_count=2"),
        (b"ok\n\xff\xfe\n", {}, FormatError, "UTF-8"),
        ("a b\n", {"min_count": 0}, ConfigError, "min_count"),
    ],
)
def test_bad_input_raises_and_writes_nothing(tmp_path: Path, content, options, error, message):
    path = tmp_path / "in.txt"
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    cache = tmp_path / "cache"
    with pytest.raises(error, match=message) as caught:
        encode_corpus(text_file_corpus(path), cache_dir=cache, progress=False, **options)
    assert isinstance(caught.value, LexiplugError)
    assert not cache.exists() or list(cache.iterdir()) == []


@pytest.mark.data
def test_gutenberg_encodes_to_about_1_6m_tokens() -> None:
    require_data("corpora/gutenberg-nltk")
    corpus = text_files_corpus("corpora/gutenberg-nltk", pattern="*.txt", lowercase=True)
    assert len(corpus.files) == 17
    encoded = encode_corpus(corpus, min_count=5, progress=False)
    assert 1_500_000 < encoded.raw_token_count < 1_700_000
    assert encoded.vocab.words[0] == ","
    assert np.all(np.diff(encoded.vocab.counts) <= 0)
    assert encoded.vocab.counts.min() >= 5
