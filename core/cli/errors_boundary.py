"""Turn lexiplug's errors into one clear line and exit code 1 instead of a traceback."""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from typing import Any, TypeVar

from ..errors import LexiplugError

F = TypeVar("F", bound=Callable[..., Any])


def user_errors(func: F) -> F:
    """Print a LexiplugError as ``error: ...`` and exit 1 (``LEXIPLUG_DEBUG=1`` re-raises)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except LexiplugError as error:
            if os.environ.get("LEXIPLUG_DEBUG"):
                raise
            print(f"error: {error}", file=sys.stderr)
            raise SystemExit(1) from None

    return wrapper  # type: ignore[return-value]
