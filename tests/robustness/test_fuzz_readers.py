"""Fuzzing every file reader: whatever the bytes, a reader returns sound data or raises a
lexiplug error naming the file (and the line, where the file is text) — never another
exception, never silent garbage.

Each case starts from a small valid file and applies a few mutations (flipped, inserted,
deleted and duplicated bytes, truncation, and tokens known to hurt parsers: NaN, 1e400,
invalid UTF-8, deep brackets, huge dimensions), sometimes gzip-compressing the result;
some cases are random bytes. Hypothesis runs derandomized, so a run is reproducible.

``LEXIPLUG_FUZZ_CASES`` sets the cases per reader (default 200); the ``slow`` test runs at
least 2,000. ``LEXIPLUG_FUZZ_REPORT=PATH`` appends one JSON line of totals per reader.
"""

from __future__ import annotations

import gzip
import json
import math
import os
import shutil
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lexiplug.errors import LexiplugError
from lexiplug.plugins.datasets.readers_analogy import read_analogy_questions
from lexiplug.plugins.datasets.readers_analogy_folders import read_analogy_folders
from lexiplug.plugins.datasets.readers_bias import read_debiaswe, read_weat
from lexiplug.plugins.datasets.readers_conllu import UPOS_TAGS, read_conllu
from lexiplug.plugins.datasets.readers_retrieval import read_beir
from lexiplug.plugins.datasets.readers_word_pairs import read_word_pairs
from lexiplug.vectors import Vectors
from lexiplug.vectors.io import load_vectors, save_vectors

DEFAULT_CASES = 200
SLOW_CASES = 2000
CASES = int(os.environ.get("LEXIPLUG_FUZZ_CASES", DEFAULT_CASES))

NASTY_TOKENS = [
    b"nan", b"NaN", b"inf", b"-inf", b"1e400", b"-1e400", b"1" + b"0" * 400, b"3.5e38",
    b"1e-45", b"0x1p3", b"-0", b"\xff", b"\xc3", b"\xef\xbb\xbf", b"\x00", b"\n", b"\r\n",
    b" ", b"  ", b"\t", b"[" * 3000, b"{" * 3000, b'"', b"\\", b"99999999999999999999",
    b"100000", b"70000 70000", b"(1000000000, 300)", b"'<f8'", b"'|O'", b"-1", b"true",
    b"null", b"1.5", b"#", b":", b"1-2", b"3.1",
]


# -- the mutation strategy -------------------------------------------------------------------


@st.composite
def mutated(draw: st.DrawFn, seed: bytes) -> bytes:
    """``seed`` after 1-5 mutations, or (one case in ten) random bytes."""
    if draw(st.integers(0, 9)) == 0:
        return draw(st.binary(max_size=300))
    data = bytearray(seed)
    for _ in range(draw(st.integers(1, 5))):
        at = draw(st.integers(0, len(data)))
        op = draw(st.sampled_from(["token", "token", "flip", "insert", "delete", "dup", "cut"]))
        if op == "token":
            token = draw(st.sampled_from(NASTY_TOKENS))
            span = draw(st.integers(0, 12))
            data[at : at + span] = token
        elif op == "flip" and data:
            at = min(at, len(data) - 1)
            data[at] = draw(st.integers(0, 255))
        elif op == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=8))
        elif op == "delete":
            del data[at : at + draw(st.integers(1, 16))]
        elif op == "dup":
            span = draw(st.integers(1, 40))
            data[at:at] = data[at : at + span]
        elif op == "cut":
            del data[at:]
    return bytes(data)


# -- what each reader reads, and what a sound result looks like ------------------------------


@dataclass
class Target:
    """A reader under fuzz: its valid seed files, how to call it, and a soundness check."""

    name: str
    seeds: dict[str, bytes]  # file name -> valid content (folders: several files)
    read: Callable[[Path], Any]
    check: Callable[[Any], None]
    text: bool = True  # errors about a text file's content must carry a line number
    may_gzip: bool = False  # cases may gzip the mutated file (single-file readers only)


def _vectors_ok(vectors: Vectors) -> None:
    rows, dim = vectors.shape
    assert dim >= 1 and rows == len(vectors.keys) == len(set(vectors.keys))
    assert all(isinstance(k, str) and k for k in vectors.keys)
    assert np.isfinite(np.asarray(vectors.matrix)).all()
    if rows:  # the loaded table answers queries without error
        vectors.most_similar(vectors.keys[0], topn=2)


def _pairs_ok(pairs: Any) -> None:
    assert len(pairs) and np.isfinite(pairs.scores).all()
    assert all(a and b for a, b in pairs.pairs)


def _analogy_ok(questions: Any) -> None:
    assert len(questions)
    for _, question, _ in questions.iter_questions():
        assert len(question) == 4 and all(w and not any(c.isspace() for c in w) for w in question)


def _conllu_ok(sentences: Any) -> None:
    assert sentences
    for sentence in sentences:
        assert len(sentence.forms) == len(sentence.upos) > 0
        assert all(tag in UPOS_TAGS or tag == "_" for tag in sentence.upos)


def _weat_ok(sets: Any) -> None:
    assert all(words and all(isinstance(w, str) and w for w in words)
               for words in sets.sets.values())


def _debiaswe_ok(lists: Any) -> None:
    assert all(math.isfinite(a) and math.isfinite(b) for a, b in lists.professions.values())
    assert all(isinstance(w, str) for pair in lists.definitional_pairs for w in pair)


def _beir_ok(data: Any) -> None:
    assert len(data.doc_ids) == len(data.doc_texts) and len(data.query_ids) >= 1
    assert all(math.isfinite(s) for scores in data.qrels.values() for s in scores.values())


def _vector_files(tmp: Path) -> dict[str, bytes]:
    rng = np.random.default_rng(0)
    vectors = Vectors(["the", "of", "é", "日本", "a-b", "x"],
                      rng.standard_normal((6, 4)).astype(np.float32) * 3)
    vectors.counts = np.array([9, 8, 7, 6, 5, 4])
    out: dict[str, bytes] = {}
    for fmt in ("word2vec-text", "word2vec-binary", "glove", "fasttext-vec"):
        path = save_vectors(vectors, tmp / f"seed.{fmt}", format=fmt, precision=3)
        out[fmt] = path.read_bytes()
    for fmt in ("native", "spacy"):
        folder = save_vectors(vectors, tmp / f"seed-{fmt}", format=fmt)
        for file in sorted(folder.rglob("*")):
            if file.is_file():
                out[f"{fmt}/{file.relative_to(folder)}"] = file.read_bytes()
    return out


def _folder(seeds: dict[str, bytes], prefix: str) -> dict[str, bytes]:
    return {k[len(prefix) + 1 :]: v for k, v in seeds.items() if k.startswith(prefix + "/")}


def _targets() -> list[Target]:
    tmp = Path(tempfile.mkdtemp(prefix="lexiplug_fuzz_seed_"))
    try:
        files = _vector_files(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    conllu = (
        "# sent_id = 1\n# text = De kat\n1\tDe\tde\tDET\t_\t_\t2\tdet\t_\t_\n"
        "2\tkat\tkat\tNOUN\t_\t_\t0\troot\t_\t_\n\n"
        "1-2\tdat's\t_\t_\t_\t_\t_\t_\t_\t_\n1\tdat\tdat\tPRON\t_\t_\t0\troot\t_\t_\n"
        "2\t's\tis\tAUX\t_\t_\t1\tcop\t_\t_\n2.1\tx\t_\t_\t_\t_\t_\t_\t_\t_\n\n"
    )
    weat_sets = {k: ["rose", "lily"] for k in ("flowers", "insects", "pleasant_5",
                                                 "unpleasant_5a")}
    from lexiplug.plugins.datasets.readers_bias import WeatTest

    weat1 = (WeatTest("weat1", ("flowers", "insects"), ("pleasant_5", "unpleasant_5a")),)

    def load(fmt: str) -> Callable[[Path], Any]:
        return lambda path: load_vectors(path, format=fmt)

    def debiaswe(folder: Path) -> Any:
        return read_debiaswe(*(folder / f"{n}.json" for n in
                               ("definitional", "equalize", "specific", "professions")))

    def beir(folder: Path) -> Any:
        return read_beir(*(folder / f"{n}.jsonl" for n in ("corpus", "queries", "qrels")))

    return [
        Target("word2vec_text", {"v.txt": files["word2vec-text"]}, load("word2vec-text"),
               _vectors_ok, may_gzip=True),
        Target("word2vec_binary", {"v.bin": files["word2vec-binary"]}, load("word2vec-binary"),
               _vectors_ok, text=False, may_gzip=True),
        Target("glove", {"v.txt": files["glove"]}, load("glove"), _vectors_ok, may_gzip=True),
        Target("fasttext_vec_auto", {"v.vec": files["fasttext-vec"]}, load("auto"),
               _vectors_ok, text=False, may_gzip=True),  # detection may pick binary
        Target("native", _folder(files, "native"), load("native"), _vectors_ok, text=False),
        Target("spacy", _folder(files, "spacy"), load("spacy"), _vectors_ok, text=False),
        Target("word_pairs",
               {"p.txt": b"# c\nold\tnew\t1.5\ncat\tdog\t7\r\nsun moon 3e0\n"},
               read_word_pairs, _pairs_ok),
        Target("analogy", {"q.txt": b": capital\nathens greece oslo norway\n: gram1\n"
                                    b"a b c d\n\nx y z w\n"},
               read_analogy_questions, _analogy_ok),
        Target("analogy_folders", {"semantic/aile.txt": b"anne baba teyze amca\nx y z w\n"},
               lambda path: read_analogy_folders(path), _analogy_ok),
        Target("conllu", {"t-ud-test.conllu": conllu.encode()}, read_conllu, _conllu_ok),
        # JSON documents: structural faults name the item, decode faults the line
        Target("weat_json", {"WEAT.json": json.dumps(weat_sets, indent=1).encode()},
               lambda path: read_weat(path, tests=weat1), _weat_ok, text=False),
        Target("debiaswe_json", {
            "definitional.json": b'[["woman", "man"], ["she", "he"]]',
            "equalize.json": b'[["queen", "king"]]', "specific.json": b'["he", "she"]',
            "professions.json": b'[["nurse", -0.5, 0.25], ["doctor", 0.1, 1e-3]]',
        }, debiaswe, _debiaswe_ok, text=False),
        Target("beir", {
            "corpus.jsonl": b'{"_id": "d1", "title": "t", "text": "a doc"}\n'
                            b'{"_id": 2, "text": "b"}\n',
            "queries.jsonl": b'{"_id": "q1", "text": "a"}\n',
            "qrels.jsonl": b'{"query-id": "q1", "corpus-id": "d1", "score": 1}\n'
                           b'{"query-id": "q1", "corpus-id": "2", "score": 0.5}\n',
        }, beir, _beir_ok),
    ]


TARGETS = {target.name: target for target in _targets()}


# -- one case --------------------------------------------------------------------------------

# errors about a whole text file (nothing found, or fewer rows than promised) have no line
_WHOLE_FILE = ("found none", "holds only", "empty file", "expected WEAT word sets",
               "no split", "cannot read", "expected a JSON list", "expected a JSON object of")


def _write_case(root: Path, target: Target, data: dict[str, bytes], gz: bool) -> Path:
    """Write the case's files under ``root`` (every file, each case: no stale content is
    left, and no folder is removed between cases, which costs more than the parsing)."""
    for name, content in data.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(gzip.compress(content, mtime=0) if gz else content)
    if len(target.seeds) == 1 and "/" not in next(iter(target.seeds)):
        return root / next(iter(target.seeds))
    if target.name == "analogy_folders":
        return root / next(iter(target.seeds))
    return root


def run_case(target: Target, root: Path, data: dict[str, bytes], gz: bool,
             tally: Counter[str]) -> None:
    given_path = _write_case(root, target, data, gz)
    try:
        result = target.read(given_path)
    except LexiplugError as error:
        tally["clean_errors"] += 1
        where = str(error)
        assert str(root) in where, f"{target.name}: error does not name the file: {where}"
        line = getattr(error, "line", None)
        if target.text and not gz and line is None:
            assert any(s in where for s in _WHOLE_FILE), (
                f"{target.name}: error about a text file names no line: {where}"
            )
        return
    except Exception as error:
        tally["other_exceptions"] += 1
        raise AssertionError(f"{target.name}: {type(error).__name__} escaped: {error}") from error
    tally["loaded"] += 1
    target.check(result)


def fuzz(target: Target, cases: int, tmp_root: Path) -> Counter[str]:
    tally: Counter[str] = Counter()
    names = sorted(target.seeds)
    # per case: which file to damage, its new bytes, and (single files) whether to gzip it
    case = st.tuples(
        st.sampled_from(names).flatmap(lambda n: st.tuples(st.just(n),
                                                            mutated(target.seeds[n]))),
        st.booleans() if target.may_gzip else st.just(False),
    )

    @settings(max_examples=cases, derandomize=True, deadline=None, database=None,
              suppress_health_check=list(HealthCheck), print_blob=True)
    @given(case)
    def check(one: tuple[tuple[str, bytes], bool]) -> None:
        (name, content), gz = one
        tally["cases"] += 1
        run_case(target, tmp_root / "case", {**target.seeds, name: content}, gz, tally)

    check()
    report = os.environ.get("LEXIPLUG_FUZZ_REPORT")
    if report:
        with open(report, "a", encoding="utf-8") as handle:
            handle.write(json.dumps({"reader": target.name, **tally}) + "\n")
    return tally


@pytest.fixture
def fuzz_root(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_reader_survives_fuzzing(name: str, fuzz_root: Path) -> None:
    tally = fuzz(TARGETS[name], CASES, fuzz_root)
    assert tally["other_exceptions"] == 0
    assert tally["cases"] >= min(CASES, 50)


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(TARGETS))
def test_reader_survives_long_fuzzing(name: str, fuzz_root: Path) -> None:
    tally = fuzz(TARGETS[name], max(CASES, SLOW_CASES), fuzz_root)
    assert tally["other_exceptions"] == 0


def test_seeds_are_valid(fuzz_root: Path) -> None:
    """The unmutated seeds load and pass their checks (else the fuzz measures nothing)."""
    for target in TARGETS.values():
        tally: Counter[str] = Counter()
        run_case(target, fuzz_root / target.name, dict(target.seeds), False, tally)
        assert tally["loaded"] == 1, target.name
