"""One call to score vectors on the standard word benchmarks.

``evaluate_vectors(vectors)`` scores vectors on every default dataset the data resolver finds
(the built-ins: the English word-similarity sets and the Google analogy set); naming datasets
picks the matching evaluator for each from the dataset's kind. Which datasets are default and
which evaluator scores which kind come from registry metadata, not from names written here.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Iterable, Sequence
from typing import Any

from ..errors import ConfigError, DataNotFoundError
from .result import Result

logger = logging.getLogger(__name__)

# Registry metadata this module reads, so that it names no plugin: an evaluator registered
# with ``dataset_kinds=(...)`` scores single datasets of those kinds; a dataset registered
# with ``default_evaluation=True`` belongs to the default set (in registration order), and one
# with ``stands_in_for=NAME`` is a copy used when NAME's files are not found.
DATASET_KINDS = "dataset_kinds"
DEFAULT_EVALUATION = "default_evaluation"
STANDS_IN_FOR = "stands_in_for"


def evaluator_for_kind() -> dict[str, str]:
    """``{dataset kind: evaluator name}``; the first registered claim of a kind wins."""
    from ..registry import registry

    chosen: dict[str, str] = {}
    for name, kinds in registry.evaluators.with_metadata(DATASET_KINDS).items():
        for kind in kinds:
            if kind in chosen:
                logger.info("evaluator %r also scores %r datasets; %r is used", name, kind,
                            chosen[kind])
            chosen.setdefault(kind, name)
    return chosen


def default_datasets(kinds: Iterable[str] | None = None) -> list[str]:
    """The default datasets of ``kinds`` (default: every kind an evaluator scores) that can be
    found, each at most once."""
    from ..registry import registry

    wanted = set(evaluator_for_kind() if kinds is None else kinds)
    stand_ins: dict[str, list[str]] = {}
    for name, original in registry.datasets.with_metadata(STANDS_IN_FOR).items():
        stand_ins.setdefault(original, []).append(name)
    found = []
    for name, is_default in registry.datasets.with_metadata(DEFAULT_EVALUATION).items():
        if not is_default:
            continue
        for candidate in (name, *stand_ins.get(name, ())):
            spec = registry.datasets.get(candidate)()
            if spec.kind not in wanted:
                break
            if _available(spec):
                found.append(candidate)
                break
        else:
            logger.info("dataset %r not found (set LEXIPLUG_DATA); skipped", name)
    return found


def _available(spec: Any) -> bool:
    try:
        return bool(spec.available())
    except DataNotFoundError:
        return False


def evaluate_vectors(
    vectors: Any, datasets: Sequence[str] | None = None, **options: Any
) -> list[Result]:
    """Score ``vectors`` on ``datasets`` (default: :func:`default_datasets`).

    ``options`` go to every evaluator whose factory accepts them (``case_insensitive``,
    ``restrict_vocab``, ``bootstrap``, ``seed``...); ``similarity={...}`` and
    ``analogy={...}`` hold options for one evaluator only. An option no evaluator accepts is
    a :class:`~lexiplug.errors.ConfigError`.
    """
    from ..registry import registry

    evaluator_names = evaluator_for_kind()
    per_kind = {kind: dict(options.pop(kind, None) or {}) for kind in evaluator_names}
    names = list(datasets) if datasets is not None else default_datasets()
    if not names:
        raise DataNotFoundError(
            "no word-benchmark dataset was found; set LEXIPLUG_DATA to the shared data folder "
            "or name datasets explicitly",
            where="datasets",
        )
    specs = [registry.datasets.get(name)() for name in names]
    for spec in specs:
        if spec.kind not in evaluator_names:
            raise ConfigError(
                f"dataset {spec.name!r} is a {spec.kind} dataset; evaluate_vectors handles "
                f"{', '.join(evaluator_names) or 'no'} datasets",
                where="datasets",
            )
    accepted: set[str] = set()
    evaluators: dict[str, Any] = {}
    for kind in dict.fromkeys(spec.kind for spec in specs):
        factory = registry.evaluators.get(evaluator_names[kind])
        parameters = inspect.signature(factory).parameters
        shared = {k: v for k, v in options.items() if k in parameters}
        accepted.update(shared)
        evaluators[kind] = factory(**shared, **per_kind[kind])
    unused = set(options) - accepted
    if unused:
        raise ConfigError(
            f"option(s) {sorted(unused)} are not accepted by the evaluators used "
            f"({', '.join(evaluator_names[k] for k in evaluators)})",
            where="evaluate_vectors",
        )
    return [evaluators[spec.kind].evaluate(vectors, spec) for spec in specs]
