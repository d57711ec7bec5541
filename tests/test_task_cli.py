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
        run_preparer("sentiment", [], tmp_path / "out.spacy")


def test_options_parse_as_json_where_possible() -> None:
    assert parse_options(["n_generated=10", "labels=site,grade", "flag=true"]) == {
        "n_generated": 10, "labels": "site,grade", "flag": True,
    }
    with pytest.raises(ConfigError, match="KEY=VALUE"):
        parse_options(["novalue"])
