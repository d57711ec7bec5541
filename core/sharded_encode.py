"""Encode text files with a registered encoder into sharded ``.npy`` files, on any engine.

Millions of sentences do not fit one process's patience: the input files are cut into shards
of ``shard_lines`` lines, each shard is encoded by a worker that loaded the encoder once
(:meth:`lexiplug.contracts.Engine.map_with_state`: a Ray Data actor pool on
``lexiplug.ray.v1``, this process on the local engine) and written atomically as
``shard-NNNNN.npy`` (rows), ``shard-NNNNN.lines.npy`` (the 1-based input line of each row)
and, last, ``shard-NNNNN.json``. A shard whose ``.json`` exists is finished: a rerun after a
crash skips it. ``index.json`` is written when every shard is there, so a folder with an index
is complete. Empty lines are not encoded (there is nothing to encode); the line numbers say
which rows came from where.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from .atomic import atomic_open
from .errors import ConfigError, DataNotFoundError, FormatError

INDEX_VERSION = 1


@dataclass(frozen=True)
class TextShard:
    """Lines ``start`` to ``stop - 1`` (0-based) of one input file."""

    index: int
    path: str
    start: int
    stop: int


def plan_shards(inputs: Sequence[str | Path], shard_lines: int) -> list[TextShard]:
    """The shards of ``inputs``, in input order; each input's lines are counted once."""
    if isinstance(shard_lines, bool) or not isinstance(shard_lines, int) or shard_lines < 1:
        raise ConfigError(f"expected a positive number of lines; found {shard_lines!r}",
                          where="shard_lines")
    if not inputs:
        raise ConfigError("expected at least one input file", where="inputs")
    shards: list[TextShard] = []
    for name in inputs:
        path = Path(name)
        if not path.is_file():
            raise DataNotFoundError(f"input file {str(path)!r} does not exist")
        with path.open("rb") as handle:
            n_lines = sum(1 for _ in handle)
        for start in range(0, n_lines, shard_lines):
            shards.append(TextShard(len(shards), str(path.resolve()), start,
                                    min(start + shard_lines, n_lines)))
    return shards


def encode_files(
    encoder: str,
    settings: Mapping[str, Any],
    inputs: Sequence[str | Path],
    output: str | Path,
    *,
    shard_lines: int = 10_000,
    text_field: str = "text",
    engine: Any = None,
) -> Path:
    """Encode every non-empty line of ``inputs`` (``.jsonl``: the ``text_field`` of each
    object; anything else: the line) with ``registry.encoders.get(encoder)(**settings)``;
    returns ``output/index.json``. ``engine`` defaults to the engine in force."""
    from .engine import current_engine

    engine = engine if engine is not None else current_engine()
    output = Path(output)
    _check_settings(encoder, settings)
    shards = plan_shards(inputs, shard_lines)
    plan = {"version": INDEX_VERSION, "encoder": encoder, "settings": dict(settings),
            "text_field": text_field, "shards": [asdict(s) for s in shards],
            "inputs": [_fingerprint(Path(s)) for s in dict.fromkeys(s.path for s in shards)]}
    _claim(output, plan)
    todo = [shard for shard in shards if not (output / f"{_stem(shard)}.json").exists()]
    if todo:
        engine.map_with_state(
            partial(build_encoder, encoder, dict(settings)),
            partial(encode_shard, output=str(output), text_field=text_field),
            todo, desc="encoding shards",
        )
    records = []
    for shard in shards:
        marker = output / f"{_stem(shard)}.json"
        if not marker.exists():
            raise FormatError(f"shard {shard.index} was not written (its worker failed?); "
                              "run again to finish the missing shards", path=marker)
        records.append(json.loads(marker.read_text(encoding="utf-8")))
    dims = {r["dim"] for r in records if r["rows"]}
    index = {"version": INDEX_VERSION, "encoder": encoder, "rows": sum(r["rows"] for r in records),
             "dim": dims.pop() if len(dims) == 1 else None, "shards": records}
    target = output / "index.json"
    with atomic_open(target, "w", encoding="utf-8") as handle:
        json.dump(index, handle, indent=1)
    return target


def load_encoded(folder: str | Path) -> tuple[np.ndarray, list[tuple[str, int]]]:
    """All rows of a finished ``encode_files`` folder and, per row, (input file, line)."""
    folder = Path(folder)
    index_path = folder / "index.json"
    if not index_path.exists():
        raise FormatError("no index.json: the encoding did not finish (run it again)",
                          path=folder)
    index = json.loads(index_path.read_text(encoding="utf-8"))
    arrays: list[np.ndarray] = []
    origins: list[tuple[str, int]] = []
    for record in index["shards"]:
        arrays.append(np.load(folder / record["file"], allow_pickle=False))
        lines = np.load(folder / record["lines"], allow_pickle=False)
        origins.extend((record["path"], int(line)) for line in lines)
    matrix = np.concatenate(arrays) if arrays else np.zeros((0, 0), dtype=np.float32)
    return matrix, origins


def build_encoder(name: str, settings: dict[str, Any]) -> Any:
    """A worker's encoder, built once per worker from its registered name and settings."""
    from .registry import registry

    return registry.encoders.get(name)(**settings)


def encode_shard(encoder: Any, shard: TextShard, *, output: str, text_field: str
                 ) -> dict[str, Any]:
    """Encode one shard and write it; idempotent (a retried shard overwrites atomically)."""
    texts, lines = [], []
    for number, text in _read_lines(Path(shard.path), shard.start, shard.stop, text_field):
        if text.strip():
            texts.append(text)
            lines.append(number)
    vectors = (np.asarray(encoder.encode_texts(texts), dtype=np.float32) if texts
               else np.zeros((0, 0), dtype=np.float32))
    folder = Path(output)
    stem = _stem(shard)
    with atomic_open(folder / f"{stem}.npy", "wb") as handle:
        np.save(handle, vectors, allow_pickle=False)
    with atomic_open(folder / f"{stem}.lines.npy", "wb") as handle:
        np.save(handle, np.asarray(lines, dtype=np.int64), allow_pickle=False)
    record = {**asdict(shard), "file": f"{stem}.npy", "lines": f"{stem}.lines.npy",
              "rows": len(texts), "dim": int(vectors.shape[1]) if texts else None}
    with atomic_open(folder / f"{stem}.json", "w", encoding="utf-8") as handle:
        json.dump(record, handle)
    return record


def _read_lines(path: Path, start: int, stop: int, text_field: str
                ) -> Iterator[tuple[int, str]]:
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        raise DataNotFoundError(f"input file {str(path)!r} was removed while the encoding "
                                "was running") from None
    jsonl = path.suffix == ".jsonl"
    with handle:
        for number, raw in enumerate(handle):
            if number < start:
                continue
            if number >= stop:
                break
            try:
                line = raw.decode("utf-8").rstrip("\r\n")
            except UnicodeDecodeError as error:
                raise FormatError(f"not UTF-8 ({error.reason} at byte {error.start})",
                                  path=path, line=number + 1) from None
            if jsonl and line.strip():
                line = _jsonl_text(line, text_field, path, number + 1)
            yield number + 1, line


def _jsonl_text(line: str, field: str, path: Path, number: int) -> str:
    try:
        record = json.loads(line)
    except json.JSONDecodeError as error:
        raise FormatError(f"not a JSON object ({error.msg})", path=path, line=number) from None
    text = record.get(field) if isinstance(record, dict) else None
    if not isinstance(text, str):
        raise FormatError(f"expected a string field {field!r}", path=path, line=number)
    return text


def _check_settings(encoder: str, settings: Mapping[str, Any]) -> None:
    """Unknown settings fail here, before any worker loads a model (and fails per shard)."""
    import inspect

    from .registry import registry

    factory = registry.encoders.get(encoder)
    parameters = inspect.signature(factory).parameters.values()
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters):
        return
    known = [p.name for p in parameters]
    for key in settings:
        if key not in known:
            raise ConfigError(f"{encoder} takes no setting {key!r}; it takes "
                              f"{', '.join(known)}", where=f"settings.{key}")


def _stem(shard: TextShard) -> str:
    return f"shard-{shard.index:05d}"


def _fingerprint(path: Path) -> dict[str, Any]:
    stat = path.stat()
    return {"path": str(path), "bytes": stat.st_size, "mtime_ns": stat.st_mtime_ns}


def _claim(output: Path, plan: dict[str, Any]) -> None:
    """Start or resume ``output``: a folder holding another plan's shards is refused, since
    mixing them would give rows from two encoders or two versions of the inputs."""
    output.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256(json.dumps(plan, sort_keys=True).encode()).hexdigest()
    marker = output / "plan.json"
    if marker.exists():
        previous = json.loads(marker.read_text(encoding="utf-8"))
        if previous.get("digest") != digest:
            raise ConfigError(f"{str(output)!r} holds shards of another encoding (other "
                              "inputs, encoder or settings); choose an empty folder",
                              where="output")
        return
    with atomic_open(marker, "w", encoding="utf-8") as handle:
        json.dump({"digest": digest, **plan}, handle, indent=1)
