"""Vectors file IO: formats, gensim parity, strict errors, policies, interop."""

from __future__ import annotations

import bz2
import gzip
import logging
import time
from pathlib import Path

import numpy as np
import pytest
from lexiplug.errors import ConfigError, DataNotFoundError, FormatError, LexiplugError
from lexiplug.vectors import Vectors
from lexiplug.vectors.formats import detect_format
from lexiplug.vectors.io import load_vectors, save_vectors

TEXT_FORMATS = ["word2vec-text", "fasttext-vec", "glove"]
ALL_FILE_FORMATS = [*TEXT_FORMATS, "word2vec-binary"]


@pytest.fixture
def vectors(rng: np.random.Generator) -> Vectors:
    keys = [f"w{i}" for i in range(200)] + ["é", "日本", "a\tb", "ʃ"]
    matrix = rng.standard_normal((len(keys), 17)).astype(np.float32)
    matrix[3] = 0.0
    matrix[4] *= 1e-30
    return Vectors(keys, matrix, counts=np.arange(len(keys))[::-1] + 5, metadata={"name": "t"})


def write(path: Path, text: str | bytes) -> Path:
    path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return path


# -- round trips and detection ---------------------------------------------------------------


@pytest.mark.parametrize("fmt", [*ALL_FILE_FORMATS, "native", "spacy"])
def test_round_trip_is_exact(tmp_path: Path, vectors: Vectors, fmt: str) -> None:
    path = save_vectors(vectors, tmp_path / "out", format=fmt)
    loaded = load_vectors(path)
    assert loaded.keys == vectors.keys
    assert np.array_equal(loaded.matrix, vectors.matrix)
    expected_detected = "word2vec-text" if fmt == "fasttext-vec" else fmt
    assert loaded.metadata["source_format"] == expected_detected


@pytest.mark.parametrize("suffix", [".gz", ".bz2"])
@pytest.mark.parametrize("fmt", ALL_FILE_FORMATS)
def test_compressed_round_trip(tmp_path: Path, vectors: Vectors, fmt: str, suffix: str) -> None:
    path = save_vectors(vectors, tmp_path / f"v{suffix}", format=fmt)
    opener = gzip.open if suffix == ".gz" else bz2.open
    with opener(path, "rb") as handle:
        assert handle.read(1)  # really compressed
    loaded = load_vectors(path)
    assert loaded.keys == vectors.keys and np.array_equal(loaded.matrix, vectors.matrix)


def test_native_keeps_counts_metadata_and_mmaps(tmp_path: Path, vectors: Vectors) -> None:
    path = save_vectors(vectors, tmp_path / "nat", format="native")
    assert sorted(p.name for p in path.iterdir()) == [
        "counts.npy", "meta.json", "vectors.npy", "vocab.txt"]
    loaded = load_vectors(path, mmap=True)
    assert isinstance(loaded.matrix, np.memmap) and not loaded.matrix.flags.writeable
    assert np.array_equal(loaded.counts, vectors.counts)
    assert loaded.metadata["name"] == "t"
    assert loaded.most_similar("w1", topn=3) == vectors.most_similar("w1", topn=3)


def test_native_mmap_load_is_near_instant(tmp_path: Path, rng: np.random.Generator) -> None:
    big = Vectors([f"k{i}" for i in range(20_000)],
                  rng.standard_normal((20_000, 300)).astype(np.float32))
    path = save_vectors(big, tmp_path / "big", format="native")
    start = time.perf_counter()
    loaded = load_vectors(path, mmap=True)
    assert time.perf_counter() - start < 1.0
    assert loaded.shape == (20_000, 300)


def test_glove_words_with_spaces_take_numbers_from_the_right(tmp_path: Path) -> None:
    path = write(tmp_path / "g.txt", "the 1 2 3\nnew york 4 5 6\n. . . 7 8 9\n")
    loaded = load_vectors(path)
    assert loaded.metadata["source_format"] == "glove"
    assert loaded.keys == ["the", "new york", ". . ."]
    assert loaded["new york"].tolist() == [4, 5, 6]


def test_detects_formats_from_content_not_name(tmp_path: Path, vectors: Vectors) -> None:
    save_vectors(vectors, tmp_path / "a.bin", format="word2vec-text")
    save_vectors(vectors, tmp_path / "b.txt", format="word2vec-binary")
    save_vectors(vectors, tmp_path / "c.vec", format="glove")
    assert detect_format(tmp_path / "a.bin") == "word2vec-text"
    assert detect_format(tmp_path / "b.txt") == "word2vec-binary"
    assert detect_format(tmp_path / "c.vec") == "glove"


def test_limit_reads_the_first_rows(tmp_path: Path, vectors: Vectors) -> None:
    for fmt in [*ALL_FILE_FORMATS, "native"]:
        path = save_vectors(vectors, tmp_path / fmt, format=fmt)
        loaded = load_vectors(path, limit=10)
        assert loaded.keys == vectors.keys[:10], fmt
        assert np.array_equal(loaded.matrix, vectors.matrix[:10])


@pytest.mark.parametrize("fmt", ALL_FILE_FORMATS)
def test_tiny_blocks_give_the_same_result(tmp_path: Path, vectors: Vectors, fmt: str) -> None:
    path = save_vectors(vectors, tmp_path / "v", format=fmt)
    loaded = load_vectors(path, block_bytes=97)
    assert loaded.keys == vectors.keys and np.array_equal(loaded.matrix, vectors.matrix)


def test_vectors_load_and_save_methods(tmp_path: Path, vectors: Vectors) -> None:
    path = vectors.save(tmp_path / "v.bin", format="word2vec-binary")
    assert Vectors.load(path, oov="zero").oov == "zero"


# -- gensim parity ---------------------------------------------------------------------------


def _gensim_load(path: Path, binary: bool):  # type: ignore[no-untyped-def]
    from gensim.models import KeyedVectors

    return KeyedVectors.load_word2vec_format(str(path), binary=binary)


@pytest.mark.parametrize("binary", [False, True])
def test_identical_to_gensim_on_gensim_written_files(
    tmp_path: Path, vectors: Vectors, binary: bool
) -> None:
    kv = vectors.to_gensim()
    path = tmp_path / "g.out"
    kv.save_word2vec_format(str(path), binary=binary)
    ours, theirs = load_vectors(path), _gensim_load(path, binary)
    assert ours.keys == list(theirs.index_to_key)
    assert ours.matrix.dtype == theirs.vectors.dtype
    assert np.array_equal(ours.matrix, theirs.vectors)


def test_identical_to_gensim_on_long_decimals(tmp_path: Path, rng: np.random.Generator) -> None:
    values = rng.standard_normal((50, 8)) * 10.0 ** rng.integers(-30, 30, (50, 8)).astype(float)
    lines = [f"{len(values)} 8"] + [
        f"k{i} " + " ".join(f"{v:.17e}" if (i + j) % 2 else repr(float(v))
                            for j, v in enumerate(row))
        for i, row in enumerate(values)
    ]
    path = write(tmp_path / "long.txt", "\n".join(lines) + "\n")
    ours, theirs = load_vectors(path), _gensim_load(path, False)
    assert np.array_equal(ours.matrix, theirs.vectors)


def test_identical_to_gensim_with_duplicates_and_crlf(tmp_path: Path) -> None:
    path = write(tmp_path / "d.txt", "3 2\r\na 1 2\r\nb 3 4\r\na 5 6\r\n")
    ours, theirs = load_vectors(path), _gensim_load(path, False)
    # gensim 4.4 keeps the first vector but leaves a None placeholder key (and row) at the end
    gensim_keys = [k for k in theirs.index_to_key if k is not None]
    assert ours.keys == gensim_keys == ["a", "b"]
    assert np.array_equal(ours.matrix, theirs.vectors[: len(gensim_keys)])


# -- strict errors ---------------------------------------------------------------------------


def error_for(path: Path, **options: object) -> FormatError:
    with pytest.raises(FormatError) as info:
        load_vectors(path, **options)  # type: ignore[arg-type]
    assert str(path) in str(info.value)
    return info.value


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DataNotFoundError, match="not found"):
        load_vectors(tmp_path / "nope.txt")


@pytest.mark.parametrize("content", ["", "\n\n", "   "])
def test_empty_file(tmp_path: Path, content: str) -> None:
    assert "empty" in error_for(write(tmp_path / "e.txt", content)).message


def test_header_counts_more_rows_than_file(tmp_path: Path) -> None:
    err = error_for(write(tmp_path / "h.txt", "3 2\na 1.5 2.5\nb 3.5 4.5\n"))
    assert "header says 3" in err.message and "only 2" in err.message and err.line == 4


def test_header_counts_fewer_rows_than_file(tmp_path: Path) -> None:
    err = error_for(write(tmp_path / "h.txt", "1 2\na 1 2\nb 3 4\n"))
    assert "holds more" in err.message and err.line == 3


def test_absurd_header_rejected_before_allocating(tmp_path: Path) -> None:
    path = write(tmp_path / "h.txt", "900000000000 300\na " + "1 " * 299 + "1\n")
    start = time.perf_counter()
    err = error_for(path)
    assert time.perf_counter() - start < 1.0 and "can hold at most" in err.message
    binary = write(tmp_path / "h.bin", b"900000000000 300\na " + b"\0" * 1200)
    assert "truncated or wrong header" in error_for(binary, format="word2vec-binary").message


def test_ragged_row_names_line(tmp_path: Path) -> None:
    err = error_for(write(tmp_path / "r.txt", "3 3\na 1 2 3\nb 1 2\nc 1 2 3\n"))
    assert err.line == 3 and "3 numbers" in err.message
    err = error_for(write(tmp_path / "r2.txt", "a 1 2 3\nb 1 2\n"))
    assert err.line == 2


def test_ragged_row_found_in_later_block(tmp_path: Path) -> None:
    lines = ["500 4"] + [f"w{i} 1 2 3 4" for i in range(500)]
    lines[420] = "w419 1 2 3"
    err = error_for(write(tmp_path / "r.txt", "\n".join(lines) + "\n"), block_bytes=256)
    assert err.line == 421


def test_non_numeric_value_names_line_and_column(tmp_path: Path) -> None:
    err = error_for(write(tmp_path / "n.txt", "2 3\na 1 2 3\nb 1 x2 3\n"))
    assert err.line == 3 and "value 2" in err.message and "'x2'" in err.message


@pytest.mark.parametrize("bad", ["nan", "inf", "-inf", "1e60"])
def test_non_finite_values_rejected(tmp_path: Path, bad: str) -> None:
    err = error_for(write(tmp_path / "f.txt", f"2 2\na 1 2\nb 1 {bad}\n"))
    assert err.line == 3 and "non-finite" in err.message


def test_non_finite_binary_rejected(tmp_path: Path) -> None:
    matrix = np.array([[1, 2], [np.nan, 3]], dtype=np.float32)
    path = tmp_path / "f.bin"
    path.write_bytes(b"2 2\na " + matrix[0].tobytes() + b"\nb " + matrix[1].tobytes() + b"\n")
    assert "record 2" in error_for(path).message


def test_bad_utf8_is_an_error_unless_replace(tmp_path: Path) -> None:
    path = write(tmp_path / "u.txt", b"2 2\nok 1 2\nbad\xff 3 4\n")
    err = error_for(path)
    assert err.line == 3 and "UTF-8" in err.message and "errors='replace'" in err.message
    assert load_vectors(path, errors="replace").keys == ["ok", "bad\ufffd"]


def test_bad_utf8_in_binary(tmp_path: Path) -> None:
    path = tmp_path / "u.bin"
    path.write_bytes(b"1 2\nbad\xff " + np.ones(2, np.float32).tobytes())
    assert "UTF-8" in error_for(path).message
    assert load_vectors(path, errors="replace").keys == ["bad\ufffd"]


def test_truncated_binary(tmp_path: Path, vectors: Vectors) -> None:
    path = save_vectors(vectors, tmp_path / "t.bin", format="word2vec-binary")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - 50])
    err = error_for(path, format="word2vec-binary")
    assert "truncated" in err.message


def test_trailing_garbage_after_binary(tmp_path: Path, vectors: Vectors) -> None:
    path = save_vectors(vectors, tmp_path / "t.bin", format="word2vec-binary")
    path.write_bytes(path.read_bytes() + b"extra " + b"\1" * 100)
    assert "more data" in error_for(path).message


def test_blank_line_inside_text(tmp_path: Path) -> None:
    err = error_for(write(tmp_path / "b.txt", "2 2\na 1 2\n\nb 3 4\n"))
    assert err.line == 3 and "blank" in err.message
    assert load_vectors(write(tmp_path / "ok.txt", "1 2\na 1 2\n\n\n")).keys == ["a"]


def test_bad_header(tmp_path: Path) -> None:
    assert "header" in error_for(write(tmp_path / "h.txt", "3 2\n"), format="word2vec-text"
                                 ).message
    err = error_for(write(tmp_path / "g.txt", "hello world\n"), format="word2vec-text")
    assert err.line == 1 and "header" in err.message


def test_not_a_vectors_folder(tmp_path: Path) -> None:
    (tmp_path / "x").mkdir()
    assert "neither" in error_for(tmp_path / "x").message


def test_unknown_format_and_bad_options(tmp_path: Path, vectors: Vectors) -> None:
    path = save_vectors(vectors, tmp_path / "v.txt", format="glove")
    with pytest.raises(ConfigError, match="unknown vectors format"):
        load_vectors(path, format="xml")
    with pytest.raises(ConfigError, match="errors"):
        load_vectors(path, errors="shrug")
    with pytest.raises(ConfigError, match="duplicates"):
        load_vectors(path, duplicates="middle")  # type: ignore[arg-type]


# -- duplicates ------------------------------------------------------------------------------


DUPES = "4 2\na 1 1\nb 2 2\na 3 3\nc 4 4\n"


def test_duplicates_first_by_default_with_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        loaded = load_vectors(write(tmp_path / "d.txt", DUPES))
    assert loaded.keys == ["a", "b", "c"] and loaded["a"].tolist() == [1, 1]
    assert "duplicate" in caplog.text and "line 4" in caplog.text


def test_duplicates_last_and_error(tmp_path: Path) -> None:
    path = write(tmp_path / "d.txt", DUPES)
    last = load_vectors(path, duplicates="last")
    assert last.keys == ["a", "b", "c"] and last["a"].tolist() == [3, 3]
    assert last["c"].tolist() == [4, 4]
    err = error_for(path, duplicates="error")
    assert err.line == 4 and "'a'" in err.message


@pytest.mark.parametrize("policy", ["first", "last"])
def test_duplicates_across_blocks(tmp_path: Path, policy: str) -> None:
    lines = ["300 2"] + [f"w{i % 200} {i} {i}" for i in range(300)]
    loaded = load_vectors(write(tmp_path / "d.txt", "\n".join(lines) + "\n"),
                          duplicates=policy, block_bytes=128)  # type: ignore[arg-type]
    assert loaded.keys == [f"w{i}" for i in range(200)]
    expected = np.arange(200) + (0 if policy == "first" else 200) * (np.arange(200) < 100)
    assert loaded.matrix[:, 0].tolist() == expected.tolist()


def test_duplicates_in_binary(tmp_path: Path) -> None:
    rows = [(b"a", [1, 1]), (b"b", [2, 2]), (b"a", [3, 3])]
    data = b"3 2\n" + b"".join(w + b" " + np.array(v, np.float32).tobytes() for w, v in rows)
    path = write(tmp_path / "d.bin", data)
    assert load_vectors(path)["a"].tolist() == [1, 1]
    assert load_vectors(path, duplicates="last")["a"].tolist() == [3, 3]
    assert "duplicate" in error_for(path, duplicates="error").message


# -- saving ----------------------------------------------------------------------------------


def test_save_rejects_words_the_format_cannot_hold(tmp_path: Path) -> None:
    spaced = Vectors(["new york", "b"], np.ones((2, 2), np.float32))
    for fmt in ["word2vec-text", "word2vec-binary"]:
        with pytest.raises(FormatError, match="whitespace"):
            save_vectors(spaced, tmp_path / fmt, format=fmt)
        assert not (tmp_path / fmt).exists()
    first_spaced = save_vectors(Vectors(["b", "new york"], np.ones((2, 2), np.float32)),
                                tmp_path / "g.txt", format="glove")
    assert load_vectors(first_spaced).keys == ["b", "new york"]
    with pytest.raises(FormatError, match="first"):
        save_vectors(spaced, tmp_path / "g2.txt", format="glove")


def test_save_is_atomic_and_replaces(tmp_path: Path, vectors: Vectors) -> None:
    path = save_vectors(vectors, tmp_path / "v.txt", format="word2vec-text")
    save_vectors(vectors.subset(["w1", "w2"]), path, format="word2vec-text")
    assert load_vectors(path).keys == ["w1", "w2"]
    assert [p.name for p in tmp_path.iterdir()] == ["v.txt"]


def test_precision_option_writes_fixed_decimals(tmp_path: Path, vectors: Vectors) -> None:
    path = save_vectors(vectors, tmp_path / "v.txt", format="word2vec-text", precision=3)
    assert np.allclose(load_vectors(path).matrix, vectors.matrix, atol=6e-4)


# -- interop ---------------------------------------------------------------------------------


def test_gensim_round_trip_keeps_counts(vectors: Vectors) -> None:
    kv = vectors.to_gensim()
    assert list(kv.index_to_key) == vectors.keys
    assert kv.get_vecattr("w0", "count") == int(vectors.counts[0])  # type: ignore[index]
    back = Vectors.from_gensim(kv)
    assert back.keys == vectors.keys and np.array_equal(back.matrix, vectors.matrix)
    assert np.array_equal(back.counts, vectors.counts)
    # (rows 3 and 4 are zero / denormal-tiny; gensim gives NaN there, so compare on the rest)
    clean = vectors.subset(vectors.keys[5:]).to_gensim()
    assert clean.most_similar("w10", topn=3)[0][0] == vectors.most_similar("w10", topn=3)[0][0]


def test_from_gensim_model_uses_wv() -> None:
    from gensim.models import Word2Vec

    model = Word2Vec([["a", "b", "c", "a"]] * 5, vector_size=8, min_count=1, seed=1, workers=1)
    vecs = Vectors.from_gensim(model)
    assert set(vecs.keys) == {"a", "b", "c"} and vecs.counts is not None
    assert vecs.counts[vecs.index("a")] == 10
    with pytest.raises(LexiplugError, match="KeyedVectors"):
        Vectors.from_gensim(object())


def test_spacy_round_trip(vectors: Vectors) -> None:
    import spacy

    nlp = vectors.to_spacy(spacy.blank("en"))
    assert nlp.vocab.vectors.shape == vectors.shape
    assert np.array_equal(nlp.vocab["é"].vector, vectors["é"])
    back = Vectors.from_spacy(nlp)
    assert back.keys == vectors.keys and np.array_equal(back.matrix, vectors.matrix)


def test_load_spacy_pipeline_folder(tmp_path: Path, vectors: Vectors) -> None:
    import spacy

    nlp = vectors.to_spacy(spacy.blank("en"))
    nlp.to_disk(tmp_path / "pipeline")
    loaded = load_vectors(tmp_path / "pipeline")
    assert loaded.metadata["source_format"] == "spacy"
    assert loaded.keys == vectors.keys and np.array_equal(loaded.matrix, vectors.matrix)
