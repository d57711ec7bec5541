"""Property tests: every format round-trips; malformed input only ever raises LexiplugError.

The hypothesis profile in conftest derandomizes these runs in CI.
"""

from __future__ import annotations

import gzip
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from lexiplug.errors import LexiplugError
from lexiplug.vectors import Vectors
from lexiplug.vectors.io import load_vectors, save_vectors

FLOATS = st.floats(width=32, allow_nan=False, allow_infinity=False)
# letters, digits, punctuation, symbols, and tabs/CR inside words; no surrogates
CHARS = st.characters(blacklist_categories=("Cs",), blacklist_characters="\ufeff")
NO_SPACE_WORD = st.text(CHARS.filter(lambda c: c not in " \n"), min_size=1, max_size=8)
SPACED_WORD = st.text(CHARS.filter(lambda c: c != "\n"), min_size=1, max_size=8)
SETTINGS = settings(max_examples=25, suppress_health_check=[HealthCheck.too_slow],
                    deadline=None)


@st.composite
def vectors_with(draw: st.DrawFn, word: st.SearchStrategy[str], first_word:
                 st.SearchStrategy[str] | None = None) -> Vectors:
    n = draw(st.integers(1, 12))
    dim = draw(st.integers(1, 6))
    words = draw(st.lists(word, min_size=n, max_size=n, unique=True))
    if first_word is not None:
        words[0] = draw(first_word.filter(lambda w: w not in words[1:]))
    matrix = draw(arrays(np.float32, (n, dim), elements=FLOATS))
    return Vectors(words, matrix)


def round_trip(vectors: Vectors, fmt: str, name: str = "v") -> Vectors:
    folder = Path(tempfile.mkdtemp())
    try:
        return load_vectors(save_vectors(vectors, folder / name, format=fmt), format=fmt)
    finally:
        shutil.rmtree(folder)


def assert_same(a: Vectors, b: Vectors) -> None:
    assert a.keys == b.keys
    assert np.array_equal(np.asarray(a.matrix), np.asarray(b.matrix))


@pytest.mark.parametrize("fmt", ["word2vec-text", "fasttext-vec", "word2vec-binary"])
@SETTINGS
@given(data=st.data())
def test_word2vec_formats_round_trip(fmt: str, data: st.DataObject) -> None:
    vectors = data.draw(vectors_with(NO_SPACE_WORD))
    assert_same(round_trip(vectors, fmt), vectors)


@SETTINGS
@given(vectors=vectors_with(SPACED_WORD, first_word=NO_SPACE_WORD))
def test_glove_round_trips_words_with_spaces(vectors: Vectors) -> None:
    assert_same(round_trip(vectors, "glove"), vectors)


@SETTINGS
@given(vectors=vectors_with(SPACED_WORD))
def test_native_round_trip(vectors: Vectors) -> None:
    assert_same(round_trip(vectors, "native"), vectors)


@settings(max_examples=15, deadline=None)
@given(vectors=vectors_with(NO_SPACE_WORD))
def test_spacy_round_trip(vectors: Vectors) -> None:
    assert_same(round_trip(vectors, "spacy"), vectors)


@SETTINGS
@given(vectors=vectors_with(st.from_regex(r"[a-z]{1,6}", fullmatch=True)))
def test_auto_detection_round_trip_compressed(vectors: Vectors) -> None:
    assume(vectors.dim > 1)  # a 1-d glove line "word 5" is indistinguishable from a header
    for fmt, name in [("word2vec-text", "v.txt.gz"), ("word2vec-binary", "v.bin.bz2"),
                      ("glove", "g.txt")]:
        folder = Path(tempfile.mkdtemp())
        try:
            loaded = load_vectors(save_vectors(vectors, folder / name, format=fmt))
        finally:
            shutil.rmtree(folder)
        assert_same(loaded, vectors)


# -- malformed input -------------------------------------------------------------------------


def _valid_files(folder: Path) -> dict[str, bytes]:
    rng = np.random.default_rng(0)
    vectors = Vectors(["a", "bb", "ccc", "é"], rng.standard_normal((4, 3)).astype(np.float32))
    files = {}
    for fmt, name in [("word2vec-text", "v.txt"), ("word2vec-binary", "v.bin"),
                      ("glove", "g.txt")]:
        files[fmt] = save_vectors(vectors, folder / name, format=fmt).read_bytes()
    files["gzip"] = gzip.compress(files["word2vec-text"], mtime=0)
    return files


_FOLDER = Path(tempfile.mkdtemp())
VALID = _valid_files(_FOLDER)
shutil.rmtree(_FOLDER)


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    data = bytearray(VALID[draw(st.sampled_from(sorted(VALID)))])
    for _ in range(draw(st.integers(1, 4))):
        action = draw(st.sampled_from(["flip", "insert", "delete", "truncate"]))
        pos = draw(st.integers(0, max(len(data) - 1, 0)))
        if action == "flip" and data:
            data[pos] = draw(st.integers(0, 255))
        elif action == "insert":
            data[pos:pos] = draw(st.binary(min_size=1, max_size=6))
        elif action == "delete":
            del data[pos : pos + draw(st.integers(1, 8))]
        else:
            del data[pos:]
    return bytes(data)


BAD_INPUT = st.one_of(mutated(), st.binary(max_size=200))


@settings(max_examples=150, deadline=None)
@given(data=BAD_INPUT, fmt=st.sampled_from(["auto", "word2vec-text", "word2vec-binary",
                                            "glove"]))
def test_malformed_input_only_raises_lexiplug_errors(data: bytes, fmt: str) -> None:
    folder = Path(tempfile.mkdtemp())
    try:
        path = folder / "input"
        path.write_bytes(data)
        try:
            loaded = load_vectors(path, format=fmt)
        except LexiplugError:
            return
        assert np.isfinite(loaded.matrix).all()
        assert len(loaded.keys) == loaded.matrix.shape[0]
    finally:
        shutil.rmtree(folder)


@settings(max_examples=60, deadline=None)
@given(target=st.sampled_from(["vectors.npy", "vocab.txt", "meta.json"]), data=mutated())
def test_damaged_native_folder_only_raises_lexiplug_errors(target: str, data: bytes) -> None:
    folder = Path(tempfile.mkdtemp())
    try:
        vectors = Vectors(["a", "b"], np.ones((2, 3), np.float32))
        path = save_vectors(vectors, folder / "nat", format="native")
        original = (path / target).read_bytes()
        cut = len(data) % (len(original) + 1)
        (path / target).write_bytes(original[:cut] + data[:8])
        try:
            load_vectors(path)
        except LexiplugError:
            return
    finally:
        shutil.rmtree(folder)
