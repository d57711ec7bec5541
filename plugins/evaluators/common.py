"""What the word-level evaluators share: vocabulary lookup with gensim's case and
``restrict_vocab`` semantics, dataset resolution, and warnings that reach both the log and the
:class:`~lexiplug.evaluation.Result`.
"""

from __future__ import annotations

import hashlib
import logging
import math
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
from lexiplug.errors import ConfigError, require_one_of
from lexiplug.evaluation.result import Result

if TYPE_CHECKING:
    from lexiplug.data.spec import DatasetSpec
    from lexiplug.vectors import Vectors

logger = logging.getLogger("lexiplug.evaluators")

LOW_COVERAGE = 0.5  # below this covered fraction a result carries a warning


def fold_case(word: str) -> str:
    """The case-folded form used for case-insensitive matching: ``str.upper``, as gensim's
    ``evaluate_word_pairs`` / ``evaluate_word_analogies`` do (so figures agree)."""
    return word.upper()


def as_vectors(model: Any) -> Vectors:
    """Accept lexiplug ``Vectors``, gensim ``KeyedVectors`` or anything with ``.vectors``
    holding one of those (e.g. a fitted embedder's output wrapper)."""
    from lexiplug.vectors import Vectors

    if isinstance(model, Vectors):
        return model
    if hasattr(model, "index_to_key") and hasattr(model, "vectors"):
        return Vectors(list(model.index_to_key), np.asarray(model.vectors, dtype=np.float32))
    inner = getattr(model, "vectors", None)
    if isinstance(inner, Vectors):
        return inner
    raise ConfigError(
        f"expected lexiplug Vectors (or gensim KeyedVectors), got {type(model).__name__}",
        where="model",
    )


def check_restrict_vocab(restrict_vocab: int | None) -> int | None:
    if restrict_vocab is not None and (not isinstance(restrict_vocab, int) or restrict_vocab <= 0):
        raise ConfigError(
            f"restrict_vocab must be a positive integer or None, got {restrict_vocab!r}",
            where="restrict_vocab",
        )
    return restrict_vocab


def check_word_eval_settings(oov: str, oov_choices: tuple[str, ...],
                             restrict_vocab: int | None, bootstrap: int) -> None:
    """The settings the word-benchmark evaluators (analogy, similarity) share, checked once."""
    require_one_of(oov, oov_choices, "oov")
    check_restrict_vocab(restrict_vocab)
    if bootstrap < 0:
        raise ConfigError(f"bootstrap must be >= 0, got {bootstrap}", where="bootstrap")




class VocabularyLookup:
    """Word -> row over the first ``limit`` rows; with ``case_insensitive`` both sides are
    folded and the first (most frequent, in a frequency-sorted vocabulary) variant wins."""

    def __init__(self, keys: list[str], limit: int, case_insensitive: bool) -> None:
        self.limit = limit
        self.case_insensitive = case_insensitive
        head = keys[:limit]
        if case_insensitive:
            mapping: dict[str, int] = {}
            for row, key in enumerate(head):
                mapping.setdefault(fold_case(key), row)
            self._map = mapping
        else:
            self._map = {key: row for row, key in enumerate(head)}
        self._keys = head
        self._canonical: np.ndarray | None = None

    def normalize(self, word: str) -> str:
        return fold_case(word) if self.case_insensitive else word

    def row(self, word: str) -> int:
        """The word's row, or -1 when it is not among the first ``limit`` rows."""
        return self._map.get(self.normalize(word), -1)

    def rows(self, words: list[str]) -> np.ndarray:
        get, normalize = self._map.get, self.normalize
        return np.fromiter((get(normalize(w), -1) for w in words), dtype=np.int64, count=len(words))

    @property
    def canonical(self) -> np.ndarray:
        """For every row, the row its (folded) word resolves to: itself unless it is a later
        case variant of an earlier word."""
        if self._canonical is None:
            if self.case_insensitive:
                get = self._map.__getitem__
                self._canonical = np.fromiter(
                    (get(fold_case(k)) for k in self._keys), dtype=np.int64, count=len(self._keys)
                )
            else:
                self._canonical = np.arange(len(self._keys), dtype=np.int64)
        return self._canonical

    def variant_table(self, rows: np.ndarray) -> np.ndarray:
        """Every row whose word folds like each of ``rows`` (canonical rows), padded with -1:
        shape ``(len(rows), widest group)``. Without case folding that is the row itself."""
        rows = np.asarray(rows, dtype=np.int64)
        canonical = self.canonical
        if not self.case_insensitive or canonical.size == 0:
            return rows[:, None].copy()
        variants = np.nonzero(canonical != np.arange(canonical.size))[0]
        if variants.size == 0:
            return rows[:, None].copy()
        groups: dict[int, list[int]] = {}
        for variant in variants.tolist():
            groups.setdefault(int(canonical[variant]), []).append(variant)
        width = 1 + max(len(g) for g in groups.values())
        table = np.full((rows.size, width), -1, dtype=np.int64)
        table[:, 0] = rows
        for i, row in enumerate(rows.tolist()):
            extra = groups.get(row)
            if extra:
                table[i, 1 : 1 + len(extra)] = extra
        return table


_LOOKUPS: weakref.WeakKeyDictionary[Any, dict[tuple[int, int, bool], VocabularyLookup]] = (
    weakref.WeakKeyDictionary()
)


def vocabulary_lookup(
    vectors: Vectors, restrict_vocab: int | None, case_insensitive: bool
) -> VocabularyLookup:
    """A cached :class:`VocabularyLookup` for these vectors and settings."""
    limit = len(vectors) if restrict_vocab is None else min(restrict_vocab, len(vectors))
    per_vectors = _LOOKUPS.setdefault(vectors, {})
    key = (len(vectors), limit, case_insensitive)
    if key not in per_vectors:
        per_vectors[key] = VocabularyLookup(vectors.keys, limit, case_insensitive)
    return per_vectors[key]


@dataclass
class LoadedDataset:
    """A dataset's loaded content, the name results carry and its checksum."""

    data: Any
    name: str
    checksum: str | None
    citation: str = ""


def load_dataset(dataset: Any, *, kind: str, expected: type) -> LoadedDataset:
    """Accept a registered name, a :class:`DatasetSpec` or an already loaded ``expected``
    object; check the dataset is of ``kind``."""
    from lexiplug.data.spec import DatasetSpec

    if isinstance(dataset, expected):
        name = getattr(dataset, "name", "") or expected.__name__
        return LoadedDataset(dataset, name, content_checksum(dataset))
    if isinstance(dataset, str):
        from lexiplug.registry import registry

        spec: DatasetSpec = registry.datasets.get(dataset)()
    elif isinstance(dataset, DatasetSpec):
        spec = dataset
    else:
        raise ConfigError(
            f"expected a dataset name, a DatasetSpec or {expected.__name__}, "
            f"got {type(dataset).__name__}",
            where="dataset",
        )
    if spec.kind != kind:
        raise ConfigError(
            f"dataset {spec.name!r} is a {spec.kind} dataset; this evaluator needs a {kind} one",
            where="dataset",
        )
    checksum = spec.checksum()
    data = spec.load()
    if not isinstance(data, expected):
        raise ConfigError(
            f"dataset {spec.name!r} loaded as {type(data).__name__}, expected {expected.__name__}",
            where="dataset",
        )
    return LoadedDataset(data, spec.name, checksum, spec.citation)


def content_checksum(data: Any) -> str:
    """A short content hash for datasets built in code (no files to hash)."""
    digest = hashlib.sha256()
    if hasattr(data, "pairs"):
        digest.update(repr(list(data.pairs)).encode("utf-8"))
        digest.update(np.asarray(data.scores, dtype=np.float64).tobytes())
    elif hasattr(data, "sections"):
        digest.update(repr(data.sections).encode("utf-8"))
    else:
        digest.update(repr(data).encode("utf-8"))
    return digest.hexdigest()[:16]


def add_warning(warnings: list[str], message: str) -> None:
    """Log ``message`` and keep it for the result, so reports show it next to the score."""
    logger.warning(message)
    warnings.append(message)


def finite_or_none(value: Any) -> float | None:
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


class WordBenchmarkEvaluator:
    """What the analogy and similarity evaluators share: which datasets ``evaluate_all`` runs
    and how ``evaluate`` opens one (vectors, checked dataset, cached vocabulary lookup)."""

    dataset_kind: ClassVar[str]
    dataset_type: ClassVar[type]
    datasets: Sequence[str] | None
    restrict_vocab: int | None
    case_insensitive: bool

    def evaluate(self, model: Any, dataset: Any) -> Result:
        raise NotImplementedError

    def evaluate_all(self, model: Any) -> list[Result]:
        """One result per dataset in ``datasets`` (default: every dataset of this kind found)."""
        from lexiplug.evaluation.api import default_datasets

        names = list(self.datasets) if self.datasets else default_datasets(
            kinds=(self.dataset_kind,))
        return [self.evaluate(model, name) for name in names]

    def open_benchmark(self, model: Any, dataset: Any
                       ) -> tuple[Vectors, LoadedDataset, VocabularyLookup]:
        vectors = as_vectors(model)
        loaded = load_dataset(dataset, kind=self.dataset_kind, expected=self.dataset_type)
        return vectors, loaded, vocabulary_lookup(vectors, self.restrict_vocab,
                                                  self.case_insensitive)
