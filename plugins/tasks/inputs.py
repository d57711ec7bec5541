"""Checked inputs of every ``lexiplug task prepare``: source paths, text lines and options.

One rule for every task: a source that exists as written is used as is, any other is looked
up through the data resolver (``core/data/resolver.py``), so ``ud_dutch/...`` works from any
folder once ``LEXIPLUG_DATA`` is set. Options arrive from ``--option KEY=VALUE`` as JSON or
plain strings, so each preparer checks names and types before it reads anything: a wrong
option is a :class:`ConfigError` naming it, never a ``TypeError`` from deep inside.
"""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from lexiplug.errors import ConfigError, DataNotFoundError, FormatError


def resolve_source(source: str | Path, task: str, *, allow_folder: bool = False) -> Path:
    """``source`` as written when that file (or, with ``allow_folder``, folder) exists, else
    through the data resolver."""
    path = Path(source)
    if path.is_file() or (allow_folder and path.is_dir()):
        return path
    if path.exists():
        raise FormatError("expected a file, found a folder", path=str(path))
    from lexiplug.data.resolver import resolve_data_path

    try:
        found = resolve_data_path(path, what=f"task prepare {task} source")
    except DataNotFoundError:
        raise DataNotFoundError(
            f"source {str(path)!r} is neither a file here nor found through the data "
            "resolver (set LEXIPLUG_DATA to the folder that holds it)",
            where=f"task prepare {task}") from None
    if not (found.is_file() or (allow_folder and found.is_dir())):
        raise FormatError("expected a file, found a folder", path=str(found))
    return found


def text_lines(path: Path, handle: Iterable[bytes], *, keep_crlf: bool = False
               ) -> Iterator[str]:
    """The lines of a binary ``handle`` decoded one by one, so undecodable bytes or a broken
    gzip stream become a :class:`FormatError` naming the file and the exact line. Lines
    keep their ``\n``; ``\r\n`` becomes ``\n`` unless ``keep_crlf`` (the csv module wants
    the raw line ends)."""
    number = 0
    iterator = iter(handle)
    while True:
        try:
            raw = next(iterator)
        except StopIteration:
            return
        except (gzip.BadGzipFile, EOFError, zlib.error) as error:
            raise FormatError(f"expected a complete gzip file ({error})", path=str(path),
                              line=number + 1) from None
        number += 1
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as error:
            raise FormatError(f"expected UTF-8 text ({error.reason})", path=str(path),
                              line=number) from None
        if not keep_crlf and line.endswith("\r\n"):
            line = line[:-2] + "\n"
        yield line


def open_binary(path: Path) -> Any:
    """A binary handle on ``path``; ``*.gz`` files are decompressed on the fly."""
    try:
        if path.name.endswith(".gz"):
            return gzip.open(path, "rb")
        return open(path, "rb")
    except OSError as error:
        raise FormatError(f"cannot read the file ({error.strerror or error})",
                          path=str(path)) from None


def read_text(path: Path) -> str:
    """The whole UTF-8 (or gzipped UTF-8) text of ``path``, as a clean error when it is not."""
    with open_binary(path) as handle:
        return "".join(text_lines(path, handle))


def reject_unknown(task: str, unknown: Mapping[str, Any], known: Sequence[str]) -> None:
    if unknown:
        raise ConfigError(f"unknown option(s) {sorted(unknown)}; {task} takes "
                          f"{', '.join(known)}", where=f"task prepare {task} --option")


def integer_option(value: Any, name: str, minimum: int | None = None) -> int:
    """``value`` as an int (JSON numbers only: ``true`` and ``2.5`` are refused)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(f"expected an integer, found {value!r}", where=name)
    if minimum is not None and value < minimum:
        raise ConfigError(f"expected an integer >= {minimum}, found {value}", where=name)
    return value


def fraction_option(value: Any, name: str, *, allow_zero: bool = False) -> float:
    """``value`` as a float in (0, 1), or [0, 1) with ``allow_zero``."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(f"expected a number, found {value!r}", where=name)
    low_ok = value >= 0.0 if allow_zero else value > 0.0
    if not (low_ok and value < 1.0):
        interval = "[0, 1)" if allow_zero else "(0, 1)"
        raise ConfigError(f"expected a fraction in {interval}, found {value!r}", where=name)
    return float(value)


def flag_option(value: Any, name: str) -> bool:
    """``value`` as a bool (JSON ``true``/``false`` only: ``1`` or ``"yes"`` are refused)."""
    if not isinstance(value, bool):
        raise ConfigError(f"expected true or false, found {value!r}", where=name)
    return value


def text_option(value: Any, name: str) -> str:
    if not isinstance(value, str) or not value:
        raise ConfigError(f"expected a non-empty string, found {value!r}", where=name)
    return value


def path_option(value: Any, name: str) -> Path:
    if isinstance(value, Path):
        return value
    return Path(text_option(value, name))
