"""``lexiplug.bias.v1``: WEAT 1-10 on the ``weat`` dataset; direct bias, indirect bias and RIPA
on the ``debiaswe`` lists (Bolukbasi et al. 2016).

A WEAT test counts as covered when every one of its four sets keeps at least
``1 - lost_vocabulary_threshold`` of its words (WEFE's rule, default 0.2); the debiaswe
measures cover the professions found in the model.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from lexiplug.errors import ConfigError
from lexiplug.evaluation.result import Result
from lexiplug.registry import Registries

from ..datasets.readers_bias import DebiasLists, WeatSets
from .bias_direction import direct_bias, indirect_bias, pair_direction, projections, ripa
from .task_inputs import load_dataset, lookup_words
from .weat import Alternative, weat

EVALUATOR = "lexiplug.bias.v1"

# Bolukbasi et al. 2016, Fig. 4: professions closest to softball/football extremes.
DEFAULT_INDIRECT_PAIRS: tuple[tuple[str, str], ...] = (
    ("receptionist", "softball"), ("bookkeeper", "softball"), ("waitress", "softball"),
    ("footballer", "football"), ("businessman", "football"), ("maestro", "football"),
)


@dataclass
class BiasEvaluator:
    datasets: Sequence[str] = ("weat", "debiaswe")
    exact_limit: int = 100_000
    n_permutations: int = 10_000
    seed: int = 0
    alternative: Alternative = "greater"
    lost_vocabulary_threshold: float = 0.2
    case_fallback: bool = True
    c: float = 1.0
    indirect_pairs: Sequence[tuple[str, str]] = field(default=DEFAULT_INDIRECT_PAIRS)

    def evaluate(self, model: Any, dataset: Any = "weat") -> Result:
        loaded = load_dataset(dataset, (WeatSets, DebiasLists), where="evaluate.bias.datasets")
        if isinstance(loaded.data, WeatSets):
            result = self._weat(model, loaded.data, loaded.name)
        else:
            result = self._debias(model, loaded.data, loaded.name)
        result.dataset_checksum = loaded.checksum
        return result

    def evaluate_all(self, model: Any) -> list[Result]:
        return [self.evaluate(model, name) for name in self.datasets]

    # -- WEAT -------------------------------------------------------------------------------

    def _weat(self, model: Any, data: WeatSets, name: str) -> Result:
        words = [w for t in data.tests for k in (*t.targets, *t.attributes) for w in data.sets[k]]
        lookup = lookup_words(model, words, case_fallback=self.case_fallback)
        metrics: dict[str, float | None] = {}
        details: list[dict[str, Any]] = []
        warnings: list[str] = []
        effects: list[float] = []
        for number, test in enumerate(data.tests):
            keys = (*test.targets, *test.attributes)
            found = [lookup.rows(data.sets[k]) for k in keys]
            wanted = [len(dict.fromkeys(data.sets[k])) for k in keys]
            lost = [1 - len(f[0]) / n for f, n in zip(found, wanted, strict=True)]
            record: dict[str, Any] = {
                "id": test.name, "test": test.name, "targets": list(test.targets),
                "attributes": list(test.attributes),
                "missing": {k: sorted(set(data.sets[k]) - set(f[0]))
                            for k, f in zip(keys, found, strict=True)},
            }
            if max(lost) > self.lost_vocabulary_threshold:
                metrics[f"{test.name}_effect_size"] = None
                metrics[f"{test.name}_p_value"] = None
                record["covered"] = False
                warnings.append(f"{test.name}: a word set lost {max(lost):.0%} of its words "
                                f"(limit {self.lost_vocabulary_threshold:.0%}); not scored")
                details.append(record)
                continue
            (_, x), (_, y), (_, a), (_, b) = found
            score = weat(x, y, a, b, exact_limit=self.exact_limit,
                         n_permutations=self.n_permutations, seed=self.seed + number,
                         alternative=self.alternative)
            metrics[f"{test.name}_effect_size"] = score.effect_size
            metrics[f"{test.name}_p_value"] = score.p_value
            effects.append(score.effect_size)
            record.update(covered=True, score=abs(score.effect_size),
                          effect_size=score.effect_size, statistic=score.statistic,
                          p_value=score.p_value, exact_p_value=score.exact_p)
            details.append(record)
        metrics["mean_abs_effect_size"] = float(np.mean(np.abs(effects))) if effects else None
        return Result(
            evaluator=EVALUATOR, dataset=name, metrics=metrics, primary="mean_abs_effect_size",
            n_items=len(data.tests), n_covered=len(effects), details=details, warnings=warnings,
            extra={"alternative": self.alternative, "n_permutations": self.n_permutations,
                   "exact_limit": self.exact_limit, "seed": self.seed},
        )

    # -- Bolukbasi direct/indirect bias and RIPA --------------------------------------------

    def _debias(self, model: Any, data: DebiasLists, name: str) -> Result:
        professions = list(data.professions)
        pair_words = [w for pair in data.definitional_pairs for w in pair]
        indirect_words = [w for pair in self.indirect_pairs for w in pair]
        lookup = lookup_words(model, [*pair_words, *professions, *indirect_words],
                              case_fallback=self.case_fallback)
        pairs = [(a, b) for a, b in data.definitional_pairs
                 if a in lookup.vectors and b in lookup.vectors]
        known, matrix = lookup.rows(professions)
        if len(pairs) < 2 or not known:
            return Result(
                evaluator=EVALUATOR, dataset=name,
                metrics={"direct_bias": None, "ripa_mean": None, "ripa_abs_mean": None},
                primary="direct_bias", n_items=len(professions), n_covered=0,
                warnings=[f"needs 2+ definitional pairs ({len(pairs)} found) and a profession "
                          f"({len(known)} found) in the model"],
            )
        first = np.stack([lookup.vectors[a] for a, _ in pairs])
        second = np.stack([lookup.vectors[b] for _, b in pairs])
        direction = pair_direction(first, second)
        cosines = projections(matrix, direction.vector)
        ripa_scores = ripa(matrix, first, second)
        details = [
            {"id": w, "word": w, "score": float(abs(p) ** self.c), "projection": float(p),
             "ripa": float(r),
             "definitional": data.professions[w][0], "stereotypical": data.professions[w][1]}
            for w, p, r in zip(known, cosines, ripa_scores, strict=True)
        ]
        indirect = {}
        for w, v in self.indirect_pairs:
            if w in lookup.vectors and v in lookup.vectors:
                indirect[f"{w}|{v}"] = indirect_bias(lookup.vectors[w], lookup.vectors[v],
                                                     direction.vector)
        metrics: dict[str, float | None] = {
            "direct_bias": direct_bias(matrix, direction.vector, self.c),
            "direction_variance_ratio": direction.explained_variance_ratio,
            "ripa_mean": float(np.mean(ripa_scores)),
            "ripa_abs_mean": float(np.mean(np.abs(ripa_scores))),
            "stereotype_spearman": _spearman(cosines, [data.professions[w][1] for w in known]),
            "indirect_bias_mean_abs": (float(np.nanmean(np.abs(list(indirect.values()))))
                                       if indirect else None),
        }
        return Result(
            evaluator=EVALUATOR, dataset=name, metrics=metrics, primary="direct_bias",
            n_items=len(professions), n_covered=len(known), details=details,
            extra={"c": self.c, "definitional_pairs_used": [list(p) for p in pairs],
                   "indirect_bias": indirect,
                   "direction_orientation": "towards the first word of each pair (female)"},
        )


def _spearman(a: np.ndarray, b: Sequence[float]) -> float | None:
    if len(a) < 3 or np.ptp(a) == 0 or np.ptp(np.asarray(b)) == 0:
        return None
    from scipy.stats import spearmanr

    value = spearmanr(a, b).statistic
    return None if not np.isfinite(value) else float(value)


def make_bias_evaluator(
    datasets: Sequence[str] = ("weat", "debiaswe"),
    exact_limit: int = 100_000,
    n_permutations: int = 10_000,
    seed: int = 0,
    alternative: str = "greater",
    lost_vocabulary_threshold: float = 0.2,
    case_fallback: bool = True,
    c: float = 1.0,
    indirect_pairs: Sequence[Sequence[str]] = DEFAULT_INDIRECT_PAIRS,
) -> BiasEvaluator:
    """WEAT 1-10, direct/indirect bias and RIPA; ``datasets`` names what ``evaluate_all`` runs."""
    if alternative not in ("greater", "two-sided"):
        raise ConfigError(f"alternative must be 'greater' or 'two-sided', got {alternative!r}",
                          where="evaluate.bias.alternative")
    if n_permutations < 1 or exact_limit < 0:
        raise ConfigError("n_permutations must be >= 1 and exact_limit >= 0",
                          where="evaluate.bias.n_permutations")
    if not 0 <= lost_vocabulary_threshold < 1:
        raise ConfigError(
            f"lost_vocabulary_threshold must be in [0, 1), got {lost_vocabulary_threshold}",
            where="evaluate.bias.lost_vocabulary_threshold",
        )
    pairs = tuple((str(p[0]), str(p[1])) for p in indirect_pairs)
    return BiasEvaluator(tuple(datasets), exact_limit, n_permutations, seed,
                         alternative, lost_vocabulary_threshold, case_fallback,  # type: ignore[arg-type]
                         c, pairs)


def register(registry: Registries) -> None:
    registry.evaluators.register(EVALUATOR, func=make_bias_evaluator)
