"""Finding corpus files and reading their lines: folders, globs, ``.gz``/``.bz2``, strict UTF-8.

Lines are decoded one at a time so a bad byte is reported with its file and line number
instead of surfacing as a ``UnicodeDecodeError`` deep inside a trainer.
"""

from __future__ import annotations

import bz2
import glob
import gzip
import hashlib
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import IO

from ..errors import DataNotFoundError, FormatError

PathLike = str | Path
CORPUS_SUFFIXES = (".txt", ".gz", ".bz2", ".jsonl", ".conllu", ".cor", ".tok", ".raw")
_GLOB_CHARS = set("*?[")


def _as_list(paths: PathLike | Sequence[PathLike]) -> list[PathLike]:
    if isinstance(paths, (str, Path)):
        return [paths]
    return list(paths)


def expand_paths(paths: PathLike | Sequence[PathLike], *, pattern: str = "*") -> list[Path]:
    """Files named by ``paths``: files as given, folders by ``pattern`` (sorted), globs expanded.

    Raises :class:`DataNotFoundError` for a path that does not exist or a glob/folder that
    matches no file, so a typo is never an empty corpus.
    """
    files: list[Path] = []
    for entry in _as_list(paths):
        text = str(entry)
        if _GLOB_CHARS & set(text):
            matches = sorted(Path(m) for m in glob.glob(text, recursive=True))
            matches = [m for m in matches if m.is_file()]
            if not matches:
                raise DataNotFoundError(f"the glob {text!r} matches no file")
            files.extend(matches)
            continue
        path = Path(entry).expanduser()
        if path.is_dir():
            matches = sorted(p for p in path.rglob(pattern) if p.is_file())
            matches = [p for p in matches if not p.name.startswith(".")]
            if not matches:
                raise DataNotFoundError(
                    f"the folder holds no file matching {pattern!r}", where=str(path)
                )
            files.extend(matches)
        elif path.is_file():
            files.append(path)
        else:
            raise DataNotFoundError(
                "expected a corpus file, folder or glob; nothing exists there", where=str(path)
            )
    return files


def open_binary(path: Path) -> IO[bytes]:
    """Open ``path`` for reading bytes, decompressing ``.gz`` and ``.bz2`` transparently."""
    suffix = path.suffix.lower()
    if suffix == ".gz":
        return gzip.open(path, "rb")  # type: ignore[return-value]
    if suffix == ".bz2":
        return bz2.open(path, "rb")
    return open(path, "rb")


def iter_lines(path: Path) -> Iterator[tuple[int, str]]:
    """Yield ``(line_number, text)`` for each line of ``path`` (1-based, newline stripped).

    Raises :class:`FormatError` naming file and line at the first byte sequence that is not
    UTF-8; a leading byte-order mark is dropped.
    """
    try:
        handle = open_binary(path)
    except OSError as error:
        raise DataNotFoundError(f"cannot open corpus file: {error}", where=str(path)) from error
    with handle:
        try:
            for number, raw in enumerate(handle, 1):
                try:
                    text = raw.decode("utf-8")
                except UnicodeDecodeError as error:
                    bad = raw[error.start : error.start + 4]
                    source = likely_legacy_encoding(raw)
                    raise FormatError(
                        f"expected UTF-8 text; found byte(s) {bad!r} at column {error.start + 1}"
                        f"{f', which read as {source} text' if source != 'latin1' else ''}"
                        f" (re-encode the file to UTF-8, e.g. `iconv -f {source} -t utf-8`)",
                        path=path,
                        line=number,
                    ) from None
                if number == 1 and text.startswith("\ufeff"):
                    text = text[1:]
                yield number, text.rstrip("\r\n")
        except (OSError, EOFError) as error:  # truncated or corrupt .gz / .bz2
            raise FormatError(f"cannot decompress or read: {error}", path=path) from error


def likely_legacy_encoding(raw: bytes) -> str:
    """``"gb18030"`` when a line that is not UTF-8 decodes as GB18030 to mostly Han text
    (the usual encoding of Chinese files that are not UTF-8: GB2312 and GBK are subsets of
    it), else ``"latin1"``, which decodes anything and is the usual Western culprit."""
    try:
        text = raw.decode("gb18030")
    except UnicodeDecodeError:
        return "latin1"
    from .chinese import is_han

    non_ascii = [char for char in text if ord(char) > 127]
    han = sum(1 for char in non_ascii if is_han(char))
    return "gb18030" if non_ascii and han >= 0.5 * len(non_ascii) else "latin1"


def files_checksum(files: Iterable[Path], options: dict[str, object]) -> str:
    """SHA-256 over each file's name, size and bytes plus the reading options (sorted JSON)."""
    import json

    digest = hashlib.sha256()
    digest.update(json.dumps(options, sort_keys=True, default=str).encode("utf-8"))
    for path in files:
        digest.update(path.name.encode("utf-8"))
        digest.update(str(path.stat().st_size).encode("ascii"))
        with open(path, "rb") as handle:
            while block := handle.read(1 << 20):
                digest.update(block)
    return digest.hexdigest()
