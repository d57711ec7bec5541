"""Feedback for CLI work that can take longer than a few seconds.

Bars come from tqdm (the library's own loops use it too) and appear only after
``delay`` seconds, so quick commands print nothing extra. ``--quiet`` must silence every bar,
ours and other libraries'; tqdm reads ``TQDM_DISABLE`` once, when it is imported, so setting
the variable later does nothing and :func:`progress_silenced` applies the same default at
run time instead. Reading a vectors file has no steps to count, so it gets a spinner that
names the file.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, TypeVar
from unittest import mock

T = TypeVar("T")

BAR_DELAY_S = 2.0


@contextlib.contextmanager
def progress_silenced(quiet: bool) -> Iterator[None]:
    """Inside the block, with ``quiet``, tqdm bars default to disabled (restored afterwards).

    The same partial ``__init__`` that ``TQDM_DISABLE=1`` at import would install; a bar
    that passes ``disable=`` itself already follows its caller's quiet setting.
    """
    if not quiet:
        yield
        return
    from tqdm import std

    with mock.patch.object(std.tqdm, "__init__",
                           functools.partialmethod(std.tqdm.__init__, disable=True)):
        yield


def steps(items: Iterable[T], *, desc: str, unit: str, total: int | None = None) -> Any:
    """``items`` wrapped in a tqdm bar on stderr that shows only once work passes the delay."""
    from tqdm.auto import tqdm

    return tqdm(items, desc=desc, unit=unit, total=total, delay=BAR_DELAY_S, leave=False)


@contextlib.contextmanager
def reading(path: Path, quiet: bool = False) -> Iterator[None]:
    """A spinner naming ``path`` and its size while it is read (terminals only)."""
    if not path.exists():  # the reader says so, clearly
        yield
        return
    with spinner(f"reading {path} ({_size(path)})", quiet):
        yield


@contextlib.contextmanager
def spinner(message: str, quiet: bool = False) -> Iterator[None]:
    """``message`` with a spinner on stderr while the block runs; nothing off a terminal."""
    if quiet:
        yield
        return
    from rich.console import Console

    console = Console(stderr=True)
    if not console.is_terminal:
        yield
        return
    with console.status(message):
        yield


def _size(path: Path) -> str:
    files = [p for p in path.rglob("*") if p.is_file()] if path.is_dir() else [path]
    total = float(sum(p.stat().st_size for p in files))
    for unit in ("B", "kB", "MB", "GB"):
        if total < 1000 or unit == "GB":
            return f"{total:.0f} {unit}" if unit == "B" else f"{total:.1f} {unit}"
        total /= 1000
    return f"{total:.1f} GB"
