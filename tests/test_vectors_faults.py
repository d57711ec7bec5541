"""Faults found by the fuzz-and-fault campaign of issue 27: non-finite values, extreme
scales, memory asked for by tiny files, and native-folder escapes."""

from __future__ import annotations

import gzip
import json
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
from lexiplug.errors import ConfigError, FormatError, LexiplugError
from lexiplug.vectors import Vectors
from lexiplug.vectors.io import load_vectors, save_vectors
from lexiplug.vectors.io_native import write_native
from lexiplug.vectors.vectors import unit_rows


def small(matrix: np.ndarray) -> Vectors:
    return Vectors([f"w{i}" for i in range(len(matrix))], matrix.astype(np.float32))


def assert_same_hits(ours: list[list[tuple[str, float]]], plain: list[list[tuple[str, float]]]
                     ) -> None:
    assert [[w for w, _ in hits] for hits in ours] == [[w for w, _ in hits] for hits in plain]
    for a, b in zip(ours, plain, strict=True):
        assert np.allclose([s for _, s in a], [s for _, s in b], atol=1e-6, rtol=0)


# -- item 4: NaN / inf, and norms that overflow --------------------------------------------


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_native_loader_rejects_non_finite(tmp_path: Path, bad: float) -> None:
    matrix = np.ones((3, 4), np.float32)
    matrix[1, 2] = bad
    write_native(tmp_path / "n", ["a", "b", "c"], matrix, None, {})
    with pytest.raises(FormatError) as caught:
        load_vectors(tmp_path / "n")
    assert caught.value.path == str(tmp_path / "n" / "vectors.npy")
    assert "'b'" in caught.value.message and "row 2" in caught.value.message


def test_mmap_native_with_nan_fails_at_the_first_query(tmp_path: Path) -> None:
    matrix = np.ones((3, 4), np.float32)
    matrix[2, 0] = np.nan
    write_native(tmp_path / "n", ["a", "b", "c"], matrix, None, {})
    loaded = load_vectors(tmp_path / "n", mmap=True)  # not scanned: mmap stays instant
    with pytest.raises(LexiplugError, match=r"'c'.*NaN or inf"):
        loaded.most_similar("a")


def test_spacy_loader_rejects_non_finite(tmp_path: Path) -> None:
    from spacy.vectors import Vectors as SpacyVectors
    from spacy.vocab import Vocab

    vocab = Vocab()
    data = np.ones((2, 3), np.float32)
    data[0, 1] = np.nan
    for word in ("a", "b"):
        vocab.strings.add(word)
    vocab.vectors = SpacyVectors(strings=vocab.strings, data=data, keys=["a", "b"])
    vocab.to_disk(tmp_path / "sp", exclude=["lookups"])
    with pytest.raises(FormatError, match=r"'a'.*row 1"):
        load_vectors(tmp_path / "sp")


@pytest.mark.parametrize("fmt", ["word2vec-text", "glove", "word2vec-binary", "native", "spacy"])
def test_save_refuses_non_finite_before_writing(tmp_path: Path, fmt: str) -> None:
    matrix = np.ones((3, 2), np.float32)
    matrix[2, 1] = np.inf
    target = tmp_path / "out"
    with pytest.raises(FormatError, match=r"cannot save.*'w2'"):
        save_vectors(small(matrix), target, format=fmt)
    assert not target.exists() and list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("scale", [3e38, 1e30, 1e-30, 1e-42])
def test_extreme_scales_keep_cosine_one_with_itself(scale: float) -> None:
    rng = np.random.default_rng(0)
    matrix = rng.standard_normal((50, 8)).astype(np.float32)
    matrix[7] = np.float32(scale) * np.sign(matrix[7])
    vectors = small(matrix)
    assert vectors.similarity("w7", "w7") == pytest.approx(1.0, abs=1e-6)
    assert np.linalg.norm(unit_rows(matrix)[7]) == pytest.approx(1.0, abs=1e-6)
    # the row is its own nearest neighbour when queried by its own vector
    assert vectors.most_similar(positive=[matrix[7]], topn=1)[0][0] == "w7"
    assert vectors.most_similar_batch(["w7"], topn=3)[0][0][1] < 1.0 + 1e-6


def test_zero_rows_score_zero_not_nan() -> None:
    matrix = np.eye(4, dtype=np.float32)
    matrix[2] = 0
    scores = dict(small(matrix).most_similar("w0", topn=3))
    assert scores["w2"] == 0.0


# -- item 7: queries do not copy the matrix; results unchanged -----------------------------


def test_queries_match_the_plain_normalised_computation() -> None:
    rng = np.random.default_rng(3)
    matrix = rng.standard_normal((2000, 32)).astype(np.float32)
    matrix[5] *= 1e30
    matrix[6] = 0.0
    vectors = small(matrix)
    unit = unit_rows(matrix)
    for word in ("w1", "w5", "w42"):
        ours = vectors.most_similar(word, topn=20)
        plain = unit @ unit[vectors.index(word)]
        plain[vectors.index(word)] = -np.inf
        best = np.argsort(-plain, kind="stable")[:20]
        assert [w for w, _ in ours] == [f"w{i}" for i in best]
        assert np.allclose([s for _, s in ours], plain[best], atol=1e-6, rtol=0)
    words = ["w1", "w5", "w42"]
    assert_same_hits(vectors.most_similar_batch(words, topn=20),
                     [vectors.most_similar(w, topn=20) for w in words])
    assert vectors._unit is None  # no normalised copy was built


def test_batched_search_bounds_its_score_matrix(monkeypatch: pytest.MonkeyPatch) -> None:
    import lexiplug.vectors.vectors as module

    monkeypatch.setattr(module, "_SCORE_BYTES", 4 * 100 * 3)  # three queries per product
    rng = np.random.default_rng(4)
    vectors = small(rng.standard_normal((100, 6)))
    words = [f"w{i}" for i in range(10)]
    assert_same_hits(vectors.most_similar_batch(words, topn=4),
                     [vectors.most_similar(w, topn=4) for w in words])


# -- item 7: a tiny compressed file cannot ask for gigabytes -------------------------------


def wide_gzip(path: Path, dim: int, *, header: bool) -> Path:
    line = "w " + " ".join(["0.5"] * dim) + "\n"
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.write((f"1 {dim}\n" if header else "") + line)
    return path


@pytest.mark.parametrize("fmt", ["glove", "word2vec-text"])
def test_wide_compressed_line_is_refused_past_max_dim(tmp_path: Path, fmt: str) -> None:
    path = wide_gzip(tmp_path / "wide.gz", 100_000, header=fmt != "glove")
    assert path.stat().st_size < 2000
    with pytest.raises(FormatError, match="100000 dimensions exceed the limit of 65536") as err:
        load_vectors(path, format=fmt)
    assert err.value.path == str(path) and err.value.line == 1


@pytest.mark.parametrize("fmt", ["glove", "word2vec-text"])
def test_wide_compressed_line_allocates_what_it_holds(tmp_path: Path, fmt: str) -> None:
    path = wide_gzip(tmp_path / "wide.gz", 100_000, header=fmt != "glove")
    tracemalloc.start()
    try:
        loaded = load_vectors(path, format=fmt, max_dim=200_000)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert loaded.shape == (1, 100_000)
    assert peak < 64 << 20  # was 65,536 rows x 100,000 float32 = 24 GiB asked for


def test_max_dim_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = wide_gzip(tmp_path / "w.gz", 300, header=False)
    monkeypatch.setenv("LEXIPLUG_MAX_DIM", "100")
    with pytest.raises(FormatError, match="LEXIPLUG_MAX_DIM"):
        load_vectors(path)
    monkeypatch.setenv("LEXIPLUG_MAX_DIM", "lots")
    with pytest.raises(ConfigError, match="LEXIPLUG_MAX_DIM"):
        load_vectors(path)


def test_binary_header_dim_is_bounded(tmp_path: Path) -> None:
    path = tmp_path / "b.bin.gz"
    with gzip.open(path, "wb") as handle:
        handle.write(b"65536 1000000\nw " + b"\0" * 64)
    with pytest.raises(FormatError, match="1000000 dimensions") as err:
        load_vectors(path, format="word2vec-binary")
    assert err.value.line == 1


def test_compressed_rows_grow_geometrically(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import lexiplug.vectors.io_rows as io_rows

    monkeypatch.setattr(io_rows, "_INITIAL_BYTES", 4 * 8 * 10)  # ten rows first, then growth
    rng = np.random.default_rng(5)
    vectors = small(rng.standard_normal((3000, 8)))
    for fmt in ("glove", "word2vec-text", "word2vec-binary"):
        path = save_vectors(vectors, tmp_path / f"{fmt}.gz", format=fmt)
        loaded = load_vectors(path, format=fmt, block_bytes=4096)
        assert loaded.keys == vectors.keys and np.array_equal(loaded.matrix, vectors.matrix)


# -- item 10: native-folder escapes --------------------------------------------------------


@pytest.fixture
def native(tmp_path: Path) -> Path:
    matrix = np.arange(12, dtype=np.float32).reshape(3, 4)
    write_native(tmp_path / "n", ["a", "b", "c"], matrix, np.array([3, 2, 1]), {"name": "t"})
    return tmp_path / "n"


def native_error(folder: Path, **options: object) -> FormatError:
    with pytest.raises(FormatError) as caught:
        load_vectors(folder, **options)  # type: ignore[arg-type]
    return caught.value


@pytest.mark.parametrize("garbage", [
    b"garbage", b"", b"\x93NUMPY\x01\x00\x10\x00{'descr': '<i8', 'fortran_order': Fa",
    b"\x93NUMPY\x01\x00\x46\x00{'descr': '|O', 'fortran_order': False, 'shape': (3,), }"
    + b" " * 8 + b"\n",
])
def test_counts_garbage_is_a_format_error(native: Path, garbage: bytes) -> None:
    (native / "counts.npy").write_bytes(garbage)
    assert native_error(native).path == str(native / "counts.npy")


def test_counts_must_be_integers(native: Path) -> None:
    np.save(native / "counts.npy", np.array([1.5, 2.0, np.nan]))
    assert "integer counts" in native_error(native).message


@pytest.mark.parametrize("mmap", [False, True])
@pytest.mark.parametrize("header", [
    "{'descr': '<f4', 'fortran_order': False, 'shape': (10**9, 10**9), }",  # not a literal
    "{'descr': '<f4', 'fortran_order': False, 'shape': (1000000000, 300), }",  # 1.2 TB
    "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4)",  # cut off
    "{'descr': '<f4', 'fortran_order': False, 'shape': " + "(" * 400 + ")" * 400 + ", }",
    "[1, 2, 3]",
])
def test_broken_npy_header_is_a_format_error(native: Path, header: str, mmap: bool) -> None:
    body = header.encode("latin1")
    body += b" " * (-(len(body) + 11) % 64) + b"\n"
    raw = b"\x93NUMPY\x01\x00" + len(body).to_bytes(2, "little") + body + b"\0" * 48
    (native / "vectors.npy").write_bytes(raw)
    err = native_error(native, mmap=mmap)
    assert err.path == str(native / "vectors.npy")


def set_meta(native: Path, key: str, value: object) -> None:
    meta = json.loads((native / "meta.json").read_text())
    meta[key] = value
    (native / "meta.json").write_text(json.dumps(meta))


@pytest.mark.parametrize("version", ["1", None, 1.5, True, 0, [1], {"v": 1}])
def test_unknown_version_is_a_format_error(native: Path, version: object) -> None:
    set_meta(native, "version", version)
    assert "version" in native_error(native).message


def test_newer_version_asks_for_an_upgrade(native: Path) -> None:
    set_meta(native, "version", 99)
    assert "upgrade" in native_error(native).message


@pytest.mark.parametrize("metadata", [[["a", 1]], "text", 3, [1, 2]])
def test_non_dict_metadata_is_a_format_error(native: Path, metadata: object) -> None:
    set_meta(native, "metadata", metadata)
    assert "'metadata'" in native_error(native).message


def test_deeply_nested_meta_json_is_a_format_error(native: Path) -> None:
    (native / "meta.json").write_text("[" * 100_000 + "]" * 100_000)
    assert "nested too deeply" in native_error(native).message


def test_empty_word_in_native_vocab_is_a_format_error(native: Path) -> None:
    (native / "vocab.txt").write_bytes(b"a\n\nc\n")  # found by tests/robustness fuzzing
    err = native_error(native)
    assert err.path == str(native / "vocab.txt") and err.line == 2
