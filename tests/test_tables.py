"""Large tables: int8 / binary quantized codes (maths, search, native files, bad input),
bounded threads and the CLI's convert --quantize."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from lexiplug.cli.main import app
from lexiplug.errors import ConfigError, FormatError, LexiplugError, OOVError
from lexiplug.vectors import Vectors
from lexiplug.vectors.io import load_vectors
from lexiplug.vectors.io_quantized import load_quantized, save_quantized
from lexiplug.vectors.quantize import (
    binary_width,
    decode_int8,
    encode_binary,
    encode_int8,
    hamming_distances,
    int8_codebook,
    int8_dots,
    int8_dots_reference,
)
from lexiplug.vectors.threads import bounded_threads
from typer.testing import CliRunner

runner = CliRunner()


def planted_table(rows: int = 3000, dim: int = 48, seed: int = 0) -> Vectors:
    """Clustered rows around a common offset (as word tables are), keys w0..w{rows-1}."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((rows // 30, dim))
    matrix = centres[rng.integers(0, len(centres), rows)] + 0.6 * rng.standard_normal(
        (rows, dim)) + 0.8
    matrix *= rng.uniform(0.5, 3.0, (rows, 1))  # varied norms: scores must divide by them
    return Vectors([f"w{i}" for i in range(rows)], matrix.astype(np.float32))


@pytest.fixture(scope="module")
def table() -> Vectors:
    return planted_table()


@pytest.fixture(scope="module")
def queries(table: Vectors) -> list[str]:
    return table.keys[::97]


def overlap(left: list[tuple[str, float]], right: list[tuple[str, float]]) -> float:
    return len({w for w, _ in left} & {w for w, _ in right}) / max(len(left), 1)


# -- the codes -------------------------------------------------------------------------------


def test_int8_codes_decode_within_half_a_step(table: Vectors) -> None:
    scale, offset = int8_codebook(table.matrix)
    codes = encode_int8(table.matrix, scale, offset)
    assert codes.dtype == np.int8 and codes.min() >= -127 and codes.max() <= 127
    error = np.abs(decode_int8(codes, scale, offset) - table.matrix)
    assert (error <= scale / 2 + 1e-6).all()


def test_int8_constant_dimension_decodes_exactly() -> None:
    matrix = np.ones((5, 3), dtype=np.float32)
    matrix[:, 1] = np.arange(5)
    scale, offset = int8_codebook(matrix)
    decoded = decode_int8(encode_int8(matrix, scale, offset), scale, offset)
    np.testing.assert_array_equal(decoded[:, [0, 2]], matrix[:, [0, 2]])
    assert scale[0] == scale[2] == 1.0


@pytest.mark.parametrize("columns", [1, 5])
def test_compiled_int8_scan_matches_the_numpy_reference(table: Vectors, columns: int) -> None:
    scale, offset = int8_codebook(table.matrix)
    codes = encode_int8(table.matrix, scale, offset)
    queries = np.random.default_rng(2).standard_normal((table.dim, columns)).astype(np.float32)
    fast = int8_dots(codes, scale, offset, queries)
    np.testing.assert_allclose(fast, int8_dots_reference(codes, scale, offset, queries),
                               rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(fast, decode_int8(codes, scale, offset) @ queries,
                               rtol=1e-4, atol=1e-4)


def test_hamming_distances_match_a_plain_bit_count() -> None:
    rng = np.random.default_rng(1)
    rows, queries = rng.standard_normal((50, 70)), rng.standard_normal((4, 70))
    center = np.zeros(70, dtype=np.float32)
    codes, query_codes = encode_binary(rows, center), encode_binary(queries, center)
    assert codes.shape == (50, binary_width(70)) == (50, 16)
    plain = ((rows[:, None, :] > 0) != (queries[None, :, :] > 0)).sum(axis=2)
    np.testing.assert_array_equal(hamming_distances(codes, query_codes), plain)


# -- search ----------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["int8", "binary"])
def test_rescored_search_gives_the_exact_neighbours_and_scores(
    table: Vectors, queries: list[str], kind: str,
) -> None:
    quantized = table.quantize(kind)
    recalls = []
    for word in queries:
        exact, found = table.most_similar(word, topn=10), quantized.most_similar(word, topn=10)
        recalls.append(overlap(exact, found))
        scores = dict(exact)
        for neighbour, score in found:  # a rescored score is the exact cosine
            if neighbour in scores:
                assert score == pytest.approx(scores[neighbour], abs=1e-5)
        assert word not in dict(found)
    assert np.mean(recalls) >= (0.99 if kind == "int8" else 0.95)


def test_codes_alone_rank_worse_than_rescoring(table: Vectors, queries: list[str]) -> None:
    quantized = table.quantize("binary")
    alone = np.mean([overlap(table.most_similar(w), quantized.most_similar(w, rescore=0))
                     for w in queries])
    rescored = np.mean([overlap(table.most_similar(w), quantized.most_similar(w))
                        for w in queries])
    assert alone < rescored  # the test would pass vacuously if rescoring did nothing


def test_analogy_style_queries_and_batch_agree_with_single(table: Vectors) -> None:
    quantized = table.quantize("int8")
    exact = table.most_similar(["w1", "w2"], ["w3"], topn=5)
    assert [w for w, _ in quantized.most_similar(["w1", "w2"], ["w3"], topn=5)] == [
        w for w, _ in exact]
    batch = quantized.most_similar_batch(["w1", "w2"], topn=5)
    assert [[w for w, _ in r] for r in batch] == [
        [w for w, _ in quantized.most_similar(q, topn=5)] for q in ("w1", "w2")]


def test_restrict_vocab_searches_only_the_first_rows(table: Vectors) -> None:
    found = table.quantize("int8").most_similar("w5", topn=10, restrict_vocab=200)
    assert all(table.key_to_index[w] < 200 for w, _ in found)
    assert [w for w, _ in found] == [w for w, _ in table.most_similar("w5", restrict_vocab=200)]


def test_unknown_query_word_and_bad_rescore(table: Vectors) -> None:
    quantized = table.quantize("int8")
    with pytest.raises(OOVError, match="'nope'"):
        quantized.most_similar("nope")
    with pytest.raises(ConfigError) as err:
        quantized.most_similar("w1", rescore=-1)
    assert err.value.where == "rescore"
    with pytest.raises(ConfigError) as err:
        table.quantize("int4")
    assert err.value.where == "kind"


# -- native files ----------------------------------------------------------------------------


def test_saved_codes_are_memory_mapped_and_search_the_same(
    tmp_path: Path, table: Vectors, queries: list[str],
) -> None:
    folder = save_quantized(table, tmp_path / "t", ["int8", "binary"])
    meta = json.loads((folder / "meta.json").read_text())
    assert sorted(meta["quantized"]) == ["binary", "int8"]
    assert meta["checksum"] == table.checksum()
    for kind in ("int8", "binary"):
        loaded = load_quantized(folder, kind, verify=True)
        assert isinstance(loaded.codes, np.memmap)
        in_memory = table.quantize(kind)
        for word in queries[:5]:
            assert [w for w, _ in loaded.most_similar(word)] == [
                w for w, _ in in_memory.most_similar(word)]
    # the folder is still an ordinary native table
    plain = load_vectors(folder)
    np.testing.assert_array_equal(plain.matrix, table.matrix)


def test_codes_only_folder_searches_without_float_rows(tmp_path: Path, table: Vectors) -> None:
    folder = save_quantized(table, tmp_path / "t", ["int8"], keep_float=False)
    assert not (folder / "vectors.npy").exists()
    loaded = load_quantized(folder)
    assert loaded.float_rows is None
    assert overlap(table.most_similar("w7"), loaded.most_similar("w7")) >= 0.8
    np.testing.assert_allclose(loaded.vector("w7"), table["w7"],
                               atol=float(loaded.params["scale"].max()))
    with pytest.raises(FormatError, match="load_quantized"):
        load_vectors(folder)


def test_binary_without_float_rows_has_no_vectors(tmp_path: Path, table: Vectors) -> None:
    loaded = load_quantized(save_quantized(table, tmp_path / "t", ["binary"], keep_float=False))
    assert loaded.most_similar("w3", topn=3)  # approximate scores still rank
    with pytest.raises(LexiplugError, match="only signs"):
        loaded.vector("w3")


def test_scale_file_from_another_table_is_refused(tmp_path: Path, table: Vectors) -> None:
    ours = save_quantized(table, tmp_path / "ours", ["int8"])
    theirs = save_quantized(planted_table(seed=5), tmp_path / "theirs", ["int8"])
    shutil.copy(theirs / "int8_scale.npy", ours / "int8_scale.npy")
    with pytest.raises(FormatError) as err:
        load_quantized(ours)
    assert "int8_scale.npy" in str(err.value) and "another table" in str(err.value)


def test_truncated_codes_are_refused(tmp_path: Path, table: Vectors) -> None:
    folder = save_quantized(table, tmp_path / "t", ["int8"])
    data = (folder / "int8_codes.npy").read_bytes()
    (folder / "int8_codes.npy").write_bytes(data[: len(data) // 2])
    with pytest.raises(FormatError) as err:
        load_quantized(folder)
    assert "int8_codes.npy" in str(err.value) and "truncated" in str(err.value)


def test_altered_codes_are_found_by_verify(tmp_path: Path, table: Vectors) -> None:
    folder = save_quantized(table, tmp_path / "t", ["binary"])
    data = bytearray((folder / "binary_codes.npy").read_bytes())
    data[-5] ^= 0xFF
    (folder / "binary_codes.npy").write_bytes(bytes(data))
    load_quantized(folder)  # opening does not read the codes whole
    with pytest.raises(FormatError, match=r"binary_codes\.npy"):
        load_quantized(folder, verify=True)


def test_missing_kind_and_plain_folder(tmp_path: Path, table: Vectors) -> None:
    folder = save_quantized(table, tmp_path / "t", ["int8"])
    with pytest.raises(ConfigError) as err:
        load_quantized(folder, "binary")
    assert err.value.where == "kind"
    table.save(tmp_path / "plain")
    with pytest.raises(FormatError, match="convert --quantize"):
        load_quantized(tmp_path / "plain")


def test_nothing_is_written_for_a_table_with_nan(tmp_path: Path) -> None:
    matrix = np.ones((4, 3), dtype=np.float32)
    matrix[2, 1] = np.nan
    with pytest.raises(LexiplugError, match="row 3"):
        save_quantized(Vectors(["a", "b", "c", "d"], matrix), tmp_path / "t", ["int8"])
    assert not (tmp_path / "t").exists()
    assert not list(tmp_path.iterdir())  # no temporary folder left behind either


# -- threads ---------------------------------------------------------------------------------


def test_threads_bound_blas_within_the_call_only() -> None:
    from threadpoolctl import threadpool_info

    before = [pool["num_threads"] for pool in threadpool_info()]
    with bounded_threads(1):
        assert all(pool["num_threads"] == 1 for pool in threadpool_info())
    assert [pool["num_threads"] for pool in threadpool_info()] == before


def test_threads_setting_is_checked(table: Vectors) -> None:
    assert table.most_similar("w1", threads=1) == table.most_similar("w1")
    for bad in (0, -2, 1.5, True):
        with pytest.raises(ConfigError) as err:
            table.most_similar("w1", threads=bad)  # type: ignore[arg-type]
        assert err.value.where == "threads"


# -- CLI -------------------------------------------------------------------------------------


def test_convert_quantize(tmp_path: Path, table: Vectors) -> None:
    source = table.save(tmp_path / "src.bin", format="word2vec-binary")
    result = runner.invoke(app, ["vectors", "convert", str(source), str(tmp_path / "q"),
                                 "--to", "native", "--quantize", "int8", "--quantize",
                                 "binary", "-q"])
    assert result.exit_code == 0, result.output
    assert "int8 and binary codes" in result.output
    assert load_quantized(tmp_path / "q", "binary").most_similar("w1")
    result = runner.invoke(app, ["vectors", "convert", str(source), str(tmp_path / "x"),
                                 "--to", "word2vec-text", "--quantize", "int8"])
    assert result.exit_code != 0 and "--quantize" in result.output
    result = runner.invoke(app, ["vectors", "convert", str(source), str(tmp_path / "x"),
                                 "--to", "native", "--quantize", "int4"])
    assert result.exit_code != 0 and "int4" in result.output
    assert not (tmp_path / "x").exists()
