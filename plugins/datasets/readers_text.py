"""Reading dataset files as text or JSON, with every fault a FormatError naming file:line.

Each dataset reader starts here, so undecodable bytes, unreadable files, JSON nested past
Python's recursion limit and numbers beyond float range are reported the same way
everywhere instead of escaping as UnicodeDecodeError, RecursionError or OverflowError.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from lexiplug.errors import FormatError


def read_text(path: Path, encoding: str = "utf-8") -> str:
    """The file's text; undecodable bytes are reported with the line they sit on."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise FormatError(f"cannot read the file ({error.strerror or error})", path=path) from None
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as error:
        raise FormatError(
            f"expected {encoding} text, found undecodable bytes ({error.reason} at byte "
            f"{error.start})", path=path, line=data[: error.start].count(b"\n") + 1,
        ) from None


def parse_json(text: str, path: Path, line: int | None = None) -> Any:
    """``json.loads(text)``; ``line`` is the number of the text's first line (JSON lines)."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        where = error.lineno if line is None else line + error.lineno - 1
        raise FormatError(f"expected JSON, {error.msg} (column {error.colno})", path=path,
                          line=where) from None
    except RecursionError:
        raise FormatError("expected JSON, found arrays or objects nested too deeply", path=path,
                          line=line) from None


def load_json(path: Path) -> Any:
    """A whole JSON file."""
    return parse_json(read_text(path), path)


def finite_number(value: Any, what: str, path: Path, line: int | None = None) -> float:
    """``value`` (a JSON number, or a numeric string) as a finite float, else a FormatError."""
    if isinstance(value, bool):
        number = math.nan
    else:
        try:
            number = float(value)
        except (TypeError, ValueError, OverflowError):
            number = math.nan
    if not math.isfinite(number):
        raise FormatError(f"expected {what} to be a finite number, found {str(value)[:40]!r}",
                          path=path, line=line)
    return number
