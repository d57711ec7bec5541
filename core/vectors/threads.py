"""Bound the threads BLAS and OpenMP (faiss) may use for one call, so a server process that
answers similarity queries does not take every core of its machine."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from typing import Any

from ..errors import ConfigError


def check_threads(threads: int | None) -> int | None:
    """``threads`` if it is None (no limit) or a positive int; else a ConfigError."""
    if threads is None:
        return None
    if isinstance(threads, bool) or not isinstance(threads, int) or threads < 1:
        raise ConfigError(f"threads must be a positive integer or None, got {threads!r}",
                          where="threads")
    return threads


@contextlib.contextmanager
def bounded_threads(threads: int | None) -> Iterator[None]:
    """Within the block, BLAS and OpenMP pools use at most ``threads`` threads (None: as
    they are). threadpoolctl restores the previous limits on exit, also after an error."""
    if check_threads(threads) is None:
        yield
        return
    with _controller().limit(limits=threads):
        yield


_CONTROLLER: tuple[int, Any] | None = None


def _controller() -> Any:
    """A threadpoolctl controller, rebuilt only after new modules were imported (a new one
    may have loaded a BLAS or OpenMP library): finding the pools costs ~3 ms, which a
    per-query limit must not pay each time (0.5 ms with a kept controller)."""
    global _CONTROLLER
    from threadpoolctl import ThreadpoolController

    if _CONTROLLER is None or _CONTROLLER[0] != len(sys.modules):
        _CONTROLLER = (len(sys.modules), ThreadpoolController())
    return _CONTROLLER[1]
