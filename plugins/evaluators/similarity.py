"""``lexiplug.similarity.v1``: correlation of cosine similarity with human word-pair scores.

Spearman's rho (primary) and Pearson's r over the scored pairs, with coverage, a seeded
bootstrap 95% CI and one detail record per pair. With the default settings the figures equal
gensim's ``KeyedVectors.evaluate_word_pairs`` (same case folding, ``restrict_vocab``, and
float32 cosine arithmetic), so numbers can be compared with published gensim-based results.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

import numpy as np
from lexiplug.errors import ConfigError
from lexiplug.evaluation.result import ItemRecord, Result
from lexiplug.plugins.datasets.readers_word_pairs import WordPairs
from lexiplug.registry import Registries

from .common import (
    LOW_COVERAGE,
    WordBenchmarkEvaluator,
    add_warning,
    check_word_eval_settings,
    finite_or_none,
)

NAME = "lexiplug.similarity.v1"
SimilarityOOV = Literal["skip", "vectors", "zero", "infer"]
_OOV_CHOICES = ("skip", "vectors", "zero", "infer")
_BOOTSTRAP_CELLS = 4_000_000  # resample-matrix entries per bootstrap block (bounds memory)


@dataclass
class SimilarityEvaluator(WordBenchmarkEvaluator):
    """Scores vectors on word-pair datasets.

    ``oov``: ``skip`` leaves pairs with an unknown word out of the correlation; ``vectors``
    scores them with the vectors' own OOV policy (e.g. fastText subwords); ``zero`` gives them
    similarity 0, like gensim's ``dummy4unknown=True``; ``infer`` scores them with vectors
    that infer unknown words (``lexiplug.complete_oov.v1``) and adds coverage split into
    known / inferred / missing pairs. Coverage always counts the pairs whose words are both in
    the (restricted) vocabulary.
    """

    oov: SimilarityOOV = "skip"
    case_insensitive: bool = True
    restrict_vocab: int | None = None
    bootstrap: int = 1000
    seed: int = 0
    level: float = 0.95
    datasets: Sequence[str] | None = None
    concreteness: str | None = None
    concreteness_column: str | int = 1
    concreteness_threshold: float | None = None
    name: str = field(default=NAME, init=False)
    dataset_kind: ClassVar[str] = "similarity"
    dataset_type: ClassVar[type] = WordPairs

    def __post_init__(self) -> None:
        check_word_eval_settings(self.oov, _OOV_CHOICES, self.restrict_vocab, self.bootstrap)
        if not 0 < self.level < 1:
            raise ConfigError(f"level must be in (0, 1), got {self.level}", where="level")

    def evaluate(self, model: Any, dataset: Any) -> Result:
        vectors, loaded, lookup = self.open_benchmark(model, dataset)
        pairs: WordPairs = loaded.data
        warnings: list[str] = []
        firsts = [a for a, _ in pairs.pairs]
        seconds = [b for _, b in pairs.pairs]
        rows_a, rows_b = lookup.rows(firsts), lookup.rows(seconds)
        in_vocab = (rows_a >= 0) & (rows_b >= 0)

        model_scores = np.full(len(pairs), np.nan, dtype=np.float64)
        covered_rows = np.nonzero(in_vocab)[0]
        needed = np.unique(np.concatenate([rows_a[covered_rows], rows_b[covered_rows]]))
        unit_needed = unit_rows_like_gensim(vectors.matrix[needed])
        unit = dict(zip(needed.tolist(), unit_needed, strict=True))
        for i in covered_rows.tolist():
            # one float32 dot per pair, as gensim's similarity() does: the correlations then
            # agree to the last bit, not just to ~1e-8
            model_scores[i] = float(np.dot(unit[int(rows_a[i])], unit[int(rows_b[i])]))
        scored = in_vocab.copy()
        if self.oov == "zero":
            model_scores[~in_vocab] = 0.0
            scored[:] = True
        elif self.oov == "vectors" and not in_vocab.all():
            self._score_with_oov_vectors(vectors, pairs, rows_a, rows_b, model_scores, scored,
                                         warnings)
        inferred_coverage: dict[str, float] = {}
        if self.oov == "infer":
            inferred_coverage = score_inferred_pairs(vectors, pairs.pairs, rows_a, rows_b,
                                                     model_scores, scored, warnings)

        n_items, n_covered, n_scored = len(pairs), int(in_vocab.sum()), int(scored.sum())
        gold = pairs.scores[scored]
        predicted = model_scores[scored]
        metrics, p_values = _correlations(gold, predicted)
        ci: dict[str, tuple[float, float]] = {}
        if n_scored == 0:
            add_warning(
                warnings,
                f"{loaded.name}: no pair has both words in the vocabulary "
                f"({n_items} pairs, {len(vectors)} words); no score",
            )
        elif metrics["spearman"] is None:
            add_warning(
                warnings,
                f"{loaded.name}: correlation undefined over {n_scored} scored pairs "
                "(fewer than 2, or constant scores); no score",
            )
        elif self.bootstrap:
            ci = bootstrap_correlations(
                gold, predicted, n_resamples=self.bootstrap, seed=self.seed, level=self.level
            )
        if 0 < n_covered < n_items * LOW_COVERAGE:
            add_warning(
                warnings,
                f"{loaded.name}: low coverage, only {n_covered} of {n_items} pairs have both "
                "words in the vocabulary; compare scores only on shared covered pairs",
            )

        if self.concreteness:
            self._split_by_concreteness(pairs, model_scores, scored, metrics)

        details = [
            {
                "item": i,
                "line": pairs.lines[i],
                "word1": a,
                "word2": b,
                "gold": float(pairs.scores[i]),
                "model": finite_or_none(model_scores[i]),
                "covered": bool(in_vocab[i]),
                "scored": bool(scored[i]),
            }
            for i, (a, b) in enumerate(pairs.pairs)
        ]
        items = [
            ItemRecord(id=i, value=finite_or_none(model_scores[i]), covered=bool(in_vocab[i]),
                       gold=float(pairs.scores[i]))
            for i in range(len(pairs.pairs))
        ]
        return Result(
            evaluator=self.name,
            dataset=loaded.name,
            metrics=metrics,
            primary="spearman",
            n_items=n_items,
            n_covered=n_covered,
            ci=ci,
            details=details,
            items=items,
            item_statistic="spearman",
            dataset_checksum=loaded.checksum,
            warnings=warnings,
            extra={
                "n_scored": n_scored,
                "p_values": p_values,
                "oov": self.oov,
                "case_insensitive": self.case_insensitive,
                "restrict_vocab": self.restrict_vocab,
                "bootstrap": self.bootstrap,
                "seed": self.seed,
                "level": self.level,
                "citation": loaded.citation,
                **inferred_coverage,
            },
        )

    def _split_by_concreteness(
        self, pairs: WordPairs, model_scores: np.ndarray, scored: np.ndarray,
        metrics: dict[str, float | None],
    ) -> None:
        from .concreteness import load_concreteness, pair_groups

        assert self.concreteness is not None
        norms = load_concreteness(
            self.concreteness, self.concreteness_column, self.concreteness_threshold
        )
        groups = np.array(pair_groups(norms, pairs.pairs), dtype=object)
        for group in ("concrete", "abstract"):
            chosen = scored & (groups == group)
            values, _ = _correlations(pairs.scores[chosen], model_scores[chosen])
            metrics[f"spearman_{group}"] = values["spearman"]
            metrics[f"n_{group}"] = float(chosen.sum())

    def _score_with_oov_vectors(
        self,
        vectors: Any,
        pairs: WordPairs,
        rows_a: np.ndarray,
        rows_b: np.ndarray,
        model_scores: np.ndarray,
        scored: np.ndarray,
        warnings: list[str],
    ) -> None:
        if vectors.oov == "error":
            add_warning(
                warnings,
                "oov='vectors' but these vectors have no OOV policy (oov='error'); "
                "pairs with unknown words are skipped",
            )
            return
        for i in np.nonzero((rows_a < 0) | (rows_b < 0))[0].tolist():
            a, b = pairs.pairs[i]
            vec_a = vectors.matrix[rows_a[i]] if rows_a[i] >= 0 else vectors.oov_vector(a)
            vec_b = vectors.matrix[rows_b[i]] if rows_b[i] >= 0 else vectors.oov_vector(b)
            unit_a, unit_b = unit_rows_like_gensim(np.stack([vec_a, vec_b]))
            model_scores[i] = float(np.dot(unit_a, unit_b))
            scored[i] = True


def score_inferred_pairs(vectors: Any, pairs: Sequence[tuple[str, str]], rows_a: np.ndarray,
                         rows_b: np.ndarray, model_scores: np.ndarray, scored: np.ndarray,
                         warnings: list[str]) -> dict[str, float]:
    """``oov = "infer"``: score pairs with a word outside the (restricted) vocabulary using
    vectors that infer it (core/contracts.py ``InfersVectors``), in one batched pass.

    Returns the pair coverage split three ways: ``coverage_known`` (both words in the table),
    ``coverage_inferred`` (scored with at least one inferred word), ``coverage_missing``
    (not scored: a word has no vector); fractions of all pairs that sum to 1.
    """
    from lexiplug.contracts import InfersVectors

    unknown = np.nonzero((rows_a < 0) | (rows_b < 0))[0]
    n_inferred = 0
    if isinstance(vectors, InfersVectors):
        words = sorted({word for i in unknown.tolist()
                        for word, row in zip(pairs[i], (rows_a[i], rows_b[i]), strict=True)
                        if row < 0})
        inferable = [w for w in words if vectors.word_status(w) != "missing"]
        table = dict(zip(inferable, vectors.infer(inferable), strict=True))
        for i in unknown.tolist():
            ends = [vectors.matrix[row] if row >= 0 else table.get(word)
                    for word, row in zip(pairs[i], (rows_a[i], rows_b[i]), strict=True)]
            if ends[0] is None or ends[1] is None:
                continue
            unit_a, unit_b = unit_rows_like_gensim(np.stack(ends))
            model_scores[i] = float(np.dot(unit_a, unit_b))
            scored[i] = True
            n_inferred += 1
    elif unknown.size:
        add_warning(warnings, "oov='infer' but these vectors infer no vectors (apply "
                    "lexiplug.complete_oov.v1 first); pairs with unknown words are skipped")
    n = max(len(pairs), 1)
    return {"coverage_known": (len(pairs) - unknown.size) / n,
            "coverage_inferred": n_inferred / n,
            "coverage_missing": (unknown.size - n_inferred) / n}


def unit_rows_like_gensim(rows: np.ndarray) -> np.ndarray:
    """Unit rows computed as gensim's ``matutils.unitvec`` does (float64 norm and scaling,
    then float32), zero rows kept; bit-identical, which float32 division is not."""
    rows64 = np.atleast_2d(np.asarray(rows, dtype=np.float64))
    norms = np.linalg.norm(rows64, axis=1)
    scale = np.divide(1.0, norms, out=np.ones_like(norms), where=norms > 0)
    return (rows64 * scale[:, None]).astype(np.float32)


def _correlations(
    gold: np.ndarray, predicted: np.ndarray
) -> tuple[dict[str, float | None], dict[str, float | None]]:
    """Spearman and Pearson via scipy (what gensim calls); None where undefined."""
    if gold.size < 2 or np.ptp(gold) == 0 or np.ptp(predicted) == 0:
        return {"spearman": None, "pearson": None}, {"spearman": None, "pearson": None}
    from scipy import stats

    spearman = stats.spearmanr(gold, predicted)
    pearson = stats.pearsonr(gold, predicted)
    return (
        {"spearman": finite_or_none(spearman[0]), "pearson": finite_or_none(pearson[0])},
        {"spearman": finite_or_none(spearman[1]), "pearson": finite_or_none(pearson[1])},
    )


def bootstrap_correlations(
    gold: np.ndarray,
    predicted: np.ndarray,
    *,
    n_resamples: int = 1000,
    seed: int = 0,
    level: float = 0.95,
) -> dict[str, tuple[float, float]]:
    """Percentile CIs of Spearman and Pearson over pair resamples.

    A resample is held as how often it draws each pair, so every resample's correlations
    (ties given average ranks, as scipy does) come from a few array operations over all
    resamples at once instead of one sort and one scipy call per resample.
    """
    n = gold.size
    if n < 2 or n_resamples <= 0:
        return {}
    rng = np.random.default_rng(seed)
    block = max(1, _BOOTSTRAP_CELLS // n)
    spearman: list[np.ndarray] = []
    pearson: list[np.ndarray] = []
    for start in range(0, n_resamples, block):
        size = min(block, n_resamples - start)
        index = rng.integers(0, n, (size, n))
        flat = (np.arange(size)[:, None] * n + index).ravel()
        counts = np.bincount(flat, minlength=size * n).reshape(size, n).astype(np.float64)
        pearson.append(_weighted_pearson(gold, predicted, counts))
        spearman.append(
            _weighted_pearson(_resample_ranks(gold, counts), _resample_ranks(predicted, counts),
                              counts)
        )
    alpha = (1 - level) / 2
    intervals: dict[str, tuple[float, float]] = {}
    for metric, chunks in (("spearman", spearman), ("pearson", pearson)):
        values = np.concatenate(chunks)
        values = values[np.isfinite(values)]
        if values.size >= n_resamples // 2:
            low, high = np.quantile(values, [alpha, 1 - alpha])
            intervals[metric] = (float(low), float(high))
    return intervals


def _resample_ranks(values: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Each item's average rank within every resample (``counts``: draws per item)."""
    n = values.size
    order = np.argsort(values, kind="stable")
    ordered = values[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    in_group = np.add.reduceat(counts[:, order], starts, axis=1)
    group_rank = np.cumsum(in_group, axis=1) - in_group + (in_group + 1) / 2
    group_of_sorted = np.repeat(np.arange(starts.size), np.diff(np.r_[starts, n]))
    ranks = np.empty_like(counts)
    ranks[:, order] = group_rank[:, group_of_sorted]
    return ranks


def _weighted_pearson(x: np.ndarray, y: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Row-wise Pearson correlation of items repeated ``weights`` times."""
    total = weights.sum(axis=1, keepdims=True)
    x = x - (weights * x).sum(axis=1, keepdims=True) / total
    y = y - (weights * y).sum(axis=1, keepdims=True) / total
    covariance = (weights * x * y).sum(axis=1)
    spread = np.sqrt((weights * x * x).sum(axis=1) * (weights * y * y).sum(axis=1))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray(covariance / spread)


def make_similarity_evaluator(
    oov: SimilarityOOV = "skip",
    case_insensitive: bool = True,
    lowercase: bool | None = None,
    restrict_vocab: int | None = None,
    bootstrap: int = 1000,
    seed: int = 0,
    level: float = 0.95,
    datasets: Sequence[str] | None = None,
    concreteness: str | None = None,
    concreteness_column: str | int = 1,
    concreteness_threshold: float | None = None,
) -> SimilarityEvaluator:
    """Factory registered as ``lexiplug.similarity.v1``; ``lowercase`` is an alias of
    ``case_insensitive`` (matching is by folded case, first vocabulary variant wins).
    ``concreteness``: a norms TSV; adds Spearman over concrete-only and abstract-only pairs."""
    if lowercase is not None:
        case_insensitive = lowercase
    return SimilarityEvaluator(
        oov=oov, case_insensitive=case_insensitive, restrict_vocab=restrict_vocab,
        bootstrap=bootstrap, seed=seed, level=level,
        datasets=None if datasets is None else list(datasets),
        concreteness=concreteness, concreteness_column=concreteness_column,
        concreteness_threshold=concreteness_threshold,
    )


def register(registry: Registries) -> None:
    registry.evaluators.register(
        NAME, func=make_similarity_evaluator, dataset_kinds=("similarity",)
    )
