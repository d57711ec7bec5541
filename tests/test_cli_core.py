"""CLI plumbing that does not depend on any plugin: overrides, error boundary, help."""

from __future__ import annotations

import pytest
from lexiplug.cli.main import app
from lexiplug.cli.overrides import parse_overrides
from lexiplug.errors import ConfigError
from typer.testing import CliRunner


def test_overrides_parse_values_and_both_spellings() -> None:
    parsed = parse_overrides(
        ["--embedders.glove.dim", "50", "--study.seed=3", "--corpora.g.lowercase", "true",
         "--embedders.glove.name", "glove-small", "--evaluate.sim.datasets", '["ws353","men"]']
    )
    assert parsed == {
        "embedders.glove.dim": 50, "study.seed": 3, "corpora.g.lowercase": True,
        "embedders.glove.name": "glove-small", "evaluate.sim.datasets": ["ws353", "men"],
    }


@pytest.mark.parametrize("args", [["--nodot", "1"], ["positional"], ["--a.b"]])
def test_bad_overrides_name_the_argument(args: list[str]) -> None:
    with pytest.raises(ConfigError) as info:
        parse_overrides(args)
    assert args[0] in str(info.value)


def test_help_lists_the_built_in_commands() -> None:
    result = CliRunner().invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("run", "train", "evaluate", "plugins", "data", "vectors"):
        assert command in result.output


def test_missing_vectors_file_is_one_clear_error(tmp_path) -> None:
    missing = tmp_path / "nope.txt"
    result = CliRunner().invoke(app, ["vectors", "info", str(missing)])
    assert result.exit_code == 1
    assert "error:" in result.output and "nope.txt" in result.output
    assert "Traceback" not in result.output
