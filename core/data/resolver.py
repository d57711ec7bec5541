"""The data resolver: ``LEXIPLUG_DATA``, then ``../shared/data`` beside the repository.

Data is never copied into the repository; every reader finds its files through
:func:`resolve_data_path`, so one environment variable points a whole run at another copy.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Sequence
from pathlib import Path

from ..errors import DataNotFoundError

DATA_ENV = "LEXIPLUG_DATA"


def _repository_root() -> Path:
    # core/data/resolver.py -> core/ -> repository root (editable or source checkout)
    return Path(__file__).resolve().parents[2]


def data_roots() -> list[Path]:
    """Folders searched for data, in order: each entry of ``LEXIPLUG_DATA``, then
    ``../shared/data`` next to the repository root."""
    return [root for _, root in labelled_data_roots()]


def labelled_data_roots() -> list[tuple[str, Path]]:
    """:func:`data_roots` with where each came from (``LEXIPLUG_DATA`` or the repository),
    so listings never credit the environment variable with a folder it did not name."""
    env = os.environ.get(DATA_ENV, "")
    roots = [(DATA_ENV, Path(part).expanduser()) for part in env.split(os.pathsep)
             if part.strip()]
    roots.append(("beside the repository", _repository_root().parent / "shared" / "data"))
    return roots


def gensim_data_dir() -> Path | None:
    """gensim's bundled test data folder, found without importing gensim."""
    spec = importlib.util.find_spec("gensim")
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations))) / "test" / "test_data"
    return folder if folder.is_dir() else None


def resolve_data_path(
    relative: str | Path, *, what: str | None = None, extra_roots: Sequence[str | Path] = ()
) -> Path:
    """The first existing ``root / relative`` over ``extra_roots``, then :func:`data_roots`.

    Raises :class:`DataNotFoundError` naming every place looked at and how to point
    lexiplug at the data.
    """
    relative = Path(relative)
    if relative.is_absolute():
        if relative.exists():
            return relative
        raise DataNotFoundError(f"{relative} does not exist", where=what)
    looked = []
    for root in [*(Path(r) for r in extra_roots), *data_roots()]:
        candidate = root / relative
        if candidate.exists():
            return candidate
        looked.append(str(candidate))
    label = f"dataset {what!r}" if what else str(relative)
    raise DataNotFoundError(
        f"Could not find {label}. Looked in: {'; '.join(looked)}. Set {DATA_ENV} to the folder "
        f"that holds {relative.parts[0]}/ (several folders separated by {os.pathsep!r}).",
        where=what,
    )


def data_available(relative: str | Path) -> bool:
    """True when :func:`resolve_data_path` would find ``relative``."""
    try:
        resolve_data_path(relative)
    except DataNotFoundError:
        return False
    return True
