"""Word-benchmark datasets: registration, strict readers, checksums, the real files."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from lexiplug.data.spec import DatasetSpec
from lexiplug.errors import DataNotFoundError, FormatError
from lexiplug.plugins.datasets import word_benchmarks
from lexiplug.plugins.datasets.readers_analogy import (
    AnalogyQuestions,
    read_analogy_questions,
    section_kind,
)
from lexiplug.plugins.datasets.readers_word_pairs import WordPairs, read_word_pairs
from lexiplug.registry import registry

from tests.helpers import require_data

SIMILARITY_SIZES = {
    "ws353": 353, "ws353_sim": 203, "ws353_rel": 252, "simlex999": 999, "men": 3000,
    "rg65": 65, "mc30": 30,
}
SPECS = {spec.name: spec for spec in word_benchmarks.WORD_BENCHMARKS}


@pytest.fixture(scope="module", autouse=True)
def _registered() -> None:
    word_benchmarks.register(registry)


def test_design_names_are_registered_with_pins_and_citations() -> None:
    expected = {*SIMILARITY_SIZES, "google_analogy", "ws353_gensim", "simlex999_gensim",
                "google_analogy_gensim"}
    assert expected <= set(registry.datasets.names())
    for name in expected:
        spec = registry.datasets.get(name)()
        assert isinstance(spec, DatasetSpec) and spec.name == name
        assert set(spec.sha256) == set(spec.files)
        assert all(len(digest) == 64 for digest in spec.sha256.values())
        assert spec.citation and spec.license
        assert spec.kind == ("analogy" if "analogy" in name else "similarity")
        assert spec.gensim_file == name.endswith("_gensim")


# -- readers on hand-made files ------------------------------------------------------------


def _write(tmp_path: Path, text: str | bytes, name: str = "data.txt") -> Path:
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return path


def test_word_pairs_accept_crlf_comments_blank_lines_and_no_final_newline(tmp_path: Path) -> None:
    path = _write(tmp_path, "# header\r\nlove\tsex\t6.77\r\n\r\nTiger\tcat\t7.35")
    pairs = read_word_pairs(path, name="tiny")
    assert pairs.pairs == [("love", "sex"), ("Tiger", "cat")]
    assert pairs.scores.tolist() == [6.77, 7.35]
    assert pairs.lines == [2, 4]
    assert pairs.path == path and pairs.name == "tiny" and pairs.comments == ["# header"]


@pytest.mark.parametrize(
    ("reader", "text", "line", "fragment"),
    [
        (read_word_pairs, "a\tb\t1\nc\td\n", 2, "found 2 fields"),
        (read_word_pairs, "a\tb\t1\nc\td\thigh\n", 2, "numeric score"),
        (read_word_pairs, "a\tb\tnan\n", 1, "finite score"),
        (read_word_pairs, "a\tb\t1\tx\n", 1, "found 4 fields"),
        (read_word_pairs, "# only a comment\n\n", None, "at least one word pair"),
        (read_analogy_questions, ": s\na b c d\na b c\n", 3, "found 3"),
        (read_analogy_questions, "a b c d\n", 1, "section"),
        (read_analogy_questions, ":\na b c d\n", 1, "section name"),
        (read_analogy_questions, ": s\n\n", None, "at least one"),
    ],
)
def test_malformed_benchmark_files_name_file_and_line(
    tmp_path: Path, reader: Callable[[Path], object], text: str, line: int | None,
    fragment: str,
) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(FormatError) as caught:
        reader(path)
    assert caught.value.path == str(path) and caught.value.line == line
    assert fragment in str(caught.value)
    if line is not None:
        assert f"{path}:{line}" in str(caught.value)


def test_undecodable_bytes_are_a_format_error_with_line(tmp_path: Path) -> None:
    path = _write(tmp_path, b"a\tb\t1\n\xff\xfe\tc\t2\n")
    with pytest.raises(FormatError) as caught:
        read_word_pairs(path)
    assert caught.value.line == 2


def test_analogy_reader_sections_lines_and_kinds(tmp_path: Path) -> None:
    path = _write(
        tmp_path, ": capital\r\nAthens Greece Oslo Norway\r\n: gram1-x\nbad worse good better"
    )
    questions = read_analogy_questions(path, name="mini")
    assert isinstance(questions, AnalogyQuestions) and len(questions) == 2
    assert questions.sections == [
        ("capital", [("Athens", "Greece", "Oslo", "Norway")]),
        ("gram1-x", [("bad", "worse", "good", "better")]),
    ]
    assert questions.lines == [[2], [4]]
    assert [questions.kind(name) for name, _ in questions.sections] == ["semantic", "syntactic"]
    assert list(questions.iter_questions())[1] == ("gram1-x", ("bad", "worse", "good", "better"), 4)


def test_section_kind() -> None:
    assert section_kind("gram3-comparative") == "syntactic"
    assert section_kind("capital-world") == "semantic"


def test_checksum_mismatch_is_reported(tmp_path: Path) -> None:
    path = _write(tmp_path, "a\tb\t1\n")
    spec = DatasetSpec(
        "fake", "similarity", (str(path),), read_word_pairs, sha256={str(path): "0" * 64}
    )
    with pytest.raises(FormatError, match="checksum mismatch"):
        spec.checksum()


def test_missing_dataset_says_where_it_looked_and_how_to_fix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LEXIPLUG_DATA", str(tmp_path))
    spec = DatasetSpec("nowhere", "similarity", ("word_similarity/none/NOPE.txt",), read_word_pairs)
    with pytest.raises(DataNotFoundError) as caught:
        spec.load()
    message = str(caught.value)
    assert "LEXIPLUG_DATA" in message and str(tmp_path) in message and "nowhere" in message


def test_from_pairs_checks_lengths() -> None:
    assert len(WordPairs.from_pairs([("a", "b")], [1.0])) == 1
    with pytest.raises(FormatError):
        WordPairs.from_pairs([("a", "b")], [1.0, 2.0])


# -- the real files ------------------------------------------------------------------------


@pytest.mark.data
@pytest.mark.parametrize("name", sorted(SIMILARITY_SIZES))
def test_shared_similarity_sets_load_and_verify(name: str) -> None:
    spec = SPECS[name]
    require_data(spec.files[0])
    spec.checksum()  # raises on a changed file
    pairs = spec.load()
    assert isinstance(pairs, WordPairs) and len(pairs) == SIMILARITY_SIZES[name]
    assert all("\r" not in a + b and a and b for a, b in pairs.pairs)
    assert pairs.scores.min() >= 0 and pairs.name == name
    last_line = spec.paths()[0].read_text("utf-8").rstrip("\r\n").split("\n")[-1].rstrip("\r")
    assert last_line.split("\t")[:2] == list(pairs.pairs[-1])


@pytest.mark.data
def test_shared_google_analogy_set() -> None:
    spec = SPECS["google_analogy"]
    require_data(spec.files[0])
    spec.checksum()
    questions = spec.load()
    assert len(questions) == 19544 and len(questions.sections) == 14
    kinds = [questions.kind(name) for name, _ in questions.sections]
    by_kind = {
        kind: sum(len(q) for (_, q), k in zip(questions.sections, kinds, strict=True) if k == kind)
        for kind in ("semantic", "syntactic")
    }
    assert by_kind == {"semantic": 8869, "syntactic": 10675}


@pytest.mark.parametrize(
    ("name", "size"),
    [("ws353_gensim", 353), ("simlex999_gensim", 999), ("google_analogy_gensim", 19544)],
)
def test_gensim_bundled_copies(name: str, size: int) -> None:
    spec = SPECS[name]
    spec.checksum()
    assert len(spec.load()) == size


@pytest.mark.data
def test_gensim_ws353_has_the_same_pairs_as_the_shared_copy() -> None:
    require_data(SPECS["ws353"].files[0])
    shared, bundled = SPECS["ws353"].load(), SPECS["ws353_gensim"].load()
    assert shared.pairs == bundled.pairs
    assert abs(shared.scores - bundled.scores).max() < 1e-9
