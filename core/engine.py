"""Where heavy, shardable work runs: the local engine and the engine in force.

A study or ``lexiplug train`` config may name an engine in its ``[engine]`` section
(``@engines = "lexiplug.ray.v1"``); code on a heavy path (co-occurrence counting) asks
:func:`current_engine` and shards its work only when the engine is distributed. Without an
``[engine]`` section the :class:`LocalEngine` is in force and every path runs exactly as it
always has, in this process, without importing any cluster library.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .contracts import Engine


class LocalEngine:
    """Everything in this process, one item after another (``lexiplug.local.v1``)."""

    name = "lexiplug.local.v1"
    distributed = False
    workers = 1

    def map_reduce(
        self,
        function: Callable[..., Any],
        items: Sequence[Any],
        combine: Callable[[Any, Any], Any],
        *,
        shared: Mapping[str, Any] | None = None,
        desc: str = "",
    ) -> Any:
        if not items:
            raise ValueError("map_reduce needs at least one item")
        shared = dict(shared or {})
        result = function(items[0], **shared)
        for item in items[1:]:
            result = combine(result, function(item, **shared))
        return result

    def map_with_state(
        self,
        setup: Callable[[], Any],
        function: Callable[[Any, Any], Any],
        items: Sequence[Any],
        *,
        desc: str = "",
    ) -> list[Any]:
        from tqdm.auto import tqdm

        state = setup()
        return [function(state, item)
                for item in tqdm(items, desc=desc or "shards", unit="shard", disable=None)]

    def close(self) -> None:
        """Nothing to release."""

    def __repr__(self) -> str:
        return "LocalEngine()"


_CURRENT: contextvars.ContextVar[Engine | None] = contextvars.ContextVar(
    "lexiplug_engine", default=None
)


def current_engine() -> Engine:
    """The engine in force (set by :func:`use_engine`), else a :class:`LocalEngine`."""
    engine = _CURRENT.get()
    return engine if engine is not None else LocalEngine()


@contextlib.contextmanager
def use_engine(engine: Engine | None, *, close: bool = True) -> Iterator[Engine]:
    """Make ``engine`` the one in force inside the block and close it on the way out
    (``close=False`` leaves a caller-owned engine, such as a test's cluster, running).
    ``None`` (a config without ``[engine]``) keeps whatever engine is in force."""
    if engine is None:
        yield current_engine()
        return
    token = _CURRENT.set(engine)
    try:
        yield engine
    finally:
        _CURRENT.reset(token)
        if close:
            engine.close()
