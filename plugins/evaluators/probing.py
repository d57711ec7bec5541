"""``lexiplug.probing.v1``: a linear probe (logistic regression) on frozen token vectors that
predicts UPOS, trained on one treebank and tested on another (UD English Atis train -> PUD;
UD Dutch LassySmall v1.3 -> Alpino dev).

Two baselines make the figure mean something: the majority tag of the training set, and the
same probe on *random* vectors for the same word types (it can memorise word identity but
not use the embedding's geometry). Static vectors look tokens up (exact, then lower case);
an unknown token gets the zero vector, is scored like any other token, and is not covered.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from lexiplug.errors import ConfigError
from lexiplug.evaluation.result import Result
from lexiplug.evaluation.stats import bootstrap_ci
from lexiplug.plugin_tools import class_factory
from lexiplug.registry import Registries

from ..datasets.readers_conllu import Sentence, Treebank
from .task_inputs import is_static, load_dataset

EVALUATOR = "lexiplug.probing.v1"
DEFAULT_TRAIN_FOR = {"ud_en_pud": "ud_en_atis", "ud_nl_alpino": "ud_nl_lassysmall_v13"}


@dataclass
class TokenFeatures:
    matrix: np.ndarray  # (n_tokens, dim)
    known: np.ndarray  # bool per token
    types: list[str]  # the lookup key per token ("" when unknown): random baseline ids


def static_features(vectors: Any, sentences: Sequence[Sentence], case_fallback: bool = True
                    ) -> TokenFeatures:
    index = vectors.key_to_index
    forms = [form for s in sentences for form in s.forms]
    keys = []
    for form in forms:
        if form in index:
            keys.append(form)
        elif case_fallback and form.lower() in index:
            keys.append(form.lower())
        else:
            keys.append("")
    rows = np.array([index.get(k, -1) if k else -1 for k in keys], dtype=np.int64)
    known = rows >= 0
    matrix = np.zeros((len(forms), vectors.dim), dtype=np.float32)
    matrix[known] = np.asarray(vectors.matrix)[rows[known]]
    return TokenFeatures(matrix, known, keys)


def encoder_features(model: Any, sentences: Sequence[Sentence]) -> TokenFeatures:
    """``encode_tokens`` on spaCy Docs built from the gold tokens (no re-tokenisation)."""
    from spacy.tokens import Doc
    from spacy.vocab import Vocab

    vocab = Vocab()
    docs = [Doc(vocab, words=list(s.forms)) for s in sentences]
    blocks = model.encode_tokens(docs)
    for sentence, block in zip(sentences, blocks, strict=True):
        if len(block) != len(sentence):
            raise ConfigError(
                f"encode_tokens returned {len(block)} vectors for a {len(sentence)}-token "
                f"sentence (line {sentence.line}); it must align to the given tokens",
                where="model.encode_tokens",
            )
    matrix = np.concatenate([np.asarray(b, dtype=np.float32) for b in blocks])
    types = [f.lower() for s in sentences for f in s.forms]
    return TokenFeatures(matrix, np.ones(len(types), dtype=bool), types)


def random_features(train: TokenFeatures, test: TokenFeatures, seed: int
                    ) -> tuple[np.ndarray, np.ndarray]:
    """One seeded Gaussian vector per word type, shared by train and test (zeros where the
    model had no vector), for the random-vector baseline."""
    types = train.types + test.types
    unique = sorted({t for t in types if t})
    rng = np.random.default_rng(seed)
    table = rng.standard_normal((len(unique) + 1, train.matrix.shape[1])).astype(np.float32)
    table[-1] = 0.0
    position = {t: i for i, t in enumerate(unique)}
    ids = np.array([position.get(t, len(unique)) for t in types], dtype=np.int64)
    matrix = table[ids]
    return matrix[: len(train.types)], matrix[len(train.types):]


def fit_probe(x: np.ndarray, y: np.ndarray, *, c: float, max_iter: int, threads: int = 1
              ) -> Any:
    """Standardise, then multinomial logistic regression (lbfgs).

    BLAS/OpenMP threads are limited (default 1): on a shared, loaded machine the spinning of
    idle worker threads made each fit 100x slower than single-threaded.
    """
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from threadpoolctl import threadpool_limits

    probe = make_pipeline(StandardScaler(), LogisticRegression(C=c, max_iter=max_iter))
    with warnings.catch_warnings(), threadpool_limits(threads):
        warnings.simplefilter("ignore", ConvergenceWarning)
        probe.fit(x, y)
    return probe


@dataclass
class ProbingEvaluator:
    """UPOS probe; ``datasets`` are test treebanks, ``train_for`` maps each to its train set."""

    datasets: Sequence[str] = ("ud_en_pud", "ud_nl_alpino")
    train_for: dict[str, str] | None = None  # default DEFAULT_TRAIN_FOR
    max_train_tokens: int = 50_000
    c: float = 1.0
    max_iter: int = 300
    case_fallback: bool = True
    seed: int = 0
    n_resamples: int = 1000
    threads: int = 1

    def __post_init__(self) -> None:
        if self.max_train_tokens < 1:
            raise ConfigError(f"max_train_tokens must be >= 1, got {self.max_train_tokens}",
                              where="max_train_tokens")
        if self.c <= 0:
            raise ConfigError(f"c must be > 0, got {self.c}", where="c")
        self.datasets = tuple(self.datasets)
        self.train_for = dict(DEFAULT_TRAIN_FOR if self.train_for is None else self.train_for)

    def evaluate(self, model: Any, dataset: Any = "ud_en_pud") -> Result:
        name, train, test, checksum = self._resolve(dataset)
        train_features = self._features(model, train)
        test_features = self._features(model, test)
        y_train = np.array([t for s in train for t in s.upos])
        y_test = np.array([t for s in test for t in s.upos])
        keep_train = self._train_rows(y_train)
        keep_test = y_test != "_"

        def accuracy_of(train_x: np.ndarray, test_x: np.ndarray) -> np.ndarray:
            probe = fit_probe(train_x[keep_train], y_train[keep_train], c=self.c,
                              max_iter=self.max_iter, threads=self.threads)
            from threadpoolctl import threadpool_limits

            with threadpool_limits(self.threads):
                predicted = probe.predict(test_x)
            return np.asarray(predicted == y_test) & keep_test

        correct = accuracy_of(train_features.matrix, test_features.matrix)
        random_train, random_test = random_features(train_features, test_features, self.seed)
        random_correct = accuracy_of(random_train, random_test)
        majority = Counter(y_train[keep_train].tolist()).most_common(1)[0][0]
        n_scored = int(keep_test.sum())
        covered = test_features.known & keep_test
        accuracy = float(correct.sum() / n_scored)
        metrics: dict[str, float | None] = {
            "accuracy": accuracy,
            "accuracy_covered": float(correct[covered].sum() / covered.sum()) if covered.any()
            else None,
            "majority_accuracy": float(((y_test == majority) & keep_test).sum() / n_scored),
            "random_vector_accuracy": float(random_correct.sum() / n_scored),
        }
        metrics["selectivity"] = accuracy - float(metrics["random_vector_accuracy"] or 0.0)
        bounds = np.cumsum([0] + [len(s) for s in test])
        per_sentence_correct = np.add.reduceat(correct.astype(np.int64), bounds[:-1])
        per_sentence_scored = np.add.reduceat(keep_test.astype(np.int64), bounds[:-1])
        per_sentence_known = np.add.reduceat(covered.astype(np.int64), bounds[:-1])

        def sentence_accuracy(idx: np.ndarray) -> float:
            scored = per_sentence_scored[idx].sum()
            return float(per_sentence_correct[idx].sum() / scored) if scored else float("nan")

        interval = bootstrap_ci(sentence_accuracy, len(test), n_resamples=self.n_resamples,
                                seed=self.seed)
        details = [
            {"id": s.sent_id or i, "sentence": i, "line": s.line,
             "n_tokens": int(per_sentence_scored[i]), "n_correct": int(per_sentence_correct[i]),
             "n_covered": int(per_sentence_known[i])}
            for i, s in enumerate(test)
        ]
        return Result(
            evaluator=EVALUATOR, dataset=name, metrics=metrics, primary="accuracy",
            n_items=n_scored, n_covered=int(covered.sum()),
            ci={"accuracy": interval} if interval else {}, details=details,
            dataset_checksum=checksum,
            extra={"majority_tag": majority, "n_train_tokens": int(keep_train.sum()),
                   "train_coverage": float(train_features.known.mean()),
                   "probe": f"StandardScaler + LogisticRegression(C={self.c})"},
        )

    def evaluate_all(self, model: Any) -> list[Result]:
        return [self.evaluate(model, name) for name in self.datasets]

    def _features(self, model: Any, sentences: Sequence[Sentence]) -> TokenFeatures:
        if is_static(model):
            return static_features(model, sentences, self.case_fallback)
        if hasattr(model, "encode_tokens"):
            return encoder_features(model, sentences)
        raise ConfigError(f"model {type(model).__name__} is neither Vectors nor has "
                          "encode_tokens(docs)", where="model")

    def _train_rows(self, labels: np.ndarray) -> np.ndarray:
        keep = labels != "_"
        if keep.sum() > self.max_train_tokens:
            rng = np.random.default_rng(self.seed)
            chosen = rng.choice(np.nonzero(keep)[0], self.max_train_tokens, replace=False)
            keep = np.zeros(len(labels), dtype=bool)
            keep[chosen] = True
        return keep

    def _resolve(self, dataset: Any) -> tuple[str, list[Sentence], list[Sentence], str | None]:
        """(name, train sentences, test sentences, checksum of both)."""
        where = "evaluate.probing.datasets"
        if isinstance(dataset, tuple) and len(dataset) == 2:
            train_arg, test_arg = dataset
        elif isinstance(dataset, str):
            if dataset not in self.train_for:
                raise ConfigError(
                    f"no training treebank for {dataset!r}; train_for knows "
                    f"{sorted(self.train_for)} (or pass a (train, test) pair)", where=where)
            train_arg, test_arg = self.train_for[dataset], dataset
        else:
            train_arg = test_arg = dataset
        train = load_dataset(train_arg, Treebank, where=where)
        test = load_dataset(test_arg, Treebank, where=where)
        train_split = train.data.split("train")
        test_split = test.data.split("test", "dev")
        checksum = None
        if train.checksum and test.checksum:
            checksum = f"{train.checksum}+{test.checksum}"
        name = test.name if train.data is test.data else f"{train.name}->{test.name}"
        return name, train_split, test_split, checksum


make_probing_evaluator = class_factory(ProbingEvaluator, name="make_probing_evaluator")


def register(registry: Registries) -> None:
    registry.evaluators.register(EVALUATOR, func=make_probing_evaluator)
