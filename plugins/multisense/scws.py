"""``lexiplug.scws.v1``: contextual word similarity on SCWS (Huang et al. 2012).

Each pair has both words in a context; the model scores how similar the two uses are and the
score is the Spearman ρ with the human ratings (×1, as the literature reports it ×100), with a
percentile-bootstrap interval over pairs as the other similarity evaluators give:

- **AvgSimC** = Σ_k Σ_k' p(k | w, c) p(k' | w', c') cos(s_{w,k}, s_{w',k'});
- **MaxSimC** = cos(s_{w,k̂}, s_{w',k̂'}), k̂ the most probable sense in its context;
- **GlobalSim** = cos(v_w, v_w') of the one-vector view (no context used).

A model without senses (anything not a ``SenseEmbedding``, e.g. skip-gram ``Vectors``) has one
sense per word, so its three figures are the same: the single-sense row of the comparison.
The context of a use is ``context_window`` words each side of the target.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from lexiplug.contracts import SenseEmbedding
from lexiplug.errors import ConfigError
from lexiplug.evaluation.result import ItemRecord, Result
from lexiplug.plugin_tools import class_factory
from lexiplug.plugins.evaluators.common import as_vectors, load_dataset
from lexiplug.registry import Registries

from .datasets import SCWSData, SCWSPair

NAME = "lexiplug.scws.v1"
METRICS = ("avgsimc", "maxsimc", "globalsim")


@dataclass
class SCWSEvaluator:
    context_window: int = 5
    bootstrap: int = 1000
    seed: int = 0
    level: float = 0.95
    datasets: list[str] | None = field(default_factory=lambda: ["scws_dev"])
    name: str = field(default=NAME, init=False)

    def __post_init__(self) -> None:
        if not isinstance(self.context_window, int) or self.context_window < 1:
            raise ConfigError(f"expected a positive number of words; found "
                              f"{self.context_window!r}", where="context_window")
        if not isinstance(self.bootstrap, int) or self.bootstrap < 0:
            raise ConfigError(f"expected a resample count >= 0; found {self.bootstrap!r}",
                              where="bootstrap")
        if not 0 < self.level < 1:
            raise ConfigError(f"expected a level in (0, 1); found {self.level!r}",
                              where="level")

    def evaluate_all(self, model: Any) -> list[Result]:
        return [self.evaluate(model, name) for name in self.datasets or []]

    def evaluate(self, model: Any, dataset: Any) -> Result:
        loaded = load_dataset(dataset, kind="contextual_similarity", expected=SCWSData)
        data: SCWSData = loaded.data
        scores = {m: np.full(len(data.pairs), np.nan) for m in METRICS}
        for index, pair in enumerate(data.pairs):
            values = self.pair_scores(model, pair)
            if values is not None:
                for metric, value in zip(METRICS, values, strict=True):
                    scores[metric][index] = value
        gold = np.array([p.rating for p in data.pairs])
        covered = np.isfinite(scores["avgsimc"])
        metrics: dict[str, float | None] = {}
        ci: dict[str, tuple[float, float]] = {}
        for metric in METRICS:
            rho, interval = self._spearman(scores[metric][covered], gold[covered])
            metrics[metric] = rho
            if interval is not None:
                ci[metric] = interval
        items = [ItemRecord(p.id, float(scores["avgsimc"][i]) if covered[i] else None,
                            bool(covered[i]), p.rating) for i, p in enumerate(data.pairs)]
        senses = isinstance(model, SenseEmbedding)
        return Result(
            evaluator=NAME, dataset=loaded.name, metrics=metrics, primary="avgsimc",
            n_items=len(data.pairs), n_covered=int(covered.sum()), ci=ci,
            dataset_checksum=loaded.checksum, items=items, item_statistic="spearman",
            extra={"sense_aware": senses, "context_window": self.context_window},
            warnings=[] if senses else ["the model has one sense per word: AvgSimC = MaxSimC "
                                        "= GlobalSim"],
        )

    def pair_scores(self, model: Any, pair: SCWSPair) -> tuple[float, float, float] | None:
        """(AvgSimC, MaxSimC, GlobalSim) of one pair; None if a word is unknown."""
        vectors = as_vectors(model)
        w1, w2 = _known(vectors, pair.word1), _known(vectors, pair.word2)
        if w1 is None or w2 is None:
            return None
        global_sim = _cos(vectors.vector(w1), vectors.vector(w2))
        if not isinstance(model, SenseEmbedding):
            return global_sim, global_sim, global_sim
        n = self.context_window
        p1 = np.asarray(model.disambiguate(w1, [*pair.left1[-n:], *pair.right1[:n]]))
        p2 = np.asarray(model.disambiguate(w2, [*pair.left2[-n:], *pair.right2[:n]]))
        s1, s2 = _unit(np.asarray(model.sense_matrix(w1))), _unit(np.asarray(
            model.sense_matrix(w2)))
        cosines = s1 @ s2.T
        return float(p1 @ cosines @ p2), float(cosines[p1.argmax(), p2.argmax()]), global_sim

    def _spearman(self, x: np.ndarray, y: np.ndarray
                  ) -> tuple[float | None, tuple[float, float] | None]:
        from lexiplug.evaluation.stats import bootstrap_ci, resampled_spearman
        from scipy.stats import spearmanr

        if len(x) < 2 or np.ptp(x) == 0 or np.ptp(y) == 0:  # a constant side has no ranks
            return None, None
        rho = float(spearmanr(x, y).statistic)
        if not np.isfinite(rho):
            return None, None
        interval = None
        if self.bootstrap:
            interval = bootstrap_ci(resampled_spearman(x, y), len(x), n_resamples=self.bootstrap,
                                    level=self.level, seed=self.seed, vectorized=True)
        return rho, interval


def _known(vectors: Any, word: str) -> str | None:
    for form in (word, word.lower()):
        if form in vectors.key_to_index:
            return form
    return None


def _unit(rows: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(rows, axis=-1, keepdims=True)
    return rows / np.where(norms > 0, norms, 1.0)


def _cos(a: np.ndarray, b: np.ndarray) -> float:
    return float(_unit(a) @ _unit(b))


def register(registry: Registries) -> None:
    registry.evaluators.register(NAME, func=class_factory(SCWSEvaluator, name=NAME),
                                 dataset_kinds=("contextual_similarity",))
