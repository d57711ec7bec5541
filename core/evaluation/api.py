"""One call to score vectors on the standard word benchmarks.

``evaluate_vectors(vectors)`` runs the similarity evaluator on every English word-similarity
set the data resolver finds and the analogy evaluator on the Google analogy set; naming
datasets picks the matching evaluator for each from the dataset's kind.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Iterable, Sequence
from typing import Any

from ..errors import ConfigError, DataNotFoundError
from .result import Result

logger = logging.getLogger(__name__)

EVALUATOR_FOR_KIND = {
    "similarity": "lexiplug.similarity.v1",
    "analogy": "lexiplug.analogy.v1",
}

# The English word benchmarks, in report order; a gensim-bundled twin stands in for a set
# the data folder lacks.
STANDARD_DATASETS: tuple[str, ...] = (
    "ws353", "ws353_sim", "ws353_rel", "simlex999", "men", "rg65", "mc30", "google_analogy",
)
GENSIM_TWINS = {
    "ws353": "ws353_gensim",
    "simlex999": "simlex999_gensim",
    "google_analogy": "google_analogy_gensim",
}


def default_datasets(kinds: Iterable[str] = ("similarity", "analogy")) -> list[str]:
    """The standard datasets of ``kinds`` that can be found, each at most once."""
    from ..registry import registry

    wanted = set(kinds)
    found = []
    for name in STANDARD_DATASETS:
        for candidate in (name, GENSIM_TWINS.get(name)):
            if candidate is None or not registry.datasets.has(candidate):
                continue
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

    per_kind = {kind: dict(options.pop(kind, None) or {}) for kind in EVALUATOR_FOR_KIND}
    names = list(datasets) if datasets is not None else default_datasets()
    if not names:
        raise DataNotFoundError(
            "no word-benchmark dataset was found; set LEXIPLUG_DATA to the shared data folder "
            "or name datasets explicitly",
            where="datasets",
        )
    specs = [registry.datasets.get(name)() for name in names]
    for spec in specs:
        if spec.kind not in EVALUATOR_FOR_KIND:
            raise ConfigError(
                f"dataset {spec.name!r} is a {spec.kind} dataset; evaluate_vectors handles "
                f"{', '.join(EVALUATOR_FOR_KIND)} datasets",
                where="datasets",
            )
    accepted: set[str] = set()
    evaluators: dict[str, Any] = {}
    for kind in dict.fromkeys(spec.kind for spec in specs):
        factory = registry.evaluators.get(EVALUATOR_FOR_KIND[kind])
        parameters = inspect.signature(factory).parameters
        shared = {k: v for k, v in options.items() if k in parameters}
        accepted.update(shared)
        evaluators[kind] = factory(**shared, **per_kind[kind])
    unused = set(options) - accepted
    if unused:
        raise ConfigError(
            f"option(s) {sorted(unused)} are not accepted by the evaluators used "
            f"({', '.join(EVALUATOR_FOR_KIND[k] for k in evaluators)})",
            where="evaluate_vectors",
        )
    return [evaluators[spec.kind].evaluate(vectors, spec) for spec in specs]
