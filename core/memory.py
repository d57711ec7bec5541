"""Give memory that a training loop has freed back to the operating system.

Why: glibc's ``malloc`` keeps freed blocks in its arenas instead of returning them, and a
torch model fed batches of changing shapes fragments those arenas, so a process's resident
memory climbs although its live data does not. The die/dat multitask model on long legal
paragraphs grew ~6-8 MB per update (a 200k-instance run was OOM-killed at 8.7 GB after step
1,104, live data ~0.5 GB); ``malloc_trim(0)`` every few updates kept the same loop at
0.44-0.54 GB over 200 updates, where it otherwise reached 1.6 GB
(``bench/results/die_dat.md``). Only glibc has ``malloc_trim``; elsewhere this does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import platform
from typing import Any


@functools.cache
def _glibc() -> Any | None:
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return None
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        libc = ctypes.CDLL(name)
        return libc if hasattr(libc, "malloc_trim") else None
    except OSError:
        return None


def release_freed_memory() -> bool:
    """Return the free pages of the C heap to the OS (glibc ``malloc_trim(0)``); True when
    it ran. Costs a walk of the heap (well under a millisecond to a few ms): call it every
    few training updates, not per allocation."""
    libc = _glibc()
    if libc is None:
        return False
    libc.malloc_trim(0)
    return True


__all__ = ["release_freed_memory"]
