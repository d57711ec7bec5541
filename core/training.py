"""Train one embedder from a config file and save its vectors (``lexiplug train``).

A training config is a study config (docs/studies.md) with one ``[embedders.NAME]`` section,
the ``[corpora.NAME]`` it reads, and an ``[output]`` section (``path``, ``format``,
``checkpoint_dir``). It is read and validated by the same code as ``lexiplug run``
(:mod:`lexiplug.study.config`, :mod:`lexiplug.study.plan`), so there is one way to write a
config and one set of errors. Everything is checked before training starts, and the vectors
are written atomically at the end, so a bad input writes nothing. The config travels with the
vectors (``meta.json`` of the native format, or ``<output>.cfg`` beside a single-file format)
so the run can be repeated.
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path
from typing import Any

from .atomic import atomic_open
from .cli.progress import progress_silenced
from .errors import ConfigError, TrainingError

logger = logging.getLogger(__name__)


def load_training_config(config_path: str | Path, overrides: dict[str, Any] | None = None) -> Any:
    """The study config of ``config_path``, checked to hold one embedder and nothing else."""
    from .study.config import load_study_config

    config = load_study_config(config_path, overrides)
    if len(config.embedders) != 1:
        raise ConfigError(
            f"lexiplug train trains one embedder; the config has {len(config.embedders)} "
            f"({', '.join(config.embedders)}): use lexiplug run to compare several",
            where="embedders",
        )
    for section in ("transforms", "evaluate"):
        if getattr(config, section):
            raise ConfigError(
                f"lexiplug train trains and saves one embedder; [{section}.*] sections belong "
                "to a study: use lexiplug run", where=section,
            )
    return config


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
    checkpoints live in ``[output] checkpoint_dir`` (default: ``.<output name>.checkpoints``
    beside the output) and are removed once the vectors are saved. Embedders that can go on
    training a finished model (word2vec, fastText) leave it in ``<output>.training_state``
    beside the output (``[output] save_state = false`` skips it); ``resume`` then continues
    that model on the config's corpus, new words included.
    """
    from .study.plan import build_plan
    from .study.runner import fit_embedder

    config = load_training_config(config_path, overrides)
    target = output if output is not None else config.output.get("path")
    if not target:
        raise ConfigError("expected an output path: pass --output or set [output] path",
                          where="output.path")
    target = Path(target)
    fmt = format or config.output.get("format") or "native"
    # the config saved with the vectors must name where they went, not where the file said
    config.raw["output"] = {**config.output, "path": str(target), "format": fmt}
    checkpoint_dir = Path(
        config.output.get("checkpoint_dir") or target.parent / f".{target.name}.checkpoints"
    )
    # tqdm's default patched for the block: TQDM_DISABLE is read only when tqdm is imported
    from .engine import use_engine

    with progress_silenced(quiet):
        plan = build_plan(config, quiet=quiet)
        step = next(iter(plan.embedders.values()))
        embedder = step.obj
        _configure_resume(embedder, checkpoint_dir, training_state_dir(target), resume)
        with use_engine(plan.engine.obj if plan.engine is not None else None):
            fitted = fit_embedder(plan, step)
    written = _save(fitted, embedder, target, fmt, _config_text(config.raw))
    if config.output.get("save_state", True) and hasattr(embedder, "save_training_state"):
        embedder.save_training_state(training_state_dir(target))
    if hasattr(embedder, "configure_checkpoints") and checkpoint_dir.exists():
        shutil.rmtree(checkpoint_dir, ignore_errors=True)
    return written


def training_state_dir(output: Path) -> Path:
    """Where a continuable model waits beside its vectors: ``<output>.training_state``."""
    return output.with_name(f"{output.name}.training_state")


def _configure_resume(embedder: Any, checkpoint_dir: Path, state_dir: Path, resume: bool) -> None:
    """Point the embedder at its checkpoints, or at the model a ``--resume`` continues."""
    if hasattr(embedder, "configure_checkpoints"):
        embedder.configure_checkpoints(checkpoint_dir, resume=resume)
    elif resume and hasattr(embedder, "continue_from"):
        if state_dir.is_dir():
            embedder.continue_from(state_dir)
        else:
            logger.warning("no saved model to continue in %s; --resume trains from the start",
                           state_dir)
    elif resume:
        logger.warning("%s does not checkpoint; --resume trains from the start",
                       type(embedder).__name__)


def _config_text(raw: dict[str, Any]) -> str:
    from confection import Config

    return Config(raw).to_str()


def _save(fitted: Any, embedder: Any, target: Path, fmt: str, config: str) -> Path:
    from .vectors import Vectors
    from .vectors.io import save_vectors

    if isinstance(fitted, dict):  # per-slice trainers: one set of vectors per slice
        for name, vectors in fitted.items():
            _save(vectors, None, target / str(name), fmt, config)
        return target
    if not isinstance(fitted, Vectors):
        raise TrainingError(f"expected fit() to return Vectors; got {type(fitted).__name__}")
    fitted.metadata["config"] = config
    written = Path(save_vectors(fitted, target, format=fmt))
    if fmt != "native":
        with atomic_open(written.with_name(written.name + ".cfg"), "w", encoding="utf-8") as fh:
            fh.write(config)
    if embedder is not None and hasattr(embedder, "save_model"):
        # the embedder names what save_model writes: fastText a ".bin" file, the Chinese
        # CWE a "character_model" folder (a folder called model.bin would mislead)
        name = str(getattr(embedder, "saved_model_name", "model.bin"))
        model_path = written / name if written.is_dir() else written.with_name(
            f"{written.name}.{name.rsplit('.', 1)[-1]}"
        )
        embedder.save_model(model_path)
        logger.info("saved the model to %s", model_path)
    return written


__all__ = ["load_training_config", "train_from_config", "training_state_dir"]
