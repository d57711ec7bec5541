"""Dataset-reader escapes found by the fuzz campaign of issue 27 (item 10): every fault is
a FormatError naming the file, and the line where the file is text."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from lexiplug.errors import FormatError
from lexiplug.plugins.datasets.readers_analogy_folders import read_analogy_folders
from lexiplug.plugins.datasets.readers_bias import read_debiaswe, read_weat
from lexiplug.plugins.datasets.readers_conllu import read_conllu
from lexiplug.plugins.datasets.readers_retrieval import read_beir

CONLLU_LINE = "1\tde\tde\tDET\t_\t_\t0\troot\t_\t_\n"


def format_error(call, *args: object) -> FormatError:  # type: ignore[no-untyped-def]
    with pytest.raises(FormatError) as caught:
        call(*args)
    return caught.value


def test_undecodable_conllu_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "x-ud-test.conllu"
    path.write_bytes((CONLLU_LINE * 3).encode() + b"2\tw\xffz\t_\tNOUN\t_\t_\t0\t_\t_\t_\n")
    err = format_error(read_conllu, path)
    assert err.path == str(path) and err.line == 4


def test_undecodable_analogy_folder_file_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "aile.txt"
    path.write_bytes(b"a b c d\n\na b c d\nx y \xc3 z\n")
    err = format_error(read_analogy_folders, path)
    assert err.path == str(path) and err.line == 4


def test_weat_json_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "WEAT.json"
    path.write_bytes(b'{\n"flowers": ["ros\xe9"]}')
    err = format_error(read_weat, path)
    assert err.path == str(path) and err.line == 2


@pytest.mark.parametrize("which", range(4))
def test_debiaswe_json_nested_too_deeply(tmp_path: Path, which: int) -> None:
    paths = []
    for i, content in enumerate([[["she", "he"]], [["her", "his"]], ["he"], [["nurse", 0.1, 0.2]]]):
        path = tmp_path / f"{i}.json"
        path.write_text("[" * 50_000 + "]" * 50_000 if i == which else json.dumps(content))
        paths.append(path)
    err = format_error(read_debiaswe, *paths)
    assert err.path == str(paths[which]) and "nested too deeply" in err.message


def test_weat_json_nested_too_deeply(tmp_path: Path) -> None:
    path = tmp_path / "WEAT.json"
    path.write_text('{"a": ' + "[" * 50_000 + "]" * 50_000 + "}")
    assert "nested too deeply" in format_error(read_weat, path).message


@pytest.mark.parametrize("score", ["1" + "0" * 400, "1e400", "NaN", "true", '"big"'])
def test_debiaswe_profession_scores_must_be_finite(tmp_path: Path, score: str) -> None:
    paths = []
    contents = ['[["she", "he"]]', '[["her", "his"]]', '["he"]', f'[["nurse", {score}, 0.2]]']
    for i, content in enumerate(contents):
        paths.append(tmp_path / f"{i}.json")
        paths[-1].write_text(content)
    assert format_error(read_debiaswe, *paths).path == str(paths[3])


def beir(tmp_path: Path, qrels_line: str) -> tuple[Path, Path, Path]:
    corpus, queries, qrels = (tmp_path / f"{n}.jsonl" for n in ("corpus", "queries", "qrels"))
    corpus.write_text('{"_id": "d1", "text": "a doc"}\n{"_id": "d2", "text": "b"}\n')
    queries.write_text('{"_id": "q1", "text": "a"}\n')
    qrels.write_text('{"query-id": "q1", "corpus-id": "d1", "score": 1}\n' + qrels_line + "\n")
    return corpus, queries, qrels


@pytest.mark.parametrize("score", ["1" + "0" * 400, "1e400", "-1e400", "NaN", "Infinity",
                                   "true", "null", "[1]"])
def test_beir_qrels_score_must_be_a_finite_number(tmp_path: Path, score: str) -> None:
    files = beir(tmp_path, f'{{"query-id": "q1", "corpus-id": "d2", "score": {score}}}')
    err = format_error(read_beir, *files)
    assert err.path == str(files[2]) and err.line == 2 and "finite number" in err.message


def test_beir_not_utf8_and_deep_nesting_name_the_line(tmp_path: Path) -> None:
    corpus, queries, qrels = beir(tmp_path, "")
    queries.write_bytes(b'{"_id": "q1", "text": "a"}\n{"_id": "q2", "text": "\xff"}\n')
    err = format_error(read_beir, corpus, queries, qrels)
    assert err.path == str(queries) and err.line == 2
    queries.write_text('{"_id": "q1", "text": "a"}\n\n' + "[" * 50_000 + "]" * 50_000 + "\n")
    err = format_error(read_beir, corpus, queries, qrels)
    assert err.line == 3 and "nested too deeply" in err.message


def test_weat_empty_word_set_is_a_format_error(tmp_path: Path) -> None:
    path = tmp_path / "WEAT.json"  # found by tests/robustness fuzzing: NaN statistics later
    path.write_text('{"flowers": ["rose"], "insects": []}')
    assert "'insects'" in format_error(read_weat, path).message
