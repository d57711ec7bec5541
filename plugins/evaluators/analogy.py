"""``lexiplug.analogy.v1``: a:b :: c:? accuracy with 3CosAdd or 3CosMul, all questions batched.

Follows gensim's ``KeyedVectors.evaluate_word_analogies`` exactly (3CosAdd): vocabulary cut
to the first ``restrict_vocab`` rows; with ``case_insensitive`` words and vocabulary are
upper-cased and the first case variant stands for the word; questions with a word outside
that vocabulary are skipped (or, with ``oov="incorrect"``, counted wrong like
``dummy4unknown``); the answer is the best-scoring word that is not a case variant of a, b
or c. Instead of one ``most_similar`` call per question, each chunk of questions is one
matrix product against the unit-normalised vocabulary.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

import numpy as np
from lexiplug.errors import ConfigError
from lexiplug.evaluation.result import ItemRecord, Result
from lexiplug.plugins.datasets.readers_analogy import AnalogyQuestions, section_kind
from lexiplug.registry import Registries

from .common import (
    LOW_COVERAGE,
    VocabularyLookup,
    WordBenchmarkEvaluator,
    add_warning,
    check_word_eval_settings,
)

NAME = "lexiplug.analogy.v1"
AnalogyMethod = Literal["3cosadd", "3cosmul"]
_METHOD_ALIASES = {"3cosadd": "3cosadd", "add": "3cosadd", "3cosmul": "3cosmul", "mul": "3cosmul"}
_OOV_CHOICES = ("skip", "incorrect", "vectors")
_SCORE_CELLS = 8_000_000  # question x vocabulary scores per chunk (32 MB of float32)
_GENSIM_TOPN = 5  # gensim looks for its answer among the top 5 after dropping a, b, c
_COSMUL_EPSILON = 1e-6  # gensim's most_similar_cosmul


@dataclass
class AnalogyPredictions:
    """Per covered question: the predicted row (-1: none) and, if asked, the answer's rank."""

    predicted: np.ndarray
    rank: np.ndarray | None


@dataclass
class AnalogyEvaluator(WordBenchmarkEvaluator):
    """Scores vectors on analogy questions; see the module docstring for the semantics.

    ``oov``: ``skip`` scores covered questions only; ``incorrect`` counts the others wrong;
    ``vectors`` (accepted so one ``oov`` option serves all word evaluators) acts like
    ``skip`` with a warning, since an answer must be a vocabulary word anyway.
    """

    method: AnalogyMethod = "3cosadd"
    restrict_vocab: int | None = 300_000
    case_insensitive: bool = True
    oov: Literal["skip", "incorrect", "vectors"] = "skip"
    mrr: bool = False
    bootstrap: int = 1000
    seed: int = 0
    level: float = 0.95
    datasets: Sequence[str] | None = None
    name: str = field(default=NAME, init=False)
    dataset_kind: ClassVar[str] = "analogy"
    dataset_type: ClassVar[type] = AnalogyQuestions

    def __post_init__(self) -> None:
        method = _METHOD_ALIASES.get(str(self.method).lower())
        if method is None:
            raise ConfigError(
                f"method must be '3cosadd' or '3cosmul' (or 'add'/'mul'), got {self.method!r}",
                where="method",
            )
        self.method = method  # type: ignore[assignment]
        check_word_eval_settings(self.oov, _OOV_CHOICES, self.restrict_vocab, self.bootstrap)

    def evaluate(self, model: Any, dataset: Any) -> Result:
        vectors, loaded, lookup = self.open_benchmark(model, dataset)
        questions: AnalogyQuestions = loaded.data
        warnings: list[str] = []

        flat = list(questions.iter_questions())
        section_names = [name for name, _ in questions.sections]
        section_of = {name: i for i, name in enumerate(section_names)}
        item_section = np.array([section_of[s] for s, _, _ in flat], dtype=np.int64)
        words = [q for _, q, _ in flat]
        rows = np.stack(
            [lookup.rows([q[k] for q in words]) for k in range(4)], axis=1
        ) if words else np.zeros((0, 4), dtype=np.int64)
        covered: np.ndarray = np.all(rows >= 0, axis=1)
        covered_index = np.nonzero(covered)[0]

        predictions = predict_analogies(
            vectors.unit_matrix[: lookup.limit], rows[covered_index], lookup,
            method=self.method, want_rank=self.mrr,
        )
        correct = np.zeros(len(flat), dtype=bool)
        predicted_row = np.full(len(flat), -1, dtype=np.int64)
        predicted_row[covered_index] = predictions.predicted
        canonical = lookup.canonical
        hit = predictions.predicted >= 0
        correct[covered_index[hit]] = (
            canonical[predictions.predicted[hit]] == rows[covered_index[hit], 3]
        )
        reciprocal = np.zeros(len(flat), dtype=np.float64)
        if predictions.rank is not None:
            with np.errstate(divide="ignore"):
                reciprocal[covered_index] = np.where(
                    predictions.rank > 0, 1.0 / np.maximum(predictions.rank, 1), 0.0
                )

        if self.oov == "vectors":
            add_warning(
                warnings,
                f"{loaded.name}: oov='vectors' does not apply to analogies (answers are "
                "vocabulary words); questions with unknown words were skipped",
            )
        counted = covered if self.oov != "incorrect" else np.ones(len(flat), dtype=bool)
        kinds = np.array([section_kind(s) for s in section_names], dtype=object)
        item_kind = kinds[item_section] if len(flat) else np.zeros(0, dtype=object)
        rng = np.random.default_rng(self.seed)
        metrics: dict[str, float | None] = {}
        ci: dict[str, tuple[float, float]] = {}
        groups = {
            "accuracy": counted,
            "semantic_accuracy": counted & (item_kind == "semantic"),
            "syntactic_accuracy": counted & (item_kind == "syntactic"),
        }
        for metric, mask in groups.items():
            metrics[metric], interval = _accuracy(correct, mask, rng, self.bootstrap, self.level)
            if interval is not None:
                ci[metric] = interval
        if self.mrr:
            metrics["mrr"] = float(reciprocal[counted].mean()) if counted.any() else None

        n_items, n_covered = len(flat), int(covered.sum())
        if n_covered == 0:
            add_warning(
                warnings,
                f"{loaded.name}: no question has all four words among the first "
                f"{lookup.limit} vocabulary rows ({n_items} questions); no score",
            )
        elif n_covered < n_items * LOW_COVERAGE:
            add_warning(
                warnings,
                f"{loaded.name}: low coverage, only {n_covered} of {n_items} questions have all "
                "four words in the vocabulary; compare scores only on shared covered questions",
            )

        sections = []
        for i, name in enumerate(section_names):
            in_section = item_section == i
            total = int((counted & in_section).sum())
            n_correct = int((correct & in_section).sum())
            sections.append({
                "section": name,
                "kind": kinds[i],
                "n_items": int(in_section.sum()),
                "n_covered": int((covered & in_section).sum()),
                "correct": n_correct,
                "accuracy": n_correct / total if total else None,
            })

        keys = vectors.keys
        predicted_words = [keys[r] if r >= 0 else None for r in predicted_row.tolist()]
        details = [
            {
                "item": i,
                "section": section,
                "line": line,
                "a": question[0],
                "b": question[1],
                "c": question[2],
                "expected": question[3],
                "predicted": predicted_words[i],
                "correct": is_correct,
                "covered": is_covered,
            }
            for i, ((section, question, line), is_correct, is_covered) in enumerate(
                zip(flat, correct.tolist(), covered.tolist(), strict=True)
            )
        ]
        if self.mrr:
            for record, value in zip(details, reciprocal.tolist(), strict=True):
                record["reciprocal_rank"] = value

        return Result(
            evaluator=self.name,
            dataset=loaded.name,
            metrics=metrics,
            primary="accuracy",
            n_items=n_items,
            n_covered=n_covered,
            ci=ci,
            details=details,
            items=[ItemRecord(id=i, value=float(is_correct), covered=bool(is_covered))
                   for i, (is_correct, is_covered) in enumerate(
                       zip(correct.tolist(), covered.tolist(), strict=True))],
            item_statistic="mean",
            dataset_checksum=loaded.checksum,
            warnings=warnings,
            extra={
                "method": self.method,
                "sections": sections,
                "n_correct": int(correct.sum()),
                "oov": self.oov,
                "case_insensitive": self.case_insensitive,
                "restrict_vocab": self.restrict_vocab,
                "vocabulary_searched": lookup.limit,
                "bootstrap": self.bootstrap,
                "seed": self.seed,
                "citation": loaded.citation,
            },
        )


def _accuracy(
    correct: np.ndarray, mask: np.ndarray, rng: np.random.Generator, n_resamples: int, level: float
) -> tuple[float | None, tuple[float, float] | None]:
    """Accuracy over ``mask`` and its percentile bootstrap CI. The number correct in a
    resample of n items drawn with replacement is Binomial(n, accuracy), so resampling
    item indices is replaced by one binomial draw per resample (same distribution)."""
    total = int(mask.sum())
    if total == 0:
        return None, None
    accuracy = float(correct[mask].sum()) / total
    if n_resamples <= 0 or total < 2:
        return accuracy, None
    resampled = rng.binomial(total, accuracy, size=n_resamples) / total
    alpha = (1 - level) / 2
    low, high = np.quantile(resampled, [alpha, 1 - alpha])
    return accuracy, (float(low), float(high))


def predict_analogies(
    unit: np.ndarray,
    rows: np.ndarray,
    lookup: VocabularyLookup,
    *,
    method: str = "3cosadd",
    want_rank: bool = False,
) -> AnalogyPredictions:
    """Answer covered questions ``rows`` (n, 4: canonical rows of a, b, c, d) in chunks.

    ``unit`` is the unit-normalised, restricted vocabulary. Rows of a, b, c and their case
    variants are never answers. Ranks (1 = best) of d are computed when ``want_rank``.
    """
    n, limit = len(rows), unit.shape[0]
    predicted = np.full(n, -1, dtype=np.int64)
    rank = np.zeros(n, dtype=np.int64) if want_rank else None
    if n == 0 or limit == 0:
        return AnalogyPredictions(predicted, rank)
    inputs = rows[:, :3]
    unique_inputs, inverse = np.unique(inputs, return_inverse=True)
    table = lookup.variant_table(unique_inputs)
    # (n, 3 * width) rows to exclude per question; column block 0 of each word is the word
    excluded = table[inverse.reshape(n, 3)].reshape(n, -1)
    exact = inputs
    others = excluded[:, [j for j in range(excluded.shape[1]) if j % table.shape[1] != 0]]
    has_variants = others.size > 0 and bool((others >= 0).any())
    cells = _SCORE_CELLS // (4 if method == "3cosmul" else 1)
    chunk = max(1, min(4096, cells // limit))
    from tqdm.auto import tqdm

    # large vocabularies take minutes here; the bar shows only past 2 s (TQDM_DISABLE: never)
    for start in tqdm(range(0, n, chunk), desc=f"answering {n} analogy questions",
                      unit=" chunk", delay=2.0, leave=False):
        stop = min(n, start + chunk)
        block = rows[start:stop]
        scores = _analogy_scores(unit, block, method)
        local = np.arange(stop - start)[:, None]
        scores[local, exact[start:stop]] = -np.inf
        variant_scores = None
        if has_variants:
            other = others[start:stop]
            valid = other >= 0
            safe = np.where(valid, other, 0)
            variant_scores = np.where(valid, scores[local, safe], -np.inf)
            scores[local, safe] = np.where(valid, -np.inf, scores[local, safe])
        best = np.argmax(scores, axis=1)
        best_score = scores[local[:, 0], best]
        chosen = np.where(np.isfinite(best_score), best, -1)
        if variant_scores is not None:
            # gensim takes the first of its top 5 (after dropping a, b, c's own rows) that is
            # not a case variant of a, b or c; when all 5 are variants it keeps the 5th
            above = (variant_scores > best_score[:, None]).sum(axis=1)
            for r in np.nonzero(above >= _GENSIM_TOPN)[0].tolist():
                chosen[r] = _gensim_fallback(
                    others[start + r], variant_scores[r], int(chosen[r]), float(best_score[r])
                )
        predicted[start:stop] = chosen
        if rank is not None:
            target = scores[local[:, 0], block[:, 3]]
            higher = (scores > target[:, None]).sum(axis=1)
            rank[start:stop] = np.where(np.isfinite(target), higher + 1, 0)
    return AnalogyPredictions(predicted, rank)


def _gensim_fallback(
    variant_rows: np.ndarray, variant_scores: np.ndarray, chosen: int, best_score: float
) -> int:
    """The 5th best case variant of a, b or c when at least 5 outrank every other word."""
    best_by_row: dict[int, float] = {}
    for row, score in zip(variant_rows.tolist(), variant_scores.tolist(), strict=True):
        if row >= 0 and score > best_score:
            best_by_row[row] = score
    ranked = sorted(best_by_row.items(), key=lambda item: -item[1])
    return ranked[_GENSIM_TOPN - 1][0] if len(ranked) >= _GENSIM_TOPN else chosen


def _analogy_scores(unit: np.ndarray, block: np.ndarray, method: str) -> np.ndarray:
    a, b, c = unit[block[:, 0]], unit[block[:, 1]], unit[block[:, 2]]
    if method == "3cosadd":
        return np.asarray((b + c - a) @ unit.T, dtype=np.float32)
    stacked = np.concatenate([a, b, c]) @ unit.T
    size = len(block)
    to_unit_interval = (1.0 + stacked) / 2.0
    sim_a = to_unit_interval[:size]
    sim_b = to_unit_interval[size : 2 * size]
    sim_c = to_unit_interval[2 * size :]
    return np.asarray(sim_b * sim_c / (sim_a + _COSMUL_EPSILON), dtype=np.float32)


def make_analogy_evaluator(
    method: str = "3cosadd",
    restrict_vocab: int | None = 300_000,
    case_insensitive: bool = True,
    lowercase: bool | None = None,
    oov: Literal["skip", "incorrect", "vectors"] = "skip",
    mrr: bool = False,
    bootstrap: int = 1000,
    seed: int = 0,
    level: float = 0.95,
    datasets: Sequence[str] | None = None,
) -> AnalogyEvaluator:
    """Factory registered as ``lexiplug.analogy.v1``; ``lowercase`` is an alias of
    ``case_insensitive``."""
    if lowercase is not None:
        case_insensitive = lowercase
    return AnalogyEvaluator(
        method=method,  # type: ignore[arg-type]
        restrict_vocab=restrict_vocab, case_insensitive=case_insensitive, oov=oov, mrr=mrr,
        bootstrap=bootstrap, seed=seed, level=level,
        datasets=None if datasets is None else list(datasets),
    )


def register(registry: Registries) -> None:
    registry.evaluators.register(NAME, func=make_analogy_evaluator, dataset_kinds=("analogy",))
