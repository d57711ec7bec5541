"""The ``lexiplug_phenotype`` pipeline component: one label per task for each report.

Gold labels live in ``doc.cats`` as ``task=label`` entries (1.0 for the label, 0.0 or absent
for the others), so ``spacy train`` carries them; a task with no positive entry is a missing
label and adds nothing to the loss (masked). The label vocabulary of each task is read from
the training data at ``initialize``. Inference writes every ``task=label`` probability into
``doc.cats`` and ``doc._.phenotype = {task: (label, probability)}``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np
from lexiplug.errors import ConfigError, TrainingError
from spacy.language import Language
from spacy.pipeline import TrainablePipe
from spacy.tokens import Doc
from spacy.training import Example, validate_examples, validate_get_examples
from thinc.api import Model, Optimizer, set_dropout_rate

from ..loading import BuildsBeforeLoading
from ..numeric import softmax
from ..training_step import train_step
from .scorer import SEPARATOR, gold_label, split_label

DOC_EXTENSION = "phenotype"


def ensure_extension() -> None:
    if not Doc.has_extension(DOC_EXTENSION):
        Doc.set_extension(DOC_EXTENSION, default=None)


CLASS_WEIGHTINGS = ("none", "balanced")


def masked_cross_entropy(logits: np.ndarray, gold: np.ndarray, sizes: Sequence[int],
                         class_weights: Sequence[Sequence[float]] | None = None
                         ) -> tuple[float, np.ndarray]:
    """Sum over tasks of the mean cross-entropy over the docs labelled for that task.

    ``gold``: (n_docs, n_tasks) class index, -1 = missing (no loss, no gradient).
    ``class_weights``: per task, one weight per class; the mean is then weighted by the gold
    class's weight (as ``torch.nn.functional.cross_entropy(weight=...)`` does), so rare
    classes count more. Returns (loss, d_logits) with the gradient laid out like ``logits``.
    """
    grad = np.zeros_like(logits, dtype=np.float32)
    loss = 0.0
    start = 0
    for t, size in enumerate(sizes):
        block = slice(start, start + size)
        start += size
        labelled = gold[:, t] >= 0
        n = int(labelled.sum())
        if n == 0:
            continue
        probs = softmax(logits[labelled, block].astype(np.float64))
        target = gold[labelled, t]
        weight = (np.ones(n) if class_weights is None
                  else np.asarray(class_weights[t], dtype=np.float64)[target])
        picked = probs[np.arange(n), target]
        loss += float((-np.log(np.maximum(picked, 1e-12)) * weight).sum() / weight.sum())
        probs[np.arange(n), target] -= 1.0
        grad[np.flatnonzero(labelled), block] = (
            probs * (weight / weight.sum())[:, None]).astype(np.float32)
    return loss, grad


def balanced_class_weights(gold: np.ndarray, sizes: Sequence[int]) -> list[list[float]]:
    """Per task, ``n / (k * n_c)`` for each class seen ``n_c`` times among the ``n`` labelled
    docs (scikit-learn's "balanced"; ``k`` = classes seen); a class unseen in training gets 1."""
    weights = []
    for t, size in enumerate(sizes):
        labels = gold[:, t][gold[:, t] >= 0]
        counts = np.bincount(labels, minlength=size).astype(np.float64)
        seen = counts > 0
        row = np.ones(size)
        if seen.any():
            row[seen] = len(labels) / (int(seen.sum()) * counts[seen])
        weights.append([round(float(w), 6) for w in row])
    return weights


class Phenotyper(BuildsBeforeLoading, TrainablePipe):
    """Multitask report classifier (see the module docstring)."""

    build_flag = "placeholder"  # the architecture skips that work when loading

    def __init__(self, vocab: Any, model: Model, name: str = "phenotype", *,
                 tasks: Sequence[str] = (), min_count: int = 2,
                 separator: str = SEPARATOR, class_weighting: str = "none",
                 scorer: Callable | None = None) -> None:
        if class_weighting not in CLASS_WEIGHTINGS:
            raise ConfigError(f"expected class_weighting one of {list(CLASS_WEIGHTINGS)}, "
                              f"found {class_weighting!r}",
                              where=f"components.{name}.class_weighting")
        if min_count < 1:
            raise ConfigError(f"expected min_count >= 1, found {min_count!r}",
                              where=f"components.{name}.min_count")
        if not separator:
            raise ConfigError("expected a non-empty separator",
                              where=f"components.{name}.separator")
        ensure_extension()
        self.vocab = vocab
        self.model = model
        self.name = name
        self.scorer = scorer
        self.cfg: dict[str, Any] = {"tasks": list(tasks), "labels": {}, "min_count": min_count,
                                    "separator": separator, "class_weighting": class_weighting,
                                    "class_weights": None}

    # -- labels ----------------------------------------------------------------------------

    @property
    def tasks(self) -> list[str]:
        return list(self.cfg["labels"])

    @property
    def labels(self) -> tuple[str, ...]:
        sep = self.cfg["separator"]
        return tuple(f"{t}{sep}{label}" for t, labels in self.cfg["labels"].items()
                     for label in labels)

    @property
    def label_data(self) -> dict[str, list[str]]:
        return {task: list(labels) for task, labels in self.cfg["labels"].items()}

    def gold_matrix(self, examples: Iterable[Example]) -> np.ndarray:
        """(n_docs, n_tasks) class indices of the examples' gold labels; -1 where missing or
        where the label was not seen in training."""
        sep = self.cfg["separator"]
        index = {task: {label: i for i, label in enumerate(labels)}
                 for task, labels in self.cfg["labels"].items()}
        rows = []
        for eg in examples:
            row = []
            for task in self.tasks:
                label = gold_label(eg.reference.cats, task, sep)
                row.append(index[task].get(label, -1) if label is not None else -1)
            rows.append(row)
        return np.asarray(rows, dtype=np.int64).reshape(len(rows), len(self.tasks))

    # -- inference -------------------------------------------------------------------------

    def predict(self, docs: Iterable[Doc]) -> np.ndarray:
        docs = list(docs)
        if not docs:
            return np.zeros((0, len(self.labels)), dtype=np.float32)
        logits = self.model.predict(docs)
        return np.asarray(self.model.ops.to_numpy(logits), dtype=np.float32)

    def set_annotations(self, docs: Iterable[Doc], logits: np.ndarray) -> None:
        sep = self.cfg["separator"]
        docs = list(docs)
        start = 0
        blocks = []
        for task, labels in self.cfg["labels"].items():
            blocks.append((task, labels, softmax(logits[:, start:start + len(labels)])))
            start += len(labels)
        for d, doc in enumerate(docs):
            result: dict[str, tuple[str, float]] = {}
            for task, labels, probs in blocks:
                row = probs[d]
                for label, p in zip(labels, row.tolist(), strict=True):
                    doc.cats[f"{task}{sep}{label}"] = p
                best = int(row.argmax())
                result[task] = (labels[best], float(row[best]))
            doc._.set(DOC_EXTENSION, result)

    # -- training --------------------------------------------------------------------------

    def update(self, examples: Iterable[Example], *, drop: float = 0.0,
               sgd: Optimizer | None = None, losses: dict[str, float] | None = None
               ) -> dict[str, float]:
        losses = {} if losses is None else losses
        losses.setdefault(self.name, 0.0)
        examples = list(examples)
        if not examples:
            return losses
        validate_examples(examples, f"{self.name}.update")
        set_dropout_rate(self.model, drop)
        return train_step(self, [eg.predicted for eg in examples],
                          lambda logits: self.get_loss(examples, logits), sgd, losses)

    def get_loss(self, examples: Iterable[Example], scores: Any) -> tuple[float, Any]:
        ops = self.model.ops
        host = np.asarray(ops.to_numpy(scores), dtype=np.float32)
        sizes = [len(labels) for labels in self.cfg["labels"].values()]
        loss, grad = masked_cross_entropy(host, self.gold_matrix(examples), sizes,
                                          self.cfg.get("class_weights"))
        return loss, ops.asarray2f(grad)

    def initialize(self, get_examples: Callable[[], Iterable[Example]], *,
                   nlp: Language | None = None,
                   labels: dict[str, list[str]] | None = None) -> None:
        """Reads the label vocabulary of each task, the class weights (``class_weighting``)
        and the training words (``min_count``) from the examples, then builds the network."""
        validate_get_examples(get_examples, f"{self.name}.initialize")
        self.cfg["labels"] = labels if labels else self._labels_from(get_examples())
        sizes = [len(v) for v in self.cfg["labels"].values()]
        self.cfg["class_weights"] = (
            balanced_class_weights(self.gold_matrix(get_examples()), sizes)
            if self.cfg.get("class_weighting") == "balanced" else None)
        self.model.attrs["task_sizes"] = sizes
        self.model.attrs["train_words"] = self._training_words(get_examples())
        self.model.initialize()

    def _labels_from(self, examples: Iterable[Example]) -> dict[str, list[str]]:
        sep = self.cfg["separator"]
        found: dict[str, set[str]] = {}
        for eg in examples:
            for key in eg.reference.cats:
                parts = split_label(key, sep)
                if parts:
                    found.setdefault(parts[0], set()).add(parts[1])
        wanted = self.cfg["tasks"] or sorted(found)
        missing = [t for t in wanted if t not in found]
        if missing or not wanted:
            raise TrainingError(
                f"expected doc.cats entries 'TASK{sep}LABEL' for the tasks {wanted or '(any)'}; "
                f"the training data has none for {missing or 'any task'} (tasks found: "
                f"{sorted(found)}). Prepare the data with `lexiplug task prepare phenotype`.",
                where=f"components.{self.name}.tasks")
        return {task: sorted(found[task]) for task in wanted}

    def _training_words(self, examples: Iterable[Example]) -> list[str]:
        from spacy.attrs import LOWER

        counts: Counter[int] = Counter()
        for eg in examples:
            hashes, n = np.unique(eg.predicted.to_array(LOWER), return_counts=True)
            counts.update(dict(zip(hashes.tolist(), n.tolist(), strict=True)))
        strings = self.vocab.strings
        keep = [(-n, strings[h]) for h, n in counts.items() if n >= self.cfg["min_count"]]
        return [word for _, word in sorted(keep)]

    def add_label(self, label: str) -> int:
        raise NotImplementedError("labels are read from the training data at initialize")
