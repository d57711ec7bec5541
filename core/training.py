"""Train one embedder from a config file and save its vectors (``lexiplug train``).

A training config has a ``[corpus]`` section (``@corpora = ...``), an ``[embedder]`` section
(``@embedders = ...``) and an optional ``[output]`` section (``path``, ``format``) and
``[training]`` section (``checkpoint_dir``). Everything is resolved and validated before
training starts, and the vectors are written atomically at the end, so a bad input writes
nothing. The resolved config travels with the vectors (``meta.json`` of the native format,
or ``<output>.cfg`` beside a single-file format) so the run can be repeated.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .atomic import atomic_open
from .errors import ConfigError, DataNotFoundError, TrainingError

logger = logging.getLogger(__name__)

REQUIRED_SECTIONS = ("corpus", "embedder")


def load_training_config(config_path: str | Path, overrides: dict[str, Any] | None = None) -> Any:
    """The confection Config of ``config_path`` with ``section.key`` overrides applied."""
    from confection import Config, ConfigValidationError

    path = Path(config_path)
    if not path.is_file():
        raise DataNotFoundError(f"config file {path} does not exist", where=str(path))
    try:
        config = Config().from_disk(path, overrides=dict(overrides or {}))
    except ConfigValidationError as error:
        raise ConfigError(_validation_message(error), where=str(path)) from None
    except Exception as error:  # confection raises several plain errors for bad syntax
        raise ConfigError(f"cannot parse the config: {error}", where=str(path)) from None
    missing = [name for name in REQUIRED_SECTIONS if name not in config]
    if missing:
        raise ConfigError(
            f"expected sections [{'], ['.join(REQUIRED_SECTIONS)}]; missing "
            f"[{'], ['.join(missing)}]", where=str(path),
        )
    return config


def resolve_training_objects(config: Any, where: str) -> tuple[Any, Any]:
    """Build the corpus and the embedder through the lexiplug registries."""
    from confection import ConfigValidationError

    from .registry import config_registry

    registry: Any = config_registry()
    try:
        resolved = registry.resolve({name: config[name] for name in REQUIRED_SECTIONS})
    except ConfigValidationError as error:
        raise ConfigError(_validation_message(error), where=where) from None
    embedder = resolved["embedder"]
    if not callable(getattr(embedder, "fit", None)):
        raise ConfigError(
            f"expected an embedder with fit(corpus); {type(embedder).__name__} has none",
            where="embedder.@embedders",
        )
    return resolved["corpus"], embedder


def train_from_config(
    config_path: str | Path,
    overrides: dict[str, Any] | None = None,
    output: Path | None = None,
    format: str | None = None,
    resume: bool = False,
    quiet: bool = False,
) -> Path:
    """Train the config's embedder on its corpus; save the vectors; return where they went.

    ``output`` and ``format`` override ``[output] path`` / ``format`` (default ``native``).
    ``resume`` continues from the last checkpoint for embedders that checkpoint (GloVe);
    checkpoints live in ``[training] checkpoint_dir`` (default: ``.<output name>.checkpoints``
    beside the output) and are removed once the vectors are saved.
    """
    config = load_training_config(config_path, overrides)
    output_section = dict(config.get("output", {}))
    target = output if output is not None else output_section.get("path")
    if not target:
        raise ConfigError("expected an output path: pass --output or set [output] path",
                          where="output.path")
    target = Path(target)
    fmt = format or output_section.get("format") or "native"
    # the config saved with the vectors must name where they went, not where the file said
    config["output"] = {**output_section, "path": str(target), "format": fmt}
    training_section = dict(config.get("training", {}))
    checkpoint_dir = Path(
        training_section.get("checkpoint_dir")
        or target.parent / f".{target.name}.checkpoints"
    )
    with _quiet_progress(quiet):
        corpus, embedder = resolve_training_objects(config, where=str(config_path))
        if hasattr(embedder, "progress"):
            embedder.progress = not quiet
        if hasattr(embedder, "configure_checkpoints"):
            embedder.configure_checkpoints(checkpoint_dir, resume=resume)
        elif resume:
            logger.warning("%s does not checkpoint; --resume trains from the start",
                           type(embedder).__name__)
        fitted = embedder.fit(corpus)
    written = _save(fitted, embedder, target, fmt, config)
    if hasattr(embedder, "configure_checkpoints") and checkpoint_dir.exists():
        shutil.rmtree(checkpoint_dir, ignore_errors=True)
    return written


def _save(fitted: Any, embedder: Any, target: Path, fmt: str, config: Any) -> Path:
    from .vectors import Vectors
    from .vectors.io import save_vectors

    if isinstance(fitted, dict):  # per-slice trainers: one set of vectors per slice
        for name, vectors in fitted.items():
            _save(vectors, None, target / str(name), fmt, config)
        return target
    if not isinstance(fitted, Vectors):
        raise TrainingError(f"expected fit() to return Vectors; got {type(fitted).__name__}")
    fitted.metadata["config"] = config.to_str()
    written = Path(save_vectors(fitted, target, format=fmt))
    if fmt != "native":
        with atomic_open(written.with_name(written.name + ".cfg"), "w", encoding="utf-8") as fh:
            fh.write(config.to_str())
    if embedder is not None and hasattr(embedder, "save_model"):
        model_path = written / "model.bin" if written.is_dir() else written.with_name(
            written.name + ".bin"
        )
        embedder.save_model(model_path)
        logger.info("saved the subword model to %s", model_path)
    return written


@contextlib.contextmanager
def _quiet_progress(quiet: bool) -> Iterator[None]:
    """``TQDM_DISABLE=1`` silences every tqdm bar, including those of other libraries."""
    if not quiet:
        yield
        return
    previous = os.environ.get("TQDM_DISABLE")
    os.environ["TQDM_DISABLE"] = "1"
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop("TQDM_DISABLE", None)
        else:
            os.environ["TQDM_DISABLE"] = previous


def _validation_message(error: Exception) -> str:
    errors = getattr(error, "errors", None) or []
    parts = []
    for item in errors:
        location = ".".join(str(part) for part in item.get("loc", ()))
        parts.append(f"{location}: {item.get('msg', '')}")
    title = getattr(error, "title", None) or "invalid config"
    return f"{title}: {'; '.join(parts)}" if parts else str(error)


__all__ = ["load_training_config", "resolve_training_objects", "train_from_config"]
