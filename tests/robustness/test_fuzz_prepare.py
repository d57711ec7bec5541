"""Fuzzing every ``lexiplug task prepare``: malformed files and options end in a LexiplugError.

Each case writes generated input files (valid-looking lines mixed with broken ones, bytes
that are not UTF-8, truncated gzip, out-of-range spans) and generated ``--option`` values,
runs the preparer and accepts exactly two outcomes: it succeeds, or it raises a
``LexiplugError`` whose message renders. Anything else is a crash a user would see as a
traceback. The seed is fixed (``derandomize``); ``LEXIPLUG_FUZZ_CASES`` sets the number of
cases per preparer (default 200); ``LEXIPLUG_FUZZ_REPORT=PATH`` appends the totals as JSON
lines (cases, clean errors, successes) for bench/RESULTS.md.
"""

from __future__ import annotations

import functools
import gzip
import json
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("spacy")
hypothesis = pytest.importorskip("hypothesis")

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from lexiplug.errors import LexiplugError  # noqa: E402

CASES = int(os.environ.get("LEXIPLUG_FUZZ_CASES", "200"))
LONG_CASES = max(CASES, 2000)  # the slow job's campaign size (issue 27)


def fuzz_settings(cases: int) -> settings:
    return settings(max_examples=cases, derandomize=True, deadline=None, database=None,
                    suppress_health_check=list(HealthCheck))


def fuzzed(cases: int, strategies: dict[str, Any], case: Callable[..., None]) -> Any:
    """``case`` as a hypothesis test over ``strategies`` with ``cases`` examples."""
    return fuzz_settings(cases)(given(**strategies)(case))


@pytest.fixture(scope="module", autouse=True)
def cached_blank_pipelines() -> Iterator[None]:
    """``spacy.blank`` costs about a second per call here (entry-point scans); the fuzzed
    code is the reading and checking, so each language's blank pipeline is built once."""
    import spacy

    original = spacy.blank
    spacy.blank = functools.lru_cache(maxsize=None)(original)  # type: ignore[assignment]
    yield
    spacy.blank = original  # type: ignore[assignment]


@pytest.fixture(scope="module", autouse=True)
def no_shared_data(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Inputs the case does not provide must not be found in the real data folder."""
    previous = os.environ.get("LEXIPLUG_DATA")
    os.environ["LEXIPLUG_DATA"] = str(tmp_path_factory.mktemp("no_data"))
    yield
    if previous is None:
        os.environ.pop("LEXIPLUG_DATA", None)
    else:
        os.environ["LEXIPLUG_DATA"] = previous


class Tally:
    """Outcomes of one preparer's cases, reported at the end of its test."""

    def __init__(self, task: str) -> None:
        self.task = task
        self.cases = self.clean_errors = self.successes = 0

    def run(self, call: Callable[[], Any]) -> None:
        self.cases += 1
        try:
            call()
        except LexiplugError as error:
            assert str(error), "a lexiplug error must carry a message"
            self.clean_errors += 1
            return
        self.successes += 1

    def report(self) -> None:
        totals = {"task": self.task, "cases": self.cases, "clean_errors": self.clean_errors,
                  "successes": self.successes, "other_exceptions": 0}
        print(json.dumps(totals))
        target = os.environ.get("LEXIPLUG_FUZZ_REPORT")
        if target:
            with open(target, "a", encoding="utf-8") as handle:
                handle.write(json.dumps(totals) + "\n")


# ---- shared strategies -------------------------------------------------------------------

JSON_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-3, 5),
                         st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=8))
JSON_VALUES = st.recursive(JSON_SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=5), inner, max_size=3)),
    max_leaves=6)
BROKEN_BYTES = st.sampled_from([b"\xff\xfe", b"\x80abc", b"caf\xe9", b"\x00", b"\r", b"\t"])


def line_strategy(good_lines: list[str]) -> st.SearchStrategy[bytes]:
    """One line: a plausible one, random text, or bytes that are not UTF-8."""
    good = st.sampled_from(good_lines).map(str.encode)
    return st.one_of(good, good, good,
                     st.text(max_size=30).map(lambda t: t.encode("utf-8", "surrogatepass")),
                     BROKEN_BYTES)


def file_bytes(good_lines: list[str]) -> st.SearchStrategy[bytes]:
    return st.lists(line_strategy(good_lines), max_size=12).map(lambda ls: b"\n".join(ls))


def write(path: Path, data: bytes, gzipped: bool, truncate: bool) -> Path:
    if gzipped:
        data = gzip.compress(data)
        if truncate:
            data = data[: max(1, len(data) // 2)]
    path.write_bytes(data)
    return path


def one_file_case(task: str, prepare: Callable[..., Any], name: str, content: bytes,
                  truncate: bool, options: dict) -> None:
    """Run ``prepare`` on one generated source file in a fresh folder and tally it."""
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        source = write(root / name, content, name.endswith(".gz"), truncate)
        if isinstance(options.get("dev_output"), str):
            options["dev_output"] = str(root / options["dev_output"])
        TALLIES[task].run(lambda: prepare([source], root / "out.spacy", **options))


def options_strategy(known: dict[str, st.SearchStrategy[Any]]) -> st.SearchStrategy[dict]:
    """Known options with plausible (mostly) or arbitrary JSON values, sometimes an unknown
    one."""
    keyed = {name: st.one_of(values, values, values, JSON_VALUES)
             for name, values in known.items()}
    unknown = st.dictionaries(st.just("windw"), JSON_VALUES, max_size=1)
    return st.tuples(st.fixed_dictionaries({}, optional=keyed),
                     st.one_of(st.just({}), st.just({}), st.just({}), unknown)
                     ).map(lambda pair: {**pair[0], **pair[1]})


# ---- die_dat -----------------------------------------------------------------------------

CONLLU_LINES = [
    "# sent_id = 1", "1\tHet\thet\tDET\t_\t_\t2\tdet\t_\t_",
    "2\thuis\thuis\tNOUN\t_\t_\t0\troot\t_\t_", "3\tdat\tdat\tPRON\t_\t_\t2\tacl\t_\t_",
    "3\tdie\tdie\tXX\t_\t_\t2\tacl\t_\t_", "1-2\tvan de\t_\t_\t_\t_\t_\t_\t_\t_",
    "x\tdie\tdie\tPRON\t_\t_\t2\tacl\t_\t_", "1\tdie", "",
]
TEXT_LINES = ["Het huis dat ik kocht.", "De man die daar loopt.", "die dat DIE Dat", "",
              "   ", "geen doelwoord hier"]


DIE_DAT_INPUTS: dict[str, Any] = dict(
    kind=st.sampled_from([".conllu", ".txt", ".txt.gz"]), data=st.data(),
    options=options_strategy({
        "sentences_per_doc": st.integers(-1, 4), "dev_fraction": st.floats(-0.5, 1.5),
        "seed": st.integers(-2, 3), "dev_output": st.just("dev.spacy"),
        "pos_tagger": st.just("no_tagger_here")}),
    truncate=st.booleans())


def die_dat_case(kind: str, data: st.DataObject, options: dict,
                              truncate: bool) -> None:
    from lexiplug.plugins.tasks.die_dat.prepare import prepare

    lines = CONLLU_LINES if kind == ".conllu" else TEXT_LINES
    one_file_case("die_dat", prepare, f"input{kind}", data.draw(file_bytes(lines)), truncate,
                  options)


# ---- pii ---------------------------------------------------------------------------------

PRESIDIO_SPAN = st.fixed_dictionaries({}, optional={
    "entity_type": st.one_of(st.sampled_from(["PERSON", "EMAIL_ADDRESS", "IP_ADDRESS", "X"]),
                             JSON_SCALARS),
    "start_position": st.one_of(st.integers(-3, 40), JSON_SCALARS),
    "end_position": st.one_of(st.integers(-3, 40), JSON_SCALARS),
})
PRESIDIO_RECORD = st.one_of(
    st.fixed_dictionaries({"full_text": st.one_of(st.text(max_size=30), JSON_SCALARS),
                           "spans": st.one_of(st.lists(PRESIDIO_SPAN, max_size=3), JSON_VALUES)},
                          optional={"template_id": JSON_VALUES}),
    JSON_VALUES,
)
CONLL_TAG_LINES = ["@user\tO", "Jan\tB-person", "Smit\tI-person", "Paris\tB-LOC", "x\tB-",
                   "y\tZ", "\tO", "word", "a\tb\tc", ""]
VALID_RECORD = {"full_text": "Mail Jan at jan@example.com", "template_id": 1,
                "spans": [{"entity_type": "PERSON", "start_position": 5, "end_position": 8}]}


def pii_root(root: Path, presidio: bytes, conll: bytes, broken: str, gzipped: bool) -> None:
    """A complete ``pii/`` data folder with one file replaced by fuzzed bytes."""
    from lexiplug.plugins.tasks.pii.prepare import BTC_FILES, PRESIDIO_FILE, WNUT17_FILES

    good_records = [dict(VALID_RECORD, template_id=i) for i in range(3)]
    files = {PRESIDIO_FILE: json.dumps(good_records).encode()}
    for relative in [*WNUT17_FILES.values(), *BTC_FILES.values()]:
        files[relative] = b"Jan\tB-person\nis\tO\n\n@bob\tO\nhi\tO\n"
    files[broken] = presidio if broken == PRESIDIO_FILE else conll
    for relative, content in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        write(path, content, gzipped and relative == broken, truncate=False)


PII_INPUTS: dict[str, Any] = dict(
    which=st.sampled_from(["presidio", "presidio", "wnut17", "btc"]),
    records=st.lists(PRESIDIO_RECORD, max_size=4), raw=st.booleans(),
    conll=file_bytes(CONLL_TAG_LINES), junk=BROKEN_BYTES, gzipped=st.booleans(),
    options=options_strategy({
        "n_generated": st.integers(-1, 2), "test_fraction": st.floats(-0.5, 1.5),
        "seed": st.integers(-2, 3), "spans_key": st.sampled_from(["pii", ""])}))


def pii_case(which: str, records: list, raw: bool, conll: bytes, junk: bytes,
                          gzipped: bool, options: dict) -> None:
    from lexiplug.plugins.tasks.pii.prepare import BTC_FILES, PRESIDIO_FILE, WNUT17_FILES, prepare

    broken = {"presidio": PRESIDIO_FILE, "wnut17": WNUT17_FILES["train"],
              "btc": BTC_FILES["dev"]}[which]
    presidio = json.dumps(records).encode()
    if raw:  # cut JSON or bytes that are no UTF-8
        presidio = presidio[: len(presidio) // 2] + junk
    options.setdefault("n_generated", 0)  # Faker posts are generator output, not input
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        pii_root(root / "data", presidio, conll, broken, gzipped)
        TALLIES["pii"].run(lambda: prepare([root / "data"], root / "out", **options))


# ---- phenotype ---------------------------------------------------------------------------

CSV_LINES = ['text,site,patient', '"Invasive ductal carcinoma, left breast",breast,p1',
             "Adenocarcinoma of the colon,colon,p2", '"unterminated,colon,p3',
             "only text", "too,many,cells,here", "[not available],,p4", ""]
JSONL_LINES = ['{"text": "Carcinoma of the lung", "site": "lung", "patient": "p1"}',
               '{"text": "", "site": "lung"}', '{"text": 3, "site": null, "patient": [1]}',
               '[1, 2]', '{"text": "x"', '{"site": "colon", "patient": "p9"}', ""]


PHENOTYPE_INPUTS: dict[str, Any] = dict(
    kind=st.sampled_from([".csv", ".jsonl", ".jsonl.gz", ".csv.gz"]), data=st.data(),
    truncate=st.booleans(),
    options=options_strategy({
        "labels": st.sampled_from(["site", "site,patient", "", ["site"], "nosuch"]),
        "text_column": st.sampled_from(["text", "nosuch"]),
        "group_column": st.sampled_from(["patient", "nosuch"]),
        "dev_output": st.just("dev.spacy"), "dev_fraction": st.floats(-0.5, 1.5),
        "seed": st.integers(-2, 3), "lang": st.sampled_from(["en", "xx", "zz"]),
        "separator": st.sampled_from(["=", ""]), "generate": st.integers(-1, 1)}))


def phenotype_case(kind: str, data: st.DataObject, truncate: bool,
                                options: dict) -> None:
    from lexiplug.plugins.tasks.phenotype.prepare import prepare

    content = data.draw(file_bytes(CSV_LINES if kind.startswith(".csv") else JSONL_LINES))
    one_file_case("phenotype", prepare, f"reports{kind}", content, truncate, options)


test_fuzz_prepare_die_dat = fuzzed(CASES, DIE_DAT_INPUTS, die_dat_case)
test_fuzz_prepare_pii = fuzzed(CASES, PII_INPUTS, pii_case)
test_fuzz_prepare_phenotype = fuzzed(CASES, PHENOTYPE_INPUTS, phenotype_case)
# the slow job's campaign: >= 2,000 cases per preparer
test_long_fuzz_prepare_die_dat = pytest.mark.slow(fuzzed(LONG_CASES, DIE_DAT_INPUTS, die_dat_case))
test_long_fuzz_prepare_pii = pytest.mark.slow(fuzzed(LONG_CASES, PII_INPUTS, pii_case))
test_long_fuzz_prepare_phenotype = pytest.mark.slow(
    fuzzed(LONG_CASES, PHENOTYPE_INPUTS, phenotype_case))

TALLIES = {task: Tally(task) for task in ("die_dat", "pii", "phenotype")}


@pytest.fixture(scope="module", autouse=True)
def report_totals() -> Iterator[None]:
    yield
    for tally in TALLIES.values():
        if tally.cases:
            tally.report()
