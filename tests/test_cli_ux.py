"""Regression tests for what a new user of the CLI tripped over (issue 15, defects 7, 8, 11-13).

Output that depends on logging is checked in a subprocess: pytest installs its own log
handlers, which would hide a warning printed twice by the real command.
"""

from __future__ import annotations

import importlib.metadata
import inspect
import json
import logging
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import typer
from lexiplug.cli import progress, run_cmd
from lexiplug.cli.log_output import configure_command_logging
from lexiplug.cli.main import app
from lexiplug.cli.plugin_help import entry_point_help
from lexiplug.errors import FormatError
from lexiplug.vectors import Vectors
from typer.testing import CliRunner

from tests.helpers import write_random_vectors

runner = CliRunner()
WORDS = ["king", "queen", "man", "woman", "tiger", "cat", "car", "bus", "love", "sex"]


def lexiplug(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The real console command, as a user runs it."""
    return subprocess.run(
        [sys.executable, "-m", "lexiplug.cli.main", *args], capture_output=True, text=True,
        env={**os.environ, **(env or {})}, timeout=300,
    )


@pytest.fixture
def vectors_file(tmp_path: Path) -> Path:
    return write_random_vectors(tmp_path / "vecs.txt", WORDS)


@pytest.mark.parametrize("as_json", [True, False])
def test_vectors_info_names_the_detected_format(vectors_file: Path, as_json: bool) -> None:
    result = runner.invoke(app, ["vectors", "info", str(vectors_file),
                                 "--json" if as_json else "--no-json"])
    assert result.exit_code == 0, result.output
    if as_json:
        assert json.loads(result.stdout)["format"] == "word2vec-text"
    else:
        assert "format       word2vec-text" in result.stdout
        assert "auto" not in result.stdout


def test_run_declares_its_options_once_and_names_the_real_default_folder() -> None:
    [command] = [c for c in app.registered_commands if c.name == "run"]
    assert inspect.unwrap(command.callback) is run_cmd.run
    result = runner.invoke(app, ["run", "--help"])
    assert result.exit_code == 0
    help_text = " ".join(result.stdout.split())
    assert "runs/<study name>/" in help_text and "config name" not in help_text


def _command_helps(command: Any, path: list[str]) -> list[tuple[list[str], str]]:
    helps = [(path, runner.invoke(app, [*path, "--help"]).stdout)]
    for name, sub in getattr(command, "commands", {}).items():  # a group's subcommands
        helps += _command_helps(sub, [*path, name])
    return helps


def test_flags_render_as_flags_in_every_built_in_help() -> None:
    helps = _command_helps(typer.main.get_command(app), [])
    assert len(helps) > 8
    for path, text in helps:
        assert "Usage:" in text, path
        assert "<bool>" not in text, f"lexiplug {' '.join(path)} --help:\n{text}"


def test_json_flags_take_their_negative_form(vectors_file: Path) -> None:
    plain = runner.invoke(app, ["vectors", "query", str(vectors_file), "king", "--no-json"])
    as_json = runner.invoke(app, ["vectors", "query", str(vectors_file), "king", "--json"])
    assert plain.exit_code == 0 and as_json.exit_code == 0, plain.output + as_json.output
    assert json.loads(as_json.stdout)[0]["word"] in WORDS
    with pytest.raises(json.JSONDecodeError):
        json.loads(plain.stdout)


def test_version_prints_the_installed_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == f"lexiplug {importlib.metadata.version('lexiplug')}"


def test_evaluate_prints_each_warning_once(vectors_file: Path) -> None:
    completed = lexiplug("evaluate", str(vectors_file), "--datasets", "ws353_gensim")
    assert completed.returncode == 0, completed.stderr
    both = completed.stdout + completed.stderr
    assert both.count("low coverage") == 1, both


@pytest.mark.slow
def test_evaluate_json_keeps_stdout_parseable_and_warns_once_on_stderr(
    vectors_file: Path,
) -> None:
    completed = lexiplug("evaluate", str(vectors_file), "-d", "ws353_gensim", "--json")
    assert completed.returncode == 0, completed.stderr
    [scored] = json.loads(completed.stdout)
    assert any("low coverage" in w for w in scored["warnings"])
    assert completed.stderr.count("low coverage") == 1, completed.stderr


def test_command_logging_shows_a_repeated_warning_once(capsys: pytest.CaptureFixture) -> None:
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        configure_command_logging(logging.INFO)
        log = logging.getLogger("lexiplug.test_cli_ux")
        for _ in range(3):  # one per study row
            log.warning("ws353: low coverage")
            log.info("row fitted")
        log.warning("simlex999: low coverage")
    finally:
        root.handlers, root.level = saved
    err = capsys.readouterr().err
    assert err.count("ws353: low coverage") == 1 and err.count("simlex999") == 1
    assert err.count("row fitted") == 3  # progress lines are not warnings: all kept


@pytest.mark.slow
def test_run_prints_a_dataset_warning_once_for_all_rows(tmp_path: Path) -> None:
    config = tmp_path / "tiny.cfg"
    rows = "".join(
        f"""
        [embedders.{name}]
        @embedders = "lexiplug.ppmi_svd.v1"
        corpus = "lee"
        vector_size = 20
        window = {window}
        min_count = 2
        """ for name, window in (("narrow", 2), ("wide", 5))
    )
    config.write_text(textwrap.dedent(f"""
        [study]
        name = "tiny"

        [corpora.lee]
        @corpora = "lexiplug.gensim_corpus.v1"
        filename = "lee_background.cor"
        lowercase = true
        {rows}
        [evaluate.similarity]
        @evaluators = "lexiplug.similarity.v1"
        datasets = ["ws353_gensim"]
        bootstrap = 50
        """), encoding="utf-8")
    completed = lexiplug("run", str(config), "--output", str(tmp_path / "out"))
    assert completed.returncode == 0, completed.stderr
    assert "2 rows" in completed.stdout
    assert completed.stderr.count("ws353_gensim: low coverage") == 1, completed.stderr


def test_data_list_labels_each_root_and_has_column_headers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("LEXIPLUG_DATA", raising=False)
    result = runner.invoke(app, ["data", "list"])
    assert result.exit_code == 0, result.output
    assert "LEXIPLUG_DATA first" not in result.stdout
    assert "LEXIPLUG_DATA: not set" in result.stdout
    assert "beside the repository:" in result.stdout
    header = next(line for line in result.stdout.splitlines() if line.startswith("name"))
    assert header.split() == ["name", "kind", "found", "where"]


def test_data_list_credits_lexiplug_data_with_its_own_folders(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
) -> None:
    monkeypatch.setenv("LEXIPLUG_DATA", str(tmp_path))
    result = runner.invoke(app, ["data", "list"])
    assert f"LEXIPLUG_DATA: {tmp_path}" in result.stdout
    assert "not set" not in result.stdout


def test_gensim_keyedvectors_pickle_points_to_from_gensim(tmp_path: Path) -> None:
    from gensim.models import KeyedVectors

    keyed = KeyedVectors(4)
    keyed.add_vectors(["a", "b"], np.ones((2, 4), dtype=np.float32))
    path = tmp_path / "model.kv"
    keyed.save(str(path))
    with pytest.raises(FormatError) as info:
        Vectors.load(path)
    message = str(info.value)
    assert "KeyedVectors.load" in message and "from_gensim" in message
    assert str(path) in message


def test_train_records_the_output_actually_used(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text("the cat sat on the mat\nthe dog sat on the log\n" * 20,
                                  encoding="utf-8")
    config = tmp_path / "train.cfg"
    config.write_text(textwrap.dedent(f"""
        [corpora.text]
        @corpora = "lexiplug.text_files.v1"
        paths = "{corpus}"
        pattern = "*.txt"

        [embedders.ppmi]
        @embedders = "lexiplug.ppmi_svd.v1"
        corpus = "text"
        vector_size = 3
        window = 2
        min_count = 1

        [output]
        path = "{tmp_path / 'from_config'}"
        format = "native"
        """), encoding="utf-8")
    used = tmp_path / "elsewhere"
    result = runner.invoke(app, ["train", str(config), "--output", str(used), "--quiet"])
    assert result.exit_code == 0, result.output
    assert not (tmp_path / "from_config").exists()
    meta = json.loads((used / "meta.json").read_text(encoding="utf-8"))
    saved_config = meta["metadata"]["config"]
    assert f'path = "{used}"' in saved_config
    assert "from_config" not in saved_config


def test_plugin_commands_show_their_own_help_line() -> None:
    completed = lexiplug("--help")
    assert completed.returncode == 0, completed.stderr
    listing = " ".join(completed.stdout.split())
    assert "Plugin command from" not in listing
    entry_points = importlib.metadata.entry_points(group="lexiplug_cli")
    assert entry_points, "lexiplug's own plugin commands are missing: reinstall with pip -e"
    for entry_point in entry_points:
        help_line = entry_point_help(entry_point)
        assert help_line, entry_point.value
        assert f"{entry_point.name} {help_line[:20]}" in listing, (entry_point, listing)


def test_plugin_help_is_read_without_importing_the_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    module = tmp_path / "cliux_probe_plugin.py"
    module.write_text(textwrap.dedent('''
        """Module docstring."""
        raise RuntimeError("importing the command module is not allowed")

        def fit(path: str) -> None:
            """Fit things on PATH.

            More detail that --help's list leaves out.
            """

        group = typer.Typer(help="A group of probe commands.")
        '''), encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))

    def help_of(value: str) -> str | None:
        return entry_point_help(importlib.metadata.EntryPoint("x", value, "lexiplug_cli"))

    assert help_of("cliux_probe_plugin:fit") == "Fit things on PATH."
    assert help_of("cliux_probe_plugin:group") == "A group of probe commands."
    assert help_of("cliux_probe_plugin") == "Module docstring."
    assert help_of("cliux_probe_plugin:missing") is None
    assert help_of("no_such_module_cliux:fit") is None
    broken = tmp_path / "cliux_broken_package"
    broken.mkdir()
    (broken / "__init__.py").write_text("raise RuntimeError('broken on purpose')\n")
    (broken / "cli.py").write_text('def fit() -> None:\n    """Never listed."""\n')
    assert help_of("cliux_broken_package.cli:fit") is None
    assert "cliux_probe_plugin" not in sys.modules


def test_evaluate_shows_progress_unless_quiet(
    vectors_file: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(progress, "BAR_DELAY_S", 0.0)  # as if every step were slow
    args = ["evaluate", str(vectors_file), "-d", "ws353_gensim,simlex999_gensim"]
    shown = runner.invoke(app, args)
    quiet = runner.invoke(app, [*args, "--quiet"])
    assert shown.exit_code == 0 and quiet.exit_code == 0, shown.output + quiet.output
    assert "evaluating" in shown.stderr and "/2 [" in shown.stderr
    assert "evaluating" not in quiet.stderr
    from tqdm import tqdm

    assert not tqdm(range(2), delay=0).disable  # --quiet does not leak into later work


@pytest.mark.parametrize("command", [["vectors", "info"], ["vectors", "query"],
                                     ["vectors", "convert"]])
def test_reading_a_vectors_file_names_it_on_a_terminal(
    vectors_file: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, command: list[str],
) -> None:
    # rich's spinner thread may not draw a frame before a small file is read, so record the
    # status messages rich is asked to show instead of racing its refresh thread
    from rich.console import Console

    shown: list[str] = []
    real_status = Console.status

    def recording_status(self: Console, status: object, *args: object, **kwargs: object):
        shown.append(str(status))
        return real_status(self, status, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Console, "status", recording_status)
    monkeypatch.setenv("FORCE_COLOR", "1")  # rich treats stderr as a terminal
    extra = {"info": [], "query": ["king"],
             "convert": [str(tmp_path / "out.bin"), "--to", "word2vec-binary"]}[command[1]]
    result = runner.invoke(app, [*command, str(vectors_file), *extra])
    assert result.exit_code == 0, result.output
    assert any("reading" in m and vectors_file.name in m for m in shown), shown
    monkeypatch.delenv("FORCE_COLOR")
    shown.clear()
    plain = runner.invoke(app, [*command, str(vectors_file), *extra])
    assert not shown and "reading" not in plain.stderr  # piped output stays clean


def test_help_with_plugin_lines_imports_no_heavy_library() -> None:
    probe = textwrap.dedent("""
        import sys
        from lexiplug.cli.main import main
        try:
            main(["--help"])
        except SystemExit:
            pass
        heavy = ("spacy", "torch", "gensim", "transformers", "thinc", "numpy", "sklearn")
        print("HEAVY:", ",".join(m for m in heavy if m in sys.modules))
        """)
    completed = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                               timeout=120)
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip().splitlines()[-1] == "HEAVY:", completed.stdout


def test_flags_render_as_flags_in_plugin_command_help() -> None:
    probe = textwrap.dedent("""
        import importlib.metadata, typer
        from typer.testing import CliRunner
        from lexiplug.cli.main import _mount, app

        for ep in importlib.metadata.entry_points(group="lexiplug_cli"):
            _mount(ep.load(), ep.name)

        def walk(command, path):
            yield path
            for name, sub in getattr(command, "commands", {}).items():
                yield from walk(sub, [*path, name])

        for path in walk(typer.main.get_command(app), []):
            text = CliRunner().invoke(app, [*path, "--help"]).stdout
            assert "Usage:" in text, path
            if "<bool>" in text:
                print("BOOL:", " ".join(path))
        print("DONE")
        """)
    completed = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                               timeout=120)
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip().splitlines() == ["DONE"], completed.stdout


def test_missing_file_is_a_clear_error_on_a_terminal_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FORCE_COLOR", "1")  # the spinner path
    result = runner.invoke(app, ["vectors", "info", str(tmp_path / "nope.txt")])
    assert result.exit_code == 1
    assert "error:" in result.stderr and "nope.txt" in result.stderr


def test_quiet_training_silences_an_already_imported_tqdm() -> None:
    import io

    from lexiplug.cli.progress import progress_silenced  # what `lexiplug train -q` runs under
    from tqdm import tqdm

    stream = io.StringIO()
    with progress_silenced(True):
        for _ in tqdm(range(3), file=stream, mininterval=0):
            pass
    assert stream.getvalue() == ""
    for _ in tqdm(range(3), file=stream, mininterval=0):  # restored afterwards
        pass
    assert "3/3" in stream.getvalue()
