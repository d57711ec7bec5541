"""HNSW graph storage: int8 rows (IndexHNSWSQ) with exact rescoring, and older indexes."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from lexiplug.cli.main import app
from lexiplug.errors import ConfigError, FormatError
from lexiplug.vectors.ann import build_index
from lexiplug.vectors.io import load_vectors
from lexiplug.vectors.vectors import unit_rows
from typer.testing import CliRunner

from tests.test_tables import overlap, planted_table

faiss = pytest.importorskip("faiss", reason="the ANN index needs faiss-cpu (lexiplug[ann])")
SMALL = {"M": 16, "ef_construction": 64, "ef_search": 64, "threads": 1}


@pytest.fixture(scope="module")
def sq8_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("ann_sq8") / "table"
    planted_table(rows=2000, dim=32).save(folder)
    load_vectors(folder, mmap=True).build_index(storage="sq8", **SMALL)
    return folder


def test_int8_storage_finds_the_exact_neighbours_with_exact_scores(sq8_folder: Path) -> None:
    table = load_vectors(sq8_folder, mmap=True)
    words = table.keys[::40]
    recall = np.mean([overlap(table.most_similar(w), table.most_similar(w, exact=False))
                      for w in words])
    assert recall >= 0.95
    exact = dict(table.most_similar("w7", topn=10))
    found = table.most_similar("w7", topn=10, exact=False)
    assert len(found) == 10 and "w7" not in dict(found)
    assert [s for _, s in found] == sorted((s for _, s in found), reverse=True)
    for word, score in found:
        if word in exact:
            assert score == pytest.approx(exact[word], abs=1e-5)
    assert isinstance(table._ann.index, faiss.IndexHNSWSQ)  # type: ignore[union-attr]


def test_int8_storage_is_recorded_and_smaller(sq8_folder: Path, tmp_path: Path) -> None:
    record = json.loads((sq8_folder / "ann_index" / "index.json").read_text())
    meta = json.loads((sq8_folder / "meta.json").read_text())
    expected = {"M": 16, "ef_construction": 64, "ef_search": 64, "storage": "sq8",
                "oversample": 2}
    assert record["params"] == meta["index"]["params"] == expected
    flat = tmp_path / "flat"
    planted_table(rows=2000, dim=32).save(flat)
    load_vectors(flat, mmap=True).build_index(**SMALL)
    assert json.loads((flat / "ann_index" / "index.json").read_text())["params"][
        "storage"] == "flat"
    sq8_bytes = (sq8_folder / "ann_index" / "index.faiss").stat().st_size
    flat_bytes = (flat / "ann_index" / "index.faiss").stat().st_size
    rows_bytes = 2000 * 32 * 4
    assert flat_bytes - sq8_bytes == pytest.approx(rows_bytes * 3 / 4, rel=0.02)


def test_the_int8_range_covers_every_row_exactly() -> None:
    table = planted_table(rows=3000, dim=16, seed=3)
    index = build_index(table, storage="sq8", M=8, ef_construction=32, threads=1)
    trained = faiss.vector_to_array(faiss.downcast_index(index.index.storage).sq.trained)
    unit = unit_rows(table.matrix)
    np.testing.assert_allclose(trained[:16], unit.min(axis=0), rtol=1e-6)
    np.testing.assert_allclose(trained[16:], unit.max(axis=0) - unit.min(axis=0), rtol=1e-5)


def test_the_graph_moved_to_int8_rows_is_the_float_graph() -> None:
    table = planted_table(rows=1500, dim=24, seed=5)
    flat = build_index(table, M=8, ef_construction=32, threads=1)
    sq8 = build_index(table, storage="sq8", M=8, ef_construction=32, threads=1)
    assert sq8.index.ntotal == flat.index.ntotal == 1500
    for name in ("levels", "offsets", "neighbors"):
        np.testing.assert_array_equal(faiss.vector_to_array(getattr(sq8.index.hnsw, name)),
                                      faiss.vector_to_array(getattr(flat.index.hnsw, name)))


def test_oversample_fetches_more_candidates_than_topn() -> None:
    table = planted_table(rows=1000, dim=16, seed=2)
    index = build_index(table, storage="sq8", oversample=3, **SMALL)
    asked: list[int] = []
    search = index.search

    def spy(queries: np.ndarray, k: int, **kw: object) -> tuple[np.ndarray, np.ndarray]:
        asked.append(k)
        return search(queries, k, **kw)  # type: ignore[arg-type]

    index.search = spy  # type: ignore[method-assign]
    table._ann = index
    assert len(table.most_similar("w3", topn=4, exact=False)) == 4
    assert asked == [3 * 4 + 1]  # 3 x topn, plus the query word that is left out


def test_an_index_saved_before_storage_existed_still_loads(tmp_path: Path) -> None:
    folder = tmp_path / "old"
    planted_table(rows=800, dim=16).save(folder)
    load_vectors(folder, mmap=True).build_index(**SMALL)
    for name, key in (("ann_index/index.json", "params"), ("meta.json", "index")):
        path = folder / name
        data = json.loads(path.read_text())
        params = data[key] if key == "params" else data[key]["params"]
        del params["storage"], params["oversample"]  # as the first release wrote them
        path.write_text(json.dumps(data))
    table = load_vectors(folder, mmap=True)
    index = table.load_index()
    assert (index.params.storage, index.params.oversample) == ("flat", 1)
    assert overlap(table.most_similar("w5"), table.most_similar("w5", exact=False)) >= 0.9


def test_an_index_file_of_the_other_storage_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "t"
    planted_table(rows=500, dim=16).save(folder)
    load_vectors(folder, mmap=True).build_index(**SMALL)
    path = folder / "ann_index" / "index.json"
    record = json.loads(path.read_text())
    record["params"]["storage"] = "sq8"
    path.write_text(json.dumps(record))
    with pytest.raises(FormatError) as err:
        load_vectors(folder, mmap=True).load_index()
    assert "index.faiss" in str(err.value) and "sq8" in str(err.value)


@pytest.mark.parametrize(("bad", "where"), [({"storage": "pq"}, "storage"),
                                            ({"oversample": 0}, "oversample"),
                                            ({"oversample": 1.5}, "oversample")])
def test_bad_storage_settings_name_their_argument(bad: dict[str, object], where: str) -> None:
    with pytest.raises(ConfigError) as err:
        planted_table(rows=100, dim=8).build_index(save=False, **bad)  # type: ignore[arg-type]
    assert err.value.where == where


def test_cli_builds_an_int8_index(tmp_path: Path) -> None:
    folder = tmp_path / "t"
    planted_table(rows=500, dim=16).save(folder)
    result = CliRunner().invoke(app, ["vectors", "index", str(folder), "--M", "8",
                                      "--ef-construction", "32", "--storage", "sq8",
                                      "--threads", "1", "-q"])
    assert result.exit_code == 0, result.output
    record = json.loads((folder / "ann_index" / "index.json").read_text())
    assert record["params"]["storage"] == "sq8" and record["params"]["oversample"] == 2


def test_the_checksum_hashed_in_blocks_is_the_whole_matrix_hash() -> None:
    import hashlib

    table = planted_table(rows=40_000, dim=4, seed=1)  # more rows than one hashing block
    digest = hashlib.sha256("\n".join(table.keys).encode("utf-8"))
    digest.update(np.ascontiguousarray(table.matrix).tobytes())
    assert table.checksum() == digest.hexdigest()[:16]
