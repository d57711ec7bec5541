"""Sense vectors: every word has 1..K vectors, a prior over them, and a way to choose one.

:class:`SenseVectors` *is* a :class:`~lexiplug.vectors.Vectors` (its matrix is one vector per
word: the prior-weighted mean of the senses, or the most frequent sense), so every evaluator,
transform and the spaCy bridge take it unchanged; the senses sit beside that matrix.

Choosing a sense in context follows Disambiguated Skip-gram (docs/multisense.md):
p(k | w, C) = softmax_k(scale · d_{w,k} · c̄), where c̄ is the mean of the context words'
``context`` rows less ``context_mean``, scaled to unit length. DSG learns ``d`` (sense
disambiguation vectors) together with ``context`` (the context words' disambiguation
vectors); the context-clustering baseline stores its cluster centroids as ``d`` and unit
global vectors as ``context``, with a large ``scale`` (a soft nearest-centroid choice).

Saved as one safetensors file (arrays) whose header metadata holds the keys and settings as
JSON, written through :func:`lexiplug.atomic.atomic_open`: a reader sees the old file or the
new one, never half of one, and loading unpickles nothing.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np
from lexiplug.errors import ConfigError, FormatError, OOVError
from lexiplug.vectors.vectors import Vectors

logger = logging.getLogger(__name__)

FORMAT = "lexiplug-senses"
VERSION = 1
Collapse = Literal["prior_mean", "most_frequent"]
COLLAPSES: tuple[str, ...] = ("prior_mean", "most_frequent")
_ARRAYS = ("senses", "disambiguation", "context", "priors", "sense_start", "n_senses")


class SenseVectors(Vectors):
    """Word vectors with several senses per word.

    ``senses``/``disambiguation`` hold one row per sense, word ``i``'s senses being rows
    ``sense_start[i] : sense_start[i] + n_senses[i]``; ``priors`` (one per sense, summing to 1
    per word) is how often each sense was chosen in training; ``context`` holds one row per
    word, the rows whose mean is the context representation c̄.
    """

    def __init__(
        self,
        keys: Sequence[str],
        senses: np.ndarray,
        n_senses: np.ndarray,
        priors: np.ndarray,
        disambiguation: np.ndarray,
        context: np.ndarray,
        *,
        context_mean: np.ndarray | None = None,
        scale: float = 1.0,
        collapse: Collapse = "prior_mean",
        counts: np.ndarray | Sequence[int] | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        if collapse not in COLLAPSES:
            raise ConfigError(f"expected one of {COLLAPSES}; found {collapse!r}",
                              where="collapse")
        self.n_senses = np.asarray(n_senses, dtype=np.int64)
        self.sense_start = np.concatenate(([0], np.cumsum(self.n_senses)[:-1])).astype(np.int64)
        self.senses = np.asarray(senses, dtype=np.float32)
        self.priors = np.asarray(priors, dtype=np.float64)
        self.disambiguation = np.asarray(disambiguation, dtype=np.float32)
        self.context = np.asarray(context, dtype=np.float32)
        self.context_mean = (np.zeros(self.context.shape[1], dtype=np.float32)
                             if context_mean is None else
                             np.asarray(context_mean, dtype=np.float32))
        self.scale = float(scale)
        self.collapse = collapse
        total = int(self.n_senses.sum())
        _check_shapes(len(keys), total, self)
        super().__init__(keys, self._collapsed(), counts=counts, metadata=metadata)

    # -- senses --------------------------------------------------------------------------

    def _collapsed(self) -> np.ndarray:
        word_of_sense = np.repeat(np.arange(len(self.n_senses)), self.n_senses)
        if self.collapse == "prior_mean":
            out = np.zeros((len(self.n_senses), self.senses.shape[1]), dtype=np.float64)
            np.add.at(out, word_of_sense, self.senses * self.priors[:, None])
            return out.astype(np.float32)
        best = [start + int(np.argmax(self.priors[start:start + n]))
                for start, n in zip(self.sense_start.tolist(), self.n_senses.tolist(),
                                    strict=True)]
        return self.senses[best].copy()

    def _word_row(self, word: str) -> int:
        row = self.key_to_index.get(word)
        if row is None:
            row = self.key_to_index.get(word.lower())
        if row is None:
            raise OOVError(f"{word!r} is not in the sense vocabulary ({len(self.keys)} words)",
                           where="word")
        return row

    def _span(self, row: int) -> slice:
        start = int(self.sense_start[row])
        return slice(start, start + int(self.n_senses[row]))

    def sense_count(self, word: str) -> int:
        return int(self.n_senses[self._word_row(word)])

    def sense_matrix(self, word: str) -> np.ndarray:
        """The word's sense vectors, one row per sense."""
        return self.senses[self._span(self._word_row(word))]

    def sense_priors(self, word: str) -> np.ndarray:
        return self.priors[self._span(self._word_row(word))].copy()

    def context_vector(self, context: Sequence[str]) -> np.ndarray | None:
        """c̄: the mean ``context`` row of the known context words less ``context_mean``, at
        unit length (as DSG trains it); None if no context word is known."""
        rows = [r for r in (self.key_to_index.get(t, self.key_to_index.get(t.lower()))
                            for t in context) if r is not None]
        if not rows:
            return None
        c_bar = self.context[rows].mean(axis=0) - self.context_mean
        norm = float(np.linalg.norm(c_bar))
        return c_bar / norm if norm > 1e-8 else c_bar

    def disambiguate(self, word: str, context: Sequence[str]) -> np.ndarray:
        """p(k | word, context) over the word's senses.

        Unknown ``word``: :class:`~lexiplug.errors.OOVError`. A context with no known word
        gives the prior, with a warning saying so (there is nothing to choose by).
        """
        row = self._word_row(word)
        span = self._span(row)
        c_bar = self.context_vector(context)
        if c_bar is None:
            logger.warning("disambiguate(%r): no context word is in the vocabulary; "
                           "returning the sense prior", word)
            return self.priors[span].copy()
        return softmax(self.scale * (self.disambiguation[span] @ c_bar))

    def disambiguate_many(self, word: str, contexts: Sequence[Sequence[str]]) -> np.ndarray:
        """One row of sense probabilities per context (the prior for an all-unknown one)."""
        return np.stack([self.disambiguate(word, c) for c in contexts]) if contexts else \
            np.zeros((0, self.sense_count(word)))

    def sense_vector_in_context(self, word: str, context: Sequence[str]) -> tuple[int, np.ndarray]:
        """The most probable sense in ``context`` and its vector."""
        probabilities = self.disambiguate(word, context)
        best = int(np.argmax(probabilities))
        return best, self.sense_matrix(word)[best]

    @property
    def senses_per_word(self) -> float:
        return float(self.n_senses.mean()) if len(self.n_senses) else 0.0

    def to_vectors(self, collapse: Collapse | None = None) -> Vectors:
        """Plain :class:`Vectors` (one per word), for code that wants nothing else."""
        matrix = self.matrix if collapse in (None, self.collapse) else SenseVectors(
            self.keys, self.senses, self.n_senses, self.priors, self.disambiguation,
            self.context, context_mean=self.context_mean, scale=self.scale,
            collapse=collapse or self.collapse).matrix
        return Vectors(self.keys, matrix.copy(), counts=self.counts,
                       metadata={**self.metadata, "collapsed_from_senses": collapse
                                 or self.collapse})

    def pruned(self, threshold: float) -> SenseVectors:
        """The model without the senses whose prior is below ``threshold`` (a word keeps at
        least its most frequent sense; the priors of the rest are renormalised).

        DSG's pruning acts on the last epoch's sense shares, which the priors are, so this
        gives the granularity of another ``prune_threshold`` without training again.
        """
        if not 0 <= threshold < 1:
            raise ConfigError(f"expected a share in [0, 1); found {threshold!r}",
                              where="threshold")
        word_of_sense = np.repeat(np.arange(len(self.n_senses)), self.n_senses)
        best = np.zeros(len(self.n_senses))
        np.maximum.at(best, word_of_sense, self.priors)
        # each word keeps its most frequent sense (the first, on a tie)
        at_best = np.flatnonzero(self.priors >= best[word_of_sense])
        _, first = np.unique(word_of_sense[at_best], return_index=True)
        keep = self.priors >= threshold
        keep[at_best[first]] = True
        kept_per_word = np.bincount(word_of_sense[keep], minlength=len(self.n_senses))
        return SenseVectors(
            self.keys, self.senses[keep], kept_per_word,
            normalise_priors(self.priors[keep], kept_per_word), self.disambiguation[keep],
            self.context, context_mean=self.context_mean, scale=self.scale,
            collapse=self.collapse, counts=self.counts,
            metadata={**self.metadata, "pruned_at": threshold})

    # -- files ---------------------------------------------------------------------------

    def save(self, path: str | Path, format: str = "senses", **options: Any) -> Path:
        """``format="senses"`` keeps every sense; any other format saves the one-vector view."""
        if format != "senses":
            return self.to_vectors().save(path, format=format, **options)
        from lexiplug.atomic import atomic_open
        from safetensors.numpy import save

        target = Path(path)
        arrays = {
            "senses": self.senses, "disambiguation": self.disambiguation,
            "context": self.context, "priors": self.priors,
            "n_senses": self.n_senses, "context_mean": self.context_mean,
        }
        if self.counts is not None:
            arrays["counts"] = self.counts
        header = {
            "format": FORMAT, "version": str(VERSION), "keys": json.dumps(self.keys),
            "scale": repr(self.scale), "collapse": self.collapse,
            "metadata": json.dumps(self.metadata, default=str),
        }
        # serialised in memory and written through our own open(): safetensors' save_file
        # would recreate the temporary file owner-only (0600) instead of with the umask
        payload = save({k: np.ascontiguousarray(v) for k, v in arrays.items()}, metadata=header)
        with atomic_open(target, "wb") as handle:
            handle.write(payload)
        return target

    @classmethod
    def load(cls, path: str | Path, format: str = "senses", **options: Any) -> SenseVectors:
        """Read a file written by :meth:`save`; :class:`FormatError` names what is wrong."""
        if format != "senses":
            raise ConfigError("SenseVectors.load reads only the 'senses' format; use "
                              "Vectors.load for one-vector formats", where="format")
        from safetensors import safe_open

        source = Path(path)
        try:
            with safe_open(str(source), framework="numpy") as handle:
                header = handle.metadata() or {}
                arrays = {name: handle.get_tensor(name) for name in handle.keys()}
        except FileNotFoundError:
            raise FormatError("no such file", path=source) from None
        except Exception as error:  # safetensors raises its own error types
            raise FormatError(f"expected a safetensors file of sense vectors ({error})",
                              path=source) from None
        if header.get("format") != FORMAT:
            raise FormatError(f"expected a {FORMAT!r} file; its header says format="
                              f"{header.get('format')!r}", path=source)
        missing = [name for name in _ARRAYS if name != "sense_start" and name not in arrays]
        if missing:
            raise FormatError(f"the file lacks the arrays {missing}", path=source)
        try:
            keys = json.loads(header["keys"])
            metadata = json.loads(header.get("metadata", "{}"))
            return cls(keys, arrays["senses"], arrays["n_senses"], arrays["priors"],
                       arrays["disambiguation"], arrays["context"],
                       context_mean=arrays.get("context_mean"),
                       scale=float(header.get("scale", "1.0")),
                       collapse=header.get("collapse", "prior_mean"),  # type: ignore[arg-type]
                       counts=arrays.get("counts"), metadata=metadata)
        except (KeyError, ValueError) as error:
            raise FormatError(f"inconsistent sense-vectors file: {error}", path=source) from None


def _check_shapes(n_words: int, total: int, sv: SenseVectors) -> None:
    if sv.n_senses.shape != (n_words,) or (n_words and sv.n_senses.min() < 1):
        raise ValueError(f"n_senses must hold one count >= 1 per word ({n_words} words)")
    for name in ("senses", "disambiguation", "priors"):
        if getattr(sv, name).shape[0] != total:
            raise ValueError(f"{name} must have one row per sense ({total}); found "
                             f"{getattr(sv, name).shape[0]}")
    if sv.context.shape[0] != n_words:
        raise ValueError(f"context must have one row per word ({n_words}); found "
                         f"{sv.context.shape[0]}")


def softmax(scores: np.ndarray) -> np.ndarray:
    shifted = np.exp(scores - scores.max())
    return shifted / shifted.sum()


def normalise_priors(marginals: np.ndarray, n_senses: np.ndarray) -> np.ndarray:
    """Per-word normalised sense marginals (uniform for a word never seen in training)."""
    word_of_sense = np.repeat(np.arange(len(n_senses)), n_senses)
    totals = np.bincount(word_of_sense, weights=marginals, minlength=len(n_senses))
    uniform = 1.0 / n_senses[word_of_sense]
    with np.errstate(invalid="ignore", divide="ignore"):
        priors = marginals / totals[word_of_sense]
    return np.where(totals[word_of_sense] > 0, priors, uniform)
