"""``--section.key value`` config overrides, as spaCy's CLI takes them."""

from __future__ import annotations

import json
from typing import Any

from ..errors import ConfigError


def parse_overrides(args: list[str]) -> dict[str, Any]:
    """Turn ``["--embedders.glove.dim", "50", "--study.seed=3"]`` into a dotted-key dict.

    Values are parsed as JSON where possible (numbers, booleans, lists), else kept as strings.
    """
    overrides: dict[str, Any] = {}
    index = 0
    while index < len(args):
        arg = args[index]
        if not arg.startswith("--") or "." not in arg:
            raise ConfigError(
                f"unexpected argument {arg!r}: overrides look like --section.key value",
                where="command line",
            )
        key = arg[2:]
        if "=" in key:
            key, raw = key.split("=", 1)
        else:
            if index + 1 >= len(args) or args[index + 1].startswith("--"):
                raise ConfigError(f"override {arg!r} has no value", where="command line")
            index += 1
            raw = args[index]
        overrides[key.replace("-", "_")] = _parse_value(raw)
        index += 1
    return overrides


def _parse_value(raw: str) -> Any:
    try:
        return json.loads(raw)
    except json.JSONDecodeError:
        return raw
