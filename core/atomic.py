"""Atomic writes: a reader never sees a half-written file, a crash never leaves one.

Every temporary name carries the writer's PID (``.NAME.lxp-<pid>-<token>.tmp``; a folder's
previous copy waits as ``.NAME.lxp-<pid>-<token>.old``), which gives three guarantees:

- **Concurrent writers** of one target never share a temporary or backup name, and a folder
  replace that loses a race to another writer retries and, failing that, keeps the other
  writer's complete copy (both hold the same content wherever a name is a content key, as in
  the study cache).
- **Crash litter** is cleaned on the next write to the same folder: temporaries whose writer
  is dead are removed; never those of a live writer.
- **A stranded previous copy** (a crash between a folder replace's two renames leaves no target
  and the old copy in ``.NAME...old``) is put back by :func:`recover` (called by every write,
  and available to readers) and reported in the log.

Files and folders are created the way ``open()`` and ``mkdir`` create them, so they get the
caller's umask (or the replaced file's own mode), not ``mkstemp``'s owner-only 0600/0700.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import re
import secrets
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

logger = logging.getLogger(__name__)

_MARK = "lxp"
_LITTER = re.compile(rf"^\.(?P<name>.+)\.{_MARK}-(?P<pid>\d+)-[0-9a-f]+\.(?P<kind>tmp|old)$")
_REPLACE_ATTEMPTS = 20


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; rename it over ``path`` on success."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    clean_stale(target.parent)
    tmp = _temp_name(target, "tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)  # umask applies, as open()
    os.close(fd)
    try:
        yield tmp
        _keep_mode(target, tmp)
        _fsync_file(tmp)
        os.replace(tmp, target)
        _fsync_dir(target.parent)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


@contextlib.contextmanager
def atomic_open(path: str | Path, mode: str = "w", **kwargs: Any) -> Iterator[IO[Any]]:
    """Open a temporary file for writing; it replaces ``path`` only if the block succeeds."""
    with atomic_path(path) as tmp, open(tmp, mode, **kwargs) as handle:
        yield handle
        handle.flush()
        os.fsync(handle.fileno())


@contextlib.contextmanager
def atomic_dir(path: str | Path) -> Iterator[Path]:
    """Yield a temporary folder that replaces the folder ``path`` on success."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    clean_stale(target.parent)  # also puts back a stranded previous copy of ``target``
    tmp = _temp_name(target, "tmp")
    os.mkdir(tmp, 0o777)  # umask applies, as mkdir
    try:
        yield tmp
        _keep_mode(target, tmp)
        for file in tmp.rglob("*"):
            if file.is_file() and not file.is_symlink():
                _fsync_file(file)
        _replace_dir(tmp, target)
        _fsync_dir(target.parent)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def recover(path: str | Path) -> Path | None:
    """Put back a previous copy stranded by a crash mid-replace; return it, or ``None``.

    Only when ``path`` is absent and the backup's writer is dead: a live writer's backup is
    about to be removed by that writer. Several stranded copies: the newest returns.
    """
    target = Path(path)
    if target.exists() or not target.parent.is_dir():
        return None
    stranded = [
        entry for entry, _, kind, pid in _litter(target.parent, target.name)
        if kind == "old" and not _alive(pid)
    ]
    for backup in sorted(stranded, key=_mtime, reverse=True):
        try:
            os.rename(backup, target)
        except OSError:  # another process restored or replaced it first
            continue
        logger.warning("restored %s from %s, left by a save that was interrupted",
                       target, backup.name)
        return target
    return None


def clean_stale(folder: str | Path) -> list[Path]:
    """Remove temporaries and backups in ``folder`` whose writing process is dead.

    A dead writer's backup whose target is absent is restored first (:func:`recover`).
    Returns what was removed.
    """
    directory = Path(folder)
    if not directory.is_dir():
        return []
    removed = []
    for entry, name, kind, pid in _litter(directory):
        if _alive(pid):
            continue
        if kind == "old":
            recover(directory / name)
        if entry.exists():  # not the copy recover() just put back
            _remove(entry)
            removed.append(entry)
    if removed:
        logger.info("removed %d temporary file(s) left in %s by interrupted saves",
                    len(removed), directory)
    return removed


# -- helpers ------------------------------------------------------------------------------


def _temp_name(target: Path, kind: str) -> Path:
    token = secrets.token_hex(4)
    return target.with_name(f".{target.name}.{_MARK}-{os.getpid()}-{token}.{kind}")


def _replace_dir(tmp: Path, target: Path) -> None:
    """Move ``tmp`` to ``target``, moving a present ``target`` aside first.

    A directory cannot be renamed over a non-empty one, so a replace is two renames; between
    them another writer may put its own copy in place. Then we move that one aside too and
    retry, and if the race keeps being lost, the other writer's complete copy stays.
    """
    for attempt in range(_REPLACE_ATTEMPTS):
        backup = None
        if target.exists():
            backup = _temp_name(target, "old")
            try:
                os.rename(target, backup)
            except FileNotFoundError:  # another writer moved it aside: try again
                continue
        try:
            os.rename(tmp, target)
        except OSError as error:
            if error.errno not in (errno.ENOTEMPTY, errno.EEXIST, errno.EISDIR):
                raise
            if backup is not None:  # keep the old copy if nobody else's is in place
                with contextlib.suppress(OSError):
                    os.rename(backup, target)
                _remove(backup)
            time.sleep(0.001 * (attempt + 1))
            continue
        if backup is not None:
            _remove(backup)
        return
    logger.info("%s was replaced concurrently by another writer; keeping its copy", target)


def _litter(folder: Path, name: str | None = None) -> list[tuple[Path, str, str, int]]:
    """``(path, target name, "tmp" or "old", writer pid)`` of our temporaries in ``folder``."""
    prefix = "." if name is None else f".{name}.{_MARK}-"
    found = []
    with contextlib.suppress(OSError), os.scandir(folder) as entries:
        for entry in entries:
            if not entry.name.startswith(prefix):
                continue
            match = _LITTER.match(entry.name)
            if match and (name is None or match["name"] == name):
                found.append((Path(entry.path), match["name"], match["kind"], int(match["pid"])))
    return found


def _alive(pid: int) -> bool:
    if pid == os.getpid() or os.name == "nt":  # Windows' os.kill would end the process
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's live process
        return True
    return True


def _keep_mode(target: Path, tmp: Path) -> None:
    """A replaced file keeps its mode, as writing into it with ``open()`` would."""
    with contextlib.suppress(FileNotFoundError):
        os.chmod(tmp, target.stat().st_mode & 0o7777)


def _fsync_file(path: Path) -> None:
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


def _remove(path: Path) -> None:
    """Best effort: litter another user owns, or that vanished meanwhile, is left alone."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(OSError):
            path.unlink()
