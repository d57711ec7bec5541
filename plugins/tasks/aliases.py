"""Old command names kept for one release: the same command under a help line that says so.

``lexiplug redact`` and ``lexiplug diedat check`` became ``lexiplug task redact`` and
``lexiplug task check``; the aliases run the very same function, so they cannot drift.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any


def deprecated_alias(command: Callable[..., Any], new_name: str) -> Callable[..., Any]:
    """``command`` under a help line naming its new name (typer reads the wrapped
    signature, so options and arguments stay identical)."""

    @functools.wraps(command)
    def alias(*args: Any, **kwargs: Any) -> Any:
        return command(*args, **kwargs)

    alias.__doc__ = (f"Deprecated alias of `lexiplug task {new_name}`, kept for one release: "
                     f"{(command.__doc__ or '').strip().splitlines()[0]}")
    return alias
