"""Polarity lexicon induction, SentProp style (docs/sentiment.md; Hamilton et al. 2016).

Word vectors (PPMI-SVD of the domain corpus, or any lexiplug ``Vectors``) -> a kNN graph
(k neighbours by cosine, edge weight ``arccos(-cos)``, made symmetric) -> a random walk with
restart ``p <- beta * T p + (1 - beta) * s`` from the positive and, apart, the negative seeds
(T = D^-1/2 W D^-1/2) -> raw polarity ``pos / (pos + neg)``. Each of ``bootstrap`` runs
starts from a random ``subset_size`` subset of each seed list; all runs walk at once (one
sparse-dense product per step). A word's polarity is the z-scored mean over runs squashed by
tanh into (-1, 1); its confidence is the share of runs that put it on the same side of that
run's median as the mean does.

Saved as a TSV with the header ``word<TAB>polarity<TAB>confidence``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from lexiplug.errors import FormatError, TrainingError

HEADER = ("word", "polarity", "confidence")


@dataclass
class PolarityLexicon:
    words: list[str]
    polarity: np.ndarray  # float32 in (-1, 1)
    confidence: np.ndarray  # float32 in [0, 1]

    def as_dict(self) -> dict[str, float]:
        """word -> polarity x confidence: what the document features sum."""
        weighted = self.polarity * self.confidence
        return dict(zip(self.words, weighted.tolist(), strict=True))

    def top(self, n: int) -> tuple[list[tuple[str, float, float]], list[tuple[str, float, float]]]:
        """The ``n`` most positive and most negative words among the confident ones."""
        order = np.argsort(-self.polarity * self.confidence)
        rows = [(self.words[i], float(self.polarity[i]), float(self.confidence[i]))
                for i in order.tolist()]
        return rows[:n], rows[::-1][:n]


def knn_graph(vectors: np.ndarray, k: int, chunk: int = 2048):  # type: ignore[no-untyped-def]
    """Symmetric sparse kNN graph with SentProp's ``arccos(-cos)`` weights."""
    import scipy.sparse as sp

    n = vectors.shape[0]
    k = min(k, n - 1)
    rows, cols, weights = [], [], []
    for start in range(0, n, chunk):
        sims = vectors[start:start + chunk] @ vectors.T
        block = np.arange(sims.shape[0])
        sims[block, block + start] = -np.inf  # no self-loops
        nearest = np.argpartition(-sims, k - 1, axis=1)[:, :k]
        cos = np.clip(np.take_along_axis(sims, nearest, axis=1), -1.0, 1.0)
        rows.append(np.repeat(np.arange(start, start + sims.shape[0]), k))
        cols.append(nearest.ravel())
        weights.append(np.arccos(-cos).ravel())
    graph = sp.csr_matrix((np.concatenate(weights), (np.concatenate(rows), np.concatenate(cols))),
                          shape=(n, n))
    return graph.maximum(graph.T)


def random_walk(graph, seeds: np.ndarray, *, beta: float, iterations: int,  # type: ignore[no-untyped-def]
                tolerance: float = 1e-6) -> np.ndarray:
    """Stationary scores of walks with restart to the columns of ``seeds`` (n x runs)."""
    import scipy.sparse as sp

    degree = np.asarray(graph.sum(axis=1)).ravel()
    scale = 1.0 / np.sqrt(np.maximum(degree, 1e-12))
    transition = sp.diags(scale) @ graph @ sp.diags(scale)
    restart = seeds / np.maximum(seeds.sum(axis=0, keepdims=True), 1e-12)
    scores = restart.copy()
    for _ in range(iterations):
        updated = beta * (transition @ scores) + (1.0 - beta) * restart
        if np.abs(updated - scores).max() < tolerance:
            return np.asarray(updated)
        scores = updated
    return np.asarray(scores)


def induce(words: Sequence[str], vectors: np.ndarray, positive: Sequence[str],
           negative: Sequence[str], *, k: int = 10, beta: float = 0.85, iterations: int = 120,
           bootstrap: int = 50, subset_size: int = 7, seed: int = 0) -> PolarityLexicon:
    """The lexicon of ``words`` (rows of ``vectors``) from the seed lists."""
    index = {w: i for i, w in enumerate(words)}
    pos_ids = np.asarray(sorted({index[w] for w in positive if w in index}), dtype=np.int64)
    neg_ids = np.asarray(sorted({index[w] for w in negative if w in index}), dtype=np.int64)
    if pos_ids.size == 0 or neg_ids.size == 0:
        raise TrainingError(
            f"expected positive and negative seed words in the corpus vocabulary, found "
            f"{pos_ids.size} positive and {neg_ids.size} negative (a corpus in another "
            "language than the seeds, or min_count too high?)", where="polarity_lexicon.seeds")
    n = len(words)
    unit = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-9)
    graph = knn_graph(unit.astype(np.float32), k)
    rng = np.random.default_rng(seed)
    pos_seeds = np.zeros((n, bootstrap), dtype=np.float64)
    neg_seeds = np.zeros((n, bootstrap), dtype=np.float64)
    for run in range(bootstrap):
        pos_seeds[rng.choice(pos_ids, min(subset_size, pos_ids.size), replace=False), run] = 1.0
        neg_seeds[rng.choice(neg_ids, min(subset_size, neg_ids.size), replace=False), run] = 1.0
    walked = random_walk(graph, np.hstack([pos_seeds, neg_seeds]), beta=beta,
                         iterations=iterations)
    pos, neg = walked[:, :bootstrap], walked[:, bootstrap:]
    raw = pos / np.maximum(pos + neg, 1e-300)
    mean = raw.mean(axis=1)
    spread = mean.std()
    z = (mean - mean.mean()) / (spread if spread > 0 else 1.0)
    side = np.sign(raw - np.median(raw, axis=0, keepdims=True))
    agree = (side == np.sign(mean - np.median(mean))[:, None]).mean(axis=1)
    return PolarityLexicon(list(words), np.tanh(z).astype(np.float32),
                           agree.astype(np.float32))


def save_tsv(lexicon: PolarityLexicon, path: str | Path) -> None:
    from lexiplug.atomic import atomic_open

    with atomic_open(path, "w", encoding="utf-8", newline="\n") as handle:
        handle.write("\t".join(HEADER) + "\n")
        order = np.argsort(-lexicon.polarity)
        for i in order.tolist():
            handle.write(f"{lexicon.words[i]}\t{lexicon.polarity[i]:.6f}\t"
                         f"{lexicon.confidence[i]:.4f}\n")


def _number(raw: str, what: str, low: float, high: float, path: Path, line: int) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise FormatError(f"expected a {what} number, found {raw!r}", path=str(path),
                          line=line) from None
    if not low <= value <= high:
        raise FormatError(f"expected a {what} in [{low}, {high}], found {value}",
                          path=str(path), line=line)
    return value


def load_tsv(path: str | Path) -> PolarityLexicon:
    """Read a lexicon TSV (header optional); a bad line is a FormatError naming it."""
    from ..inputs import read_text

    path = Path(path)
    words: list[str] = []
    polarity: list[float] = []
    confidence: list[float] = []
    for number, line in enumerate(read_text(path).splitlines(), 1):
        if not line.strip() or (number == 1 and line.split("\t")[:1] == ["word"]):
            continue
        fields = line.split("\t")
        if len(fields) not in (2, 3) or not fields[0].strip():
            raise FormatError("expected 'word<TAB>polarity[<TAB>confidence]', found "
                              f"{len(fields)} field(s)", path=str(path), line=number)
        words.append(fields[0].strip().lower())
        polarity.append(_number(fields[1], "polarity", -1.0, 1.0, path, number))
        confidence.append(_number(fields[2], "confidence", 0.0, 1.0, path, number)
                          if len(fields) == 3 else 1.0)
    if not words:
        raise FormatError("expected at least one lexicon entry", path=str(path))
    return PolarityLexicon(words, np.asarray(polarity, dtype=np.float32),
                           np.asarray(confidence, dtype=np.float32))
