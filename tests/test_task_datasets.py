"""Task datasets: names registered, sha256 pins, readers strict about malformed lines."""

from __future__ import annotations

import dataclasses

import pytest
from lexiplug.data.resolver import resolve_data_path
from lexiplug.errors import FormatError
from lexiplug.plugins.datasets.readers_analogy_folders import read_analogy_folders
from lexiplug.plugins.datasets.readers_conllu import read_treebank, split_name
from lexiplug.plugins.datasets.task_data import SHA256, TASK_DATASETS, TR_ANALOGY_FILES

from tests.helpers import require_data

NAMES = {"weat", "debiaswe", "limit_small", "tr_anlamver", "tr_wordsimtr", "tr_analogy",
         "ud_nl_alpino", "ud_nl_lassysmall_v13", "ud_en_atis", "ud_en_pud"}


def test_every_task_dataset_is_registered_with_pins_and_citation():
    from lexiplug.registry import registry

    assert {spec.name for spec in TASK_DATASETS} == NAMES
    for name in NAMES:
        spec = registry.datasets.get(name)()
        assert spec.name == name and spec.citation and spec.license
        assert set(spec.sha256) == set(spec.files)
        assert all(len(digest) == 64 for digest in spec.sha256.values())


def test_turkish_analogy_sections_are_relation_files(tmp_path):
    folder = tmp_path / "analogy" / "semantic"
    folder.mkdir(parents=True)
    (folder / "aile.txt").write_text("abla abi anne baba\nanne baba kız oğul", encoding="utf-8")
    mixed = tmp_path / "analogy" / "karışık.txt"
    mixed.write_text("a b c d\n\n", encoding="utf-8")
    data = read_analogy_folders(folder / "aile.txt", mixed, name="tr")
    assert [s for s, _ in data.sections] == ["semantic/aile", "karışık"]
    assert len(data) == 3 and data.lines == [[1, 2], [1]]
    (folder / "bad.txt").write_text("a b c d\na b c\n", encoding="utf-8")
    with pytest.raises(FormatError) as error:
        read_analogy_folders(folder / "bad.txt")
    assert f"{folder / 'bad.txt'}:2" in str(error.value)


def test_treebank_splits_named_from_files(tmp_path):
    row = "1\tx\tx\tNOUN\t_\t_\t0\troot\t_\t_\n\n"
    for split in ("train", "dev"):
        (tmp_path / f"xx_toy-ud-{split}.conllu").write_text(row, encoding="utf-8")
    bank = read_treebank(*sorted(tmp_path.glob("*.conllu")), name="toy")
    assert set(bank.splits) == {"train", "dev"} and bank.split("test", "dev")[0].forms == ["x"]
    assert split_name(tmp_path / "en_pud-ud-test.conllu") == "test"
    with pytest.raises(FormatError, match="no split"):
        bank.split("test")


def test_checksum_mismatch_is_an_error(tmp_path, monkeypatch):
    spec = next(s for s in TASK_DATASETS if s.name == "tr_wordsimtr")
    target = tmp_path / spec.files[0]
    target.parent.mkdir(parents=True)
    target.write_text("kitap kitaplar 5.0\n", encoding="utf-8")
    monkeypatch.setenv("LEXIPLUG_DATA", str(tmp_path))
    assert len(spec.load()) == 1
    with pytest.raises(FormatError, match="checksum mismatch"):
        spec.checksum()
    unpinned = dataclasses.replace(spec, sha256={})
    assert len(unpinned.checksum()) == 16


@pytest.mark.data
def test_pins_match_the_shared_manifest():
    require_data("MANIFEST.tsv")
    manifest = {}
    for line in resolve_data_path("MANIFEST.tsv").read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if len(parts) == 3:
            manifest[parts[0]] = parts[2]
    for relative, digest in SHA256.items():
        assert manifest.get(relative) == digest, relative


@pytest.mark.data
def test_shared_task_datasets_load_and_verify():
    require_data("turkish/tasks/similarity/semantic.txt")
    require_data(TR_ANALOGY_FILES[0])
    from lexiplug.registry import registry

    sizes = {"tr_anlamver": 500, "tr_wordsimtr": 140, "limit_small": 1000}
    for name, size in sizes.items():
        spec = registry.datasets.get(name)()
        assert len(spec.checksum()) == 16 and len(spec.load()) == size
    analogy = registry.datasets.get("tr_analogy")().load()
    assert len(analogy.sections) == len(TR_ANALOGY_FILES) == 40
    assert "semantic/ülke-başkent" in {s for s, _ in analogy.sections}
    assert len(analogy) > 37_000
    atis = registry.datasets.get("ud_en_atis")().load()
    assert set(atis.splits) == {"train", "dev", "test"} and atis.n_tokens("train") == 48655
