from pathlib import Path

import pytest
from lexiplug.data.resolver import DATA_ENV, data_roots, resolve_data_path
from lexiplug.errors import DataNotFoundError, LexiplugError


def test_env_variable_comes_first(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "word_similarity").mkdir()
    (tmp_path / "word_similarity" / "x.txt").write_text("a\tb\t1\n")
    monkeypatch.setenv(DATA_ENV, str(tmp_path))
    assert data_roots()[0] == tmp_path
    assert resolve_data_path("word_similarity/x.txt") == tmp_path / "word_similarity" / "x.txt"


def test_missing_data_says_where_it_looked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(DATA_ENV, str(tmp_path))
    with pytest.raises(DataNotFoundError) as info:
        resolve_data_path("nowhere/file.txt", what="ws999")
    message = str(info.value)
    assert str(tmp_path / "nowhere" / "file.txt") in message
    assert DATA_ENV in message and "ws999" in message
    assert isinstance(info.value, LexiplugError)


def test_extra_roots_are_searched_first(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for root in ("env", "extra"):
        (tmp_path / root / "pii").mkdir(parents=True)
        (tmp_path / root / "pii" / "a.txt").write_text(root)
    monkeypatch.setenv(DATA_ENV, str(tmp_path / "env"))
    assert resolve_data_path("pii/a.txt").read_text() == "env"
    found = resolve_data_path("pii/a.txt", extra_roots=[tmp_path / "extra"])
    assert found.read_text() == "extra"
