"""``lexiplug.wsi.v1``: word-sense induction on SemEval-2013 Task 13 (graded senses).

Each target's instances are clustered by the model's sense probabilities p(k | w, context):
an instance lists every induced sense whose probability is at least ``min_share`` of its most
probable sense's, rated with that probability (``hard = true``: its most probable sense
only). The cut matters because the task's scorer counts a listed sense as applying whatever
its rating (two instances that both list a sense agree on it by 1 − |difference of ratings|),
so the near-zero probabilities a softmax gives every sense would make all instances agree.
The clustering is scored per target against the graded gold senses with the task scorer's
Fuzzy B-Cubed and Fuzzy NMI (``fuzzy_metrics.py`` gives the definitions), aggregated over
targets as that scorer does. A model without senses puts every instance of a word in one
cluster, which is exactly the ``one_cluster`` baseline; :func:`baseline_result` scores that
and ``one_cluster_per_instance``.

The word looked up is the target lemma (``window`` for ``window.n``), or the instance's own
token when the lemma is unknown; an instance whose word is unknown to the model goes in one
cluster with the others of its kind and counts as not covered.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from lexiplug.contracts import SenseEmbedding
from lexiplug.errors import ConfigError
from lexiplug.evaluation.result import ItemRecord, Result
from lexiplug.plugin_tools import class_factory
from lexiplug.plugins.evaluators.common import as_vectors, load_dataset
from lexiplug.registry import Registries

from .datasets import WSIData, WSIInstance
from .fuzzy_metrics import bcubed_f, fuzzy_bcubed, fuzzy_nmi

NAME = "lexiplug.wsi.v1"
BASELINES = ("one_cluster", "one_cluster_per_instance")
Clusterer = Callable[[str, list[WSIInstance]], tuple[np.ndarray, int]]


@dataclass
class WSIEvaluator:
    context_window: int = 10
    hard: bool = False
    # chosen on five of the ten dev targets (bench/RESULTS.md, "Multi-sense vectors, part 3")
    min_share: float = 0.25
    bootstrap: int = 1000
    seed: int = 0
    datasets: list[str] | None = field(default_factory=lambda: ["semeval2013_wsi_dev"])
    name: str = field(default=NAME, init=False)

    def __post_init__(self) -> None:
        if not isinstance(self.context_window, int) or self.context_window < 1:
            raise ConfigError(f"expected a positive number of words; found "
                              f"{self.context_window!r}", where="context_window")
        if not 0 <= self.min_share <= 1:
            raise ConfigError(f"expected a share in [0, 1]; found {self.min_share!r}",
                              where="min_share")

    def evaluate_all(self, model: Any) -> list[Result]:
        return [self.evaluate(model, name) for name in self.datasets or []]

    def evaluate(self, model: Any, dataset: Any) -> Result:
        loaded = load_dataset(dataset, kind="wsi", expected=WSIData)
        vectors = as_vectors(model)

        def memberships(lemma: str, instances: list[WSIInstance]) -> tuple[np.ndarray, int]:
            return self.memberships(model, vectors, lemma, instances)

        result = score(loaded.data, memberships, system=NAME, bootstrap=self.bootstrap,
                       seed=self.seed)
        result.dataset_checksum = loaded.checksum
        result.extra["sense_aware"] = isinstance(model, SenseEmbedding)
        return result

    def memberships(self, model: Any, vectors: Any, lemma: str,
                    instances: list[WSIInstance]) -> tuple[np.ndarray, int]:
        """(instances x senses) memberships and how many instances the model covered."""
        word = next((w for w in (lemma.rsplit(".", 1)[0], instances[0].token.lower())
                     if w in vectors.key_to_index), None)
        if word is None or not isinstance(model, SenseEmbedding):
            return np.ones((len(instances), 1)), 0 if word is None else len(instances)
        n = self.context_window
        rows = np.stack([np.asarray(model.disambiguate(word, [*i.left[-n:], *i.right[:n]]))
                         for i in instances])
        top = rows.max(axis=1, keepdims=True)
        if self.hard:
            rows = (rows == top).astype(np.float64)
        else:
            rows = np.where(rows >= self.min_share * top, rows, 0.0)
        return rows, len(instances)


def gold_memberships(data: WSIData, instances: list[WSIInstance]) -> np.ndarray:
    senses = sorted({s for i in instances for s in data.gold[i.id]})
    column = {s: c for c, s in enumerate(senses)}
    out = np.zeros((len(instances), len(senses)))
    for row, instance in enumerate(instances):
        for sense, rating in data.gold[instance.id].items():
            out[row, column[sense]] = rating
    return out


def score(data: WSIData, memberships: Clusterer, *, system: str, bootstrap: int = 1000,
          seed: int = 0) -> Result:
    """Fuzzy B-Cubed and Fuzzy NMI per target of ``memberships``, averaged over targets."""
    from lexiplug.evaluation.stats import bootstrap_ci, resampled_mean

    per_lemma: list[dict[str, Any]] = []
    covered = 0
    for lemma in sorted(data.instances):
        instances = data.instances[lemma]
        system_m, n_covered = memberships(lemma, instances)
        gold_m = gold_memberships(data, instances)
        bcubed = fuzzy_bcubed(system_m, gold_m)
        covered += n_covered
        per_lemma.append({"lemma": lemma, "n": len(instances), "fbcubed": bcubed.f1,
                          "fbcubed_p": bcubed.precision, "fbcubed_r": bcubed.recall,
                          "fnmi": fuzzy_nmi(system_m, gold_m),
                          "clusters": int((system_m.max(axis=0) > 0).sum())})
    p = np.array([row["fbcubed_p"] for row in per_lemma])
    r = np.array([row["fbcubed_r"] for row in per_lemma])
    nmi = np.array([row["fnmi"] for row in per_lemma])
    # the task scorer's aggregate: F of the mean precision and mean recall over targets
    metrics: dict[str, float | None] = {
        "fbcubed": bcubed_f(float(p.mean()), float(r.mean())), "fbcubed_p": float(p.mean()),
        "fbcubed_r": float(r.mean()), "fnmi": float(nmi.mean())}
    statistics = {"fbcubed": lambda idx: bcubed_f(p[idx].mean(axis=-1), r[idx].mean(axis=-1)),
                  "fnmi": resampled_mean(nmi)}
    ci: dict[str, tuple[float, float]] = {}
    for key, statistic in statistics.items():
        interval = bootstrap_ci(statistic, len(per_lemma), n_resamples=bootstrap,
                                seed=seed, vectorized=True) if bootstrap else None
        if interval is not None:
            ci[key] = interval
    n_items = len(data)
    return Result(
        evaluator=system, dataset=data.name, metrics=metrics, primary="fbcubed",
        n_items=n_items, n_covered=covered, ci=ci, details=per_lemma,
        items=[ItemRecord(row["lemma"], row["fbcubed"]) for row in per_lemma],
        item_statistic="mean",
    )


def baseline_result(data: WSIData, baseline: str) -> Result:
    """The task's trivial systems: every instance in one cluster, or each in its own."""
    if baseline not in BASELINES:
        raise ConfigError(f"expected one of {BASELINES}; found {baseline!r}", where="baseline")

    def memberships(lemma: str, instances: list[WSIInstance]) -> tuple[np.ndarray, int]:
        n = len(instances)
        return (np.ones((n, 1)) if baseline == "one_cluster" else np.eye(n)), n

    return score(data, memberships, system=baseline)


def register(registry: Registries) -> None:
    registry.evaluators.register(NAME, func=class_factory(WSIEvaluator, name=NAME),
                                 dataset_kinds=("wsi",))
