"""``lexiplug.context_clustering.v1``: multi-prototype vectors by clustering contexts.

The older family of multi-sense models (Huang et al. 2012; Neelakantan et al. 2014 cluster
online), kept as the baseline Disambiguated Skip-gram must beat:

1. train single-sense skip-gram (gensim) and take its unit vectors as *global* vectors;
2. represent each occurrence of a frequent word (``min_sense_count``) by the mean global vector
   of the words within ``window`` of it, and cluster a seeded sample of those (at most
   ``max_samples`` a word) into ``senses`` groups by spherical k-means;
3. relabel every occurrence with its nearest centroid (``bank`` -> ``bank#2``) and retrain
   skip-gram on the relabelled corpus: the vector of ``bank#k`` is sense k.

The result is :class:`SenseVectors` whose disambiguation rows are the centroids and whose
context rows are the global vectors, so ``disambiguate`` is a (sharp) nearest-centroid choice;
a cluster that ends up with fewer than ``min_count`` occurrences has no vector and is dropped.
"""

from __future__ import annotations

import itertools
import logging
import time
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from lexiplug.errors import ConfigError
from lexiplug.plugin_tools import settings_factory
from lexiplug.registry import Registries

from .dsg import encode

if TYPE_CHECKING:
    from lexiplug.corpus.encoded import EncodedCorpus

    from .sense_vectors import SenseVectors

NAME = "lexiplug.context_clustering.v1"
SEP = "#"
logger = logging.getLogger(__name__)
_CHUNK_TOKENS = 50_000


@dataclass
class ContextClusteringSettings:
    """Skip-gram (gensim), then k-means over each frequent word's contexts, then skip-gram
    on the sense-labelled corpus."""

    dim: int = 100
    window: int = 5
    senses: int = 5
    min_count: int = 5
    min_sense_count: int = 200
    max_samples: int = 1000
    kmeans_iterations: int = 10
    scale: float = 50.0
    epochs: int = 5
    negative: int = 5
    sample: float = 1e-3
    workers: int = 1
    seed: int = 0
    lowercase: bool = False

    def __post_init__(self) -> None:
        for name in ("dim", "window", "senses", "min_count", "min_sense_count", "max_samples",
                     "kmeans_iterations", "epochs", "negative", "workers"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ConfigError(f"expected a positive integer; found {value!r}", where=name)
        if not self.scale > 0:
            raise ConfigError(f"expected a scale > 0; found {self.scale!r}", where="scale")


class ContextClustering:
    def __init__(self, settings: ContextClusteringSettings) -> None:
        self.params = settings
        self.fit_seconds: float | None = None

    def fingerprint(self) -> dict[str, Any]:
        return asdict(self.params)

    def fit(self, corpus: Any) -> SenseVectors:
        p = self.params
        start = time.perf_counter()
        encoded = encode(corpus, min_count=p.min_count, max_vocab=None, lowercase=p.lowercase)
        words = list(encoded.vocab.words)
        counts = np.asarray(encoded.vocab.counts, dtype=np.int64)
        first = self._skipgram(_sentences(encoded, words))
        global_unit = _unit(np.stack([first.wv[w] for w in words]))
        frequent = np.flatnonzero(counts >= p.min_sense_count)
        slot = np.full(len(words), -1, dtype=np.int64)
        slot[frequent] = np.arange(len(frequent))
        centroids = self._centroids(encoded, global_unit, frequent, slot, counts)
        labels = self._labels(encoded, global_unit, slot, centroids)
        second = self._skipgram(_labelled_sentences(encoded, words, slot, labels))
        out = self._vectors(words, counts, second, global_unit, slot, centroids)
        self.fit_seconds = time.perf_counter() - start
        out.metadata["fit_seconds"] = self.fit_seconds
        return out

    def _skipgram(self, sentences: list[list[str]]) -> Any:
        from gensim.models import Word2Vec

        p = self.params
        return Word2Vec(sentences, vector_size=p.dim, window=p.window, min_count=p.min_count,
                        sg=1, negative=p.negative, sample=p.sample, epochs=p.epochs,
                        workers=p.workers, seed=p.seed)

    def _centroids(self, encoded: EncodedCorpus, unit: np.ndarray, frequent: np.ndarray,
                   slot: np.ndarray, counts: np.ndarray) -> np.ndarray:
        """(frequent words, senses, dim) unit centroids by spherical k-means on samples."""
        p = self.params
        rng = np.random.default_rng(p.seed)
        take = np.minimum(1.0, p.max_samples / np.maximum(counts, 1))
        samples: list[np.ndarray] = []
        owners: list[np.ndarray] = []
        for a, b, contexts in _context_chunks(encoded, unit, p.window):
            ids = np.asarray(encoded.ids[a:b])
            chosen = (slot[ids] >= 0) & (rng.random(len(ids)) < take[ids])
            samples.append(contexts[chosen])
            owners.append(slot[ids[chosen]])
        vectors, owner = np.concatenate(samples), np.concatenate(owners)
        centroids = np.zeros((len(frequent), p.senses, unit.shape[1]), dtype=np.float32)
        order = np.argsort(owner, kind="stable")
        bounds = np.searchsorted(owner[order], np.arange(len(frequent) + 1))
        for s in range(len(frequent)):
            rows = _unit(vectors[order[bounds[s]:bounds[s + 1]]])
            centroids[s] = spherical_kmeans(rows, p.senses, p.kmeans_iterations, rng)
        return centroids

    def _labels(self, encoded: EncodedCorpus, unit: np.ndarray, slot: np.ndarray,
                centroids: np.ndarray) -> np.ndarray:
        labels = np.full(encoded.n_tokens, -1, dtype=np.int8)
        for a, b, contexts in _context_chunks(encoded, unit, self.params.window):
            ids = np.asarray(encoded.ids[a:b])
            multi = np.flatnonzero(slot[ids] >= 0)
            scores = np.einsum("nkd,nd->nk", centroids[slot[ids[multi]]], contexts[multi])
            labels[a + multi] = scores.argmax(axis=1)
        return labels

    def _vectors(self, words: list[str], counts: np.ndarray, model: Any, global_unit: np.ndarray,
                 slot: np.ndarray, centroids: np.ndarray) -> SenseVectors:
        from .sense_vectors import SenseVectors

        senses: list[np.ndarray] = []
        disambiguation: list[np.ndarray] = []
        priors: list[float] = []
        n_senses: list[int] = []
        for row, word in enumerate(words):
            if slot[row] < 0:
                found = [(word, global_unit[row], 1)] if word in model.wv else []
            else:
                found = [(f"{word}{SEP}{k}", centroids[slot[row], k],
                          model.wv.get_vecattr(f"{word}{SEP}{k}", "count"))
                         for k in range(self.params.senses) if f"{word}{SEP}{k}" in model.wv]
            if not found:  # every cluster below min_count: fall back to the global vector
                found = [(word, global_unit[row], 1)]
                vectors = [global_unit[row]]
            else:
                vectors = [model.wv[key] if key in model.wv else global_unit[row]
                           for key, _, _ in found]
            total = float(sum(c for _, _, c in found))
            senses.extend(vectors)
            disambiguation.extend(c for _, c, _ in found)
            priors.extend(c / total for _, _, c in found)
            n_senses.append(len(found))
        return SenseVectors(words, np.stack(senses), np.array(n_senses), np.array(priors),
                            np.stack(disambiguation), global_unit, scale=self.params.scale,
                            counts=counts, metadata={"method": NAME,
                                                     "params": self.fingerprint()})


def spherical_kmeans(rows: np.ndarray, k: int, iterations: int, rng: np.random.Generator
                     ) -> np.ndarray:
    """k unit centroids of unit ``rows`` (cosine k-means, seeded random initial rows); fewer
    rows than k repeat the first ones."""
    if len(rows) == 0:
        return np.zeros((k, rows.shape[1]), dtype=np.float32)
    start = rng.choice(len(rows), size=min(k, len(rows)), replace=False)
    centroids = rows[np.resize(start, k)].copy()
    for _ in range(iterations):
        assign = (rows @ centroids.T).argmax(axis=1)
        for c in range(k):
            members = rows[assign == c]
            if len(members):
                centroids[c] = members.sum(axis=0)
        centroids = _unit(centroids)
    return centroids.astype(np.float32)


def _context_chunks(encoded: EncodedCorpus, unit: np.ndarray, window: int):  # type: ignore[no-untyped-def]
    """(start, stop, contexts): the mean unit vector of the words within ``window`` of each
    token of ``ids[start:stop]``, inside its sentence (a chunk never splits a sentence)."""
    offsets = np.asarray(encoded.offsets)
    ids_all = np.asarray(encoded.ids)
    cuts = np.unique(np.searchsorted(offsets, np.arange(0, offsets[-1], _CHUNK_TOKENS)))
    edges = np.unique(np.concatenate((offsets[np.clip(cuts, 0, len(offsets) - 1)],
                                      [offsets[-1]])))
    for a, b in zip(edges[:-1].tolist(), edges[1:].tolist(), strict=True):
        ids = ids_all[a:b]
        rows = unit[ids].astype(np.float64)
        prefix = np.vstack([np.zeros((1, unit.shape[1])), np.cumsum(rows, axis=0)])
        local = np.arange(b - a)
        sentence = np.searchsorted(offsets, a + local, side="right") - 1
        lo = np.maximum(local - window, offsets[sentence] - a)
        hi = np.minimum(local + window, offsets[sentence + 1] - a - 1)
        total = prefix[hi + 1] - prefix[lo] - rows
        count = np.maximum(hi - lo, 1)[:, None]
        yield a, b, (total / count).astype(np.float32)


def _sentences(encoded: EncodedCorpus, words: list[str]) -> list[list[str]]:
    table = np.asarray(words, dtype=object)
    return [table[s].tolist() for s in encoded.sentences()]


def _labelled_sentences(encoded: EncodedCorpus, words: list[str], slot: np.ndarray,
                        labels: np.ndarray) -> list[list[str]]:
    table = np.asarray(words, dtype=object)
    tokens = table[np.asarray(encoded.ids)].copy()
    multi = np.flatnonzero(labels >= 0)
    tokens[multi] = [f"{w}{SEP}{k}" for w, k in zip(tokens[multi], labels[multi], strict=True)]
    offsets = np.asarray(encoded.offsets).tolist()
    return [tokens[a:b].tolist() for a, b in itertools.pairwise(offsets)]


def _unit(rows: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(rows, axis=-1, keepdims=True)
    return rows / np.where(norms > 0, norms, 1.0)


def register(registry: Registries) -> None:
    registry.embedders.register(
        NAME, func=settings_factory(ContextClustering, ContextClusteringSettings, name=NAME))
