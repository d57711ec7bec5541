"""``lexiplug.bli.v1``: bilingual lexicon induction — precision@1/5/10 and MRR.

For each source word of a dictionary (``source<TAB>target``, several gold targets allowed),
the target-language words are ranked by cosine to the (optionally mapped) source vector, or by
CSLS (Conneau et al. 2018, "Word translation without parallel data"):
CSLS(x, y) = 2 cos(x, y) − r_T(x) − r_S(y), r_T(x) the mean cosine of x to its k nearest
target words and r_S(y) that of y to its k nearest source words, which corrects hubness.
A query's rank is that of its best-ranked gold target; P@k is the share of ranks ≤ k and MRR
the mean reciprocal rank, both over *covered* queries (source word and at least one gold
target in the vocabularies), and ``p_at_1_all`` counts uncovered queries as misses
(Glavaš et al. 2019 evaluate this way).

The two languages come as two ``Vectors`` (``evaluate((source, target), dataset)`` or
``target=``) or as one multilingual space whose keys carry language prefixes
(``source_prefix="en_"``, ``target_prefix="de_"``). ``mapping="orthogonal"`` first fits the
orthogonal Procrustes map on a training dictionary (``train``, disjoint from the test one),
the usual supervised baseline; ``mapping="none"`` scores the spaces as they are (a shared
multilingual space, or the identity baseline).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from lexiplug.errors import ConfigError, TrainingError
from lexiplug.evaluation.result import ItemRecord, Result
from lexiplug.plugin_tools import class_factory
from lexiplug.plugins.alignment.procrustes import orthogonal_map
from lexiplug.plugins.datasets.readers_lexical import BilingualDictionary, read_dictionary
from lexiplug.registry import Registries
from lexiplug.vectors.vectors import Vectors, unit_rows

from .common import add_warning, as_vectors, load_dataset

NAME = "lexiplug.bli.v1"
RETRIEVALS = ("nn", "csls")
MAPPINGS = ("none", "orthogonal")
_CHUNK = 1024  # query rows scored at once (bounds the score matrix's memory)


@dataclass
class Side:
    """One language's search space: keys without prefix -> row, and the unit matrix."""

    index: dict[str, int]
    unit: np.ndarray

    @classmethod
    def of(cls, vectors: Vectors, prefix: str, limit: int | None) -> Side:
        rows = [i for i, k in enumerate(vectors.keys) if k.startswith(prefix)][:limit]
        keys = [vectors.keys[i][len(prefix):] for i in rows]
        unit = unit_rows(np.asarray(vectors.matrix)[rows]) if rows else \
            np.zeros((0, vectors.dim), np.float32)
        return cls({k: i for i, k in enumerate(keys)}, unit)

    def row(self, word: str, lower_fallback: bool) -> int:
        found = self.index.get(word)
        if found is None and lower_fallback:
            found = self.index.get(word.lower())
        return -1 if found is None else found


def mean_top_k(queries: np.ndarray, space: np.ndarray, k: int) -> np.ndarray:
    """For each query row, the mean cosine to its ``k`` nearest rows of ``space``."""
    k = min(k, len(space))
    out = np.empty(len(queries), dtype=np.float64)
    for start in range(0, len(queries), _CHUNK):
        scores = queries[start:start + _CHUNK] @ space.T
        top = np.partition(scores, -k, axis=1)[:, -k:]
        out[start:start + _CHUNK] = top.mean(axis=1)
    return out


def gold_ranks(scores: np.ndarray, gold: list[list[int]]) -> np.ndarray:
    """1-based rank of each row's best gold column (ties counted in the query's favour)."""
    ranks = np.empty(len(scores), dtype=np.int64)
    for i, columns in enumerate(gold):
        best = scores[i, columns].max()
        ranks[i] = 1 + int((scores[i] > best).sum())
    return ranks


@dataclass
class BLIEvaluator:
    """Bilingual lexicon induction over two vector spaces (or one multilingual one)."""

    retrieval: Literal["nn", "csls"] = "nn"
    csls_k: int = 10
    mapping: Literal["none", "orthogonal"] = "none"
    train: str | BilingualDictionary | None = None
    target_vocab: int | None = 200_000
    source_prefix: str = ""
    target_prefix: str = ""
    lower_fallback: bool = True
    name: str = field(default=NAME, init=False)

    def __post_init__(self) -> None:
        if self.retrieval not in RETRIEVALS:
            raise ConfigError(f"expected one of {RETRIEVALS}; found {self.retrieval!r}",
                              where="retrieval")
        if self.mapping not in MAPPINGS:
            raise ConfigError(f"expected one of {MAPPINGS}; found {self.mapping!r}",
                              where="mapping")
        if self.mapping == "orthogonal" and not self.train:
            raise ConfigError("mapping='orthogonal' needs a training dictionary (a dataset "
                              "name or a file) to fit the map on", where="train")
        if not isinstance(self.csls_k, int) or self.csls_k < 1:
            raise ConfigError(f"expected a positive integer; found {self.csls_k!r}",
                              where="csls_k")
        if self.target_vocab is not None and self.target_vocab < 1:
            raise ConfigError(f"expected a positive integer or None; found "
                              f"{self.target_vocab!r}", where="target_vocab")

    def evaluate(self, model: Any, dataset: Any, *, target: Any = None) -> Result:
        source_vectors, target_vectors = self._spaces(model, target)
        loaded = load_dataset(dataset, kind="bli", expected=BilingualDictionary)
        test: BilingualDictionary = loaded.data
        source = Side.of(source_vectors, self.source_prefix, self.target_vocab)
        goal = Side.of(target_vectors, self.target_prefix, self.target_vocab)
        warnings: list[str] = []
        mapped = source.unit
        if self.mapping == "orthogonal":
            mapped, n_train = self._fit_map(source, goal, test)
        queries, gold = [], []
        for word, targets in test.translations.items():
            row = source.row(word, self.lower_fallback)
            columns = [c for c in (goal.row(t, self.lower_fallback) for t in targets) if c >= 0]
            queries.append(row if columns else -1)
            gold.append(columns)
        covered = np.array([q >= 0 for q in queries])
        n_items, n_covered = len(test), int(covered.sum())
        ranks = np.zeros(n_items, dtype=np.int64)
        top: dict[int, list[str]] = {}
        if n_covered:
            rows = np.array([q for q in queries if q >= 0])
            ranks[covered], predicted = self._rank(mapped, goal, rows,
                                                   [g for g, c in zip(gold, covered,
                                                                      strict=True) if c])
            keys = list(goal.index)
            top = {int(i): [keys[j] for j in p]
                   for i, p in zip(np.nonzero(covered)[0], predicted, strict=True)}
        else:
            add_warning(warnings, f"{loaded.name}: no source word with a known gold target "
                                  "is in the vocabularies; no score")
        metrics = self._metrics(ranks[covered], n_items)
        words = list(test.translations)
        details = [{"source": words[i], "gold": test.translations[words[i]],
                    "covered": bool(covered[i]), "rank": int(ranks[i]) if covered[i] else None,
                    "top5": top.get(i, [])} for i in range(n_items)]
        items = [ItemRecord(id=words[i], value=float(ranks[i] == 1) if covered[i] else None,
                            covered=bool(covered[i])) for i in range(n_items)]
        extra: dict[str, Any] = {"retrieval": self.retrieval, "mapping": self.mapping,
                                 "csls_k": self.csls_k, "target_vocab": len(goal.index),
                                 "citation": loaded.citation}
        if self.mapping == "orthogonal":
            extra["n_train_pairs"] = n_train
        return Result(evaluator=self.name, dataset=loaded.name, metrics=metrics,
                      primary="p_at_1", n_items=n_items, n_covered=n_covered, details=details,
                      items=items, item_statistic="mean", dataset_checksum=loaded.checksum,
                      warnings=warnings, extra=extra)

    def _spaces(self, model: Any, target: Any) -> tuple[Vectors, Vectors]:
        if isinstance(model, tuple):
            if len(model) != 2 or target is not None:
                raise ConfigError("expected (source, target) vectors, or target=...",
                                  where="model")
            model, target = model
        source = as_vectors(model)
        return source, (source if target is None else as_vectors(target))

    def _fit_map(self, source: Side, goal: Side, test: BilingualDictionary
                 ) -> tuple[np.ndarray, int]:
        assert self.train is not None
        train = _load_dictionary(self.train)
        overlap = set(train.translations) & set(test.translations)
        if overlap:
            raise ConfigError(f"the training dictionary shares {len(overlap)} source words "
                              f"with the test one (e.g. {sorted(overlap)[:5]}); BLI needs "
                              "disjoint dictionaries", where="train")
        pairs = [(s, t) for s, t in ((source.row(a, self.lower_fallback),
                                      goal.row(b, self.lower_fallback))
                                     for a, b in train.all_pairs()) if s >= 0 and t >= 0]
        if len(pairs) < 2:
            raise TrainingError(f"only {len(pairs)} training pairs have both words in the "
                                "vocabularies; the orthogonal map needs more", where="train")
        rows_s, rows_t = (np.array(r) for r in zip(*pairs, strict=True))
        rotation = orthogonal_map(source.unit[rows_s], goal.unit[rows_t])
        return (source.unit @ rotation).astype(np.float32), len(pairs)

    def _rank(self, mapped: np.ndarray, goal: Side, rows: np.ndarray, gold: list[list[int]]
              ) -> tuple[np.ndarray, list[np.ndarray]]:
        queries = mapped[rows]
        if self.retrieval == "csls":
            r_source = mean_top_k(goal.unit, mapped, self.csls_k)  # r_S(y) for every target
            r_target = mean_top_k(queries, goal.unit, self.csls_k)
        ranks: list[np.ndarray] = []
        predicted: list[np.ndarray] = []
        for start in range(0, len(queries), _CHUNK):
            scores = queries[start:start + _CHUNK] @ goal.unit.T
            if self.retrieval == "csls":
                scores = 2 * scores - r_target[start:start + _CHUNK, None] - r_source[None, :]
            ranks.append(gold_ranks(scores, gold[start:start + _CHUNK]))
            best = np.argsort(-scores, axis=1, kind="stable")[:, :5]
            predicted.extend(best)
        return np.concatenate(ranks), predicted

    @staticmethod
    def _metrics(ranks: np.ndarray, n_items: int) -> dict[str, float | None]:
        if len(ranks) == 0:
            return {"p_at_1": None, "p_at_5": None, "p_at_10": None, "mrr": None,
                    "p_at_1_all": 0.0}
        return {"p_at_1": float((ranks <= 1).mean()), "p_at_5": float((ranks <= 5).mean()),
                "p_at_10": float((ranks <= 10).mean()), "mrr": float((1.0 / ranks).mean()),
                "p_at_1_all": float((ranks <= 1).sum() / n_items)}


def _load_dictionary(source: str | BilingualDictionary) -> BilingualDictionary:
    from lexiplug.registry import registry

    if isinstance(source, BilingualDictionary):
        return source
    if registry.datasets.has(source):
        loaded = registry.datasets.get(source)().load()
        if not isinstance(loaded, BilingualDictionary):
            raise ConfigError(f"dataset {source!r} is not a BLI dictionary", where="train")
        return loaded
    from lexiplug.data.resolver import resolve_data_path

    return read_dictionary(resolve_data_path(source, what="train"))


bli_v1 = class_factory(BLIEvaluator, name="bli_v1")


def register(registry: Registries) -> None:
    registry.evaluators.register(NAME, func=bli_v1, dataset_kinds=("bli",))
