"""Shard functions that fail on purpose, importable by Ray workers (tests/ is on their path)."""

from __future__ import annotations

import os
from pathlib import Path

from lexiplug.corpus.cooccurrence import count_sentence_range
from lexiplug.errors import LexiplugError


def count_or_die(bounds, *, ids, offsets, spec, marker: str, victim):
    """Count a shard; the worker counting ``victim`` dies the first time (no cleanup, no
    exception: the process is gone, as after an OOM kill)."""
    if tuple(bounds) == tuple(victim) and not Path(marker).exists():
        Path(marker).write_text("killed")
        os._exit(1)
    return count_sentence_range(bounds, ids=ids, offsets=offsets, spec=spec)


class ShardFileMissing(LexiplugError):
    code = "E601"


def read_shard(index: int, *, folder: str) -> int:
    path = Path(folder) / f"shard-{index}.txt"
    if index == 2:
        raise ShardFileMissing(f"shard file {path} was removed while the run was going")
    return index


def add(left: int, right: int) -> int:
    return left + right
