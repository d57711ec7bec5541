"""The HNSW index beside a native table: build, save, reload, refusals, exact=False."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest
from lexiplug.cli.main import app
from lexiplug.errors import ConfigError, FormatError, LexiplugError, OOVError
from lexiplug.vectors import Vectors
from lexiplug.vectors.io import load_vectors
from typer.testing import CliRunner

from tests.test_tables import overlap, planted_table

faiss = pytest.importorskip("faiss", reason="the ANN index needs faiss-cpu (lexiplug[ann])")
runner = CliRunner()
SMALL = {"M": 16, "ef_construction": 64, "ef_search": 64, "threads": 1}


@pytest.fixture(scope="module")
def indexed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A saved 2,000-row table with an index beside it (built once for the module)."""
    folder = tmp_path_factory.mktemp("ann") / "table"
    planted_table(rows=2000, dim=32).save(folder)
    load_vectors(folder, mmap=True).build_index(**SMALL)
    return folder


def test_approximate_search_finds_the_exact_neighbours(indexed: Path) -> None:
    table = load_vectors(indexed, mmap=True)  # a fresh table: the index loads from disk
    words = table.keys[::50]
    recall = np.mean([overlap(table.most_similar(w), table.most_similar(w, exact=False))
                      for w in words])
    assert recall >= 0.95
    exact = dict(table.most_similar("w10", topn=10))
    for word, score in table.most_similar("w10", topn=10, exact=False):
        if word in exact:  # scores are the table's own exact cosines
            assert score == pytest.approx(exact[word], abs=1e-5)
    assert "w10" not in dict(table.most_similar("w10", exact=False))
    batch = table.most_similar_batch(words[:3], topn=5, exact=False, threads=1)
    assert [[w for w, _ in r] for r in batch] == [
        [w for w, _ in table.most_similar(w, topn=5, exact=False)] for w in words[:3]]


def test_restrict_vocab_and_analogy_queries(indexed: Path) -> None:
    table = load_vectors(indexed, mmap=True)
    found = table.most_similar("w1500", topn=5, restrict_vocab=300, exact=False)
    assert len(found) == 5 and all(table.key_to_index[w] < 300 for w, _ in found)
    analogy = table.most_similar(["w1", "w2"], ["w3"], topn=5, exact=False)
    assert not {"w1", "w2", "w3"} & {w for w, _ in analogy}
    with pytest.raises(OOVError, match="'nope'"):
        table.most_similar("nope", exact=False)


def test_index_parameters_are_recorded(indexed: Path) -> None:
    meta = json.loads((indexed / "meta.json").read_text())
    record = json.loads((indexed / "ann_index" / "index.json").read_text())
    expected = {"M": 16, "ef_construction": 64, "ef_search": 64, "storage": "flat",
                "oversample": 1}
    assert meta["index"]["params"] == record["params"] == expected
    assert meta["index"]["library"] == "faiss-cpu"
    assert meta["checksum"] == record["table_checksum"] == load_vectors(indexed).checksum()
    assert record["bytes"] == (indexed / "ann_index" / "index.faiss").stat().st_size


def test_an_index_of_another_table_is_refused(indexed: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    planted_table(rows=2000, dim=32, seed=9).save(other)
    load_vectors(other, mmap=True).build_index(**SMALL)
    shutil.rmtree(other / "ann_index")
    shutil.copytree(indexed / "ann_index", other / "ann_index")
    with pytest.raises(FormatError) as err:
        load_vectors(other, mmap=True).most_similar("w1", exact=False)
    assert "another table" in str(err.value) and "index.json" in str(err.value)


def test_vectors_that_are_not_the_folders_table_are_refused(indexed: Path) -> None:
    table = load_vectors(indexed, mmap=True)
    changed = table.with_matrix(np.asarray(table.matrix) * 2)  # keeps metadata["source"]
    with pytest.raises(LexiplugError, match="not the table"):
        changed.most_similar("w1", exact=False)
    with pytest.raises(LexiplugError, match="built for the table with checksum"):
        changed.build_index(**SMALL)  # cannot be saved into the source's folder either


@pytest.mark.parametrize("damage", ["truncate", "flip"])
def test_a_corrupt_index_file_is_refused(indexed: Path, tmp_path: Path, damage: str) -> None:
    folder = tmp_path / "copy"
    shutil.copytree(indexed, folder)
    index_file = folder / "ann_index" / "index.faiss"
    data = bytearray(index_file.read_bytes())
    if damage == "truncate":
        data = data[: len(data) - 100]
    else:
        data[len(data) // 2 - 7] ^= 0xFF
    index_file.write_bytes(bytes(data))
    table = load_vectors(folder, mmap=True)
    with pytest.raises(FormatError) as err:
        table.load_index(verify=damage == "flip")  # a size change needs no full hash
    assert "index.faiss" in str(err.value) and "corrupt" in str(err.value)


def test_without_an_index_the_error_says_how_to_build_one(tmp_path: Path) -> None:
    table = planted_table(rows=100, dim=8)
    with pytest.raises(ConfigError, match="build_index"):
        table.most_similar("w1", exact=False)
    table.save(tmp_path / "t")
    with pytest.raises(FormatError, match="build_index"):
        load_vectors(tmp_path / "t").most_similar("w1", exact=False)


def test_in_memory_index_and_bad_parameters() -> None:
    table = planted_table(rows=300, dim=8)
    index = table.build_index(save=False, **SMALL)
    assert index.rows == 300 and table.most_similar("w4", exact=False)
    for bad in ({"M": 1}, {"ef_search": 0}, {"ef_construction": "x"}):
        with pytest.raises(ConfigError) as err:
            table.build_index(save=False, **bad)
        assert err.value.where == next(iter(bad))
    with pytest.raises(ConfigError) as err:
        table.build_index("ivf", save=False)
    assert err.value.where == "kind"


def test_missing_faiss_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "faiss", None)
    with pytest.raises(ConfigError, match=r"lexiplug\[ann\]"):
        Vectors(["a", "b"], np.eye(2, dtype=np.float32)).build_index(save=False)


def test_cli_index_and_approximate_query(tmp_path: Path) -> None:
    folder = tmp_path / "t"
    planted_table(rows=500, dim=16).save(folder)
    result = runner.invoke(app, ["vectors", "index", str(folder), "--M", "8",
                                 "--ef-construction", "32", "--threads", "1", "-q"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["vectors", "query", str(folder), "w3", "--topn", "3",
                                 "--approximate", "--threads", "1", "--json"])
    assert result.exit_code == 0, result.output
    exact = load_vectors(folder).most_similar("w3", topn=3)
    assert [row["word"] for row in json.loads(result.output)] == [w for w, _ in exact]
