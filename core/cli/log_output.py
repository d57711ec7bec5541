"""How CLI commands show log records: each warning once, and not twice beside a result.

Evaluators both log a warning and keep it on their ``Result`` (so reports show it next to the
score). A study logs the same dataset warning for every row it scores, and ``lexiplug
evaluate`` prints the kept copy under the score, so without these helpers the terminal
repeats each warning.
"""

from __future__ import annotations

import contextlib
import logging
import sys
from collections.abc import Iterator
from typing import Any


class FirstTimeOnly(logging.Filter):
    """Drops a warning (or worse) whose text was already shown; other records pass."""

    def __init__(self) -> None:
        super().__init__()
        self._shown: set[tuple[int, str]] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.WARNING:
            return True
        key = (record.levelno, record.getMessage())
        if key in self._shown:
            return False
        self._shown.add(key)
        return True


class _CurrentStderr(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is now, so a command run in-process (tests, a
    notebook) leaves no handler holding a stream that was swapped out and closed."""

    def __init__(self) -> None:
        logging.Handler.__init__(self)

    @property  # type: ignore[override]
    def stream(self) -> Any:
        return sys.stderr


def configure_command_logging(level: int) -> logging.Handler:
    """Log to stderr as bare messages at ``level``, each warning once; returns the handler."""
    handler = _CurrentStderr()
    handler.setFormatter(logging.Formatter("%(message)s"))
    handler.addFilter(FirstTimeOnly())
    logging.basicConfig(level=level, handlers=[handler], force=True)
    return handler


@contextlib.contextmanager
def collected_warnings() -> Iterator[list[str]]:
    """Collect the text of warnings logged inside the block instead of printing them.

    The caller prints what it collected, once, after dropping what it shows elsewhere.
    """
    messages: list[str] = []

    class _Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            message = record.getMessage()
            if message not in messages:
                messages.append(message)

    root = logging.getLogger()
    handler = _Collect(level=logging.WARNING)
    saved_handlers, saved_level = root.handlers[:], root.level
    root.handlers = [handler]
    root.setLevel(min(saved_level, logging.WARNING) if saved_level else logging.WARNING)
    try:
        yield messages
    finally:
        root.handlers, root.level = saved_handlers, saved_level
