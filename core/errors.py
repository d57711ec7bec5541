"""One error family, so callers can catch everything lexiplug raises about bad input.

Every error carries a stable ``code`` (for scripts and tests) and says what was expected,
what was found and where (``file:line`` or ``section.key``).
"""

from __future__ import annotations

from pathlib import Path


class LexiplugError(Exception):
    """Base class: a problem with the user's input, data, config or environment."""

    code = "E000"

    def __init__(self, message: str, *, where: str | None = None) -> None:
        self.message = message
        self.where = where
        prefix = f"[{self.code}] {where}: " if where else f"[{self.code}] "
        super().__init__(prefix + message)

    def __reduce__(self) -> tuple[object, ...]:
        # Pickled as it is (class, text, fields): an error raised in a worker process (Ray,
        # multiprocessing) reaches the caller whole, not re-built from its text alone.
        return (_rebuilt, (type(self), str(self), dict(self.__dict__)))


def _rebuilt(cls: type[LexiplugError], text: str, state: dict[str, object]) -> LexiplugError:
    error = cls.__new__(cls)
    Exception.__init__(error, text)
    error.__dict__.update(state)
    return error


class FormatError(LexiplugError, ValueError):
    """A file does not hold what its format promises."""

    code = "E100"

    def __init__(
        self, message: str, *, path: str | Path | None = None, line: int | None = None
    ) -> None:
        self.path = None if path is None else str(path)
        self.line = line
        where = None
        if self.path is not None:
            where = f"{self.path}:{line}" if line is not None else self.path
        super().__init__(message, where=where)


class ConfigError(LexiplugError, ValueError):
    """A config value is missing, has the wrong type, or names something unknown."""

    code = "E200"


class RegistryError(ConfigError, KeyError):
    """A registered name was not found; the message lists what is available."""

    code = "E201"

    def __str__(self) -> str:  # KeyError would repr() the message otherwise
        return Exception.__str__(self)


class DataNotFoundError(LexiplugError, FileNotFoundError):
    """A dataset or file could not be found where we looked."""

    code = "E300"


class OOVError(LexiplugError, KeyError):
    """A word is not in the vocabulary and the OOV policy is ``error``."""

    code = "E400"

    def __str__(self) -> str:
        return Exception.__str__(self)


class TrainingError(LexiplugError, RuntimeError):
    """Training cannot proceed with these inputs (empty corpus, nothing above min_count...)."""

    code = "E500"


class EngineError(LexiplugError, RuntimeError):
    """The execution engine cannot run the work (cluster unreachable, a shard lost for good)."""

    code = "E600"


def require_one_of(value: object, choices: tuple[object, ...], key: str) -> None:
    """A ConfigError naming only the argument ``key`` unless ``value`` is one of ``choices``:
    whoever resolves the config block adds its path, so the location is never doubled."""
    if value not in choices:
        raise ConfigError(f"{key} must be one of {choices}, got {value!r}", where=key)
